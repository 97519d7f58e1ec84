// Camera and microphone: asking for them, naming what went wrong, letting them go again.

export const AUDIO_CONSTRAINTS = {
  echoCancellation: true,
  noiseSuppression: true,
  autoGainControl: true,
};

export const VIDEO_CONSTRAINTS = {
  width: { ideal: 640 },
  height: { ideal: 480 },
  frameRate: { ideal: 25, max: 30 },
  facingMode: "user",
};

export function mediaSupported() {
  return Boolean(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

/** 'denied' | 'missing' | 'busy' | 'other' for an error of getUserMedia. */
export function classify(error) {
  const name = error && error.name;
  if (name === "NotAllowedError" || name === "SecurityError" || name === "PermissionDeniedError") {
    return "denied";
  }
  if (name === "NotFoundError" || name === "DevicesNotFoundError" || name === "OverconstrainedError") {
    return "missing";
  }
  if (name === "NotReadableError" || name === "TrackStartError" || name === "AbortError") {
    return "busy";
  }
  return "other";
}

export function reasonOf(error) {
  return (error && (error.name || error.message)) || "unbekannt";
}

/** Which kinds of devices exist (known even before permission; labels are not needed). */
export async function listDevices() {
  if (!navigator.mediaDevices || !navigator.mediaDevices.enumerateDevices) {
    return { camera: null, microphone: null };
  }
  try {
    const devices = await navigator.mediaDevices.enumerateDevices();
    return {
      camera: devices.some((device) => device.kind === "videoinput"),
      microphone: devices.some((device) => device.kind === "audioinput"),
    };
  } catch {
    return { camera: null, microphone: null };
  }
}

export async function openMedia({ audio, video }) {
  return navigator.mediaDevices.getUserMedia({
    audio: audio ? AUDIO_CONSTRAINTS : false,
    video: video ? VIDEO_CONSTRAINTS : false,
  });
}

export function stopStream(stream) {
  if (!stream) return;
  for (const track of stream.getTracks()) track.stop();
}

/** Which browser family, to show its help first. */
export function browserFamily() {
  const agent = navigator.userAgent;
  if (/Edg\//.test(agent)) return "edge";
  if (/Firefox\//.test(agent)) return "firefox";
  if (/Safari\//.test(agent) && !/Chrom(e|ium)\//.test(agent)) return "safari";
  return "chrome";
}
