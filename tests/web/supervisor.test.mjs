// The supervisor page's pure logic (resources/web/supervisor/js/): durations and shares, the
// reconnect pauses, the figures' URLs and range checks, the board's derived values, and the
// hub's refusals as texts.
import assert from "node:assert/strict";
import { test } from "node:test";

import { auditAction, auditSubject } from "../../resources/web/supervisor/js/audittext.js";
import { FIRST_DELAY_MS, MAX_DELAY_MS, reconnectDelay } from "../../resources/web/supervisor/js/backoff.js";
import { advisorSeconds, longestWait, sortAdvisors, stateCounts } from "../../resources/web/supervisor/js/boardmodel.js";
import { errorText } from "../../resources/web/supervisor/js/errors.js";
import {
  csvFilename,
  csvUrl,
  defaultRange,
  figuresUrl,
  isoDay,
  isoWeek,
  rangeProblem,
} from "../../resources/web/supervisor/js/figurequery.js";
import { clock, elapsed, percent, serviceLevelState, topicLabel } from "../../resources/web/supervisor/js/format.js";

test("durations read as minutes:seconds, hours when needed", () => {
  assert.equal(clock(0), "0:00");
  assert.equal(clock(42.9), "0:42");
  assert.equal(clock(59.999), "0:59");
  assert.equal(clock(60), "1:00");
  assert.equal(clock(725), "12:05");
  assert.equal(clock(3600), "1:00:00");
  assert.equal(clock(3723), "1:02:03");
  assert.equal(clock(-3), "0:00");
  assert.equal(clock(null), "–");
  assert.equal(clock(undefined), "–");
  assert.equal(clock(Number.NaN), "–");
});

test("waiting times tick on from the hub's figure", () => {
  assert.equal(elapsed(42, 1000, 4500), 45.5);
  assert.equal(elapsed(42, 1000, 900), 42); // a clock that went back adds nothing
  assert.equal(elapsed(null, 1000, 4500), null);
  assert.equal(clock(elapsed(59, 0, 1000)), "1:00");
});

test("shares in each language's way, unknown as a dash", () => {
  assert.equal(percent(0.78, "de").replace(/\s/g, " "), "78 %");
  assert.equal(percent(0.78, "en"), "78%");
  assert.equal(percent(1, "en"), "100%");
  assert.equal(percent(null, "de"), "–");
});

test("the bank's topic codes read as words", () => {
  assert.equal(topicLabel("baufinanzierung"), "Baufinanzierung");
  assert.equal(topicLabel("kredit_kfz"), "Kredit kfz");
  assert.equal(topicLabel("a--b"), "A b");
  assert.equal(topicLabel(""), "–");
  assert.equal(topicLabel("_"), "–");
});

test("the service level against its goal", () => {
  assert.equal(serviceLevelState(0.8, 0.8), "ok");
  assert.equal(serviceLevelState(0.7 + 0.1, 0.8), "ok"); // 0.7999999999999999
  assert.equal(serviceLevelState(0.79, 0.8), "low");
  assert.equal(serviceLevelState(null, 0.8), "none");
});

test("reconnect pauses grow from 1 s to at most 15 s, with jitter within ±20 %", () => {
  const middle = () => 0.5;
  assert.deepEqual([0, 1, 2, 3, 4, 5, 10].map((n) => reconnectDelay(n, middle)), [1000, 2000, 4000, 8000, 15000, 15000, 15000]);
  assert.equal(reconnectDelay(0, () => 0), FIRST_DELAY_MS * 0.8);
  assert.equal(reconnectDelay(0, () => 0.999999), Math.round(FIRST_DELAY_MS * 1.2));
  assert.ok(reconnectDelay(50, () => 0.999999) <= MAX_DELAY_MS * 1.2);
  assert.equal(reconnectDelay(-1, middle), 1000);
  for (let i = 0; i < 200; i += 1) {
    const delay = reconnectDelay(3);
    assert.ok(delay >= 6400 && delay <= 9600, String(delay));
  }
});

test("the figures' URLs: JSON and CSV of the same query", () => {
  const range = { from: "2026-11-01", to: "2026-11-30", by: "week" };
  assert.equal(figuresUrl(range), "/api/supervisor/figures?from=2026-11-01&to=2026-11-30&by=week");
  assert.equal(csvUrl(range), "/api/supervisor/figures?from=2026-11-01&to=2026-11-30&by=week&format=csv");
  assert.equal(csvFilename(range), "figures-2026-11-01-2026-11-30-week.csv");
  // anything but week is by day; the parameters are encoded
  assert.equal(csvUrl({ from: "2026-11-01", to: "2026-11-02", by: "x&y" }), "/api/supervisor/figures?from=2026-11-01&to=2026-11-02&by=day&format=csv");
  assert.equal(new URL(figuresUrl({ from: "a&b=c", to: "d", by: "day" }), "http://h").searchParams.get("from"), "a&b=c");
});

