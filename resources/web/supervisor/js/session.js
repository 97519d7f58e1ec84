// Who is signed in on this tab: the token, the account with its roles, and the language.
// sessionStorage only: closing the tab forgets the sign-in.

const KEY = "videoberatung-supervisor";

function read() {
  try {
    return JSON.parse(window.sessionStorage.getItem(KEY) || "{}") || {};
  } catch {
    return {};
  }
}

function write(data) {
  try {
    window.sessionStorage.setItem(KEY, JSON.stringify(data));
  } catch {
    // Storage may be off: the page works, a reload asks for the sign-in again.
  }
}

export const session = {
  get token() {
    return read().token || null;
  },
  get account() {
    return read().account || null;
  },
  get lang() {
    return read().lang || null;
  },
  signIn(token, account) {
    write({ ...read(), token, account });
  },
  setLang(lang) {
    write({ ...read(), lang });
  },
  /** Forget the sign-in, keep the language. */
  signOut() {
    const { lang } = read();
    write(lang ? { lang } : {});
  },
};

/** Whether the account holds one of ``roles``. */
export function hasRole(account, ...roles) {
  const held = (account && account.roles) || [];
  return roles.some((role) => held.includes(role));
}
