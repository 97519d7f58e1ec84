// „Gesprächsprotokoll drucken“: the hub's transcript of the written chat, rendered into a
// section that only the printer sees, then the browser's print dialog.

import { api } from "./api.js";
import { el } from "./dom.js";
import { localizeDate } from "./i18n.js";

function dateElement(tag, iso, style, timeZone) {
  const element = el(tag, {});
  if (iso) localizeDate(element, iso, style, timeZone);
  else element.textContent = "–";
  return element;
}

/** Fill ``section`` with the transcript (every name and text as plain text). */
export function renderTranscript(section, transcript) {
  const consultation = transcript.consultation;
  const modeKey = consultation.mode === "av" ? "mode.name.av" : "mode.name.text";
  const facts = el(
    "dl",
    { class: "print-facts" },
    el("dt", { i18n: "print.date" }),
    el("dd", {}, dateElement("span", consultation.started_at, "date")),
    el("dt", { i18n: "print.customer" }),
    el("dd", { text: transcript.customer_name }),
    el("dt", { i18n: "print.advisor" }),
    el("dd", { text: consultation.advisor_name }),
    el("dt", { i18n: "print.start" }),
    el("dd", {}, dateElement("span", consultation.started_at, "timeSeconds")),
    el("dt", { i18n: "print.end" }),
    el("dd", {}, dateElement("span", consultation.ended_at, "timeSeconds")),
    el("dt", { i18n: "print.mode" }),
    el("dd", { i18n: modeKey }),
  );
  const list = el("ol", { class: "print-messages" });
  for (const message of transcript.messages) {
    const author =
      message.author_role === "customer"
        ? el("span", { i18n: "chat.you" })
        : el("span", { text: message.author_name });
    const time = el("time", { datetime: message.sent_at });
    localizeDate(time, message.sent_at, "timeSeconds");
    list.append(
      el(
        "li",
        { class: "print-message", dataset: { seq: String(message.seq) } },
        el("p", { class: "print-meta" }, time, " · ", author),
        el("p", { class: "print-text", text: message.text }),
      ),
    );
  }
  if (!transcript.messages.length) list.append(el("li", { i18n: "print.none" }));
  section.replaceChildren(
    el("h1", { i18n: "print.title" }),
    el("p", { i18n: "print.note" }),
    facts,
    el("h2", { i18n: "print.messages" }),
    list,
  );
}

export async function printTranscript(token, section) {
  const transcript = await api.transcript(token);
  renderTranscript(section, transcript);
  window.print();
  return transcript;
}
