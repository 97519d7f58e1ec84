// What the start page and the waiting step say (resources/web/js/state/availability.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { availability, hourLines, queueText, waitText, zoneNote } from "../../resources/web/js/state/availability.js";

const OPEN = {
  open: true,
  advisor_available: false,
  advisors_available: 0,
  advisors_online: 1,
  estimated_wait_seconds: null,
  time_zone: "Europe/Berlin",
  opening_hours: [],
  always_open: true,
  next_opening: null,
};

test("never 'unknown' while an advisor is free", () => {
  assert.deepEqual(waitText(null, 1), { t: "wait.moment" });
  assert.equal(waitText(null, 0), null);
  assert.deepEqual(waitText(600, 0), { t: "wait.minutes", args: { n: 10 } });
  const free = queueText({ position: 1, estimate: null, available: 1 }, false);
  assert.deepEqual(free.estimate, { key: "wait.estimate", args: { wait: { t: "wait.moment" } } });
  const nobody = queueText({ position: 2, estimate: null, available: 0 }, false);
  assert.deepEqual(nobody.estimate, { key: "wait.estimateUnknown" });
});

test("the start page offers what fits", () => {
  assert.equal(availability({ ...OPEN, advisor_available: true, advisors_available: 1 }).text, "avail.free");
  const nobody = availability({ ...OPEN, advisors_online: 0 });
  assert.equal(nobody.text, "avail.nobody");
  assert.equal(nobody.start && nobody.message, true);
  const busy = availability({ ...OPEN, estimated_wait_seconds: 300 });
  assert.equal(busy.extra.key, "avail.estimate");
  assert.equal(availability({ ...OPEN }).extra, null);
  const closed = availability({ ...OPEN, open: false, always_open: false, next_opening: "2026-11-27T07:00:00Z" });
  assert.equal(closed.start, false);
  assert.equal(closed.messageFirst, true);
  assert.equal(availability(null).text, "avail.unreachable");
});

test("opening hours group equal days", () => {
  const lines = hourLines({
    ...OPEN,
    always_open: false,
    opening_hours: [0, 1, 2, 3, 4].map((weekday) => ({ weekday, opens: "08:00", closes: "18:00" })).concat([
      { weekday: 5, opens: "09:00", closes: "13:00" },
    ]),
  });
  assert.equal(lines.length, 2);
  assert.deepEqual(lines[0].args.days.args, { from: { t: "day.0" }, to: { t: "day.4" } });
  assert.deepEqual(hourLines(OPEN), [{ key: "start.hoursAlways" }]);
});

test("the bank's time zone is said in words to visitors elsewhere", () => {
  assert.equal(zoneNote("Europe/Berlin", "Europe/Berlin"), null);
  assert.deepEqual(zoneNote("Europe/Berlin", "America/New_York"), { key: "start.timeZoneGerman" });
  assert.deepEqual(zoneNote("Europe/Vienna", "Asia/Tokyo"), { key: "start.timeZone", args: { zone: "Europe/Vienna" } });
});
