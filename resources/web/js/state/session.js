// The consultation as pure functions: (state, event) -> state, and what the page says about
// a state. No DOM here, so node --test checks every case (tests/web/session.test.mjs); the
// session step (steps/session.js) applies events and renders what these functions return.
//
// The status line says only what really happens: "Bild und Ton werden übertragen" needs a
// connected peer connection, the customer's own tracks live and the advisor's camera and
// microphone on.

/** A device of the customer's: "none" (not used), "live", "off" (switched off by the
 * customer), "failed" (it stopped or could not be opened). */
const DEVICE_STATES = ["none", "live", "off", "failed"];

export function initialSession(consultation, { microphone = "none", camera = "none" } = {}) {
  return Object.freeze({
    consultation,
    peer: "new", // RTCPeerConnection.connectionState
    socket: "open", // the hub websocket: "open" | "reconnecting"
    advisorOnline: true,
    advisorMedia: Object.freeze({ camera: true, microphone: true }),
    audioFirst: false, // the advisor's side paused the pictures: the line cannot carry them
    link: null, // how the line is: "good" | "fair" | "poor" | null (not measured yet)
    microphone,
    camera,
    textOnly: consultation ? consultation.mode !== "av" : false,
    document: null, // {title, page, count} while the advisor shares one
    view: "video", // what fills the stage: "video" | "document"
    panel: "call", // on a phone: "call" | "chat"
    unreadChat: 0,
  });
}

function device(value) {
  return DEVICE_STATES.includes(value) ? value : "none";
}

/** The next state after one event; the state given is never changed. */
export function reduce(state, event) {
  const next = (changes) => Object.freeze({ ...state, ...changes });
  switch (event.type) {
    case "peer":
      // A new connection starts with pictures; its line is measured afresh.
      if (event.state === "connecting") return next({ peer: event.state, audioFirst: false, link: null });
      return next({ peer: event.state });
    case "audio.first":
      return next({ audioFirst: Boolean(event.active) });
    case "link":
      return next({ link: ["good", "fair", "poor"].includes(event.quality) ? event.quality : null });
    case "socket":
      return next({ socket: event.state === "reconnecting" ? "reconnecting" : "open" });
    case "advisor.online":
      return next({ advisorOnline: Boolean(event.connected) });
    case "advisor.media":
      return next({
        advisorMedia: Object.freeze({ camera: Boolean(event.camera), microphone: Boolean(event.microphone) }),
      });
    case "local.media":
      // What getUserMedia gave (again): each device live, or none when not asked for.
      return next({ microphone: device(event.microphone), camera: device(event.camera) });
    case "track.ended":
      // A device stopped by itself (unplugged, taken by another program, permission revoked).
      if (event.kind === "audio" && state.microphone !== "none") return next({ microphone: "failed" });
      if (event.kind === "video" && state.camera !== "none") return next({ camera: "failed" });
      return state;
    case "toggle":
      if (event.kind === "audio" && ["live", "off"].includes(state.microphone)) {
        return next({ microphone: state.microphone === "live" ? "off" : "live" });
      }
      if (event.kind === "video" && ["live", "off"].includes(state.camera)) {
        return next({ camera: state.camera === "live" ? "off" : "live" });
      }
      return state;
    case "text.only":
      return next({ textOnly: true, microphone: "none", camera: "none", view: "video" });
    case "document.shown":
      return next({
        document: Object.freeze({ title: event.title, page: event.page, count: event.count }),
        // A new document takes the stage; turning pages of the same keeps the customer's choice.
        view: state.document && state.document.title === event.title ? state.view : "document",
      });
    case "document.hidden":
      return next({ document: null, view: "video" });
    case "view":
      if (event.view === "document" && !state.document) return state;
      return next({ view: event.view === "document" ? "document" : "video" });
    case "panel":
      return next({ panel: event.panel === "chat" ? "chat" : "call", unreadChat: event.panel === "chat" ? 0 : state.unreadChat });
    case "chat.received":
      return state.panel === "chat" ? state : next({ unreadChat: state.unreadChat + 1 });
    default:
      return state;
  }
}

