// The customer page: start → system check → form → connection → waiting → session → end.
// One step is visible at a time; focus moves to its heading. The place in the queue survives a
// reload (token in sessionStorage); the websocket comes back by itself after a drop.

import { ALL_ON, checkMediaState } from "./advisormedia.js";
import { ApiError, api, recordReady, recordUrl, transcriptPdfUrl } from "./api.js";
import { Call } from "./call.js";
import { ChatLog, ChatView } from "./chat.js";
import { documents, setDocumentArea } from "./documents.js";
import { startDocumentView } from "./docview.js";
import { $, $all, announce, el, focus } from "./dom.js";
import { HubSocket } from "./hubsocket.js";
import { apply, language, localize, setLanguage, t } from "./i18n.js";
import { browserFamily, classify, openMedia, reasonOf, stopStream } from "./media.js";
import { store } from "./store.js";
import { SystemCheck, getAudioContext } from "./syscheck.js";
import { printTranscript } from "./transcript.js";
import {
  CHAT_TEXT_MAX,
  MESSAGE_TEXT_MAX,
  checkName,
  checkPhone,
  checkText,
  hubFieldError,
} from "./validate.js";

const NUMBERED_STEPS = ["start", "check", "form", "mode", "waiting", "session", "end"];
const STATUS_REFRESH_MS = 30000;

/** Everything the page knows; kept in one place so a reload can rebuild it. */
const state = {
  step: null,
  status: null,
  noticeVersion: null,
  check: null,
  checkSummary: null,
  person: store.get("person") || { name: "", phone: "" },
  consent: store.get("consent") || null,
  choice: store.get("choice") || { mode: "av", see_advisor: true, show_me: true },
  token: store.get("token") || null,
  socket: null,
  localStream: null,
  queue: { position: null, estimate: null, available: null, online: null },
  keptWaiting: false,
  messageFromQueue: false,
  consultation: null,
  call: null,
  chat: null,
  chatView: null,
  advisorOnline: true,
  peerState: "new",
  mediaRestarts: 0,
  endRequested: false,
  resuming: false,
  micOn: true,
  camOn: true,
  advisorMedia: ALL_ON, // what the advisor sends (media.state)
  statusTimer: null,
};

// --- steps -------------------------------------------------------------------------------

