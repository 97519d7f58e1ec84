// Step 2, the system check: one row per component (syscheck.js); „Weiter“ once the required
// ones pass.

import { $, focus } from "../dom.js";
import { localize } from "../i18n.js";
import { SystemCheck, getAudioContext } from "../syscheck.js";

const LEVELS = {
  "check.blocked": "fail",
  "check.running": "busy",
  "check.textOnly": "warn",
  "check.noCamera": "warn",
};

export function mountCheck(app) {
  const root = $("#step-check");
  const next = $("#check-next", root);
  const summary = $("#check-summary", root);
  const check = new SystemCheck($("#check-list", root), () => render());

  function render() {
    const key = check.summary();
    app.state.checkSummary = key;
    localize(summary, key);
    summary.dataset.state = LEVELS[key] || "ok";
    next.hidden = !(check.done && check.requiredOk);
  }

  function run() {
    next.hidden = true;
    check.run(app.state.token).then(render);
  }

  function show() {
    app.go("check");
    run();
  }

  $("#check-rerun", root).addEventListener("click", () => {
    getAudioContext();
    run();
    focus($("#check-title", root));
  });
  $("#check-back", root).addEventListener("click", () => app.steps.start.show());
  next.addEventListener("click", () => app.steps.form.show());

  return { show, leave: () => check.stop() };
}
