// The board's websocket (/ws/supervisor): hello with the token, then a summary at once, on
// every change and at least every 15 s. When it drops it comes back by itself after growing
// pauses (backoff.js); when nothing has come for 40 s the link is taken for dead and
// reconnected. A token without the role ends it for good (onForbidden), an expired one too
// (onExpired).

import { reconnectDelay } from "./backoff.js";

const SILENCE_MS = 40000;
// The sign-in ended: expired (4401), or signed out elsewhere, the password reset or the
// account disabled (4001, as the advisors' sockets).
const CLOSE_EXPIRED = new Set([4401, 4001]);
const CLOSE_FORBIDDEN = 4403;

export class BoardSocket {
  /** handlers: onSummary(summary), onState("connecting" | "open" | "reconnecting" | "closed"),
   * onExpired(), onForbidden(). */
  constructor(token, handlers) {
    this.token = token;
    this.handlers = handlers;
    this.state = "closed";
    this.socket = null;
    this.attempts = 0;
    this.timer = null;
    this.watchdog = null;
    this.stopped = true;
    this.onOnline = () => {
      if (this.state === "reconnecting" && !this.socket) this.connectNow();
    };
  }

  get url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}/ws/supervisor`;
  }

  start() {
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    this.setState("connecting");
    this.connectNow();
  }

  setState(state) {
    if (this.state === state) return;
    this.state = state;
    this.handlers.onState?.(state);
  }

  armWatchdog(socket) {
    window.clearTimeout(this.watchdog);
    this.watchdog = window.setTimeout(() => socket.close(), SILENCE_MS);
  }

  connectNow() {
    window.clearTimeout(this.timer);
    this.timer = null;
    let socket;
    try {
      socket = new WebSocket(this.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.socket = socket;
    this.armWatchdog(socket);
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "hello", token: this.token, protocol: 1 }));
    });
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      this.armWatchdog(socket);
      if (message.type === "summary") {
        this.attempts = 0;
        this.setState("open");
        this.handlers.onSummary?.(message);
      } else if (message.type === "error" && message.code === "forbidden") {
        this.finish(socket, () => this.handlers.onForbidden?.());
      } else if (message.type === "error" && message.code === "unauthorized") {
        this.finish(socket, () => this.handlers.onExpired?.());
      }
    });
    socket.addEventListener("close", (event) => {
      window.clearTimeout(this.watchdog);
      if (this.socket === socket) this.socket = null;
      if (this.stopped) return;
      if (event.code === CLOSE_FORBIDDEN) {
        this.finish(socket, () => this.handlers.onForbidden?.());
      } else if (CLOSE_EXPIRED.has(event.code)) {
        this.finish(socket, () => this.handlers.onExpired?.());
      } else {
        this.scheduleReconnect();
      }
    });
  }

  finish(socket, then) {
    if (this.stopped) return;
    this.close();
    socket.close();
    then();
  }

  scheduleReconnect() {
    this.setState("reconnecting");
    const delay = reconnectDelay(this.attempts);
    this.attempts += 1;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.connectNow(), delay);
  }

  close() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.clearTimeout(this.timer);
    window.clearTimeout(this.watchdog);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
    this.setState("closed");
  }
}
