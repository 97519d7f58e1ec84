// A written message (all advisors busy, or closed): name, phone, text, consent; the hub
// checks them by the join's rules before the message is sent.

import { ApiError, api } from "../api.js";
import { $, focus } from "../dom.js";
import { clearOnInput, generalError, setFieldError, showAlert } from "../forms.js";
import { localize } from "../i18n.js";
import { store } from "../store.js";
import { checkName, checkPhone, checkText, limits, reasonError } from "../validate.js";

export function mountMessage(app) {
  const root = $("#step-message");
  const text = $("#msg-text", root);
  const fields = {
    "$.name": [$("#msg-name", root), $("#msg-name-error", root)],
    "$.phone": [$("#msg-phone", root), $("#msg-phone-error", root)],
    "$.text": [text, $("#msg-text-error", root)],
    "$.consent": [$("#msg-consent", root), $("#msg-consent-error", root)],
  };

  function show(fromQueue) {
    const state = app.state;
    state.messageFromQueue = fromQueue;
    fields["$.name"][0].value = state.person.name || "";
    fields["$.phone"][0].value = state.person.phone || "";
    fields["$.consent"][0].checked = Boolean(state.consent && state.consent.notice_version === state.noticeVersion);
    $("#msg-queue-note", root).hidden = !fromQueue;
    $("#msg-compose", root).hidden = false;
    $("#msg-sent", root).hidden = true;
    localize($("#message-title", root), "msg.title");
    for (const [input, error] of Object.values(fields)) setFieldError(input, error, null);
    showAlert($("#msg-form-error", root), null);
    renderCounter();
    app.go("message");
    if (!state.noticeVersion) app.steps.start.load();
  }

  function renderCounter() {
    const left = limits.message_text_max - [...text.value].length;
    localize($("#msg-counter", root), "msg.counter", { n: left });
  }

  function refuse(field, reason) {
    const key = field.startsWith("$.consent") ? "$.consent" : field;
    const target = fields[key];
    const mapped = reasonError(field, reason, limits.message_text_max);
    if (!target || !mapped) return false;
    setFieldError(target[0], target[1], mapped);
    return target[0];
  }

  async function send() {
    const results = {
      "$.name": checkName(fields["$.name"][0].value),
      "$.phone": checkPhone(fields["$.phone"][0].value),
      "$.text": checkText(text.value, limits.message_text_max),
      "$.consent": fields["$.consent"][0].checked ? null : { error: "err.consent" },
    };
    for (const [field, [input, error]] of Object.entries(fields)) setFieldError(input, error, results[field]);
    const first = Object.entries(results).find(([, result]) => result && result.error);
    const alert = $("#msg-form-error", root);
    if (first) {
      showAlert(alert, "form.summary");
      fields[first[0]][0].focus();
      return;
    }
    showAlert(alert, null);
    const state = app.state;
    if (!state.noticeVersion) await app.steps.start.load();
    const submit = $("#msg-submit", root);
    submit.disabled = true;
    try {
      await api.leaveMessage({
        name: results["$.name"].value,
        phone: results["$.phone"].value,
        text: results["$.text"].value,
        consent: { accepted: true, notice_version: state.noticeVersion || "" },
      });
    } catch (error) {
      const input = error instanceof ApiError && error.field ? refuse(error.field, error.reason) : false;
      if (input) {
        showAlert(alert, "form.summary");
        input.focus();
      } else {
        const [key, args] = generalError(error);
        showAlert(alert, key, args);
      }
      return;
    } finally {
      submit.disabled = false;
    }
    state.person = { name: results["$.name"].value, phone: results["$.phone"].value };
    // Close the hub connection first, so that its "left" does not take over the page.
    const token = state.messageFromQueue ? state.token : null;
    app.closeEverything();
    if (token) {
      try {
        await api.leave(token);
      } catch {
        // Unreachable just now: without its connection the place expires after the grace time.
      }
    }
    store.reset();
    state.token = null;
    $("#msg-compose", root).hidden = true;
    $("#msg-sent", root).hidden = false;
    localize($("#message-title", root), "msg.sentTitle");
    localize($("#msg-sent-text", root), "msg.sentText", { phone: results["$.phone"].value });
    focus($("#message-title", root));
  }

  $("#msg-form", root).addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  text.addEventListener("input", renderCounter);
  for (const [input, error] of Object.values(fields)) clearOnInput(input, error);
  $("#msg-back", root).addEventListener("click", () => {
    if (app.state.messageFromQueue && app.state.token) app.steps.waiting.show();
    else app.steps.start.show();
  });
  $("#msg-restart", root).addEventListener("click", () => app.restart());

  return { show };
}