// As the workstation grades the line (advisor_app/rtc/peer.py classify_quality): above 150 ms
// round trip people begin to talk over each other, above 300 ms they clearly do; Opus and
// retransmission hide about 2 % loss, above 5 % speech has gaps and video freezes.
export const FAIR_ROUND_TRIP_MS = 150;
export const POOR_ROUND_TRIP_MS = 300;
export const FAIR_FRACTION_LOST = 0.02;
export const POOR_FRACTION_LOST = 0.05;

/** "good", "fair" or "poor" from a round trip (ms) and a lost fraction (0..1); null while
 * neither was measured. */
export function linkQuality(roundTripMs, fractionLost) {
  const rtt = Number.isFinite(roundTripMs) ? roundTripMs : null;
  const lost = Number.isFinite(fractionLost) ? fractionLost : null;
  if (rtt === null && lost === null) return null;
  if ((rtt ?? 0) > POOR_ROUND_TRIP_MS || (lost ?? 0) > POOR_FRACTION_LOST) return "poor";
  if ((rtt ?? 0) > FAIR_ROUND_TRIP_MS || (lost ?? 0) > FAIR_FRACTION_LOST) return "fair";
  return "good";
}

/** The notice on the stage while the pictures are paused for the line, or null. */
export function audioFirstNotice(state) {
  if (!state.audioFirst || state.textOnly || state.peer !== "connected") return null;
  return "video.audioFirst";
}

/** Whether camera or microphone failed: "microphone", "camera", "both" or null. */
export function mediaProblem(state) {
  if (state.textOnly) return null;
  const mic = state.microphone === "failed";
  const cam = state.camera === "failed" && state.consultation && state.consultation.show_me;
  if (mic && cam) return "both";
  if (mic) return "microphone";
  if (cam) return "camera";
  return null;
}

/** The status line: {key, level, args}; level is "ok", "busy", "warn" or "fail". */
export function sessionStatus(state) {
  const consultation = state.consultation;
  const args = { name: consultation ? consultation.advisor_name : "" };
  if (state.socket === "reconnecting") return { key: "state.reconnecting", level: "busy", args };
  if (!state.advisorOnline) return { key: "state.advisorAway", level: "busy", args };
  if (state.textOnly) {
    return {
      key: consultation && consultation.mode === "av" ? "state.switchedToText" : "state.textConnected",
      level: "ok",
      args,
    };
  }
  const problem = mediaProblem(state);
  if (problem) return { key: `state.lost.${problem}`, level: "fail", args };
  if (state.peer === "failed") return { key: "state.failed", level: "fail", args };
  if (state.peer === "disconnected") return { key: "state.reconnecting", level: "busy", args };
  if (state.peer !== "connected") return { key: "state.connecting", level: "busy", args };
  if (state.microphone === "none") return { key: "state.noMedia", level: "warn", args };
  // Connected: say what really arrives and what really leaves.
  const media = state.advisorMedia;
  const cameraOff = consultation.see_advisor && !media.camera;
  if (cameraOff && !media.microphone) return { key: "state.advisorAllOff", level: "ok", args };
  if (cameraOff) {
    return { key: consultation.show_me && state.camera === "live" ? "state.advisorCamOffShowMe" : "state.advisorCamOff", level: "ok", args };
  }
  if (!media.microphone) return { key: "state.advisorMuted", level: "ok", args };
  if (state.audioFirst) return { key: "state.audioFirst", level: "ok", args };
  const video = consultation.see_advisor || (consultation.show_me && state.camera === "live");
  return { key: video ? "state.connected" : "state.audioConnected", level: "ok", args };
}

/** The line under the controls about the customer's own devices, or null. */
export function ownMediaNote(state) {
  if (state.textOnly || mediaProblem(state)) return null;
  if (state.microphone === "none") return "state.noMedia";
  const camera = state.camera === "live" || state.camera === "off";
  if (state.microphone === "off" && state.camera === "off") return "ctl.allOff";
  if (state.microphone === "off") return "ctl.micIsOff";
  if (camera && state.camera === "off") return "ctl.camIsOff";
  return null;
}

/** The notice above the stage while a document is shared, or null. */
export function stageNotice(state) {
  if (!state.document) return null;
  return state.view === "document" ? "docs.showing" : "docs.available";
}
