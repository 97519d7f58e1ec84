// Checks of what the customer types, the way the hub checks it (advisor_app/protocol/fields.py).
// The page checks first so that mistakes are shown at once and in German; the hub's answer
// is the final word (for example whether a phone number really exists in its numbering plan).

export const NAME_MAX = 80;
export const CHAT_TEXT_MAX = 4000;
export const MESSAGE_TEXT_MAX = 2000;

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
  if (codePoints(name) > NAME_MAX) return { error: "err.name.long", args: { max: NAME_MAX } };
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
  if (digits > 17 || phone.length > 40) return { error: "err.phone.long" };
  return { value: phone };
}

export function checkText(raw, maximum) {
  const text = raw.normalize("NFC").trim();
  if (CONTROL_EXCEPT_NEWLINES.test(text)) return { error: "err.text.control" };
  if (!text) return { error: "err.text.empty" };
  if (codePoints(text) > maximum) return { error: "err.text.long", args: { max: maximum } };
  return { value: text };
}

/** The hub's field error (an English sentence for developers) as a message for the customer. */
export function hubFieldError(field, message) {
  const text = (message || "").toLowerCase();
  if (field === "$.name") {
    if (text.includes("control")) return { error: "err.name.control" };
    if (text.includes("empty")) return { error: "err.name.empty" };
    if (text.includes("at most")) return { error: "err.name.long", args: { max: NAME_MAX } };
    if (text.includes("letters")) return { error: "err.name.letters" };
    return { error: "err.name.invalid" };
  }
  if (field === "$.phone") return { error: "err.phone.invalid" };
  if (field === "$.text") {
    if (text.includes("control")) return { error: "err.text.control" };
    if (text.includes("empty")) return { error: "err.text.empty" };
    return { error: "err.text.long", args: { max: MESSAGE_TEXT_MAX } };
  }
  if (field && field.startsWith("$.consent")) {
    if (field === "$.consent.notice_version") return { error: "err.consentVersion" };
    return { error: "err.consent" };
  }
  return null;
}
