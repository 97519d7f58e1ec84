// What survives a reload of this tab: the customer's token (the place in the queue), the
// entries of the form, the chosen connection and the language. sessionStorage only: it is
// gone when the tab is closed.

const KEY = "videoberatung";

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
    // Storage may be off (private mode in old browsers): the page works, a reload forgets.
  }
}

export const store = {
  get(name) {
    return read()[name];
  },
  set(values) {
    write({ ...read(), ...values });
  },
  remove(...names) {
    const data = read();
    for (const name of names) delete data[name];
    write(data);
  },
  /** Forget the consultation but keep the language. */
  reset() {
    const { lang } = read();
    write(lang ? { lang } : {});
  },
};
