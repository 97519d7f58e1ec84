// The customer's websocket to the hub: hello with the token, then messages both ways. When it
// drops it comes back by itself with growing pauses (0.5 s, 1 s, 2 s … at most 10 s).

const FIRST_DELAY_MS = 500;
const MAX_DELAY_MS = 10000;
const WELCOME_TIMEOUT_MS = 12000;
const FATAL_CODES = new Set(["unauthorized", "gone"]);

export class HubSocket {
  /**
   * @param {string} token the customer's token from the join
   * @param {{onMessage: Function, onState: Function, onFatal: Function}} handlers
   *   onState gets 'connecting' | 'open' | 'reconnecting' | 'closed';
   *   onFatal gets the hub's error when the token is refused (expired or unknown).
   */
  constructor(token, handlers) {
    this.token = token;
    this.handlers = handlers;
    this.state = "closed";
    this.socket = null;
    this.attempts = 0;
    this.timer = null;
    this.welcomeTimer = null;
    this.stopped = false;
    this.onOnline = () => {
      if (this.state === "reconnecting" && !this.socket) this.connectNow();
    };
  }

  get url() {
    const scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${window.location.host}/ws/customer`;
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
    let welcomed = false;
    socket.addEventListener("open", () => {
      socket.send(JSON.stringify({ type: "hello", token: this.token }));
    });
    this.welcomeTimer = window.setTimeout(() => {
      if (!welcomed) socket.close();
    }, WELCOME_TIMEOUT_MS);
    socket.addEventListener("message", (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type === "welcome") {
        welcomed = true;
        window.clearTimeout(this.welcomeTimer);
        this.attempts = 0;
        this.setState("open");
      } else if (message.type === "error" && !welcomed && FATAL_CODES.has(message.code)) {
        this.stopped = true;
        this.handlers.onFatal?.(message);
        socket.close();
        return;
      }
      this.handlers.onMessage?.(message);
    });
    socket.addEventListener("close", () => {
      window.clearTimeout(this.welcomeTimer);
      if (this.socket === socket) this.socket = null;
      if (this.stopped) {
        this.setState("closed");
        return;
      }
      this.scheduleReconnect();
    });
  }

  scheduleReconnect() {
    this.setState("reconnecting");
    const base = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** this.attempts);
    const delay = base * (0.8 + Math.random() * 0.4);
    this.attempts += 1;
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.connectNow(), delay);
  }

  /** Send now if connected; false when the link is down (the caller resends later). */
  send(message) {
    const socket = this.socket;
    if (!socket || socket.readyState !== WebSocket.OPEN || this.state !== "open") return false;
    socket.send(JSON.stringify(message));
    return true;
  }

  /** Drop the connection and come back at once (the advisor then offers media anew). */
  restart() {
    this.attempts = 0;
    if (this.socket) this.socket.close();
  }

  close() {
    this.stopped = true;
    window.removeEventListener("online", this.onOnline);
    window.clearTimeout(this.timer);
    window.clearTimeout(this.welcomeTimer);
    if (this.socket) this.socket.close(1000);
    this.socket = null;
    this.setState("closed");
  }
}
