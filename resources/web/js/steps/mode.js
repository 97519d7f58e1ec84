// Step 4, the connection: „Bild und Ton übertragen“ (with the see / be-seen switches) or
// „nur Text übertragen“, then „Gewählte Verbindung aufbauen“: camera and microphone are asked
// for (help when refused) and the customer joins the queue. Where the hub's policy records the
// conversation, the step says so and asks for consent first: no camera opens before the answer.

import { ApiError, api } from "../api.js";
import { $, $all, focus } from "../dom.js";
import { generalError, showAlert } from "../forms.js";
import { language, localize } from "../i18n.js";
import { browserFamily, classify, openMedia, reasonOf, stopStream } from "../media.js";
import { consentAsked, keepPeriod, policyFor } from "../state/recording.js";
import { store } from "../store.js";

export function mountMode(app) {
  const root = $("#step-mode");

  function readChoice() {
    const mode = $("#mode-text", root).checked ? "text" : "av";
    return {
      mode,
      see_advisor: mode === "av" && $("#see-advisor", root).checked,
      show_me: mode === "av" && $("#show-me", root).checked,
    };
  }

  function policy() {
    return policyFor(app.state.status, app.state.topic);
  }

  function renderChoice() {
    const choice = readChoice();
    $("#av-options", root).disabled = choice.mode !== "av";
    const note = $("#permission-note", root);
    note.hidden = choice.mode !== "av";
    localize(note, choice.show_me ? "mode.permissionNote" : "mode.permissionNoteMic");
    renderRecording(choice);
  }

  /** The sentence „nicht aufgezeichnet“ where nothing is recorded; the consent otherwise. */
  function renderRecording(choice) {
    const current = policy();
    $("#rec-off-note", root).hidden = current !== "off";
    const asked = consentAsked(current, choice.mode);
    $("#rec-consent", root).hidden = !asked;
    if (!asked) return;
    const mandatory = current === "mandatory";
    localize($("#rec-what", root), mandatory ? "rec.whatMandatory" : "rec.whatOnRequest");
    localize($("#rec-keep", root), "rec.keep", {
      period: keepPeriod(app.state.status ? app.state.status.recording_retention_days : 1826),
    });
    localize($("#rec-agree-label", root), mandatory ? "rec.agreeMandatory" : "rec.agreeOnRequest");
  }

  /** The answer the join carries: none where nothing was asked. */
  function recordingAnswer(choice, accepted) {
    if (policy() === "off") return undefined;
    if (accepted === undefined && !consentAsked(policy(), choice.mode)) return undefined;
    const agreed = accepted === undefined ? $("#rec-agree", root).checked : accepted;
    return { accepted: agreed, notice_version: app.state.noticeVersion || "" };
  }

  /** Not agreed: what that means, and the way on (a message, or text only). */
  function showDeclined() {
    const mandatory = policy() === "mandatory";
    const suffix = mandatory ? "Mandatory" : "OnRequest";
    localize($("#rec-declined-title", root), `rec.declinedTitle${suffix}`);
    localize($("#rec-declined-text", root), `rec.declinedText${suffix}`);
    localize($("#rec-declined-go", root), `rec.declinedGo${suffix}`);
    $("#mode-form", root).hidden = true;
    $("#rec-declined", root).hidden = false;
    focus($("#rec-declined-title", root));
  }

  function hideDeclined() {
    $("#rec-declined", root).hidden = true;
    $("#mode-form", root).hidden = false;
  }

  function show({ moveFocus = true } = {}) {
    app.go("mode", { moveFocus });
    let choice = app.state.choice;
    const summary = app.state.checkSummary;
    const warn = summary === "check.textOnly";
    $("#mode-warning", root).hidden = !warn;
    if (warn && !store.get("choiceTouched")) choice = { mode: "text", see_advisor: true, show_me: true };
    else if (summary === "check.noCamera" && !store.get("choiceTouched")) choice = { ...choice, show_me: false };
    $("#mode-av", root).checked = choice.mode === "av";
    $("#mode-text", root).checked = choice.mode === "text";
    $("#see-advisor", root).checked = choice.mode === "text" ? true : choice.see_advisor;
    $("#show-me", root).checked = choice.mode === "text" ? true : choice.show_me;
    $("#denied", root).hidden = true;
    $("#rec-declined", root).hidden = true;
    $("#mode-form", root).hidden = false;
    $("#rec-agree", root).checked = false; // never ticked for the customer
    $("#rec-consent-error", root).hidden = true;
    showAlert($("#mode-error", root), null);
    renderChoice();
  }

  function setWorking(working) {
    for (const id of ["#mode-submit", "#denied-textonly", "#denied-retry"]) $(id, root).disabled = working;
    const status = $("#mode-working", root);
    if (working) localize(status, "mode.working");
    else {
      status.textContent = "";
      delete status.dataset.i18n;
    }
  }

  function showMediaProblem(error) {
    const kind = classify(error);
    const denied = kind === "denied";
    localize($("#denied-title", root), denied ? "denied.title" : "unavailable.title");
    if (denied) localize($("#denied-text", root), "denied.text");
    else localize($("#denied-text", root), `unavailable.${kind}`, { reason: reasonOf(error) });
    $("#denied-help", root).hidden = !denied;
    const family = browserFamily() === "edge" ? "chrome" : browserFamily();
    for (const item of $all("#denied-help li", root)) item.classList.toggle("help-list__mine", item.dataset.browser === family);
    $("#denied", root).hidden = false;
    focus($("#denied-title", root));
  }

  async function connect(choice, recordingAccepted = undefined) {
    if (!app.state.status) await app.steps.start.load();
    renderChoice();
    const recording = recordingAnswer(choice, recordingAccepted);
    if (recording && !recording.accepted && !(policy() === "on_request" && choice.mode === "text")) {
      // Before any camera or microphone: without consent there is no call that records.
      showDeclined();
      return;
    }
    app.state.choice = choice;
    store.set({ choice });
    setWorking(true);
    showAlert($("#mode-error", root), null);
    try {
      stopStream(app.state.localStream);
      app.state.localStream = null;
      if (choice.mode === "av") {
        try {
          app.state.localStream = await openMedia({ audio: true, video: choice.show_me });
        } catch (error) {
          showMediaProblem(error);
          return;
        }
      }
      $("#denied", root).hidden = true;
      await join(choice, recording);
    } finally {
      setWorking(false);
    }
  }

  async function join(choice, recording) {
    const state = app.state;
    if (!state.noticeVersion) await app.steps.start.load();
    const body = {
      name: state.person.name,
      phone: state.person.phone,
      consent: { accepted: true, notice_version: state.noticeVersion || "" },
      mode: choice.mode,
      see_advisor: choice.see_advisor,
      show_me: choice.show_me,
      language: language(),
    };
    if (app.state.topic) body.topic = app.state.topic;
    if (recording) body.recording_consent = recording;
    let joined;
    try {
      joined = await api.join(body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.field && error.field.startsWith("$.recording_consent")) {
        await onRecordingRefused(error);
        return;
      }
      if (error.field) {
        stopStream(state.localStream);
        state.localStream = null;
        if (error.field === "$.consent.notice_version") {
          await app.steps.start.load();
          state.consent = null;
          store.remove("consent");
        }
        app.steps.form.show({ moveFocus: false });
        if (!app.steps.form.showRefusal(error.field, error.reason)) showAlert($("#form-error"), "form.summary");
        return;
      }
      if (error.code === "closed") {
        stopStream(state.localStream);
        state.localStream = null;
        await app.steps.start.load();
        app.steps.message.show(false);
        showAlert($("#msg-form-error"), "err.closed");
        return;
      }
      const [key, args] = generalError(error);
      showAlert($("#mode-error", root), key, args);
      return;
    }
    state.token = joined.token;
    store.set({ token: joined.token, customerId: joined.customer_id, draftStep: null });
    state.queue = { position: joined.position, estimate: joined.estimated_wait_seconds, available: null, online: null };
    app.steps.waiting.show();
    app.hub.connect();
  }

  /** The hub saw the recording answer otherwise (the page checked it before sending): the
   * policy or the notices changed meanwhile. The step is shown afresh, as it is now, and says so;
   * the customer decides again. */
  async function onRecordingRefused(error) {
    stopStream(app.state.localStream);
    app.state.localStream = null;
    await app.steps.start.load();
    show({ moveFocus: false });
    const consent = $("#rec-consent", root);
    if (!consent.hidden) {
      const message = $("#rec-consent-error", root);
      localize(message, error.reason === "outdated" ? "rec.outdated" : "rec.changed");
      message.hidden = false;
      focus($("#rec-agree", root));
    } else {
      showAlert($("#mode-error", root), "rec.changed");
    }
  }

  $("#rec-declined-back", root).addEventListener("click", () => {
    hideDeclined();
    focus($("#rec-agree", root));
  });
  $("#rec-declined-go", root).addEventListener("click", () => {
    hideDeclined();
    if (policy() === "mandatory") {
      app.steps.message.show(false);
      return;
    }
    $("#mode-text", root).checked = true;
    renderChoice();
    connect({ mode: "text", see_advisor: false, show_me: false }, false);
  });
  $("#rec-agree", root).addEventListener("change", () => {
    $("#rec-consent-error", root).hidden = true;
  });

  for (const id of ["#mode-av", "#mode-text", "#see-advisor", "#show-me"]) {
    $(id, root).addEventListener("change", () => {
      store.set({ choiceTouched: true });
      renderChoice();
    });
  }
  $("#mode-form", root).addEventListener("submit", (event) => {
    event.preventDefault();
    connect(readChoice());
  });
  $("#mode-back", root).addEventListener("click", () => app.steps.form.show());
  $("#denied-retry", root).addEventListener("click", () => connect(readChoice()));
  $("#denied-textonly", root).addEventListener("click", () => {
    $("#mode-text", root).checked = true;
    renderChoice();
    connect({ mode: "text", see_advisor: false, show_me: false });
  });

  return { show };
}
