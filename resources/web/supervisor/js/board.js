// The live board: tiles, the queue, the advisors by state and today's figures, from the hub's
// summary (over the websocket). Waiting times and durations tick on here every second between
// two summaries; while the link is down the board stands still, greyed, with the time of its
// last summary in the banner.

import { $, el } from "../../js/dom.js";
import { advisorSeconds, longestWait, sortAdvisors, stateCounts, STATES } from "./boardmodel.js";
import { clock, elapsed, percent, serviceLevelState, topicLabel } from "./format.js";
import { known, language, localize, onLanguageChange } from "./strings.js";

/** How many wait: the hub lists only the first of a long queue (queue_length counts all). */
function queueLength(data) {
  return data.queue_length ?? data.queue.length;
}

export function mountBoard() {
  let summary = null;
  let receivedAt = 0;
  let ticking = [];
  let timer = null;
  let live = false;

  function tick() {
    const now = performance.now();
    for (const { cell, seconds } of ticking) cell.textContent = clock(elapsed(seconds, receivedAt, now));
  }

  function ticker(cell, seconds) {
    if (seconds !== null) ticking.push({ cell, seconds });
    cell.textContent = clock(seconds);
    return cell;
  }

  function renderTiles(data) {
    const { queue, today, target } = data;
    $("#tile-waiting-value").textContent = String(queueLength(data));
    const longest = data.longest_wait_seconds ?? longestWait(queue);
    const longestCell = $("#tile-longest-value");
    if (longest === null) {
      longestCell.textContent = "–";
      localize($("#tile-longest-sub"), "tile.nobody");
    } else {
      ticker(longestCell, longest);
      $("#tile-longest-sub").textContent = "";
      delete $("#tile-longest-sub").dataset.i18n;
    }
    const state = serviceLevelState(today.service_level, target.service_level_goal);
    $("#tile-service").dataset.state = state;
    $("#tile-service-value").textContent = percent(today.service_level, language());
    localize($("#tile-service-state"), { ok: "tile.serviceOk", low: "tile.serviceLow", none: "tile.serviceNone" }[state]);
    localize($("#tile-service-goal"), "tile.serviceGoal", {
      goal: percent(target.service_level_goal, language()),
      seconds: target.answer_within_seconds,
    });
    localize($("#tile-answered-value"), "tile.answeredValue", { answered: today.answered, abandoned: today.abandoned });
    localize($("#tile-answered-sub"), "tile.answeredOf", { offered: today.offered });
    $("#tile-messages-value").textContent = String(data.open_messages);
    $("#tile-messages").dataset.state = data.open_messages > 0 ? "attention" : "calm";
  }

  /** The language's name (the column is left out on a phone). */
  function languageCell(code) {
    const key = `language.${code}`;
    if (!code || !known(key)) return el("td", { class: "sv-col-lang", text: code ? String(code).toUpperCase() : "–" });
    return el("td", { class: "sv-col-lang", i18n: key });
  }

  function renderQueue(data) {
    const { queue } = data;
    const total = queueLength(data);
    const names = queue.some((entry) => entry.name);
    $("#queue-name-head").hidden = !names;
    $("#queue-count").textContent = `(${total})`;
    const more = $("#queue-more");
    more.hidden = total <= queue.length;
    if (!more.hidden) localize(more, "queue.more", { shown: queue.length, total });
    $("#queue-empty").hidden = queue.length > 0;
    $("#queue-table").hidden = queue.length === 0;
    $("#queue-body").replaceChildren(
      ...queue.map((entry) =>
        el(
          "tr",
          {},
          el("td", { class: "num", text: String(entry.position) }),
          ticker(el("td", { class: "num sv-time" }), entry.waiting_seconds),
          el("td", {}, el("span", { class: "sv-mode", dataset: { mode: entry.mode || "none" }, i18n: `mode.${entry.mode || "none"}` })),
          el("td", { class: "sv-topic", text: topicLabel(entry.topic) }),
          languageCell(entry.language),
          names ? el("td", { text: entry.name || "–" }) : null,
        ),
      ),
    );
  }

  function renderAdvisors(advisors) {
    const counts = stateCounts(advisors);
    $("#advisor-counts").replaceChildren(
      ...STATES.map((state) =>
        el(
          "li",
          { class: "sv-chip", dataset: { state } },
          el("span", { class: "sv-dot", "aria-hidden": "true" }),
          el("span", { class: "sv-chip__n", text: String(counts[state]) }),
          el("span", { i18n: `state.${state}` }),
        ),
      ),
    );
    $("#advisors-empty").hidden = advisors.length > 0;
    $("#advisors-table").hidden = advisors.length === 0;
    $("#advisors-body").replaceChildren(
      ...sortAdvisors(advisors).map((advisor) =>
        el(
          "tr",
          { dataset: { state: advisor.state } },
          el("td", { class: "sv-person", text: advisor.display_name }),
          el(
            "td",
            {},
            el("span", { class: "sv-state", dataset: { state: advisor.state } },
              el("span", { class: "sv-dot", "aria-hidden": "true" }),
              el("span", { i18n: `state.${advisor.state}` })),
          ),
          ticker(el("td", { class: "num sv-time" }), advisorSeconds(advisor)),
        ),
      ),
    );
  }

  function renderToday(today, target) {
    const rows = [
      ["fig.offered", String(today.offered)],
      ["fig.answered", String(today.answered)],
      ["fig.abandoned", String(today.abandoned)],
      ["fig.waitAverage", clock(today.wait_average_seconds)],
      ["fig.waitP90", clock(today.wait_p90_seconds)],
      ["fig.serviceLevel", percent(today.service_level, language())],
      ["fig.handlingAverage", clock(today.handling_average_seconds)],
    ];
    $("#today-list").replaceChildren(
      ...rows.map(([key, value]) =>
        el("div", { class: "sv-figure" }, el("dt", { i18n: key }), el("dd", { text: value })),
      ),
    );
    localize($("#today-note"), "today.note", { seconds: target.answer_within_seconds });
  }

  function render() {
    if (!summary) return;
    ticking = [];
    const open = $("#board-open");
    open.dataset.state = summary.open ? "open" : "closed";
    localize($("#board-open-text"), summary.open ? "board.open" : "board.closed");
    localize($("#board-asof"), "board.asOf", { time: { date: summary.generated_at, style: "timeSeconds" } });
    renderTiles(summary);
    renderQueue(summary);
    renderAdvisors(summary.advisors);
    renderToday(summary.today, summary.target);
    if (live) tick();
  }

  onLanguageChange(() => render());

  return {
    /** A summary from the hub (GET or websocket). */
    update(data) {
      summary = data;
      receivedAt = performance.now();
      render();
    },
    /** Whether the board follows the hub: ticking on, not greyed. */
    setLive(value) {
      live = value;
      const stale = !value && summary !== null;
      $("#board").classList.toggle("is-stale", stale);
      $("#board-open").classList.toggle("is-stale", stale);
      window.clearInterval(timer);
      timer = value ? window.setInterval(tick, 1000) : null;
    },
    /** The time of the last summary (for the stale banner), or null. */
    get generatedAt() {
      return summary ? summary.generated_at : null;
    },
    reset() {
      this.setLive(false);
      summary = null;
    },
  };
}
