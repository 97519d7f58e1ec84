// The automatic system check: one row per component, each a green tick or a red mark with the
// reason and what to do. Required for going on: a secure connection and a reachable service;
// camera, microphone, sound and the media connection are needed for picture and sound only,
// a text chat works without them.

import { api } from "./api.js";
import { el } from "./dom.js";
import { localize } from "./i18n.js";
import { classify, listDevices, mediaSupported, openMedia, reasonOf, stopStream } from "./media.js";

const ROWS = ["webrtc", "secure", "service", "camera", "microphone", "speaker", "media"];
const REQUIRED = ["secure", "service"];
const LOOPBACK_TIMEOUT_MS = 10000;

let audioContext = null;

/** One shared AudioContext, made (and resumed) from a click so it may play. */
export function getAudioContext() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audioContext || audioContext.state === "closed") audioContext = new Context();
  if (audioContext.state === "suspended") audioContext.resume().catch(() => {});
  return audioContext;
}

/** A short two-note chime (about 0.7 s), generated, no file needed. */
export function playTestTone() {
  const context = getAudioContext();
  if (!context) return false;
  const start = context.currentTime + 0.05;
  [
    [660, 0],
    [880, 0.35],
  ].forEach(([frequency, offset]) => {
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.type = "sine";
    oscillator.frequency.value = frequency;
    gain.gain.setValueAtTime(0.0001, start + offset);
    gain.gain.exponentialRampToValueAtTime(0.3, start + offset + 0.03);
    gain.gain.exponentialRampToValueAtTime(0.0001, start + offset + 0.3);
    oscillator.connect(gain).connect(context.destination);
    oscillator.start(start + offset);
    oscillator.stop(start + offset + 0.32);
  });
  return true;
}

/** Can two peer connections in this browser reach each other with these ICE servers? */
async function loopback(iceServers) {
  const a = new RTCPeerConnection({ iceServers });
  const b = new RTCPeerConnection({ iceServers });
  try {
    a.addEventListener("icecandidate", (event) => {
      if (event.candidate) b.addIceCandidate(event.candidate).catch(() => {});
    });
    b.addEventListener("icecandidate", (event) => {
      if (event.candidate) a.addIceCandidate(event.candidate).catch(() => {});
    });
    const channel = a.createDataChannel("check");
    const opened = new Promise((resolve) => {
      channel.addEventListener("open", () => resolve(true));
      a.addEventListener("connectionstatechange", () => {
        if (a.connectionState === "failed") resolve(false);
      });
      window.setTimeout(() => resolve(false), LOOPBACK_TIMEOUT_MS);
    });
    await a.setLocalDescription(await a.createOffer());
    await b.setRemoteDescription(a.localDescription);
    await b.setLocalDescription(await b.createAnswer());
    await a.setRemoteDescription(b.localDescription);
    return await opened;
  } finally {
    a.close();
    b.close();
  }
}

export class SystemCheck {
  /**
   * @param {HTMLUListElement} list the rows go here
   * @param {Function} onChange called whenever a row changes
   */
  constructor(list, onChange) {
    this.list = list;
    this.onChange = onChange;
    this.rows = {};
    this.results = {};
    this.streams = [];
    this.meterTimer = null;
    this.meterContext = null;
    this.status = null;
    this.run_id = 0;
    this.build();
  }

  build() {
    this.list.replaceChildren();
    for (const name of ROWS) {
      const icon = el("span", { class: "check-icon", "aria-hidden": "true" });
      const title = el("span", { class: "check-name", i18n: `check.${name}.name` });
      const state = el("span", { class: "check-state" });
      const detail = el("p", { class: "check-detail" });
      const hint = el("p", { class: "check-hint" });
      const extra = el("div", { class: "check-extra" });
      const row = el(
        "li",
        { class: "check", dataset: { check: name } },
        icon,
        el("div", { class: "check-body" }, el("p", { class: "check-head" }, title, el("span", { class: "sr-only", text: ": " }), state), detail, hint, extra),
      );
      this.rows[name] = { row, state, detail, hint, extra };
      this.list.append(row);
    }
  }

  set(name, state, detail = null, hint = null, args = undefined) {
    const row = this.rows[name];
    this.results[name] = state;
    row.row.dataset.state = state;
    localize(row.state, `check.state.${state}`);
    if (detail) localize(row.detail, detail, args);
    else {
      row.detail.textContent = "";
      delete row.detail.dataset.i18n;
    }
    row.detail.hidden = !detail;
    if (hint) localize(row.hint, hint, args);
    else {
      row.hint.textContent = "";
      delete row.hint.dataset.i18n;
    }
    row.hint.hidden = !hint;
    this.hideRepeatedHints();
    this.onChange();
  }

