// Step 3, the form: name, phone, consent to the notices, „Anmelden“. The page checks what it
// can at once; then the hub checks name and phone by the join's own rules
// (POST /api/customers/check), so a number the join would refuse is refused here, before the
// camera and microphone are asked for.

import { ApiError, api } from "../api.js";
import { $ } from "../dom.js";
import { clearOnInput, setFieldError, showAlert } from "../forms.js";
import { store } from "../store.js";
import { checkName, checkPhone, reasonError } from "../validate.js";

export function mountForm(app) {
  const root = $("#step-form");
  const name = $("#name", root);
  const phone = $("#phone", root);
  const consent = $("#consent", root);
  const submit = $("#form-submit", root);
  const fields = {
    "$.name": [name, $("#name-error", root)],
    "$.phone": [phone, $("#phone-error", root)],
    "$.consent": [consent, $("#consent-error", root)],
  };

  function fill() {
    const { person, consent: given, noticeVersion } = app.state;
    name.value = person.name || "";
    phone.value = person.phone || "";
    consent.checked = Boolean(given && given.notice_version === noticeVersion);
  }

  function show({ moveFocus = true } = {}) {
    app.go("form", { moveFocus });
    fill();
  }

  /** Show the hub's refusal of one field (by its reason code) at the field. */
  function showRefusal(field, reason) {
    const key = field.startsWith("$.consent") ? "$.consent" : field;
    const target = fields[key];
    const mapped = reasonError(field, reason);
    if (!target || !mapped) return false;
    setFieldError(target[0], target[1], mapped);
    showAlert($("#form-error", root), "form.summary");
    target[0].focus();
    return true;
  }

  /** The page's own checks; focus on the first wrong field. Returns the values or null. */
  function localCheck() {
    const results = {
      "$.name": checkName(name.value),
      "$.phone": checkPhone(phone.value),
      "$.consent": consent.checked ? null : { error: "err.consent" },
    };
    for (const [field, [input, error]] of Object.entries(fields)) setFieldError(input, error, results[field]);
    const first = Object.entries(results).find(([, result]) => result && result.error);
    showAlert($("#form-error", root), first ? "form.summary" : null);
    if (first) {
      fields[first[0]][0].focus();
      return null;
    }
    return { name: results["$.name"].value, phone: results["$.phone"].value };
  }

  async function send() {
    const values = localCheck();
    if (!values) return;
    submit.disabled = true;
    try {
      const checked = await api.check(values);
      const refused = Object.entries(checked.refused || {});
      if (refused.length) {
        for (const [field, reason] of refused) showRefusal(field, reason);
        showRefusal(...refused[0]); // focus the first
        return;
      }
    } catch (error) {
      // Not reachable just now: the join checks again and is the final word.
      if (!(error instanceof ApiError)) throw error;
    } finally {
      submit.disabled = false;
    }
    app.state.person = values;
    app.state.consent = { accepted: true, notice_version: app.state.noticeVersion };
    store.set({ person: app.state.person, consent: app.state.consent });
    app.steps.mode.show();
  }

  $("#join-form", root).addEventListener("submit", (event) => {
    event.preventDefault();
    send();
  });
  for (const [input, error] of Object.values(fields)) clearOnInput(input, error);
  $("#form-back", root).addEventListener("click", () => app.steps.check.show());

  return { show, showRefusal };
}
