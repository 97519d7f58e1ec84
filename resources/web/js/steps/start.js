// Step 1, the start page: what is needed, who decides what, whether someone is free now, the
// service hours (in the bank's time, said in words) and „Videoberatung starten“.

import { api } from "../api.js";
import { $, $all, el } from "../dom.js";
import { localize } from "../i18n.js";
import { getAudioContext } from "../syscheck.js";
import { availability, hourLines, zoneNote } from "../state/availability.js";

const STATUS_REFRESH_MS = 30000;

export function mountStart(app) {
  const root = $("#step-start");
  const avail = $("#avail", root);
  const text = $("#avail-text", root);
  const extra = $("#avail-extra", root);
  const startButton = $("#start-button", root);
  const messageButton = $("#start-message", root);
  let timer = null;

  function render() {
    const status = app.state.status;
    const shown = availability(status);
    avail.dataset.state = shown.state;
    localize(text, shown.text);
    extra.hidden = !shown.extra;
    if (shown.extra) localize(extra, shown.extra.key, shown.extra.args);
    startButton.hidden = !shown.start;
    messageButton.hidden = !shown.message;
    messageButton.classList.toggle("button--primary", shown.messageFirst);
    messageButton.classList.toggle("button--secondary", !shown.messageFirst);
    const list = $("#hours", root);
    list.replaceChildren(...hourLines(status).map((line) => el("li", { i18n: line.key, args: line.args })));
    const zone = $("#hours-zone", root);
    const note = status ? zoneNote(status.time_zone, Intl.DateTimeFormat().resolvedOptions().timeZone) : null;
    zone.hidden = !note;
    if (note) localize(zone, note.key, note.args);
  }

  /** Ask the hub for its status (also for the notice version the forms consent to). */
  async function load() {
    try {
      app.state.status = await api.status();
      app.state.noticeVersion = app.state.status.notice_version;
    } catch {
      app.state.status = null;
    }
    render();
    renderNoticeVersion(app.state.noticeVersion);
    return app.state.status;
  }

  function show({ moveFocus = true } = {}) {
    app.go("start", { moveFocus });
    load();
    window.clearInterval(timer);
    timer = window.setInterval(load, STATUS_REFRESH_MS);
  }

  function leave() {
    window.clearInterval(timer);
  }

  startButton.addEventListener("click", () => {
    getAudioContext(); // made during the click, so the test tone may play
    app.steps.check.show();
  });
  messageButton.addEventListener("click", () => app.steps.message.show(false));

  return { show, load, leave };
}

/** The version and date of the notices beside every consent. */
export function renderNoticeVersion(version) {
  for (const element of $all(".notice-version")) {
    if (!version) {
      element.textContent = "";
      continue;
    }
    const when = /^\d{4}-\d{2}-\d{2}$/.test(version) ? { date: `${version}T12:00:00Z`, style: "dateLong" } : version;
    localize(element, "form.noticeVersion", { version: when });
  }
}
