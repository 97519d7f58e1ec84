// Step 6, the consultation: video, controls and chat in one screen that fits the viewport;
// a shared document takes the stage (with a way back to the video); on a phone the call and
// the chat are two panels. The state lives in state/session.js as pure functions: events go
// in through dispatch(), render() shows what they say.

import { checkMediaState } from "../advisormedia.js";
import { Call } from "../call.js";
import { ChatLog, ChatView } from "../chat.js";
import { documents } from "../documents.js";
import { $, announce } from "../dom.js";
import { setFieldError } from "../forms.js";
import { localize, t } from "../i18n.js";
import { openMedia, stopStream } from "../media.js";
import {
  audioFirstNotice,
  initialSession,
  linkQuality,
  mediaProblem,
  ownMediaNote,
  reduce,
  sessionStatus,
  stageNotice,
} from "../state/session.js";
import { store } from "../store.js";
import { checkText, limits, reasonError } from "../validate.js";

function trackState(stream, kind) {
  const tracks = stream ? (kind === "audio" ? stream.getAudioTracks() : stream.getVideoTracks()) : [];
  if (!tracks.length) return "none";
  return tracks.some((track) => track.readyState === "live") ? "live" : "failed";
}

export function mountSession(app) {
  const root = $("#step-session");
  const chatView = new ChatView($("#chat-list", root), $("#chat-scroller", root), $("#chat-empty", root));
  let s = initialSession(null);
  let chat = null;
  let call = null;
  let mediaRestarts = 0;
  let linkTimer = 0; // samples the line's quality while a call runs
  let endRequested = false;
  const phone = window.matchMedia("(max-width: 47.99rem)");

  function dispatch(event) {
    const before = s;
    s = reduce(s, event);
    if (s !== before) render(before);
  }

  // --- rendering ---------------------------------------------------------------------------

  function render(before = null) {
    if (!s.consultation) return;
    const status = sessionStatus(s);
    const element = $("#session-state", root);
    element.dataset.state = status.level;
    localize($("#session-state-text", root), status.key, status.args);
    renderTrouble();
    renderControls();
    renderAdvisorMedia();
    renderStage(before);
    renderPanels();
    renderLine();
  }

  /** Audio-first in plain words, and the line's quality as a dot and a word. */
  function renderLine() {
    const notice = audioFirstNotice(s);
    $("#audio-first", root).hidden = !notice;
    const indicator = $("#link-quality", root);
    const shown = Boolean(s.link) && !s.textOnly && s.peer === "connected";
    indicator.hidden = !shown;
    if (!shown) return;
    indicator.dataset.level = s.link;
    localize($("#link-quality-text", root), `link.${s.link}`);
    indicator.title = t("link.label");
  }

  function renderTrouble() {
    const problem = mediaProblem(s);
    const box = $("#media-trouble", root);
    const wasHidden = box.hidden;
    box.hidden = !problem;
    if (problem) localize($("#media-trouble-text", root), `media.lost.${problem}`);
    if (problem && wasHidden && s.panel !== "call") dispatch({ type: "panel", panel: "call" });
  }

  function renderControls() {
    const stream = app.state.localStream;
    const mic = $("#mic-toggle", root);
    mic.hidden = !["live", "off"].includes(s.microphone);
    localize(mic, s.microphone === "off" ? "ctl.micOn" : "ctl.micOff");
    mic.classList.toggle("is-off", s.microphone === "off");
    mic.setAttribute("aria-pressed", String(s.microphone === "off"));
    const cam = $("#cam-toggle", root);
    const showMe = Boolean(s.consultation.show_me);
    cam.hidden = !(showMe && ["live", "off"].includes(s.camera));
    localize(cam, s.camera === "off" ? "ctl.camOn" : "ctl.camOff");
    cam.classList.toggle("is-off", s.camera === "off");
    cam.setAttribute("aria-pressed", String(s.camera === "off"));
    const own = $("#own-video", root);
    own.hidden = !(showMe && s.camera === "live");
    const videoTracks = stream ? stream.getVideoTracks().filter((track) => track.readyState === "live") : [];
    if (!own.hidden && videoTracks.length && own.srcObject?.getVideoTracks()[0] !== videoTracks[0]) {
      own.srcObject = new MediaStream(videoTracks);
      own.play().catch(() => {});
    }
    const note = ownMediaNote(s);
    const status = $("#media-status", root);
    if (note) localize(status, note);
    else {
      status.textContent = "";
      delete status.dataset.i18n;
    }
  }

  /** "Kamera aus" in place of the advisor's (black) picture, and a sign while muted. */
  function renderAdvisorMedia() {
    const consultation = s.consultation;
    const av = consultation.mode === "av" && !s.textOnly;
    const name = consultation.advisor_name;
    const cameraOff = av && consultation.see_advisor && !s.advisorMedia.camera;
    $("#stage-camera-off", root).hidden = !cameraOff;
    if (cameraOff) localize($("#stage-camera-off-text", root), "video.camOffText", { name });
    const video = $("#advisor-video", root);
    // The note ("loading …") stays away behind the placeholder and comes back only while the
    // picture has not started yet.
    if (consultation.see_advisor) $("#stage-note", root).hidden = cameraOff || video.readyState >= 2;
    const muted = $("#advisor-muted", root);
    muted.hidden = !(av && !s.advisorMedia.microphone);
    if (!muted.hidden) localize($("#advisor-muted-text", root), "video.advisorMuted", { name });
  }

  function renderStage(before) {
    const notice = stageNotice(s);
    const box = $("#stage-notice", root);
    box.hidden = !notice;
    const documentShown = s.view === "document";
    root.classList.toggle("call--document", documentShown);
    $("#documents-area", root).hidden = !documentShown;
    if (!notice) return;
    localize($("#stage-notice-text", root), notice, { name: s.consultation.advisor_name });
    localize($("#stage-switch", root), documentShown ? "docs.backToVideo" : "docs.showDocument");
    if (before && before.view !== s.view) window.dispatchEvent(new Event("resize")); // the view lays itself out anew
  }

  function renderPanels() {
    $("#call", root).dataset.panel = s.panel;
    $("#show-call", root).setAttribute("aria-pressed", String(s.panel === "call"));
    $("#show-chat", root).setAttribute("aria-pressed", String(s.panel === "chat"));
    const badge = $("#chat-unread", root);
    badge.hidden = s.unreadChat === 0;
    if (s.unreadChat) localize(badge, "session.unread", { n: s.unreadChat });
  }

  // --- the session's start -----------------------------------------------------------------

  function start(consultation) {
    store.set({ phase: "session" });
    app.state.resuming = false;
    endRequested = false;
    mediaRestarts = 0;
    const av = consultation.mode === "av";
    s = initialSession(consultation);
    chat = new ChatLog(consultation.consultation_id);
    chatView.clear();
    chatView.addSystem("chat.joined", { name: consultation.advisor_name });
    localize($("#session-title", root), av ? "session.titleAv" : "session.titleText");
    localize($("#session-greeting", root), "session.greeting", { name: consultation.advisor_name });
    root.classList.toggle("session--text", !av);
    $("#end-confirm", root).hidden = true;
    $("#end-button", root).hidden = false;
    $("#wait-preview-video").srcObject = null;
    setFieldError($("#chat-input", root), $("#chat-error", root), null);
    if (av) startMedia(consultation);
    app.go("session");
    render();
    resumeChat();
  }

  function startMedia(consultation) {
    if (call) call.close();
    clearInterval(linkTimer);
    linkTimer = setInterval(sampleLink, 2000);
    call = new Call(consultation, {
      send: app.hub.send,
      onRemoteTrack,
      onState: (pcState) => {
        if (pcState === "connected") mediaRestarts = 0;
        if (pcState === "failed") restartMedia();
        dispatch({ type: "peer", state: pcState });
      },
    });
    const stage = $("#advisor-video", root);
    stage.hidden = !consultation.see_advisor;
    stage.srcObject = null;
    localize($("#stage-note", root), consultation.see_advisor ? "video.waiting" : "video.noAdvisorVideo", {
      name: consultation.advisor_name,
    });
    $("#stage-note", root).hidden = false;
    $("#media-area", root).classList.toggle("media--audio-only", !consultation.see_advisor);
    // Offers may arrive before the camera is ready (after a reload): the call waits for it.
    const current = call;
    call.chain = (async () => {
      await openLocal(consultation);
      current.setLocalStream(app.state.localStream);
    })();
  }

  /** The camera and microphone for the call: kept from the connection step when still live,
   * opened (again) otherwise; each track's end is watched. */
  async function openLocal(consultation) {
    const wantVideo = Boolean(consultation.show_me);
    let stream = app.state.localStream;
    const fits =
      stream &&
      trackState(stream, "audio") === "live" &&
      (!wantVideo || trackState(stream, "video") === "live");
    if (!fits) {
      stopStream(stream);
      stream = null;
      try {
        stream = await openMedia({ audio: true, video: wantVideo });
      } catch (error) {
        console.warn("no camera or microphone for the session", error);
        stream = null;
      }
    }
    if (!wantVideo && stream) {
      for (const track of stream.getVideoTracks()) {
        track.stop();
        stream.removeTrack(track);
      }
    }
    app.state.localStream = stream;
    for (const track of stream ? stream.getTracks() : []) {
      track.addEventListener("ended", () => {
        if (app.state.localStream === stream) dispatch({ type: "track.ended", kind: track.kind });
      });
    }
    dispatch({
      type: "local.media",
      microphone: stream ? trackState(stream, "audio") : "failed",
      camera: wantVideo ? (stream ? trackState(stream, "video") : "failed") : "none",
    });
  }

  async function retryMedia() {
    const retry = $("#media-retry", root);
    retry.disabled = true;
    try {
      stopStream(app.state.localStream);
      app.state.localStream = null;
      await openLocal(s.consultation);
      if (call) await call.replaceLocal(app.state.localStream);
    } finally {
      retry.disabled = false;
    }
    if (!mediaProblem(s)) $("#mic-toggle", root).focus();
  }

  async function continueAsText() {
    stopStream(app.state.localStream);
    app.state.localStream = null;
    if (call) await call.replaceLocal(null);
    dispatch({ type: "text.only" });
    announce($("#chat-announcer", root), "media.textNow");
    dispatch({ type: "panel", panel: "chat" });
    $("#chat-input", root).focus();
  }

  function restartMedia() {
    // The advisor offers anew whenever this page's connection to the hub comes back; a fresh
    // websocket is the way to ask for a new media connection after ICE failed.
    if (mediaRestarts >= 3 || !app.hub.socket) return;
    mediaRestarts += 1;
    window.setTimeout(() => {
      if (s.peer === "failed" && app.hub.socket) app.hub.socket.restart();
    }, 2000);
  }

  function onRemoteTrack(track) {
    if (track.kind === "audio") {
      const audio = $("#advisor-audio", root);
      audio.srcObject = new MediaStream([track]);
      audio.play().then(
        () => {
          $("#audio-unblock", root).hidden = true;
        },
        () => {
          $("#audio-unblock", root).hidden = false;
        },
      );
    } else if (track.kind === "video" && s.consultation?.see_advisor) {
      const video = $("#advisor-video", root);
      video.srcObject = new MediaStream([track]);
      video.play().catch(() => {});
    }
  }

  /** A media.state from the advisor (docview.js hands it over); false refuses it. */
  function onAdvisorMedia(message) {
    const media = checkMediaState(message);
    if (!media) return false;
    dispatch({ type: "advisor.media", ...media });
    return true;
  }

  /** A media.audio_first from the advisor (docview.js hands it over); false refuses it. */
  function onAudioFirst(message) {
    const keys = Object.keys(message || {});
    if (keys.length !== 2 || typeof message.active !== "boolean") return false;
    dispatch({ type: "audio.first", active: message.active });
    if (call) call.setVideoPaused(message.active);
    return true;
  }

  // The line's quality, every two seconds while connected (linkTimer: at the top).
  async function sampleLink() {
    const figures = call ? await call.linkFigures().catch(() => null) : null;
    if (figures) dispatch({ type: "link", quality: linkQuality(figures.roundTripMs, figures.fractionLost) });
  }

  // --- chat --------------------------------------------------------------------------------

  function sendChatMessage(pending) {
    app.hub.send({
      type: "chat.send",
      consultation_id: s.consultation.consultation_id,
      client_id: pending.client_id,
      text: pending.text,
      ref: `chat:${pending.client_id}`.slice(0, 64),
    });
  }

  function resumeChat() {
    if (!s.consultation || !chat) return;
    app.hub.send({ type: "chat.history", consultation_id: s.consultation.consultation_id, after_seq: chat.lastSeq });
    for (const pending of chat.pending()) sendChatMessage(pending);
  }

  function onChatEntries(entries, live) {
    if (!chat) return;
    for (const entry of entries) {
      if (!chat.add(entry)) continue;
      chatView.addStored(entry);
      if (live && entry.author_role === "advisor") {
        const text = entry.text.length > 300 ? `${entry.text.slice(0, 300)} …` : entry.text;
        announce($("#chat-announcer", root), "chat.announce", { name: entry.author_name, text });
        if (phone.matches) dispatch({ type: "chat.received" });
      }
    }
  }

  function sendChat() {
    const input = $("#chat-input", root);
    const result = checkText(input.value, limits.chat_text_max);
    if (result.error) {
      setFieldError(input, $("#chat-error", root), result);
      return;
    }
    setFieldError(input, $("#chat-error", root), null);
    const pending = chat.newOutgoing(result.value);
    chatView.addPending(pending);
    sendChatMessage(pending);
    input.value = "";
    input.focus();
  }

  /** The hub refused a chat message: take it back out of the chat and into the input. */
  function onChatRefused(message) {
    if (!message.ref || !message.ref.startsWith("chat:") || !chat) return;
    const clientId = message.ref.slice("chat:".length);
    const pending = chat.waiting.get(clientId);
    const input = $("#chat-input", root);
    if (pending) {
      chat.waiting.delete(clientId);
      chatView.removePending(clientId);
      if (!input.value) input.value = pending.text;
    }
    const mapped =
      message.code === "rate_limited"
        ? { error: "chat.tooFast" }
        : reasonError(message.field, message.reason, limits.chat_text_max);
    setFieldError(input, $("#chat-error", root), mapped || { error: "err.generic", args: { reason: message.code } });
  }

  // --- the hub -----------------------------------------------------------------------------

  function onWelcomeAgain(consultation) {
    if (s.consultation && s.consultation.consultation_id === consultation.consultation_id) {
      resumeChat();
      if (endRequested) app.hub.send({ type: "end", consultation_id: s.consultation.consultation_id });
      return;
    }
    start(consultation);
  }

  function isCurrent(consultationId) {
    return Boolean(s.consultation && s.consultation.consultation_id === consultationId);
  }

  function onSignal(message) {
    if (call && isCurrent(message.consultation_id)) call.handleSignal(message);
  }

  function close() {
    clearInterval(linkTimer);
    linkTimer = 0;
    if (call) call.close();
    call = null;
    for (const id of ["#own-video", "#advisor-video", "#advisor-audio"]) $(id, root).srcObject = null;
  }

  // --- documents ---------------------------------------------------------------------------

  documents.onMediaState = onAdvisorMedia;
  documents.onAudioFirst = onAudioFirst;
  documents.onShown = (shown) => {
    if (!s.consultation) return;
    if (shown) dispatch({ type: "document.shown", ...shown });
    else dispatch({ type: "document.hidden" });
  };

  // --- wiring ------------------------------------------------------------------------------

  $("#chat-form", root).addEventListener("submit", (event) => {
    event.preventDefault();
    sendChat();
  });
  $("#chat-input", root).addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      sendChat();
    }
  });
  $("#mic-toggle", root).addEventListener("click", () => {
    dispatch({ type: "toggle", kind: "audio" });
    if (call) call.setEnabled("audio", s.microphone === "live");
  });
  $("#cam-toggle", root).addEventListener("click", () => {
    dispatch({ type: "toggle", kind: "video" });
    if (call) call.setEnabled("video", s.camera === "live");
  });
  $("#media-retry", root).addEventListener("click", retryMedia);
  $("#media-text", root).addEventListener("click", continueAsText);
  $("#stage-switch", root).addEventListener("click", () => {
    dispatch({ type: "view", view: s.view === "document" ? "video" : "document" });
    $("#stage-switch", root).focus();
  });
  $("#show-call", root).addEventListener("click", () => dispatch({ type: "panel", panel: "call" }));
  $("#show-chat", root).addEventListener("click", () => {
    dispatch({ type: "panel", panel: "chat" });
    $("#chat-input", root).focus();
  });
  $("#audio-unblock", root).addEventListener("click", () => {
    $("#advisor-audio", root)
      .play()
      .then(() => {
        $("#audio-unblock", root).hidden = true;
      });
  });
  $("#advisor-video", root).addEventListener("playing", () => {
    $("#stage-note", root).hidden = true;
  });
  $("#end-button", root).addEventListener("click", () => {
    $("#end-button", root).hidden = true;
    $("#end-confirm", root).hidden = false;
    $("#end-yes", root).focus();
  });
  $("#end-no", root).addEventListener("click", () => {
    $("#end-confirm", root).hidden = true;
    $("#end-button", root).hidden = false;
    $("#end-button", root).focus();
  });
  $("#end-yes", root).addEventListener("click", () => {
    endRequested = true;
    app.hub.send({ type: "end", consultation_id: s.consultation.consultation_id });
  });

  return {
    start,
    close,
    isCurrent,
    onWelcomeAgain,
    onSignal,
    onChatEntries,
    onChatRefused,
    onPeer: (connected) => dispatch({ type: "advisor.online", connected }),
    onSocket: (socketState) => dispatch({ type: "socket", state: socketState }),
    get consultation() {
      return s.consultation;
    },
  };
}
