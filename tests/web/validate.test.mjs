// The form's own checks and the hub's reason codes in the customer's words
// (resources/web/js/validate.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { checkName, checkPhone, limits, reasonError, setLimits } from "../../resources/web/js/validate.js";

test("every reason the hub gives has words", () => {
  const reasons = {
    "$.name": ["empty", "too_long", "control", "no_letters"],
    "$.phone": ["not_a_number", "invalid_number"],
    "$.text": ["empty", "too_long", "control"],
    "$.consent.accepted": ["not_accepted"],
    "$.consent.notice_version": ["outdated"],
    "$.consent": ["missing"],
  };
  for (const [field, list] of Object.entries(reasons)) {
    for (const reason of list) assert.ok(reasonError(field, reason)?.error, `${field} ${reason}`);
  }
  assert.deepEqual(reasonError("$.phone", "invalid_number"), { error: "err.phone.invalid" });
  assert.deepEqual(reasonError("$.consent.notice_version", "outdated"), { error: "err.consentVersion" });
  assert.deepEqual(reasonError("$.text", "too_long", 4000), { error: "err.text.long", args: { max: 4000 } });
  assert.equal(reasonError("$.mode", "x"), null);
});

test("the limits the hub serves are the ones checked", () => {
  const before = { ...limits };
  setLimits({ name_max: 5, unknown: 3, phone_max: -1 });
  assert.equal(limits.name_max, 5);
  assert.equal(limits.phone_max, before.phone_max);
  assert.equal("unknown" in limits, false);
  assert.deepEqual(checkName("Erika M"), { error: "err.name.long", args: { max: 5 } });
  setLimits(before);
  assert.deepEqual(checkName(" Erika "), { value: "Erika" });
});

test("the page's own phone check is syntax only; the hub decides the rest", () => {
  assert.deepEqual(checkPhone("123456"), { value: "123456" });
  assert.equal(checkPhone("12a").error, "err.phone.chars");
});
