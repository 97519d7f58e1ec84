// What an audit entry says, in words (pure, tested in tests/web/). The hub writes codes:
// actions "account.add", "account.disable", "role.advisor+supervisor" (the roles held now) …;
// subjects "ben" or "ben (advisor,supervisor)" (a new account's roles; "ben: …" before).

const ROLE_LIST = /^[a-z_]+(?:[+,][a-z_]+)*$/;

/** The action as {key, roles?}: roles are listed where the action names them. */
export function auditAction(action) {
  const role = /^role\.(.+)$/.exec(action || "");
  if (role && ROLE_LIST.test(role[1])) return { key: "audit.action.roles", roles: role[1].split("+") };
  return { key: `audit.action.${action}`, roles: null };
}

/** The subject as {user, roles}: a new account's roles split off, else roles null. */
export function auditSubject(subject) {
  const text = subject || "";
  const match = /^(.*) \(([a-z_]+(?:,[a-z_]+)*)\)$/.exec(text) || /^(.*): ([a-z_]+(?:,[a-z_]+)*)$/.exec(text);
  if (match) return { user: match[1], roles: match[2].split(",") };
  return { user: subject || "", roles: null };
}
