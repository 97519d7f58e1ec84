// The customer page: start → system check → form → connection → waiting → session → end.
// This module routes: one step is visible at a time (focus moves to its heading), the hub's
// messages go to the step they concern, and start-up picks the step to show. Each step is a
// module of its own in steps/ that owns its part of the page. The place in the queue survives
// a reload (token in sessionStorage); the websocket comes back by itself after a drop.

import { api } from "./api.js";
import { mountBank } from "./bank.js";
import { setDocumentArea } from "./documents.js";
import { startDocumentView } from "./docview.js";
import { $, $all, announce, focus } from "./dom.js";
import { HubSocket } from "./hubsocket.js";
import { apply, language, localize, setLanguage, t } from "./i18n.js";
import { stopStream } from "./media.js";
import { mountCheck } from "./steps/check.js";
import { mountEnd, mountGone } from "./steps/end.js";
import { mountForm } from "./steps/form.js";
import { mountMessage } from "./steps/message.js";
import { mountMode } from "./steps/mode.js";
import { mountSession } from "./steps/session.js";
import { mountStart, renderNoticeVersion } from "./steps/start.js";
import { mountWaiting } from "./steps/waiting.js";
import { mountRecording } from "./recording.js";
import { topicFromAddress } from "./state/recording.js";
import { store } from "./store.js";
import { setLimits } from "./validate.js";

const NUMBERED_STEPS = ["start", "check", "form", "mode", "waiting", "session", "end"];

/** What the steps share: the customer's entries and the place in the queue. */
const state = {
  step: null,
  status: null,
  noticeVersion: null,
  checkSummary: null,
  person: store.get("person") || { name: "", phone: "" },
  consent: store.get("consent") || null,
  choice: store.get("choice") || { mode: "av", see_advisor: true, show_me: true },
  // What the consultation is about, from the bank's link (?topic=…): the hub's recording
  // policy may differ per topic.
  topic: topicFromAddress() || store.get("topic") || "",
  token: store.get("token") || null,
  localStream: null,
  queue: { position: null, estimate: null, available: null, online: null },
  keptWaiting: false,
  messageFromQueue: false,
  resuming: false,
};

const app = {
  state,
  steps: {},
  go,
  hub: { socket: null, connect: connectSocket, send },
  recording: null,
  closeEverything,
  restart,
};

// --- routing -------------------------------------------------------------------------------

function go(step, { moveFocus = true } = {}) {
  const previous = state.step;
  state.step = step;
  for (const section of $all(".step")) section.hidden = section.dataset.step !== step;
  document.body.classList.toggle("in-call", step === "session");
  if (previous === "check" && step !== "check") app.steps.check.leave();
  if (previous === "start" && step !== "start") app.steps.start.leave();
  if (["form", "mode"].includes(step)) store.set({ draftStep: step });
  renderProgress();
  renderTitle();
  if (moveFocus) {
    window.scrollTo(0, 0);
    focus($(`#step-${step} h1`));
  }
}

function renderProgress() {
  const index = NUMBERED_STEPS.indexOf(state.step);
  const progress = $("#progress");
  // During the call every line counts: the progress is said by the title alone.
  progress.hidden = index < 0 || state.step === "session";
  if (progress.hidden) return;
  localize($("#progress-text"), "progress", {
    n: index + 1,
    total: NUMBERED_STEPS.length,
    name: { t: `step.${state.step}` },
  });
  $("#progress-fill").style.width = `${((index + 1) / NUMBERED_STEPS.length) * 100}%`;
}

function renderTitle() {
  const step = state.step ? t(`step.${state.step}`) : "";
  document.title = step ? `${step} – ${t("app.title")}` : t("app.title");
}

function switchLanguage(lang) {
  setLanguage(lang);
  store.set({ lang });
  $("#lang-switch").lang = lang === "de" ? "en" : "de";
  for (const link of $all(".notices-link")) link.href = `notices/${lang}.html`;
  renderTitle();
  renderNoticeVersion(state.noticeVersion);
}

// --- the hub connection --------------------------------------------------------------------

function connectSocket() {
  if (app.hub.socket) app.hub.socket.close();
  const socket = new HubSocket(state.token, {
    onMessage: onHubMessage,
    onState: onSocketState,
    onFatal: (error) => {
      if (app.hub.socket === socket) {
        app.steps.gone.show(error.code === "gone" && /given up/.test(error.message) ? "left" : "expired");
      }
    },
  });
  app.hub.socket = socket;
  socket.start();
}

