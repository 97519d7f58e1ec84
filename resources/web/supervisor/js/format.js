// How the board writes durations and shares (pure: no DOM, tested in tests/web/).

const DASH = "–";

/** A duration as the board shows it: "0:42", "12:05", "1:02:03"; unknown as a dash. */
export function clock(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return DASH;
  const total = Math.max(0, Math.floor(seconds));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const rest = String(total % 60).padStart(2, "0");
  if (hours > 0) return `${hours}:${String(minutes).padStart(2, "0")}:${rest}`;
  return `${minutes}:${rest}`;
}

/** A share (0.78) in the page's language: "78 %" in German, "78%" in English. */
export function percent(fraction, lang) {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return DASH;
  return new Intl.NumberFormat(lang === "en" ? "en-GB" : "de-DE", {
    style: "percent",
    maximumFractionDigits: 0,
  }).format(fraction);
}

/** Seconds waited (or in a state) now: the hub's figure plus the time since it arrived. */
export function elapsed(seconds, receivedAtMs, nowMs) {
  if (seconds === null || seconds === undefined) return null;
  return seconds + Math.max(0, nowMs - receivedAtMs) / 1000;
}

/** Whether today's service level meets the goal: "ok", "low", or "none" (nobody yet). */
export function serviceLevelState(level, goal) {
  if (level === null || level === undefined) return "none";
  return level + 1e-9 >= goal ? "ok" : "low";
}

/** A topic as the bank names it in its settings ("baufinanzierung", "kredit_kfz") made
 * readable: "Baufinanzierung", "Kredit kfz"; none as a dash. */
export function topicLabel(topic) {
  if (!topic) return DASH;
  const words = String(topic).replace(/[-_]+/g, " ").trim();
  return words ? words[0].toLocaleUpperCase("de-DE") + words.slice(1) : DASH;
}