test("the range is checked before the hub is asked", () => {
  assert.equal(rangeProblem({ from: "2026-11-01", to: "2026-11-30" }), null);
  assert.equal(rangeProblem({ from: "2026-11-30", to: "2026-11-30" }), null);
  assert.equal(rangeProblem({ from: "2026-12-01", to: "2026-11-30" }), "figures.error.order");
  assert.equal(rangeProblem({ from: "2025-01-01", to: "2026-01-01" }), null); // 366 days
  assert.equal(rangeProblem({ from: "2025-01-01", to: "2026-01-02" }), "figures.error.long");
  assert.equal(rangeProblem({ from: "", to: "2026-11-30" }), "figures.error.date");
  assert.equal(rangeProblem({ from: "2026-02-30", to: "2026-03-01" }), "figures.error.date");
});

test("the default range is the last 14 days; weeks read as ISO weeks", () => {
  assert.deepEqual(defaultRange("2026-12-03"), { from: "2026-11-20", to: "2026-12-03", by: "day" });
  assert.deepEqual(defaultRange("2026-03-01"), { from: "2026-02-16", to: "2026-03-01", by: "day" });
  assert.equal(isoDay(new Date(2026, 0, 5, 23, 30)), "2026-01-05");
  assert.deepEqual(isoWeek("2026-W49"), { year: 2026, week: 49 });
  assert.equal(isoWeek("2026-12-01"), null);
});

test("the board: advisors free first, counts per state, the longest wait", () => {
  const advisors = [
    { display_name: "Zoe", state: "offline", state_seconds: 9000, consultation_seconds: null },
    { display_name: "Ben", state: "in_consultation", state_seconds: 300, consultation_seconds: 290 },
    { display_name: "Anna", state: "available", state_seconds: 60, consultation_seconds: null },
    { display_name: "Carl", state: "wrap_up", state_seconds: 20, consultation_seconds: null },
    { display_name: "Ada", state: "available", state_seconds: 5, consultation_seconds: null },
  ];
  assert.deepEqual(sortAdvisors(advisors).map((a) => a.display_name), ["Ada", "Anna", "Ben", "Carl", "Zoe"]);
  assert.deepEqual(stateCounts(advisors), { available: 2, in_consultation: 1, wrap_up: 1, away: 0, offline: 1 });
  assert.equal(advisorSeconds(advisors[1]), 290);
  assert.equal(advisorSeconds(advisors[3]), 20);
  assert.equal(advisorSeconds(advisors[0]), null);
  assert.equal(longestWait([]), null);
  assert.equal(longestWait([{ waiting_seconds: 12 }, { waiting_seconds: 95.5 }, { waiting_seconds: 3 }]), 95.5);
});

test("the hub's refusals become this page's texts", () => {
  assert.deepEqual(errorText({ status: 0, code: "network" }), { key: "error.network" });
  assert.deepEqual(errorText({ status: 429, code: "rate_limited" }), { key: "error.rateLimited" });
  assert.deepEqual(errorText({ status: 403, code: "forbidden" }), { key: "error.forbidden" });
  assert.deepEqual(
    errorText({ status: 409, code: "conflict" }, { conflict: "admin.error.usernameTaken", args: { username: "ben" } }),
    { key: "admin.error.usernameTaken", args: { username: "ben" } },
  );
  assert.deepEqual(errorText({ status: 422, code: "invalid", field: "$.password" }), { key: "admin.error.password" });
  assert.deepEqual(errorText({ status: 400, code: "invalid", field: "$.x", message: "bad x" }), {
    key: "admin.error.invalid",
    args: { message: "bad x" },
  });
  assert.deepEqual(errorText({ status: 500, code: "internal" }), { key: "error.other", args: { code: "internal" } });
});

test("German and English have the same texts, with the same placeholders", async () => {
  const { de } = await import("../../resources/web/supervisor/js/i18n/de.js");
  const { en } = await import("../../resources/web/supervisor/js/i18n/en.js");
  assert.deepEqual(Object.keys(en).sort(), Object.keys(de).sort());
  const placeholders = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
  for (const key of Object.keys(de)) assert.deepEqual(placeholders(en[key]), placeholders(de[key]), key);
});

test("audit entries in words: the roles an action or a new account names", () => {
  assert.deepEqual(auditAction("role.advisor+supervisor"), { key: "audit.action.roles", roles: ["advisor", "supervisor"] });
  assert.deepEqual(auditAction("role.compliance"), { key: "audit.action.roles", roles: ["compliance"] });
  assert.deepEqual(auditAction("account.disable"), { key: "audit.action.account.disable", roles: null });
  assert.deepEqual(auditAction("role.Bad Thing"), { key: "audit.action.role.Bad Thing", roles: null });
  assert.deepEqual(auditSubject("clara (advisor,supervisor)"), { user: "clara", roles: ["advisor", "supervisor"] });
  assert.deepEqual(auditSubject("clara: advisor,supervisor"), { user: "clara", roles: ["advisor", "supervisor"] });
  assert.deepEqual(auditSubject("Max (Filiale Mitte)"), { user: "Max (Filiale Mitte)", roles: null });
  assert.deepEqual(auditSubject("ben"), { user: "ben", roles: null });
  assert.deepEqual(auditSubject("ben: Ben Schulz"), { user: "ben: Ben Schulz", roles: null });
  assert.deepEqual(auditSubject(""), { user: "", roles: null });
});
