// What the hub's recording policy means for the page, as pure functions of the hub's status
// (GET /api/status) and the page's address; tested by node --test
// (tests/web/recording.test.mjs).

const TOPIC_PATTERN = /^[a-z0-9_-]{1,40}$/;

/** The topic the bank's link named (``?topic=wertpapiere``); "" for none or a bad one. */
export function topicFromAddress(search = window.location.search) {
  const topic = new URLSearchParams(search).get("topic") || "";
  return TOPIC_PATTERN.test(topic) ? topic : "";
}

/** The hub's recording policy for ``topic`` ("off" while the status is unknown). */
export function policyFor(status, topic) {
  if (!status) return "off";
  const byTopic = status.recording_by_topic || {};
  return (topic && byTopic[topic]) || status.recording || "off";
}

/** How long recordings are kept, in words: {t: "rec.years", args: {n: 5}}. */
export function keepPeriod(days) {
  const value = Number(days) || 0;
  const years = value / 365.25;
  const whole = Math.round(years);
  if (whole >= 1 && Math.abs(years - whole) < 0.05) {
    return whole === 1 ? { t: "rec.year" } : { t: "rec.years", args: { n: whole } };
  }
  const n = Math.round(value);
  return n === 1 ? { t: "rec.day" } : { t: "rec.days", args: { n } };
}

/** Whether the mode step must ask: always under mandatory, for picture and sound on request. */
export function consentAsked(policy, mode) {
  return policy === "mandatory" || (policy === "on_request" && mode === "av");
}
