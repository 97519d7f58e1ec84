// Checks of what the customer types, the way the hub checks it (advisor_app/protocol/fields.py).
// The page checks first so that mistakes are shown at once and in German; the hub's answer
// is the final word: POST /api/customers/check before the camera is asked for, and the
// reason codes of its refusals (never its English text). The limits come from the hub
// (GET /api/fields) through setLimits(); the values below are only what the page assumes
// until it has asked (tests/hub/test_page_api.py keeps them equal to the protocol's).

export const limits = {
  name_max: 80,
  phone_max: 40,
  chat_text_max: 4000,
  message_text_max: 2000,
};

/** Take the limits the hub serves (GET /api/fields); unknown names are ignored. */
export function setLimits(served) {
  for (const [name, value] of Object.entries(served || {})) {
    if (name in limits && Number.isInteger(value) && value > 0) limits[name] = value;
  }
}

// C0/C1 controls, lone surrogates, and the bidirectional overrides and isolates that make a
// name display as something else (Trojan Source).
const CONTROL = /[\p{Cc}\p{Cs}\u202a-\u202e\u2066-\u2069]/u;
const CONTROL_EXCEPT_NEWLINES = /[\p{Cs}\u202a-\u202e\u2066-\u2069]|(?![\n\t])\p{Cc}/u;

function codePoints(text) {
  return [...text].length;
}

/** {value} when fine, or {error: key, args}. */
export function checkName(raw) {
  const name = raw.normalize("NFC").trim();
  if (CONTROL.test(name)) return { error: "err.name.control" };
  if (!name) return { error: "err.name.empty" };
  if (codePoints(name) > limits.name_max) return { error: "err.name.long", args: { max: limits.name_max } };
  if (!/[\p{L}\p{N}]/u.test(name)) return { error: "err.name.letters" };
  return { value: name };
}

export function checkPhone(raw) {
  const phone = raw.trim();
  if (!phone) return { error: "err.phone.empty" };
  if (!/^[0-9 +()\-/]+$/.test(phone)) return { error: "err.phone.chars" };
  if (phone.indexOf("+", 1) !== -1) return { error: "err.phone.plus" };
  const digits = phone.replace(/\D/g, "").length;
  if (digits < 6) return { error: "err.phone.short" };
  if (digits > 17 || phone.length > limits.phone_max) return { error: "err.phone.long" };
  return { value: phone };
}

export function checkText(raw, maximum) {
  const text = raw.normalize("NFC").trim();
  if (CONTROL_EXCEPT_NEWLINES.test(text)) return { error: "err.text.control" };
  if (!text) return { error: "err.text.empty" };
  if (codePoints(text) > maximum) return { error: "err.text.long", args: { max: maximum } };
  return { value: text };
}

const KEYS = {
  "$.name": {
    control: "err.name.control",
    empty: "err.name.empty",
    too_long: "err.name.long",
    no_letters: "err.name.letters",
  },
  "$.phone": {
    empty: "err.phone.empty",
    too_long: "err.phone.long",
    not_a_number: "err.phone.invalid",
    invalid_number: "err.phone.invalid",
  },
  "$.text": { control: "err.text.control", empty: "err.text.empty", too_long: "err.text.long" },
  "$.consent": { missing: "err.consent", not_accepted: "err.consent", outdated: "err.consentVersion" },
};

/** The hub's refusal of one field (its JSON path and reason code) in the customer's words:
 * {error: key, args}, or null when the page has no words for it. ``textMax`` names the limit
 * of the text that was refused (chat or written message). */
export function reasonError(field, reason, textMax = limits.message_text_max) {
  if (!field) return null;
  const path = field.startsWith("$.consent") ? "$.consent" : field;
  const table = KEYS[path];
  if (!table) return null;
  const key = table[reason];
  if (key === "err.name.long") return { error: key, args: { max: limits.name_max } };
  if (key === "err.text.long") return { error: key, args: { max: textMax } };
  if (key) return { error: key };
  // A refusal without a known reason still belongs to its field.
  return { error: path === "$.name" ? "err.name.invalid" : path === "$.phone" ? "err.phone.invalid" : path === "$.consent" ? "err.consent" : "err.text.control" };
}
