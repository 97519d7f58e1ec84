// Step 7, the end: the record (made by the hub; looked for until it is there), the chat alone
// as PDF or printed, and how to take the camera permission back. Also the "gone" page (left
// the queue, or the place expired).

import { recordReady, recordUrl, transcriptPdfUrl } from "../api.js";
import { $, $all } from "../dom.js";
import { showAlert } from "../forms.js";
import { localize } from "../i18n.js";
import { browserFamily } from "../media.js";
import { store } from "../store.js";
import { printTranscript } from "../transcript.js";

export function mountEnd(app) {
  const root = $("#step-end");
  let recordWatch = null;

  function show(endedBy) {
    store.set({ phase: "ended", endedBy });
    app.closeEverything();
    localize($("#end-who", root), endedBy === "customer" ? "end.byCustomer" : "end.byAdvisor");
    // Said as it happened: recorded only if the indicator was ever on in this consultation.
    localize($("#end-media-note", root), store.get("recorded") ? "end.mediaRecorded" : "end.mediaNotRecorded");
    $("#transcript-link", root).href = transcriptPdfUrl(app.state.token);
    watchForRecord(app.state.token);
    showAlert($("#print-error", root), null);
    const family = browserFamily();
    for (const details of $all("#perm-help details", root)) details.open = details.dataset.browser === family;
    app.go("end");
  }

  // The hub makes the record at every consultation's end (and again when the advisor's shown
  // pages arrive a moment later). Until it is there the link is shown as being prepared; the
  // end screen looks for it (HEAD, which answers 200 or 404 without a body) every two seconds
  // at first, then less often, for ten minutes.
  function watchForRecord(token) {
    window.clearTimeout(recordWatch);
    const link = $("#record-link", root);
    const status = $("#record-status", root);
    link.removeAttribute("href");
    link.setAttribute("aria-disabled", "true");
    status.dataset.state = "busy";
    localize(status, "end.recordPreparing");
    const started = Date.now();
    const look = async () => {
      if (await recordReady(token)) {
        link.href = recordUrl(token);
        link.removeAttribute("aria-disabled");
        status.dataset.state = "ok";
        localize(status, "end.recordReady");
        return;
      }
      const waited = Date.now() - started;
      if (waited > 10 * 60 * 1000) {
        status.dataset.state = "late";
        localize(status, "end.recordLate");
        return;
      }
      recordWatch = window.setTimeout(look, waited < 60 * 1000 ? 2000 : 10000);
    };
    look();
  }

  async function print() {
    showAlert($("#print-error", root), null);
    try {
      await printTranscript(app.state.token, $("#print-transcript"));
    } catch (error) {
      console.warn("transcript", error);
      showAlert($("#print-error", root), "end.printError");
    }
  }

  $("#print-button", root).addEventListener("click", print);
  $("#end-restart", root).addEventListener("click", () => app.restart());

  return { show };
}

export function mountGone(app) {
  const root = $("#step-gone");

  function show(reason) {
    app.closeEverything();
    store.reset();
    app.state.token = null;
    localize($("#gone-title", root), reason === "left" ? "gone.leftTitle" : "gone.expiredTitle");
    localize($("#gone-text", root), reason === "left" ? "gone.leftText" : "gone.expiredText");
    app.go("gone");
  }

  $("#gone-restart", root).addEventListener("click", () => app.restart());
  return { show };
}
