// What the start page and the waiting step say about availability, as pure functions of the
// hub's status (GET /api/status) and queue messages; tested by node --test
// (tests/web/availability.test.mjs). One wording for the estimate ("Voraussichtliche
// Wartezeit"), and never "unbekannt" while an advisor is free.

/** The wait in words: {t, args} for i18n, or null when nothing honest can be said. */
export function waitText(seconds, advisorsFree = 0) {
  if (seconds === null || seconds === undefined) return advisorsFree > 0 ? { t: "wait.moment" } : null;
  if (seconds <= 15) return { t: "wait.moment" };
  if (seconds < 60) return { t: "wait.lessMinute" };
  const minutes = Math.round(seconds / 60);
  return minutes <= 1 ? { t: "wait.minute" } : { t: "wait.minutes", args: { n: minutes } };
}

/** The start page's availability box: {state, text, extra, start, message, messageFirst}.
 * ``text``/``extra`` are i18n keys (extra with its args) or null. */
export function availability(status) {
  if (!status) {
    return { state: "closed", text: "avail.unreachable", extra: null, start: true, message: false, messageFirst: false };
  }
  if (!status.open) {
    const extra = status.next_opening
      ? { key: "avail.nextOpening", args: { when: { date: status.next_opening, style: "weekdayTime", timeZone: status.time_zone } } }
      : { key: "avail.closedMessage" };
    return { state: "closed", text: "avail.closed", extra, start: false, message: true, messageFirst: true };
  }
  if (status.advisor_available) {
    return { state: "free", text: "avail.free", extra: null, start: true, message: false, messageFirst: false };
  }
  if (status.advisors_online === 0) {
    return { state: "busy", text: "avail.nobody", extra: null, start: true, message: true, messageFirst: false };
  }
  const wait = waitText(status.estimated_wait_seconds, status.advisors_available);
  return {
    state: "busy",
    text: "avail.busy",
    extra: wait ? { key: "avail.estimate", args: { wait } } : null,
    start: true,
    message: true,
    messageFirst: false,
  };
}

/** The opening hours as lines: consecutive days with the same hours form one line. */
export function hourLines(status) {
  if (!status) return [];
  if (status.always_open) return [{ key: "start.hoursAlways" }];
  const byDay = new Map();
  for (const period of status.opening_hours) {
    const times = byDay.get(period.weekday) || [];
    times.push(`${period.opens}–${period.closes === "23:59" ? "24:00" : period.closes}`);
    byDay.set(period.weekday, times);
  }
  const groups = [];
  for (let day = 0; day < 7; day += 1) {
    if (!byDay.has(day)) continue;
    const times = byDay.get(day).join(", ");
    const last = groups[groups.length - 1];
    if (last && last.to === day - 1 && last.times === times) last.to = day;
    else groups.push({ from: day, to: day, times });
  }
  return groups.map((group) => ({
    key: "start.hoursRow",
    args: {
      days:
        group.from === group.to
          ? { t: `day.${group.from}` }
          : { t: "hours.dayRange", args: { from: { t: `day.${group.from}` }, to: { t: `day.${group.to}` } } },
      times: group.times,
    },
  }));
}

/** The time zone in words, when the visitor's own differs: German time by name. */
export function zoneNote(bankZone, ownZone) {
  if (!bankZone || bankZone === ownZone) return null;
  if (bankZone === "Europe/Berlin") return { key: "start.timeZoneGerman" };
  return { key: "start.timeZone", args: { zone: bankZone } };
}

/** The waiting step's queue box: {position, estimate} as i18n {key, args} or null. */
export function queueText(queue, resuming) {
  if (queue.position === null || queue.position === undefined) {
    return { position: { key: resuming ? "conn.reconnecting" : "wait.connecting" }, estimate: null };
  }
  const wait = waitText(queue.estimate, queue.available || 0);
  return {
    position: { key: "wait.position", args: { position: queue.position } },
    estimate: wait ? { key: "wait.estimate", args: { wait } } : { key: "wait.estimateUnknown" },
  };
}
