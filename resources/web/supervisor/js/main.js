// The supervisor page: sign-in → the live board, the days/weeks figures and (admin role) the
// administration of accounts. This module routes between the views (#board, #figures, #admin
// in the address; focus moves to the view's heading), keeps the sign-in (session.js) and the
// board's websocket, and says plainly when the board is no longer live.

import { $, $all, announce, focus } from "../../js/dom.js";
import { mountAdmin } from "./admin.js";
import { mountBoard } from "./board.js";
import { BoardSocket } from "./boardsocket.js";
import { errorText } from "./errors.js";
import { mountFigures } from "./figures.js";
import { hub } from "./hubapi.js";
import { hasRole, session } from "./session.js";
import { apply, formatDate, language, localize, onLanguageChange, setLanguage, t } from "./strings.js";

const SIGNED_IN_VIEWS = ["board", "figures", "admin"];

const state = {
  view: null,
  socket: null,
  socketState: "closed",
  everLive: false,
};

const app = {
  token: () => session.token,
  account: () => session.account,
  /** A 401 ends the sign-in (back to the form, saying why); true when it was one. */
  handleAuthError(error) {
    if (error && error.status === 401) {
      signedOut("signin.expired");
      return true;
    }
    return false;
  },
  showApiError(element, error, context) {
    const { key, args } = errorText(error, context);
    localize(element, key, args);
    element.hidden = false;
  },
};

let views = {};

// --- views ---------------------------------------------------------------------------------