  /** The same advice in two rows (camera and microphone both blocked) is given once, in
   * the first of them. */
  hideRepeatedHints() {
    const seen = new Set();
    for (const name of ROWS) {
      const hint = this.rows[name]?.hint;
      if (!hint || !hint.dataset.i18n) continue;
      const said = `${hint.dataset.i18n}|${hint.dataset.i18nArgs || ""}`;
      hint.hidden = seen.has(said);
      seen.add(said);
    }
  }

  get done() {
    return ROWS.every((name) => this.results[name] && this.results[name] !== "pending");
  }

  get requiredOk() {
    return REQUIRED.every((name) => this.results[name] === "ok");
  }

  get cameraOk() {
    return this.results.camera === "ok";
  }

  get avPossible() {
    return ["webrtc", "microphone", "media"].every((name) => this.results[name] === "ok") && this.results.speaker !== "fail";
  }

  /** The summary's i18n key. */
  summary() {
    if (!this.done) return "check.running";
    if (!this.requiredOk) return "check.blocked";
    if (!this.avPossible) return "check.textOnly";
    if (!this.cameraOk) return "check.noCamera";
    if (this.results.speaker === "action") return "check.confirmSound";
    return "check.allOk";
  }

  stop() {
    window.clearInterval(this.meterTimer);
    this.meterTimer = null;
    if (this.meterContext) this.meterContext.close().catch(() => {});
    this.meterContext = null;
    for (const stream of this.streams) stopStream(stream);
    this.streams = [];
    for (const row of Object.values(this.rows)) row.extra.replaceChildren();
  }

  /** Run every check; ``token`` (after joining) fetches this customer's ICE servers. */
  async run(token = null) {
    this.stop();
    this.run_id += 1;
    const runId = this.run_id;
    this.results = {};
    for (const name of ROWS) this.set(name, "pending");
    const alive = () => runId === this.run_id;

    const webrtc = typeof window.RTCPeerConnection === "function";
    this.set("webrtc", webrtc ? "ok" : "fail", webrtc ? "check.webrtc.ok" : "check.webrtc.fail", webrtc ? null : "check.webrtc.hint");
    const local = ["localhost", "127.0.0.1", "[::1]"].includes(window.location.hostname);
    if (window.isSecureContext) {
      this.set("secure", "ok", window.location.protocol === "https:" || !local ? "check.secure.okHttps" : "check.secure.okLocal");
    } else {
      this.set("secure", "fail", "check.secure.fail", "check.secure.hint");
    }

    await Promise.all([
      this.checkService(alive),
      this.checkDevices(alive),
      this.checkMedia(alive, webrtc, token),
    ]);
    if (alive()) this.checkSpeaker(true);
  }

  async checkService(alive) {
    try {
      this.status = await api.status();
      if (alive()) this.set("service", "ok", "check.service.ok");
    } catch {
      if (alive()) this.set("service", "fail", "check.service.fail", "check.service.hint");
    }
  }

  async checkMedia(alive, webrtc, token) {
    if (!webrtc) {
      this.set("media", "fail", "check.media.skipped", "check.webrtc.hint");
      return;
    }
    let servers = [];
    if (token) {
      try {
        servers = (await api.iceServers(token)).ice_servers;
      } catch {
        servers = [];
      }
    }
    let ok = false;
    try {
      ok = await loopback(servers);
    } catch {
      ok = false;
    }
    if (!alive()) return;
    if (ok) this.set("media", "ok", "check.media.ok");
    else this.set("media", "fail", "check.media.fail", "check.media.hint");
  }

  deviceFailure(kind, error) {
    const reason = classify(error);
    const hints = {
      denied: "check.device.denied.hint",
      missing: `check.device.missing.${kind}Hint`,
      busy: "check.device.busy.hint",
      other: "check.device.other.hint",
    };
    this.set(kind, "fail", `check.device.${reason}.${kind}`, hints[reason], { reason: reasonOf(error) });
  }

  async checkDevices(alive) {
    if (!mediaSupported()) {
      for (const kind of ["camera", "microphone"]) {
        this.set(kind, "fail", "check.device.unsupported", "check.device.unsupportedHint");
      }
      return;
    }
    const present = await listDevices();
    const missing = { name: "NotFoundError" };
    const wanted = {
      camera: present.camera !== false,
      microphone: present.microphone !== false,
    };
    for (const kind of ["camera", "microphone"]) {
      if (!wanted[kind]) this.deviceFailure(kind, missing);
    }
    if (!wanted.camera && !wanted.microphone) return;
    // The browser may ask the customer now; say so while the rows wait for the answer.
    const asking = window.setTimeout(() => {
      for (const kind of ["camera", "microphone"]) {
        if (wanted[kind] && this.results[kind] === "pending") this.set(kind, "pending", "check.device.asking");
      }
    }, 1000);
    try {
      await this.openDevices(alive, wanted);
    } finally {
      window.clearTimeout(asking);
    }
  }

