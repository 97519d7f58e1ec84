// Recording (issue 18): what the hub's policy for the customer's topic means for the page.
// The mode step asks for consent before any camera or microphone is opened; during the call
// the indicator „Aufnahme läuft“ stays in the call's head for as long as the advisor's end
// records, and when the advisor asks to record (policy on_request) the customer is asked
// here, at that moment. Nothing is ever recorded without a „Ja“ the customer chose.

import { $, announce, focus } from "./dom.js";
import { localize } from "./i18n.js";
import { keepPeriod } from "./state/recording.js";
import { store } from "./store.js";

/** The call's part: the indicator and the question. */
export function mountRecording(app) {
  const root = $("#step-session");
  const indicator = $("#rec-indicator", root);
  const ask = $("#rec-ask", root);
  let current = null; // {consultation_id, policy, consent, active}

  function render() {
    const active = Boolean(current && current.active);
    // Said once when it changes (the indicator itself is only seen): screen readers hear it.
    if (active !== !indicator.hidden) announce($("#conn-announcer"), active ? "rec.started" : "rec.stopped");
    indicator.hidden = !active;
    if (active) store.set({ recorded: true });
    const asked = Boolean(current && current.consent === "asked");
    const wasHidden = ask.hidden;
    ask.hidden = !asked;
    if (asked) {
      localize($("#rec-ask-text", root), "rec.askText", {
        period: keepPeriod(app.state.status ? app.state.status.recording_retention_days : 1826),
      });
      if (wasHidden) focus($("#rec-ask-title", root));
    }
  }

  /** The consultation as the hub describes it (advisor.coming, welcome). */
  function onConsultation(info) {
    current = {
      consultation_id: info.consultation_id,
      policy: info.recording || "off",
      consent: info.recording_consent || "none",
      active: Boolean(info.recording_active),
    };
    render();
  }

  /** ``recording.state``: the hub's word on what records now. */
  function onState(message) {
    if (current && current.consultation_id !== message.consultation_id) return;
    current = {
      consultation_id: message.consultation_id,
      policy: message.policy,
      consent: message.consent,
      active: Boolean(message.active),
    };
    render();
  }

  function answer(accepted) {
    if (!current) return;
    app.hub.send({
      type: "recording.consent",
      consultation_id: current.consultation_id,
      accepted,
      notice_version: app.state.noticeVersion || "",
    });
    // The question goes at once; the indicator waits for the hub's recording.state.
    ask.hidden = true;
    focus($("#chat-input"));
  }

  function close() {
    current = null;
    indicator.hidden = true;
    ask.hidden = true;
  }

  $("#rec-ask-yes", root).addEventListener("click", () => answer(true));
  $("#rec-ask-no", root).addEventListener("click", () => answer(false));

  return { onConsultation, onState, close };
}
