// The hub's refusals as texts of this page (pure, tested in tests/web/): which string key, with
// which arguments. The hub's own message is English for the log; people read ours.

const FIELD_KEYS = {
  "$.password": "admin.error.password",
  "$.username": "admin.error.username",
  "$.display_name": "admin.error.displayName",
  "$.roles": "admin.error.roles",
};

/** ``conflict``: the key for a 409 in this context (the name is taken, or an admin's own
 * account), with ``args`` for it. */
export function errorText(error, { conflict = null, args = {} } = {}) {
  const code = error && error.code;
  const status = error && error.status;
  if (status === 0 || code === "network") return { key: "error.network" };
  if (code === "rate_limited" || status === 429) return { key: "error.rateLimited" };
  if (code === "unavailable" || status === 503) return { key: "error.unavailable" };
  if (code === "forbidden" || status === 403) return { key: "error.forbidden" };
  if (code === "not_found" || status === 404) return { key: "error.notFound" };
  // 409: "conflict" (a name taken) or "not_allowed" (an admin's own account).
  if ((code === "conflict" || code === "not_allowed" || status === 409) && conflict) return { key: conflict, args };
  if (code === "invalid" || code === "malformed" || status === 400 || status === 422) {
    const key = FIELD_KEYS[error.field];
    if (key) return { key };
    return { key: "admin.error.invalid", args: { message: error.message || code } };
  }
  return { key: "error.other", args: { code: code || `HTTP ${status}` } };
}
