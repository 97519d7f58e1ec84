// The days/weeks query of the figures: its URLs (JSON and CSV), the default range and the
// checks before asking the hub (pure, tested in tests/web/).

export const MAX_DAYS = 366;
const DAY_MS = 86400000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

function parseDay(text) {
  if (!ISO_DAY.test(text || "")) return null;
  const date = new Date(`${text}T00:00:00Z`);
  if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) return null;
  return date;
}

/** A local calendar day as YYYY-MM-DD. */
export function isoDay(date) {
  const month = String(date.getMonth() + 1).padStart(2, "0");
  const day = String(date.getDate()).padStart(2, "0");
  return `${date.getFullYear()}-${month}-${day}`;
}

/** The last 14 days up to ``today`` (a YYYY-MM-DD). */
export function defaultRange(today) {
  const end = parseDay(today);
  const start = new Date(end.getTime() - 13 * DAY_MS);
  return { from: start.toISOString().slice(0, 10), to: today, by: "day" };
}

/** Why the range cannot be asked for (a string key), or null when it can. */
export function rangeProblem({ from, to }) {
  const start = parseDay(from);
  const end = parseDay(to);
  if (!start || !end) return "figures.error.date";
  if (end < start) return "figures.error.order";
  if ((end - start) / DAY_MS + 1 > MAX_DAYS) return "figures.error.long";
  return null;
}

function query({ from, to, by }, extra = {}) {
  const params = new URLSearchParams({ from, to, by: by === "week" ? "week" : "day", ...extra });
  return params.toString();
}

export function figuresUrl(range) {
  return `/api/supervisor/figures?${query(range)}`;
}

export function csvUrl(range) {
  return `/api/supervisor/figures?${query(range, { format: "csv" })}`;
}

/** The name the hub gives the CSV file (Content-Disposition), for the download. */
export function csvFilename({ from, to, by }) {
  return `figures-${from}-${to}-${by === "week" ? "week" : "day"}.csv`;
}

/** "2026-W49" as {year: 2026, week: 49}; a day's period as null. */
export function isoWeek(period) {
  const match = /^(\d{4})-W(\d{2})$/.exec(period || "");
  return match ? { year: Number(match[1]), week: Number(match[2]) } : null;
}
