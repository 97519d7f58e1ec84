// Days and weeks: a range and a grouping, the table of figures, and the same as CSV.

import { $, el } from "../../js/dom.js";
import { csvUrl, defaultRange, isoDay, isoWeek, rangeProblem } from "./figurequery.js";
import { clock, percent } from "./format.js";
import { downloadCsv, hub } from "./hubapi.js";
import { formatDate, language, localize, onLanguageChange, t } from "./strings.js";

export function mountFigures(app) {
  const form = $("#figures-form");
  const from = $("#figures-from");
  const to = $("#figures-to");
  const csv = $("#figures-csv");
  const error = $("#figures-error");
  let rows = null;
  let shownRange = null;
  let filled = false;

  function range() {
    const by = form.querySelector('input[name="by"]:checked').value;
    return { from: from.value, to: to.value, by };
  }

  function showError(key, args) {
    if (!key) {
      error.hidden = true;
      from.removeAttribute("aria-invalid");
      to.removeAttribute("aria-invalid");
      return;
    }
    localize(error, key, args);
    error.hidden = false;
  }

  function periodText(period) {
    const week = isoWeek(period);
    if (week) return t("figures.week", week);
    return formatDate(`${period}T12:00:00Z`, "date", "UTC");
  }

  function render() {
    if (!rows || !shownRange) return;
    const day = (text) => formatDate(`${text}T12:00:00Z`, "date", "UTC");
    localize($("#figures-caption"), "figures.caption", { from: day(shownRange.from), to: day(shownRange.to) });
    const lang = language();
    $("#figures-body").replaceChildren(
      ...rows.map((row) =>
        el(
          "tr",
          {},
          el("th", { scope: "row", text: periodText(row.period) }),
          el("td", { class: "num", text: String(row.offered) }),
          el("td", { class: "num", text: String(row.answered) }),
          el("td", { class: "num", text: String(row.abandoned) }),
          el("td", { class: "num", text: clock(row.wait_average_seconds) }),
          el("td", { class: "num", text: clock(row.wait_p90_seconds) }),
          el("td", { class: "num", text: percent(row.service_level, lang) }),
          el("td", { class: "num", text: clock(row.handling_average_seconds) }),
        ),
      ),
    );
    const empty = rows.every((row) => !row.offered);
    $("#figures-scroll").hidden = rows.length === 0;
    $("#figures-empty").hidden = !empty;
    if (empty) localize($("#figures-empty"), "figures.empty");
  }

  async function load() {
    const wanted = range();
    const problem = rangeProblem(wanted);
    if (problem) {
      showError(problem);
      (problem === "figures.error.order" ? to : from).setAttribute("aria-invalid", "true");
      return;
    }
    showError(null);
    csv.href = csvUrl(wanted);
    localize($("#figures-status"), "figures.loading");
    try {
      const answer = await hub.figures(app.token(), wanted);
      rows = answer.rows;
      shownRange = wanted;
      render();
      $("#figures-status").textContent = "";
    } catch (failure) {
      $("#figures-status").textContent = "";
      if (!app.handleAuthError(failure)) app.showApiError(error, failure);
    }
  }

  function syncCsv() {
    if (!rangeProblem(range())) csv.href = csvUrl(range());
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    load();
  });
  form.addEventListener("change", syncCsv);
  csv.addEventListener("click", async (event) => {
    event.preventDefault();
    const wanted = range();
    const problem = rangeProblem(wanted);
    if (problem) {
      showError(problem);
      return;
    }
    showError(null);
    try {
      await downloadCsv(app.token(), wanted);
      localize($("#figures-status"), "figures.downloaded");
    } catch (failure) {
      if (!app.handleAuthError(failure)) app.showApiError(error, failure);
    }
  });
  onLanguageChange(() => render());

  return {
    show() {
      if (!filled) {
        const initial = defaultRange(isoDay(new Date()));
        from.value = initial.from;
        to.value = initial.to;
        filled = true;
      }
      load();
    },
  };
}