function show(view, { moveFocus = true } = {}) {
  state.view = view;
  for (const section of $all(".sv-view")) section.hidden = section.dataset.view !== view;
  for (const link of $all("#nav a")) {
    if (link.dataset.view === view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  document.body.dataset.view = view;
  renderTitle();
  if (moveFocus) {
    window.scrollTo(0, 0);
    focus($(`#view-${view} h1`));
  }
}

function renderTitle() {
  const heading = state.view ? $(`#view-${state.view} h1`).textContent : "";
  document.title = heading ? `${heading} – ${t("app.title")}` : t("app.title");
}

function renderUser() {
  const account = session.account;
  const signedIn = Boolean(session.token && account);
  $("#user").hidden = !signedIn;
  $("#sign-out").hidden = !signedIn;
  const allowed = signedIn && hasRole(account, "supervisor", "admin");
  $("#nav").hidden = !allowed;
  $("#nav-admin").hidden = !(allowed && hasRole(account, "admin"));
  if (signedIn) localize($("#user"), "user.signedIn", { name: account.display_name });
}

function route({ moveFocus = true } = {}) {
  if (!session.token) {
    showSignIn(null, { moveFocus });
    return;
  }
  let wanted = window.location.hash.replace(/^#/, "") || "board";
  if (!SIGNED_IN_VIEWS.includes(wanted)) wanted = "board";
  if (wanted === "admin" && !hasRole(session.account, "admin")) wanted = "board";
  show(wanted, { moveFocus });
  if (wanted === "figures") views.figures.show();
  if (wanted === "admin") views.admin.show();
}

// --- sign-in and sign-out ------------------------------------------------------------------

function showSignIn(noteKey, options) {
  const note = $("#signin-note");
  if (noteKey) localize(note, noteKey);
  note.hidden = !noteKey;
  $("#signin-error").hidden = true;
  show("signin", options);
  if (options?.moveFocus !== false) $("#signin-username").focus();
}

function stopBoard() {
  if (state.socket) state.socket.close();
  state.socket = null;
  state.everLive = false;
  views.board.reset();
  $("#stale").hidden = true;
}

function signedOut(noteKey) {
  stopBoard();
  views.admin.reset();
  session.signOut();
  renderUser();
  history.replaceState(null, "", window.location.pathname);
  showSignIn(noteKey);
}

async function signOut() {
  const token = session.token;
  signedOut("signin.signedOut");
  if (token) {
    try {
      await hub.logout(token);
    } catch {
      // Signed out here anyway; the token runs out by itself.
    }
  }
}

function showDenied() {
  stopBoard();
  renderUser();
  $("#nav").hidden = true;
  localize($("#denied-text"), "denied.text", { name: session.account?.display_name || "" });
  show("denied");
}

async function signIn(event) {
  event.preventDefault();
  const username = $("#signin-username").value.trim();
  const password = $("#signin-password").value;
  const error = $("#signin-error");
  error.hidden = true;
  $("#signin-note").hidden = true;
  if (!username || !password) {
    localize(error, "signin.empty");
    error.hidden = false;
    (username ? $("#signin-password") : $("#signin-username")).focus();
    return;
  }
  const submit = $("#signin-submit");
  submit.disabled = true;
  localize($("#signin-working"), "signin.working");
  try {
    const answer = await hub.login(username, password);
    $("#signin-password").value = "";
    session.signIn(answer.token, answer.advisor);
    renderUser();
    await enter();
  } catch (failure) {
    const key = failure.status === 401 ? "signin.wrong" : errorText(failure).key;
    localize(error, key);
    error.hidden = false;
    $("#signin-password").select();
    $("#signin-password").focus();
  } finally {
    submit.disabled = false;
    $("#signin-working").textContent = "";
  }
}

/** Signed in: the board's first summary by REST (which also says whether the account may
 * see it), then the websocket. */
async function enter({ moveFocus = true } = {}) {
  let summary;
  try {
    summary = await hub.summary(session.token);
  } catch (failure) {
    if (failure.status === 403) {
      showDenied();
      return;
    }
    if (app.handleAuthError(failure)) return;
    // The hub is away: the board opens empty and the websocket keeps trying.
    summary = null;
  }
  renderUser();
  if (summary) views.board.update(summary);
  route({ moveFocus });
  connect();
}

// --- the live link -------------------------------------------------------------------------

function connect() {
  if (state.socket) state.socket.close();
  const socket = new BoardSocket(session.token, {
    onSummary: (summary) => views.board.update(summary),
    onState: onSocketState,
    onExpired: () => signedOut("signin.expired"),
    onForbidden: () => showDenied(),
  });
  state.socket = socket;
  socket.start();
}

function renderStale() {
  const down = state.socketState === "reconnecting" || (state.socketState === "connecting" && state.everLive);
  const banner = $("#stale");
  banner.hidden = !down;
  if (!down) return;
  const at = views.board.generatedAt;
  const text = $("#stale-text");
  if (at) {
    text.textContent = `${t("conn.stale", { time: formatDate(at, "timeSeconds") })} · ${t("conn.staleRetry")}`;
  } else {
    text.textContent = t("conn.staleNever");
  }
}

function onSocketState(socketState) {
  const wasDown = !$("#stale").hidden;
  state.socketState = socketState;
  const live = socketState === "open";
  views.board.setLive(live);
  renderStale();
  const at = views.board.generatedAt;
  if (!wasDown && !$("#stale").hidden && at) {
    announce($("#announcer"), "conn.stale", { time: formatDate(at, "timeSeconds") });
  }
  // Whoever saw (or heard) the board go stale hears that it is live again, also when the
  // board so far came only from the first REST summary and the socket had not yet opened.
  if (live && wasDown) announce($("#announcer"), "conn.restored");
  if (live) state.everLive = true;
}

// --- start-up ------------------------------------------------------------------------------

function switchLanguage(lang) {
  setLanguage(lang);
  session.setLang(lang);
  $("#lang-switch").lang = lang === "de" ? "en" : "de";
  renderUser();
  renderTitle();
  renderStale();
}

function boot() {
  switchLanguage(session.lang || "de");
  apply(document);
  views = {
    board: mountBoard(app),
    figures: mountFigures(app),
    admin: mountAdmin(app),
  };
  onLanguageChange(() => renderTitle());
  $("#lang-switch").addEventListener("click", () => switchLanguage(language() === "de" ? "en" : "de"));
  $("#signin-form").addEventListener("submit", signIn);
  $("#sign-out").addEventListener("click", signOut);
  $("#denied-other").addEventListener("click", signOut);
  window.addEventListener("hashchange", () => {
    if (session.token && state.view !== "denied") route();
  });
  renderUser();
  if (session.token) enter({ moveFocus: false });
  else showSignIn(null, { moveFocus: false });
}

boot();