function goTo(step, { moveFocus = true } = {}) {
  const previous = state.step;
  state.step = step;
  for (const section of $all(".step")) section.hidden = section.dataset.step !== step;
  $("#main").classList.toggle("page--wide", step === "session");
  if (previous === "check" && step !== "check" && state.check) state.check.stop();
  if (step !== "start") window.clearInterval(state.statusTimer);
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
  progress.hidden = index < 0;
  if (index < 0) return;
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

// --- language ------------------------------------------------------------------------------

function switchLanguage(lang) {
  setLanguage(lang);
  store.set({ lang });
  const button = $("#lang-switch");
  button.lang = lang === "de" ? "en" : "de";
  for (const link of $all(".notices-link")) link.href = `notices/${lang}.html`;
  renderTitle();
  renderNoticeVersion();
}

// --- start page ----------------------------------------------------------------------------

async function loadStatus() {
  try {
    state.status = await api.status();
    state.noticeVersion = state.status.notice_version;
  } catch {
    state.status = null;
  }
  renderStatus();
  renderNoticeVersion();
  return state.status;
}

function waitText(seconds) {
  if (seconds === null || seconds === undefined) return { t: "wait.unknown" };
  if (seconds <= 15) return { t: "wait.moment" };
  if (seconds < 60) return { t: "wait.lessMinute" };
  const minutes = Math.round(seconds / 60);
  return minutes <= 1 ? { t: "wait.minute" } : { t: "wait.minutes", args: { n: minutes } };
}

function renderStatus() {
  const status = state.status;
  const avail = $("#avail");
  const text = $("#avail-text");
  const extra = $("#avail-extra");
  const startButton = $("#start-button");
  const messageButton = $("#start-message");
  extra.hidden = true;
  startButton.hidden = false;
  messageButton.hidden = true;
  messageButton.classList.replace("button--primary", "button--secondary");
  if (!status) {
    avail.dataset.state = "closed";
    localize(text, "avail.unreachable");
  } else if (!status.open) {
    avail.dataset.state = "closed";
    localize(text, "avail.closed");
    if (status.next_opening) {
      localize(extra, "avail.nextOpening", {
        when: { date: status.next_opening, style: "weekdayTime", timeZone: status.time_zone },
      });
    } else {
      localize(extra, "avail.closedMessage");
    }
    extra.hidden = false;
    startButton.hidden = true;
    messageButton.hidden = false;
    messageButton.classList.replace("button--secondary", "button--primary");
  } else if (status.advisor_available) {
    avail.dataset.state = "free";
    localize(text, "avail.free");
  } else if (status.advisors_online === 0) {
    avail.dataset.state = "busy";
    localize(text, "avail.nobody");
    messageButton.hidden = false;
  } else {
    avail.dataset.state = "busy";
    localize(text, "avail.busy");
    localize(extra, "avail.estimate", { wait: waitText(status.estimated_wait_seconds) });
    extra.hidden = false;
    messageButton.hidden = false;
  }
  renderHours(status);
}

function renderHours(status) {
  const list = $("#hours");
  list.replaceChildren();
  const zone = $("#hours-zone");
  zone.hidden = true;
  if (!status) return;
  if (status.always_open) {
    list.append(el("li", { i18n: "start.hoursAlways" }));
    return;
  }
  const byDay = new Map();
  for (const period of status.opening_hours) {
    const times = byDay.get(period.weekday) || [];
    times.push(`${period.opens}–${period.closes === "23:59" ? "24:00" : period.closes}`);
    byDay.set(period.weekday, times);
  }
  // Consecutive days with the same hours form one line ("Montag bis Freitag").
  const groups = [];
  for (let day = 0; day < 7; day += 1) {
    if (!byDay.has(day)) continue;
    const times = byDay.get(day).join(", ");
    const last = groups[groups.length - 1];
    if (last && last.to === day - 1 && last.times === times) last.to = day;
    else groups.push({ from: day, to: day, times });
  }
  for (const group of groups) {
    const days =
      group.from === group.to
        ? { t: `day.${group.from}` }
        : { t: "hours.dayRange", args: { from: { t: `day.${group.from}` }, to: { t: `day.${group.to}` } } };
    list.append(el("li", { i18n: "start.hoursRow", args: { days, times: group.times } }));
  }
  const ownZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (status.time_zone && status.time_zone !== ownZone) {
    localize(zone, "start.timeZone", { zone: status.time_zone });
    zone.hidden = false;
  }
}

function renderNoticeVersion() {
  const version = state.noticeVersion;
  for (const element of $all(".notice-version")) {
    if (!version) {
      element.textContent = "";
      continue;
    }
    const when = /^\d{4}-\d{2}-\d{2}$/.test(version) ? { date: `${version}T12:00:00Z`, style: "dateLong" } : version;
    localize(element, "form.noticeVersion", { version: when });
  }
}

function showStart({ moveFocus = true } = {}) {
  goTo("start", { moveFocus });
  loadStatus();
  window.clearInterval(state.statusTimer);
  state.statusTimer = window.setInterval(loadStatus, STATUS_REFRESH_MS);
}

// --- system check --------------------------------------------------------------------------

function renderCheck() {
  const check = state.check;
  const key = check.summary();
  state.checkSummary = key;
  const summary = $("#check-summary");
  localize(summary, key);
  const levels = {
    "check.blocked": "fail",
    "check.running": "busy",
    "check.textOnly": "warn",
    "check.noCamera": "warn",
  };
  summary.dataset.state = levels[key] || "ok";
  $("#check-next").hidden = !(check.done && check.requiredOk);
}

function runCheck() {
  $("#check-next").hidden = true;
  state.check.run(state.token).then(() => renderCheck());
}

// --- form ----------------------------------------------------------------------------------

function setFieldError(input, errorElement, result) {
  if (result && result.error) {
    input.setAttribute("aria-invalid", "true");
    localize(errorElement, result.error, result.args);
    errorElement.hidden = false;
  } else {
    input.removeAttribute("aria-invalid");
    errorElement.textContent = "";
    delete errorElement.dataset.i18n;
    errorElement.hidden = true;
  }
}

function showAlert(element, key, args) {
  if (!key) {
    element.hidden = true;
    element.textContent = "";
    delete element.dataset.i18n;
    return;
  }
  localize(element, key, args);
  element.hidden = false;
}

function fillForm() {
  $("#name").value = state.person.name || "";
  $("#phone").value = state.person.phone || "";
  $("#consent").checked = Boolean(state.consent && state.consent.notice_version === state.noticeVersion);
}

/** Check the join form; focus the first wrong field. Returns true when fine. */
function validateJoinForm() {
  const name = checkName($("#name").value);
  const phone = checkPhone($("#phone").value);
  const consent = $("#consent").checked ? null : { error: "err.consent" };
  setFieldError($("#name"), $("#name-error"), name);
  setFieldError($("#phone"), $("#phone-error"), phone);
  setFieldError($("#consent"), $("#consent-error"), consent);
  const first = [
    [name, "#name"],
    [phone, "#phone"],
    [consent, "#consent"],
  ].find(([result]) => result && result.error);
  showAlert($("#form-error"), first ? "form.summary" : null);
  if (first) {
    $(first[1]).focus();
    return false;
  }
  state.person = { name: name.value, phone: phone.value };
  state.consent = { accepted: true, notice_version: state.noticeVersion };
  store.set({ person: state.person, consent: state.consent });
  return true;
}

/** The hub refused the join or the message for one field: show it at the field. */
function showHubFieldError(error, fields) {
  const mapped = hubFieldError(error.field, error.message);
  if (!mapped) return false;
  const target = fields[error.field] || (error.field.startsWith("$.consent") ? fields["$.consent"] : null);
  if (!target) return false;
  const [input, errorElement] = target;
  setFieldError(input, errorElement, mapped);
  input.focus();
  return true;
}

function generalError(error) {
  if (error.code === "network") return ["err.network"];
  if (error.code === "rate_limited") return ["err.rateLimited"];
  if (error.code === "closed") return ["err.closed"];
  return ["err.generic", { reason: error.code }];
}

// --- mode and join -------------------------------------------------------------------------

function readChoice() {
  const mode = $("#mode-text").checked ? "text" : "av";
  return {
    mode,
    see_advisor: mode === "av" && $("#see-advisor").checked,
    show_me: mode === "av" && $("#show-me").checked,
  };
}

function renderChoice() {
  const choice = readChoice();
  $("#av-options").disabled = choice.mode !== "av";
  const note = $("#permission-note");
  note.hidden = choice.mode !== "av";
  localize(note, choice.show_me ? "mode.permissionNote" : "mode.permissionNoteMic");
}

function fillMode() {
  let choice = state.choice;
  const summary = state.checkSummary;
  const warn = summary === "check.textOnly";
  $("#mode-warning").hidden = !warn;
  if (warn && !store.get("choiceTouched")) choice = { mode: "text", see_advisor: true, show_me: true };
  else if (summary === "check.noCamera" && !store.get("choiceTouched")) choice = { ...choice, show_me: false };
  $("#mode-av").checked = choice.mode === "av";
  $("#mode-text").checked = choice.mode === "text";
  $("#see-advisor").checked = choice.mode === "text" ? true : choice.see_advisor;
  $("#show-me").checked = choice.mode === "text" ? true : choice.show_me;
  $("#denied").hidden = true;
  $("#mode-form").hidden = false;
  showAlert($("#mode-error"), null);
  renderChoice();
}

function setWorking(working) {
  $("#mode-submit").disabled = working;
  $("#denied-textonly").disabled = working;
  $("#denied-retry").disabled = working;
  const status = $("#mode-working");
  if (working) localize(status, "mode.working");
  else {
    status.textContent = "";
    delete status.dataset.i18n;
  }
}

function showMediaProblem(error) {
  const kind = classify(error);
  const panel = $("#denied");
  const denied = kind === "denied";
  localize($("#denied-title"), denied ? "denied.title" : "unavailable.title");
  if (denied) localize($("#denied-text"), "denied.text");
  else localize($("#denied-text"), `unavailable.${kind}`, { reason: reasonOf(error) });
  $("#denied-help").hidden = !denied;
  const family = browserFamily() === "edge" ? "chrome" : browserFamily();
  for (const item of $all("#denied-help li")) item.classList.toggle("help-list__mine", item.dataset.browser === family);
  panel.hidden = false;
  focus($("#denied-title"));
}

async function connectChosen(choice) {
  state.choice = choice;
  store.set({ choice });
  setWorking(true);
  showAlert($("#mode-error"), null);
  try {
    if (choice.mode === "av") {
      stopStream(state.localStream);
      state.localStream = null;
      try {
        state.localStream = await openMedia({ audio: true, video: choice.show_me });
      } catch (error) {
        showMediaProblem(error);
        return;
      }
    } else {
      stopStream(state.localStream);
      state.localStream = null;
    }
    $("#denied").hidden = true;
    await join(choice);
  } finally {
    setWorking(false);
  }
}

async function join(choice) {
  if (!state.noticeVersion) await loadStatus();
  const body = {
    name: state.person.name,
    phone: state.person.phone,
    consent: { accepted: true, notice_version: state.noticeVersion || "" },
    mode: choice.mode,
    see_advisor: choice.see_advisor,
    show_me: choice.show_me,
    language: language(),
  };
  let joined;
  try {
    joined = await api.join(body);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    if (error.field) {
      stopStream(state.localStream);
      state.localStream = null;
      if (error.field === "$.consent.notice_version") {
        await loadStatus();
        state.consent = null;
        store.remove("consent");
      }
      goTo("form", { moveFocus: false });
      fillForm();
      showAlert($("#form-error"), "form.summary");
      showHubFieldError(error, {
        "$.name": [$("#name"), $("#name-error")],
        "$.phone": [$("#phone"), $("#phone-error")],
        "$.consent": [$("#consent"), $("#consent-error")],
      });
      return;
    }
    if (error.code === "closed") {
      stopStream(state.localStream);
      state.localStream = null;
      await loadStatus();
      showMessageStep(false);
      showAlert($("#msg-form-error"), "err.closed");
      return;
    }
    const [key, args] = generalError(error);
    showAlert($("#mode-error"), key, args);
    return;
  }
  state.token = joined.token;
  store.set({ token: joined.token, customerId: joined.customer_id, draftStep: null });
  state.queue = { position: joined.position, estimate: joined.estimated_wait_seconds, available: null, online: null };
  showWaiting();
  connectSocket();
}

// --- the hub connection --------------------------------------------------------------------

function connectSocket() {
  if (state.socket) state.socket.close();
  const socket = new HubSocket(state.token, {
    onMessage: onHubMessage,
    onState: onSocketState,
    onFatal: (error) => {
      if (state.socket === socket) showGone(error.code === "gone" && /given up/.test(error.message) ? "left" : "expired");
    },
  });
  state.socket = socket;
  socket.start();
}

function onSocketState(socketState) {
  const banner = $("#conn-banner");
  const down = socketState === "reconnecting";
  const wasDown = !banner.hidden;
  banner.hidden = !down;
  if (wasDown && socketState === "open") announce($("#conn-announcer"), "conn.restored");
  renderSessionState();
}

function send(message) {
  return state.socket ? state.socket.send(message) : false;
}

function onHubMessage(message) {
  switch (message.type) {
    case "welcome":
      onWelcome(message);
      break;
    case "queue.position":
      state.queue.position = message.position;
      state.queue.estimate = message.estimated_wait_seconds;
      state.queue.available = message.advisors_available;
      renderQueue();
      if (message.advisors_available === 0) refreshAvailability();
      break;
    case "advisor.coming":
      startSession(message.consultation);
      break;
    case "signal":
      if (state.call && message.consultation_id === state.consultation?.consultation_id) {
        state.call.handleSignal(message);
      }
      break;
    case "chat.message":
      onChatEntries([message.message], true);
      break;
    case "chat.history":
      onChatEntries(message.messages, false);
      break;
    case "consultation.ended":
      if (state.consultation && message.consultation_id === state.consultation.consultation_id) {
        showEnd(message.ended_by);
      }
      break;
    case "peer":
      if (message.role === "advisor") {
        state.advisorOnline = message.connected;
        renderSessionState();
      }
      break;
    case "left":
      showGone(message.reason === "expired" ? "expired" : "left");
      break;
    case "error":
      onHubError(message);
      break;
    default:
      break;
  }
}

function onHubError(message) {
  if (!message.ref || !message.ref.startsWith("chat:") || !state.chat) return;
  // The hub refused a chat message: take it back out of the chat and into the input.
  const clientId = message.ref.slice("chat:".length);
  const pending = state.chat.waiting.get(clientId);
  if (pending) {
    state.chat.waiting.delete(clientId);
    state.chatView.removePending(clientId);
    const input = $("#chat-input");
    if (!input.value) input.value = pending.text;
  }
  const mapped =
    message.code === "rate_limited"
      ? { error: "chat.tooFast" }
      : message.field === "$.text"
        ? hubFieldError("$.text", message.message)
        : null;
  setFieldError($("#chat-input"), $("#chat-error"), mapped || { error: "err.generic", args: { reason: message.code } });
}

function onWelcome(welcome) {
  if (welcome.state === "waiting") {
    state.queue.position = welcome.position;
    state.queue.estimate = welcome.estimated_wait_seconds;
    if (state.step !== "waiting" && state.step !== "message") showWaiting();
    else renderQueue();
    refreshAvailability();
  } else if (welcome.state === "in_consultation" && welcome.consultation) {
    if (state.consultation && state.consultation.consultation_id === welcome.consultation.consultation_id) {
      resumeChat();
      if (state.endRequested) send({ type: "end", consultation_id: state.consultation.consultation_id });
    } else {
      startSession(welcome.consultation);
    }
  } else if (welcome.state === "ended" && welcome.consultation) {
    state.consultation = welcome.consultation;
    showEnd(welcome.consultation.ended_by || "advisor");
  }
}

async function refreshAvailability() {
  try {
    const status = await api.status();
    state.status = status;
    if (state.queue.available === null || state.queue.available === undefined) {
      state.queue.available = status.advisors_available;
    }
    state.queue.online = status.advisors_online;
  } catch {
    // Not being able to ask is no reason to alarm a waiting customer.
  }
  renderQueue();
}

// --- waiting -------------------------------------------------------------------------------

function modeName(choice) {
  if (choice.mode === "text") return { t: "mode.name.text" };
  return choice.see_advisor || choice.show_me ? { t: "mode.name.av" } : { t: "mode.name.audio" };
}

function showWaiting() {
  if (!state.resuming) store.set({ phase: "waiting" });
  localize($("#wait-greeting"), "wait.greeting", { name: state.person.name || "" });
  localize($("#wait-chosen"), "wait.chosen", { mode: modeName(state.choice) });
  const preview = $("#wait-preview");
  const video = state.localStream ? state.localStream.getVideoTracks() : [];
  preview.hidden = video.length === 0;
  if (video.length) {
    const element = $("#wait-preview-video");
    element.srcObject = new MediaStream(video);
    element.play().catch(() => {});
  }
  showAlert($("#wait-error"), null);
  goTo("waiting");
  renderQueue();
}

function renderQueue() {
  const queue = state.queue;
  const position = $("#queue-position");
  const estimate = $("#queue-estimate");
  if (queue.position === null || queue.position === undefined) {
    localize(position, state.resuming ? "conn.reconnecting" : "wait.connecting");
    estimate.textContent = "";
    delete estimate.dataset.i18n;
  } else {
    localize(position, "wait.position", { position: queue.position });
    localize(estimate, "wait.estimate", { wait: waitText(queue.estimate) });
  }
  const busy = $("#wait-busy");
  const nobodyFree = queue.available === 0;
  busy.hidden = !nobodyFree;
  if (nobodyFree) {
    const nobody = queue.online === 0;
    localize($("#wait-busy-title"), nobody ? "wait.nobodyTitle" : "wait.busyTitle");
    localize($("#wait-busy-text"), nobody ? "wait.nobody" : "wait.busy");
    $("#wait-keep").hidden = state.keptWaiting;
  }
}

async function leaveQueue() {
  try {
    await api.leave(state.token);
  } catch (error) {
    if (!send({ type: "leave" })) {
      const [key, args] = generalError(error);
      showAlert($("#wait-error"), key, args);
      return;
    }
  }
  showGone("left");
}

function showGone(reason) {
  closeEverything();
  store.reset();
  state.token = null;
  localize($("#gone-title"), reason === "left" ? "gone.leftTitle" : "gone.expiredTitle");
  localize($("#gone-text"), reason === "left" ? "gone.leftText" : "gone.expiredText");
  goTo("gone");
}

function closeEverything() {
  if (state.socket) state.socket.close();
  state.socket = null;
  $("#conn-banner").hidden = true;
  if (state.call) state.call.close();
  state.call = null;
  stopStream(state.localStream);
  state.localStream = null;
  for (const id of ["#wait-preview-video", "#own-video", "#advisor-video", "#advisor-audio"]) {
    $(id).srcObject = null;
  }
}

// --- written message -----------------------------------------------------------------------

function showMessageStep(fromQueue) {
  state.messageFromQueue = fromQueue;
  $("#msg-name").value = state.person.name || "";
  $("#msg-phone").value = state.person.phone || "";
  $("#msg-consent").checked = Boolean(state.consent && state.consent.notice_version === state.noticeVersion);
  $("#msg-queue-note").hidden = !fromQueue;
  $("#msg-compose").hidden = false;
  $("#msg-sent").hidden = true;
  localize($("#message-title"), "msg.title");
  for (const [input, error] of [
    ["#msg-name", "#msg-name-error"],
    ["#msg-phone", "#msg-phone-error"],
    ["#msg-text", "#msg-text-error"],
    ["#msg-consent", "#msg-consent-error"],
  ]) {
    setFieldError($(input), $(error), null);
  }
  showAlert($("#msg-form-error"), null);
  renderCounter();
  goTo("message");
  if (!state.noticeVersion) loadStatus();
}

function renderCounter() {
  const left = MESSAGE_TEXT_MAX - [...$("#msg-text").value].length;
  localize($("#msg-counter"), "msg.counter", { n: left });
}

async function sendMessage() {
  const name = checkName($("#msg-name").value);
  const phone = checkPhone($("#msg-phone").value);
  const text = checkText($("#msg-text").value, MESSAGE_TEXT_MAX);
  const consent = $("#msg-consent").checked ? null : { error: "err.consent" };
  setFieldError($("#msg-name"), $("#msg-name-error"), name);
  setFieldError($("#msg-phone"), $("#msg-phone-error"), phone);
  setFieldError($("#msg-text"), $("#msg-text-error"), text);
  setFieldError($("#msg-consent"), $("#msg-consent-error"), consent);
  const first = [
    [name, "#msg-name"],
    [phone, "#msg-phone"],
    [text, "#msg-text"],
    [consent, "#msg-consent"],
  ].find(([result]) => result && result.error);
  if (first) {
    showAlert($("#msg-form-error"), "form.summary");
    $(first[1]).focus();
    return;
  }
  showAlert($("#msg-form-error"), null);
  if (!state.noticeVersion) await loadStatus();
  $("#msg-submit").disabled = true;
  try {
    await api.leaveMessage({
      name: name.value,
      phone: phone.value,
      text: text.value,
      consent: { accepted: true, notice_version: state.noticeVersion || "" },
    });
  } catch (error) {
    if (
      !(error instanceof ApiError) ||
      !showHubFieldError(error, {
        "$.name": [$("#msg-name"), $("#msg-name-error")],
        "$.phone": [$("#msg-phone"), $("#msg-phone-error")],
        "$.text": [$("#msg-text"), $("#msg-text-error")],
        "$.consent": [$("#msg-consent"), $("#msg-consent-error")],
      })
    ) {
      const [key, args] = generalError(error);
      showAlert($("#msg-form-error"), key, args);
    } else {
      showAlert($("#msg-form-error"), "form.summary");
    }
    return;
  } finally {
    $("#msg-submit").disabled = false;
  }
  state.person = { name: name.value, phone: phone.value };
  // Close the hub connection first, so that its "left" does not take over the page.
  const token = state.messageFromQueue ? state.token : null;
  closeEverything();
  if (token) {
    try {
      await api.leave(token);
    } catch {
      // Unreachable just now: without its connection the place expires after the grace time.
    }
  }
  store.reset();
  state.token = null;
  $("#msg-compose").hidden = true;
  $("#msg-sent").hidden = false;
  localize($("#message-title"), "msg.sentTitle");
  localize($("#msg-sent-text"), "msg.sentText", { phone: phone.value });
  focus($("#message-title"));
}

// --- session -------------------------------------------------------------------------------

function startSession(consultation) {
  store.set({ phase: "session" });
  state.resuming = false;
  state.consultation = consultation;
  state.advisorOnline = true;
  state.peerState = "new";
  state.endRequested = false;
  state.mediaRestarts = 0;
  state.advisorMedia = ALL_ON;
  state.chat = new ChatLog(consultation.consultation_id);
  state.chatView.clear();
  state.chatView.addSystem("chat.joined", { name: consultation.advisor_name });
  const av = consultation.mode === "av";
  localize($("#session-title"), av ? "session.titleAv" : "session.titleText");
  localize($("#session-greeting"), "session.greeting", { name: consultation.advisor_name });
  $("#media-area").hidden = !av;
  $("#documents-area").hidden = !av;
  $("#step-session").classList.toggle("session--text", !av);
  $("#end-confirm").hidden = true;
  $("#end-button").hidden = false;
  $("#wait-preview-video").srcObject = null;
  setFieldError($("#chat-input"), $("#chat-error"), null);
  if (av) startMedia(consultation);
  goTo("session");
  renderSessionState();
  resumeChat();
}

function startMedia(consultation) {
  if (state.call) state.call.close();
  const call = new Call(consultation, {
    send,
    onRemoteTrack,
    onState: (pcState) => {
      state.peerState = pcState;
      if (pcState === "connected") state.mediaRestarts = 0;
      if (pcState === "failed") restartMedia();
      renderSessionState();
    },
  });
  state.call = call;
  const stage = $("#advisor-video");
  stage.hidden = !consultation.see_advisor;
  stage.srcObject = null;
  localize($("#stage-note"), consultation.see_advisor ? "video.waiting" : "video.noAdvisorVideo", {
    name: consultation.advisor_name,
  });
  $("#stage-note").hidden = false;
  $("#media-area").classList.toggle("media--audio-only", !consultation.see_advisor);
  renderAdvisorMedia();
  state.micOn = true;
  state.camOn = true;
  // Offers may arrive before the camera is ready (after a reload): the call waits for it.
  const ready = (async () => {
    const wantVideo = Boolean(consultation.show_me);
    const have = state.localStream;
    const fits =
      have &&
      have.getAudioTracks().some((track) => track.readyState === "live") &&
      (!wantVideo || have.getVideoTracks().some((track) => track.readyState === "live"));
    if (!fits) {
      stopStream(have);
      state.localStream = null;
      try {
        state.localStream = await openMedia({ audio: true, video: wantVideo });
      } catch (error) {
        console.warn("no camera or microphone for the session", error);
        state.localStream = null;
      }
    }
    if (!consultation.show_me && state.localStream) {
      for (const track of state.localStream.getVideoTracks()) {
        track.stop();
        state.localStream.removeTrack(track);
      }
    }
    call.setLocalStream(state.localStream);
    renderControls();
  })();
  call.chain = ready;
}

function restartMedia() {
  // The advisor offers anew whenever this page's connection to the hub comes back; a fresh
  // websocket is the way to ask for a new media connection after ICE failed.
  if (state.mediaRestarts >= 3 || !state.socket) return;
  state.mediaRestarts += 1;
  window.setTimeout(() => {
    if (state.peerState === "failed" && state.socket) state.socket.restart();
  }, 2000);
}

function onRemoteTrack(track) {
  if (track.kind === "audio") {
    const audio = $("#advisor-audio");
    audio.srcObject = new MediaStream([track]);
    audio.play().then(
      () => {
        $("#audio-unblock").hidden = true;
      },
      () => {
        $("#audio-unblock").hidden = false;
      },
    );
  } else if (track.kind === "video" && state.consultation?.see_advisor) {
    const video = $("#advisor-video");
    video.srcObject = new MediaStream([track]);
    video.play().catch(() => {});
  }
}

function renderControls() {
  const stream = state.localStream;
  const hasAudio = Boolean(stream && stream.getAudioTracks().length);
  const hasVideo = Boolean(stream && stream.getVideoTracks().length);
  const mic = $("#mic-toggle");
  mic.hidden = !hasAudio;
  localize(mic, state.micOn ? "ctl.micOff" : "ctl.micOn");
  mic.classList.toggle("is-off", !state.micOn);
  const cam = $("#cam-toggle");
  cam.hidden = !hasVideo;
  localize(cam, state.camOn ? "ctl.camOff" : "ctl.camOn");
  cam.classList.toggle("is-off", !state.camOn);
  const own = $("#own-video");
  own.hidden = !(hasVideo && state.camOn);
  if (hasVideo && !own.srcObject) {
    own.srcObject = new MediaStream(stream.getVideoTracks());
    own.play().catch(() => {});
  }
  const status = $("#media-status");
  if (!stream) localize(status, "state.noMedia");
  else if (!state.micOn && !state.camOn && hasVideo) localize(status, "ctl.allOff");
  else if (!state.micOn) localize(status, "ctl.micIsOff");
  else if (!state.camOn && hasVideo) localize(status, "ctl.camIsOff");
  else {
    status.textContent = "";
    delete status.dataset.i18n;
  }
}

/** A media.state from the advisor (docview.js hands it over); false refuses it. */
function onAdvisorMedia(message) {
  const media = checkMediaState(message);
  if (!media) return false;
  state.advisorMedia = media;
  renderAdvisorMedia();
  renderSessionState();
  return true;
}

/** "Kamera aus" in place of the advisor's (black) picture, and a sign while muted. */
function renderAdvisorMedia() {
  const consultation = state.consultation;
  const av = Boolean(consultation && consultation.mode === "av");
  const name = consultation ? consultation.advisor_name : "";
  const cameraOff = av && consultation.see_advisor && !state.advisorMedia.camera;
  const placeholder = $("#stage-camera-off");
  placeholder.hidden = !cameraOff;
  if (cameraOff) localize($("#stage-camera-off-text"), "video.camOffText", { name });
  const video = $("#advisor-video");
  // The note ("loading …") stays away behind the placeholder and comes back only while the
  // picture has not started yet.
  if (consultation?.see_advisor) $("#stage-note").hidden = cameraOff || video.readyState >= 2;
  const muted = $("#advisor-muted");
  muted.hidden = !(av && !state.advisorMedia.microphone);
  if (!muted.hidden) localize($("#advisor-muted-text"), "video.advisorMuted", { name });
}

function renderSessionState() {
  if (state.step !== "session" || !state.consultation) return;
  const element = $("#session-state");
  const text = $("#session-state-text");
  const consultation = state.consultation;
  let key;
  let level;
  if (state.socket && state.socket.state === "reconnecting") {
    key = "state.reconnecting";
    level = "busy";
  } else if (!state.advisorOnline) {
    key = "state.advisorAway";
    level = "busy";
  } else if (consultation.mode !== "av") {
    key = "state.textConnected";
    level = "ok";
  } else if (state.peerState === "connected") {
    // Say what really arrives: the advisor may have switched the camera off or be muted.
    const media = state.advisorMedia;
    const cameraOff = consultation.see_advisor && !media.camera;
    if (cameraOff && !media.microphone) key = "state.advisorAllOff";
    else if (cameraOff) key = consultation.show_me ? "state.advisorCamOffShowMe" : "state.advisorCamOff";
    else if (!media.microphone) key = "state.advisorMuted";
    else key = consultation.see_advisor || consultation.show_me ? "state.connected" : "state.audioConnected";
    level = "ok";
  } else if (state.peerState === "disconnected") {
    key = "state.reconnecting";
    level = "busy";
  } else if (state.peerState === "failed") {
    key = "state.failed";
    level = "fail";
  } else {
    key = "state.connecting";
    level = "busy";
  }
  element.dataset.state = level;
  localize(text, key, { name: consultation.advisor_name }); // some name the advisor
}

function resumeChat() {
  const consultation = state.consultation;
  if (!consultation || !state.chat) return;
  send({ type: "chat.history", consultation_id: consultation.consultation_id, after_seq: state.chat.lastSeq });
  for (const pending of state.chat.pending()) {
    send({
      type: "chat.send",
      consultation_id: consultation.consultation_id,
      client_id: pending.client_id,
      text: pending.text,
      ref: `chat:${pending.client_id}`.slice(0, 64),
    });
  }
}

function onChatEntries(entries, live) {
  if (!state.chat) return;
  for (const entry of entries) {
    if (!state.chat.add(entry)) continue;
    state.chatView.addStored(entry);
    if (live && entry.author_role === "advisor") {
      const text = entry.text.length > 300 ? `${entry.text.slice(0, 300)} …` : entry.text;
      announce($("#chat-announcer"), "chat.announce", { name: entry.author_name, text });
    }
  }
}

function sendChat() {
  const input = $("#chat-input");
  const result = checkText(input.value, CHAT_TEXT_MAX);
  if (result.error) {
    setFieldError(input, $("#chat-error"), result);
    return;
  }
  setFieldError(input, $("#chat-error"), null);
  const consultation = state.consultation;
  const pending = state.chat.newOutgoing(result.value);
  state.chatView.addPending(pending);
  send({
    type: "chat.send",
    consultation_id: consultation.consultation_id,
    client_id: pending.client_id,
    text: pending.text,
    ref: `chat:${pending.client_id}`.slice(0, 64),
  });
  input.value = "";
  input.focus();
}

function requestEnd() {
  state.endRequested = true;
  send({ type: "end", consultation_id: state.consultation.consultation_id });
}

// --- end -----------------------------------------------------------------------------------

function showEnd(endedBy) {
  store.set({ phase: "ended", endedBy });
  if (state.call) state.call.close();
  state.call = null;
  stopStream(state.localStream);
  state.localStream = null;
  for (const id of ["#own-video", "#advisor-video", "#advisor-audio", "#wait-preview-video"]) $(id).srcObject = null;
  if (state.socket) state.socket.close();
  state.socket = null;
  $("#conn-banner").hidden = true;
  localize($("#end-who"), endedBy === "customer" ? "end.byCustomer" : "end.byAdvisor");
  $("#transcript-link").href = transcriptPdfUrl(state.token);
  watchForRecord(state.token);
  showAlert($("#print-error"), null);
  const family = browserFamily();
  for (const details of $all("#perm-help details")) details.open = details.dataset.browser === family;
  goTo("end");
}

// The hub makes the record at every consultation's end (and again when the advisor's shown
// pages arrive a moment later). Until it is there the link is shown as being prepared; the
// end screen looks for it (HEAD) every two seconds at first, then less often, for ten minutes.
let recordWatch = null;
function watchForRecord(token) {
  window.clearTimeout(recordWatch);
  const link = $("#record-link");
  const status = $("#record-status");
  link.removeAttribute("href");
  link.setAttribute("aria-disabled", "true");
  status.dataset.state = "busy";
  localize(status, "end.recordPreparing");
  const started = Date.now();
  const look = async () => {
    if (await recordReady(token)) {
      link.href = recordUrl(token);
      link.removeAttribute("aria-disabled");
      status.dataset.state = "ok";
      localize(status, "end.recordReady");
      return;
    }
    const waited = Date.now() - started;
    if (waited > 10 * 60 * 1000) {
      status.dataset.state = "late";
      localize(status, "end.recordLate");
      return;
    }
    recordWatch = window.setTimeout(look, waited < 60 * 1000 ? 2000 : 10000);
  };
  look();
}

async function print() {
  showAlert($("#print-error"), null);
  try {
    await printTranscript(state.token, $("#print-transcript"));
  } catch (error) {
    console.warn("transcript", error);
    showAlert($("#print-error"), "end.printError");
  }
}

function restart() {
  closeEverything();
  store.reset();
  window.location.assign(window.location.pathname);
}

// --- wiring --------------------------------------------------------------------------------

function wire() {
  $("#lang-switch").addEventListener("click", () => switchLanguage(language() === "de" ? "en" : "de"));

  $("#start-button").addEventListener("click", () => {
    getAudioContext(); // made during the click, so the test tone may play
    goTo("check");
    runCheck();
  });
  $("#start-message").addEventListener("click", () => showMessageStep(false));

  $("#check-rerun").addEventListener("click", () => {
    getAudioContext();
    runCheck();
    focus($("#check-title"));
  });
  $("#check-back").addEventListener("click", () => showStart());
  $("#check-next").addEventListener("click", () => {
    goTo("form");
    fillForm();
  });

  $("#join-form").addEventListener("submit", (event) => {
    event.preventDefault();
    if (validateJoinForm()) {
      goTo("mode");
      fillMode();
    }
  });
  for (const [input, error] of [
    ["#name", "#name-error"],
    ["#phone", "#phone-error"],
    ["#consent", "#consent-error"],
    ["#msg-name", "#msg-name-error"],
    ["#msg-phone", "#msg-phone-error"],
    ["#msg-text", "#msg-text-error"],
    ["#msg-consent", "#msg-consent-error"],
  ]) {
    $(input).addEventListener("input", () => setFieldError($(input), $(error), null));
    $(input).addEventListener("change", () => setFieldError($(input), $(error), null));
  }
  $("#form-back").addEventListener("click", () => {
    goTo("check");
    runCheck();
  });

  for (const id of ["#mode-av", "#mode-text", "#see-advisor", "#show-me"]) {
    $(id).addEventListener("change", () => {
      store.set({ choiceTouched: true });
      renderChoice();
    });
  }
  $("#mode-form").addEventListener("submit", (event) => {
    event.preventDefault();
    connectChosen(readChoice());
  });
  $("#mode-back").addEventListener("click", () => {
    goTo("form");
    fillForm();
  });
  $("#denied-retry").addEventListener("click", () => connectChosen(readChoice()));
  $("#denied-textonly").addEventListener("click", () => {
    $("#mode-text").checked = true;
    renderChoice();
    connectChosen({ mode: "text", see_advisor: false, show_me: false });
  });

  $("#wait-keep").addEventListener("click", () => {
    state.keptWaiting = true;
    localize($("#wait-kept"), "wait.keptWaiting");
    renderQueue();
    $("#wait-message").focus();
  });
  $("#wait-message").addEventListener("click", () => showMessageStep(true));
  $("#wait-leave").addEventListener("click", () => leaveQueue());

  $("#msg-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendMessage();
  });
  $("#msg-text").addEventListener("input", renderCounter);
  $("#msg-back").addEventListener("click", () => {
    if (state.messageFromQueue && state.token) {
      goTo("waiting");
      renderQueue();
    } else showStart();
  });
  $("#msg-restart").addEventListener("click", restart);

  $("#chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sendChat();
  });
  $("#chat-input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendChat();
    }
  });
  $("#mic-toggle").addEventListener("click", () => {
    state.micOn = !state.micOn;
    if (state.call) state.call.setEnabled("audio", state.micOn);
    renderControls();
  });
  $("#cam-toggle").addEventListener("click", () => {
    state.camOn = !state.camOn;
    if (state.call) state.call.setEnabled("video", state.camOn);
    renderControls();
  });
  $("#audio-unblock").addEventListener("click", () => {
    $("#advisor-audio").play().then(() => {
      $("#audio-unblock").hidden = true;
    });
  });
  $("#advisor-video").addEventListener("playing", () => {
    $("#stage-note").hidden = true;
  });
  $("#end-button").addEventListener("click", () => {
    $("#end-button").hidden = true;
    $("#end-confirm").hidden = false;
    $("#end-yes").focus();
  });
  $("#end-no").addEventListener("click", () => {
    $("#end-confirm").hidden = true;
    $("#end-button").hidden = false;
    $("#end-button").focus();
  });
  $("#end-yes").addEventListener("click", requestEnd);

  $("#print-button").addEventListener("click", print);
  $("#end-restart").addEventListener("click", restart);
  $("#gone-restart").addEventListener("click", restart);

  window.addEventListener("pagehide", () => {
    // Let the camera go at once; the place in the queue is kept for the grace period.
    stopStream(state.localStream);
  });
}

function boot() {
  const lang = store.get("lang") || "de";
  switchLanguage(lang);
  apply(document);
  state.check = new SystemCheck($("#check-list"), () => {
    if (state.check) renderCheck();
  });
  state.chatView = new ChatView($("#chat-list"), $("#chat-scroller"), $("#chat-empty"));
  setDocumentArea($("#document-view"));
  startDocumentView();
  documents.onMediaState = onAdvisorMedia;
  wire();
  if (state.token && store.get("phase") === "ended") {
    // The consultation is over; the token still fetches the transcript.
    showEnd(store.get("endedBy"));
  } else if (state.token) {
    // Back after a reload: the websocket's welcome says where we are.
    state.queue = { position: null, estimate: null, available: null, online: null };
    state.resuming = store.get("phase") === "session";
    showWaiting();
    connectSocket();
    loadStatus();
  } else if (store.get("draftStep") === "mode" && state.person.name) {
    loadStatus().then(() => {
      goTo("mode");
      fillMode();
    });
  } else if (store.get("draftStep") === "form") {
    loadStatus().then(() => {
      goTo("form");
      fillForm();
    });
  } else {
    // A fresh page: the browser starts at the top; focus moves only when the step changes.
    showStart({ moveFocus: false });
  }
}

boot();
