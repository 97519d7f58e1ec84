// Step 5, waiting: the place in the queue and the expected wait; when nobody is free, keep
// waiting or write a message instead.

import { api } from "../api.js";
import { $ } from "../dom.js";
import { generalError, showAlert } from "../forms.js";
import { localize } from "../i18n.js";
import { queueText } from "../state/availability.js";
import { store } from "../store.js";

function modeName(choice) {
  if (choice.mode === "text") return { t: "mode.name.text" };
  return choice.see_advisor || choice.show_me ? { t: "mode.name.av" } : { t: "mode.name.audio" };
}

export function mountWaiting(app) {
  const root = $("#step-waiting");

  function show() {
    const state = app.state;
    if (!state.resuming) store.set({ phase: "waiting" });
    localize($("#wait-greeting", root), "wait.greeting", { name: state.person.name || "" });
    localize($("#wait-chosen", root), "wait.chosen", { mode: modeName(state.choice) });
    const preview = $("#wait-preview", root);
    const video = state.localStream ? state.localStream.getVideoTracks() : [];
    preview.hidden = video.length === 0;
    if (video.length) {
      const element = $("#wait-preview-video", root);
      element.srcObject = new MediaStream(video);
      element.play().catch(() => {});
    }
    showAlert($("#wait-error", root), null);
    app.go("waiting");
    render();
  }

  function render() {
    const queue = app.state.queue;
    const text = queueText(queue, app.state.resuming);
    localize($("#queue-position", root), text.position.key, text.position.args);
    const estimate = $("#queue-estimate", root);
    estimate.hidden = !text.estimate;
    if (text.estimate) localize(estimate, text.estimate.key, text.estimate.args);
    const busy = $("#wait-busy", root);
    const nobodyFree = queue.available === 0;
    busy.hidden = !nobodyFree;
    if (nobodyFree) {
      const nobody = queue.online === 0;
      localize($("#wait-busy-title", root), nobody ? "wait.nobodyTitle" : "wait.busyTitle");
      localize($("#wait-busy-text", root), nobody ? "wait.nobody" : "wait.busy");
      $("#wait-keep", root).hidden = app.state.keptWaiting;
    }
  }

  /** The hub's queue message or welcome while waiting. */
  function onQueue(message) {
    const queue = app.state.queue;
    queue.position = message.position;
    queue.estimate = message.estimated_wait_seconds;
    if ("advisors_available" in message) queue.available = message.advisors_available;
    if (app.state.step !== "waiting" && app.state.step !== "message") show();
    else render();
    if (queue.available === 0 || queue.available === null || queue.available === undefined) refreshAvailability();
  }

  async function refreshAvailability() {
    try {
      const status = await api.status();
      app.state.status = status;
      const queue = app.state.queue;
      if (queue.available === null || queue.available === undefined) queue.available = status.advisors_available;
      queue.online = status.advisors_online;
    } catch {
      // Not being able to ask is no reason to alarm a waiting customer.
    }
    render();
  }

  async function leave() {
    try {
      await api.leave(app.state.token);
    } catch (error) {
      if (!app.hub.send({ type: "leave" })) {
        const [key, args] = generalError(error);
        showAlert($("#wait-error", root), key, args);
        return;
      }
    }
    app.steps.gone.show("left");
  }

  $("#wait-keep", root).addEventListener("click", () => {
    app.state.keptWaiting = true;
    localize($("#wait-kept", root), "wait.keptWaiting");
    render();
    $("#wait-message", root).focus();
  });
  $("#wait-message", root).addEventListener("click", () => app.steps.message.show(true));
  $("#wait-leave", root).addEventListener("click", leave);

  return { show, render, onQueue };
}
