// What the hub's recording policy means for the page (resources/web/js/state/recording.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { consentAsked, keepPeriod, policyFor, topicFromAddress } from "../../resources/web/js/state/recording.js";

test("the topic comes from the bank's link, only in the hub's own pattern", () => {
  assert.equal(topicFromAddress("?topic=wertpapiere"), "wertpapiere");
  assert.equal(topicFromAddress("?lang=de&topic=kredit_2"), "kredit_2");
  assert.equal(topicFromAddress(""), "");
  assert.equal(topicFromAddress("?topic=Wertpapiere"), "");
  assert.equal(topicFromAddress("?topic=a%20b"), "");
  assert.equal(topicFromAddress(`?topic=${"x".repeat(41)}`), "");
});

test("a topic's own policy, else the general one, else off", () => {
  const status = { recording: "on_request", recording_by_topic: { wertpapiere: "mandatory" } };
  assert.equal(policyFor(status, "wertpapiere"), "mandatory");
  assert.equal(policyFor(status, "kredit"), "on_request");
  assert.equal(policyFor(status, ""), "on_request");
  assert.equal(policyFor({ recording: "off", recording_by_topic: {} }, "wertpapiere"), "off");
  assert.equal(policyFor(null, "wertpapiere"), "off");
});

test("asked always under mandatory, for picture and sound on request, never when off", () => {
  assert.equal(consentAsked("mandatory", "av"), true);
  assert.equal(consentAsked("mandatory", "text"), true);
  assert.equal(consentAsked("on_request", "av"), true);
  assert.equal(consentAsked("on_request", "text"), false);
  assert.equal(consentAsked("off", "av"), false);
});

test("the retention in years where it is whole years, else in days", () => {
  assert.deepEqual(keepPeriod(1826), { t: "rec.years", args: { n: 5 } });
  assert.deepEqual(keepPeriod(2557), { t: "rec.years", args: { n: 7 } });
  assert.deepEqual(keepPeriod(365), { t: "rec.year" });
  assert.deepEqual(keepPeriod(400), { t: "rec.days", args: { n: 400 } });
  assert.deepEqual(keepPeriod(1), { t: "rec.day" });
});