  async openDevices(alive, wanted) {
    let stream = null;
    try {
      stream = await openMedia({ audio: wanted.microphone, video: wanted.camera });
    } catch (error) {
      if (!alive()) return;
      if (classify(error) === "denied" || !(wanted.camera && wanted.microphone)) {
        for (const kind of ["camera", "microphone"]) if (wanted[kind]) this.deviceFailure(kind, error);
        return;
      }
      // One of the two is missing or busy: find out which, one at a time.
      await this.checkOneDevice(alive, "microphone");
      await this.checkOneDevice(alive, "camera");
      return;
    }
    if (!alive()) {
      stopStream(stream);
      return;
    }
    this.streams.push(stream);
    this.showDevices(stream);
  }

  async checkOneDevice(alive, kind) {
    try {
      const stream = await openMedia({ audio: kind === "microphone", video: kind === "camera" });
      if (!alive()) {
        stopStream(stream);
        return;
      }
      this.streams.push(stream);
      this.showDevices(stream);
    } catch (error) {
      if (alive()) this.deviceFailure(kind, error);
    }
  }

  showDevices(stream) {
    if (stream.getVideoTracks().length) {
      const video = el("video", { class: "check-preview mirrored", muted: true, autoplay: true, playsinline: true, label: "check.camera.previewLabel" });
      video.muted = true;
      video.srcObject = new MediaStream(stream.getVideoTracks());
      this.rows.camera.extra.replaceChildren(video);
      video.play().catch(() => {});
      this.set("camera", "ok", "check.camera.ok");
    }
    if (stream.getAudioTracks().length) {
      this.set("microphone", "ok", "check.microphone.ok");
      this.startMeter(stream);
    }
  }

  startMeter(stream) {
    const Context = window.AudioContext || window.webkitAudioContext;
    if (!Context) return;
    const bar = el("span", { class: "meter-bar" });
    const meter = el("span", { class: "meter", "aria-hidden": "true" }, bar);
    const heard = el("span", { class: "sr-only", "aria-live": "polite" });
    const label = el("span", { class: "meter-label", i18n: "check.microphone.level" });
    this.rows.microphone.extra.replaceChildren(el("div", { class: "meter-row" }, label, meter), heard);
    const context = new Context();
    this.meterContext = context;
    context.resume().catch(() => {});
    const source = context.createMediaStreamSource(stream);
    const analyser = context.createAnalyser();
    analyser.fftSize = 1024;
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    let announced = false;
    this.meterTimer = window.setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const value of samples) sum += value * value;
      const level = Math.min(1, Math.sqrt(sum / samples.length) * 5);
      bar.style.width = `${Math.round(level * 100)}%`;
      if (level > 0.05 && !announced) {
        announced = true;
        localize(heard, "check.microphone.heard");
      }
    }, 100);
  }

  /** The sound row: plays the tone (automatically once) and asks whether it was heard. */
  checkSpeaker(autoplay) {
    const row = this.rows.speaker;
    if (!(window.AudioContext || window.webkitAudioContext)) {
      this.set("speaker", "fail", "check.speaker.unsupported", "check.speaker.unsupportedHint");
      return;
    }
    const play = el("button", { type: "button", class: "button button--small button--secondary", i18n: "check.speaker.play" });
    const yes = el("button", { type: "button", class: "button button--small button--secondary", i18n: "check.speaker.yes" });
    const no = el("button", { type: "button", class: "button button--small button--secondary", i18n: "check.speaker.no" });
    play.addEventListener("click", () => playTestTone());
    // The button pressed goes away: focus moves to the one that stays, not to the page.
    yes.addEventListener("click", () => {
      this.set("speaker", "ok", "check.speaker.ok");
      row.extra.replaceChildren(play);
      play.focus();
    });
    no.addEventListener("click", () => {
      this.set("speaker", "fail", "check.speaker.fail", "check.speaker.hint");
      row.extra.replaceChildren(el("div", { class: "button-row" }, play, yes));
      play.focus();
    });
    row.extra.replaceChildren(el("div", { class: "button-row" }, play, yes, no));
    this.set("speaker", "action", "check.speaker.prompt");
    if (autoplay) playTestTone();
  }
}
