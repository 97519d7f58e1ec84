// „Gesprächsprotokoll drucken“: the hub's transcript of the written chat, rendered into a
// section that only the printer sees, then the browser's print dialog.
//
// It says what the consultation record (the hub's PDF) says, in the same words: every time in
// the hub's time zone with seconds, the zone and its offset, the reference, the customer by
// name, the bank at the top, in the record's language (the one the customer joined in).

import { api } from "./api.js";
import { el } from "./dom.js";
import { formatDate, inLanguage, language, t } from "./i18n.js";

/** "UTC+01:00": the offset of ``timeZone`` at ``iso`` (as the record labels it). */
export function utcOffset(iso, timeZone) {
  const date = new Date(iso);
  try {
    const parts = new Intl.DateTimeFormat("en-US", { timeZone, timeZoneName: "longOffset" }).formatToParts(date);
    const name = parts.find((part) => part.type === "timeZoneName")?.value || "";
    const match = /^GMT([+-]\d{2}):?(\d{2})?$/.exec(name);
    if (name === "GMT") return "UTC+00:00";
    if (match) return `UTC${match[1]}:${match[2] || "00"}`;
  } catch {
    // an engine without longOffset: worked out from the zone's wall clock below
  }
  const wall = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  }).formatToParts(date);
  const value = (type) => Number(wall.find((part) => part.type === type).value);
  const asUtc = Date.UTC(value("year"), value("month") - 1, value("day"), value("hour"), value("minute"), value("second"));
  const minutes = Math.round((asUtc - Math.floor(date.getTime() / 1000) * 1000) / 60000);
  const sign = minutes < 0 ? "-" : "+";
  const abs = Math.abs(minutes);
  return `UTC${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}:${String(abs % 60).padStart(2, "0")}`;
}

/** "Europe/Berlin (UTC+01:00)" */
export function zoneLabel(iso, timeZone) {
  return `${timeZone} (${utcOffset(iso, timeZone)})`;
}

function moment(iso, style, timeZone) {
  if (!iso) return el("span", { text: "–" });
  return el("time", { datetime: iso, text: formatDate(iso, style, timeZone) });
}

function bankHeader(bank) {
  if (!bank || !(bank.name || bank.address || bank.contact)) return null;
  const line = [bank.address, bank.contact].filter(Boolean).join(" · ");
  return el(
    "div",
    { class: "print-bank" },
    bank.name ? el("p", { class: "print-bank__name", text: bank.name }) : null,
    line ? el("p", { class: "print-bank__line", text: line }) : null,
  );
}

/** Fill ``section`` with the transcript (every name and text as plain text). */
export function renderTranscript(section, transcript) {
  const lang = transcript.language || language();
  const zone = transcript.time_zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
  const consultation = transcript.consultation;
  const reference = transcript.reference || consultation.reference || "";
  inLanguage(lang, () => {
    const row = (key, value, name) =>
      [el("dt", { text: t(key) }), el("dd", name ? { dataset: { fact: name } } : {}, value)];
    const facts = el(
      "dl",
      { class: "print-facts" },
      ...row("print.reference", reference, "reference"),
      ...row("print.date", moment(consultation.started_at, "date", zone), "date"),
      ...row("print.start", moment(consultation.started_at, "timeSeconds", zone), "start"),
      ...row("print.end", moment(consultation.ended_at, "timeSeconds", zone), "end"),
      ...row("print.timeZone", zoneLabel(consultation.started_at, zone), "time-zone"),
      ...row("print.customer", transcript.customer_name, "customer"),
      ...row("print.advisor", consultation.advisor_name, "advisor"),
      ...row("print.mode", t(consultation.mode === "av" ? "print.mode.av" : "print.mode.text"), "mode"),
    );
    const list = el("ol", { class: "print-messages" });
    for (const message of transcript.messages) {
      const author = message.author_role === "customer" ? transcript.customer_name : message.author_name;
      list.append(
        el(
          "li",
          { class: "print-message", dataset: { seq: String(message.seq) } },
          el("p", { class: "print-meta" }, moment(message.sent_at, "timeSeconds", zone), " · ", el("span", { text: author })),
          el("p", { class: "print-text", text: message.text }),
        ),
      );
    }
    if (!transcript.messages.length) list.append(el("li", { text: t("print.none") }));
    section.lang = lang;
    section.replaceChildren(
      ...[bankHeader(transcript.bank)].filter(Boolean),
      el("h1", { text: t("print.title") }),
      el("p", { text: `${t("print.note")} ${t(transcript.recorded ? "print.mediaRecorded" : "print.mediaNotRecorded")}` }),
      facts,
      el("h2", { text: t("print.messages") }),
      list,
    );
  });
}

export async function printTranscript(token, section) {
  const transcript = await api.transcript(token);
  renderTranscript(section, transcript);
  window.print();
  return transcript;
}
