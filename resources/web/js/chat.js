// The chat of one consultation: stored messages in sequence order plus own messages still on
// their way (resent with the same client_id after a reconnect, so nothing is lost or doubled),
// and its view. Every name and text is put in with textContent.

import { el } from "./dom.js";
import { localize, localizeDate } from "./i18n.js";

function newClientId() {
  if (window.crypto && window.crypto.randomUUID) return `c-${window.crypto.randomUUID()}`;
  const bytes = new Uint8Array(16);
  window.crypto.getRandomValues(bytes);
  return `c-${Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export class ChatLog {
  constructor(consultationId) {
    this.consultationId = consultationId;
    this.stored = new Map();
    this.waiting = new Map();
  }

  /** The highest sequence number with no gap below it: ask the hub for what follows. */
  get lastSeq() {
    let seq = 0;
    while (this.stored.has(seq + 1)) seq += 1;
    return seq;
  }

  newOutgoing(text) {
    const message = { client_id: newClientId(), text, created: Date.now() };
    this.waiting.set(message.client_id, message);
    return message;
  }

  pending() {
    return Array.from(this.waiting.values()).sort((a, b) => a.created - b.created);
  }

  /** Take a stored message; false if it was known already. */
  add(entry) {
    if (entry.consultation_id !== this.consultationId) return false;
    if (entry.author_role === "customer") this.waiting.delete(entry.client_id);
    if (this.stored.has(entry.seq)) return false;
    this.stored.set(entry.seq, entry);
    return true;
  }

  entries() {
    return Array.from(this.stored.keys())
      .sort((a, b) => a - b)
      .map((seq) => this.stored.get(seq));
  }
}

export class ChatView {
  /**
   * @param {HTMLOListElement} list
   * @param {HTMLElement} scroller the element that scrolls
   * @param {HTMLElement} emptyHint
   */
  constructor(list, scroller, emptyHint) {
    this.list = list;
    this.scroller = scroller;
    this.emptyHint = emptyHint;
    this.bySeq = new Map();
    this.byClientId = new Map();
  }

  clear() {
    this.list.replaceChildren();
    this.bySeq.clear();
    this.byClientId.clear();
    this.emptyHint.hidden = false;
  }

  nearBottom() {
    const s = this.scroller;
    return s.scrollHeight - s.scrollTop - s.clientHeight < 80;
  }

  scrollDown() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
  }

  /** A line from the page itself (e.g. who took the call). */
  addSystem(key, args) {
    const stick = this.nearBottom();
    const item = el("li", { class: "msg msg--system" }, el("p", { class: "msg-text", i18n: key, args }));
    this.list.append(item);
    if (stick) this.scrollDown();
  }

  addPending(message) {
    const item = this.makeItem("customer", null, message.text);
    item.classList.add("msg--pending");
    const meta = item.querySelector(".msg-when");
    localize(meta, "chat.sending");
    this.byClientId.set(message.client_id, item);
    this.list.append(item);
    this.emptyHint.hidden = true;
    this.scrollDown();
  }

  removePending(clientId) {
    const item = this.byClientId.get(clientId);
    if (item) item.remove();
    this.byClientId.delete(clientId);
    this.emptyHint.hidden = this.list.querySelector(".msg:not(.msg--system)") !== null;
  }

  /** Show a stored message (live or from history) in its place. */
  addStored(entry) {
    if (this.bySeq.has(entry.seq)) return;
    const stick = this.nearBottom() || entry.author_role === "customer";
    const item = this.makeItem(entry.author_role, entry.author_name, entry.text);
    const when = item.querySelector(".msg-when");
    const time = el("time", { datetime: entry.sent_at });
    localizeDate(time, entry.sent_at, "time");
    when.replaceChildren(time);
    delete when.dataset.i18n;
    item.dataset.seq = String(entry.seq);
    const pending = entry.author_role === "customer" ? this.byClientId.get(entry.client_id) : null;
    if (pending) {
      pending.replaceWith(item);
      this.byClientId.delete(entry.client_id);
    } else {
      // Before the first stored message with a higher seq, else before the pending ones.
      const later = Array.from(this.bySeq.entries())
        .filter(([seq]) => seq > entry.seq)
        .sort((a, b) => a[0] - b[0])[0];
      const firstPending = this.list.querySelector(".msg--pending");
      const anchor = later ? later[1] : firstPending;
      if (anchor) this.list.insertBefore(item, anchor);
      else this.list.append(item);
    }
    this.bySeq.set(entry.seq, item);
    this.emptyHint.hidden = true;
    if (stick) this.scrollDown();
  }

  makeItem(role, authorName, text) {
    const own = role === "customer";
    const author = own ? el("span", { class: "msg-author", i18n: "chat.you" }) : el("span", { class: "msg-author", text: authorName });
    return el(
      "li",
      { class: own ? "msg msg--own" : "msg msg--advisor" },
      el("p", { class: "msg-meta" }, author, el("span", { class: "msg-sep", "aria-hidden": "true", text: " · " }), el("span", { class: "msg-when" })),
      el("p", { class: "msg-text", text }),
    );
  }
}