function send(message) {
  return app.hub.socket ? app.hub.socket.send(message) : false;
}

function onSocketState(socketState) {
  const banner = $("#conn-banner");
  const down = socketState === "reconnecting";
  const wasDown = !banner.hidden;
  banner.hidden = !down;
  if (wasDown && socketState === "open") announce($("#conn-announcer"), "conn.restored");
  app.steps.session.onSocket(socketState);
}

function onHubMessage(message) {
  const { session, waiting } = app.steps;
  switch (message.type) {
    case "welcome":
      onWelcome(message);
      break;
    case "queue.position":
      waiting.onQueue(message);
      break;
    case "advisor.coming":
      session.start(message.consultation);
      app.recording.onConsultation(message.consultation);
      break;
    case "recording.state":
      app.recording.onState(message);
      break;
    case "signal":
      session.onSignal(message);
      break;
    case "chat.message":
      session.onChatEntries([message.message], true);
      break;
    case "chat.history":
      session.onChatEntries(message.messages, false);
      break;
    case "consultation.ended":
      if (session.isCurrent(message.consultation_id)) app.steps.end.show(message.ended_by);
      break;
    case "peer":
      if (message.role === "advisor") session.onPeer(message.connected);
      break;
    case "left":
      app.steps.gone.show(message.reason === "expired" ? "expired" : "left");
      break;
    case "error":
      session.onChatRefused(message);
      break;
    default:
      break;
  }
}

function onWelcome(welcome) {
  if (welcome.state === "waiting") {
    app.steps.waiting.onQueue({ position: welcome.position, estimated_wait_seconds: welcome.estimated_wait_seconds });
  } else if (welcome.state === "in_consultation" && welcome.consultation) {
    app.steps.session.onWelcomeAgain(welcome.consultation);
    app.recording.onConsultation(welcome.consultation);
  } else if (welcome.state === "ended" && welcome.consultation) {
    app.steps.end.show(welcome.consultation.ended_by || "advisor");
  }
}

function closeEverything() {
  if (app.hub.socket) app.hub.socket.close();
  app.hub.socket = null;
  $("#conn-banner").hidden = true;
  app.steps.session.close();
  if (app.recording) app.recording.close();
  stopStream(state.localStream);
  state.localStream = null;
  $("#wait-preview-video").srcObject = null;
}

function restart() {
  closeEverything();
  store.reset();
  // The bank's link (its topic) stays.
  window.location.assign(window.location.pathname + window.location.search);
}

// --- start-up ------------------------------------------------------------------------------

async function loadFields() {
  try {
    setLimits((await api.fields()).limits);
  } catch {
    // The page's own values stand until the hub answers; the hub checks again anyway.
  }
}

function boot() {
  switchLanguage(store.get("lang") || "de");
  apply(document);
  $("#lang-switch").addEventListener("click", () => switchLanguage(language() === "de" ? "en" : "de"));
  app.steps = {
    start: mountStart(app),
    check: mountCheck(app),
    form: mountForm(app),
    mode: mountMode(app),
    waiting: mountWaiting(app),
    message: mountMessage(app),
    session: mountSession(app),
    end: mountEnd(app),
    gone: mountGone(app),
  };
  app.recording = mountRecording(app);
  if (state.topic) store.set({ topic: state.topic });
  setDocumentArea($("#document-view"));
  startDocumentView();
  mountBank();
  loadFields();
  window.addEventListener("pagehide", () => {
    // Let the camera go at once; the place in the queue is kept for the grace period.
    stopStream(state.localStream);
  });

  const { start, form, mode, waiting, end } = app.steps;
  if (state.token && store.get("phase") === "ended") {
    // The consultation is over; the token still fetches the transcript.
    end.show(store.get("endedBy"));
  } else if (state.token) {
    // Back after a reload: the websocket's welcome says where we are.
    state.resuming = store.get("phase") === "session";
    waiting.show();
    connectSocket();
    start.load();
  } else if (store.get("draftStep") === "mode" && state.person.name) {
    start.load().then(() => mode.show());
  } else if (store.get("draftStep") === "form") {
    start.load().then(() => form.show());
  } else {
    // A fresh page: the browser starts at the top; focus moves only when the step changes.
    start.show({ moveFocus: false });
  }
}

boot();
