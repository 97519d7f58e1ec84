// The consultation's state as pure functions (resources/web/js/state/session.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import {
  initialSession,
  mediaProblem,
  ownMediaNote,
  reduce,
  sessionStatus,
  stageNotice,
} from "../../resources/web/js/state/session.js";

const AV = { consultation_id: 1, advisor_name: "Anna Berger", mode: "av", see_advisor: true, show_me: true };
const TEXT = { ...AV, mode: "text", see_advisor: false, show_me: false };

function run(state, ...events) {
  return events.reduce(reduce, state);
}

function connected(consultation = AV) {
  return run(initialSession(consultation, { microphone: "live", camera: "live" }), { type: "peer", state: "connected" });
}

test("a call connects and only then says picture and sound are sent", () => {
  const start = initialSession(AV, { microphone: "live", camera: "live" });
  assert.equal(sessionStatus(start).key, "state.connecting");
  assert.deepEqual(sessionStatus(connected()), { key: "state.connected", level: "ok", args: { name: "Anna Berger" } });
});

test("the state given is never changed", () => {
  const start = initialSession(AV, { microphone: "live", camera: "live" });
  const after = reduce(start, { type: "peer", state: "connected" });
  assert.equal(start.peer, "new");
  assert.equal(after.peer, "connected");
  assert.throws(() => {
    "use strict";
    start.peer = "x";
  });
});

test("a microphone that stops mid-call is said, not hidden behind 'Verbunden'", () => {
  const lost = reduce(connected(), { type: "track.ended", kind: "audio" });
  assert.equal(mediaProblem(lost), "microphone");
  assert.deepEqual(sessionStatus(lost), { key: "state.lost.microphone", level: "fail", args: { name: "Anna Berger" } });
  assert.equal(ownMediaNote(lost), null);
  const both = reduce(lost, { type: "track.ended", kind: "video" });
  assert.equal(sessionStatus(both).key, "state.lost.both");
  // Retried: getUserMedia gave both again.
  const back = reduce(both, { type: "local.media", microphone: "live", camera: "live" });
  assert.equal(sessionStatus(back).key, "state.connected");
});

test("a camera the advisor may not see anyway is no problem", () => {
  const hidden = initialSession({ ...AV, show_me: false }, { microphone: "live", camera: "none" });
  const after = run(hidden, { type: "peer", state: "connected" }, { type: "track.ended", kind: "video" });
  assert.equal(mediaProblem(after), null);
  assert.equal(sessionStatus(after).key, "state.connected");
});

test("switching to text ends every media claim", () => {
  const lost = reduce(connected(), { type: "track.ended", kind: "audio" });
  const text = reduce(lost, { type: "text.only" });
  assert.equal(mediaProblem(text), null);
  assert.equal(sessionStatus(text).key, "state.switchedToText");
  assert.equal(sessionStatus(initialSession(TEXT)).key, "state.textConnected");
});

test("the peer connection's trouble, the hub's and the advisor's absence, in that order", () => {
  const call = connected();
  assert.equal(sessionStatus(reduce(call, { type: "peer", state: "failed" })).key, "state.failed");
  assert.equal(sessionStatus(reduce(call, { type: "peer", state: "disconnected" })).key, "state.reconnecting");
  const away = reduce(call, { type: "advisor.online", connected: false });
  assert.equal(sessionStatus(away).key, "state.advisorAway");
  assert.equal(sessionStatus(reduce(away, { type: "socket", state: "reconnecting" })).key, "state.reconnecting");
});

test("the advisor's camera and microphone are said as they are", () => {
  const call = connected();
  const off = (camera, microphone) => sessionStatus(reduce(call, { type: "advisor.media", camera, microphone })).key;
  assert.equal(off(false, true), "state.advisorCamOffShowMe");
  assert.equal(off(true, false), "state.advisorMuted");
  assert.equal(off(false, false), "state.advisorAllOff");
  const mine = reduce(call, { type: "toggle", kind: "video" });
  assert.equal(sessionStatus(reduce(mine, { type: "advisor.media", camera: false, microphone: true })).key, "state.advisorCamOff");
});

test("switching one's own devices off and on", () => {
  let call = connected();
  call = reduce(call, { type: "toggle", kind: "audio" });
  assert.equal(call.microphone, "off");
  assert.equal(ownMediaNote(call), "ctl.micIsOff");
  call = reduce(call, { type: "toggle", kind: "video" });
  assert.equal(ownMediaNote(call), "ctl.allOff");
  call = run(call, { type: "toggle", kind: "audio" }, { type: "toggle", kind: "video" });
  assert.equal(ownMediaNote(call), null);
  // A failed device cannot be toggled back to life.
  const failed = reduce(call, { type: "track.ended", kind: "audio" });
  assert.equal(reduce(failed, { type: "toggle", kind: "audio" }).microphone, "failed");
});

test("a shared document takes the stage; the customer can go back to the video", () => {
  let call = connected();
  assert.equal(stageNotice(call), null);
  call = reduce(call, { type: "document.shown", title: "Produktblatt", page: 1, count: 3 });
  assert.equal(call.view, "document");
  assert.equal(stageNotice(call), "docs.showing");
  call = reduce(call, { type: "view", view: "video" });
  assert.equal(stageNotice(call), "docs.available");
  // Turning a page keeps the choice; another document takes the stage again.
  call = reduce(call, { type: "document.shown", title: "Produktblatt", page: 2, count: 3 });
  assert.equal(call.view, "video");
  call = reduce(call, { type: "document.shown", title: "Konditionen", page: 1, count: 1 });
  assert.equal(call.view, "document");
  call = reduce(call, { type: "document.hidden" });
  assert.equal(call.view, "video");
  assert.equal(reduce(call, { type: "view", view: "document" }).view, "video");
});

test("on a phone, chat arriving while the call is shown is counted until the chat is opened", () => {
  let call = connected();
  call = run(call, { type: "chat.received" }, { type: "chat.received" });
  assert.equal(call.unreadChat, 2);
  call = reduce(call, { type: "panel", panel: "chat" });
  assert.equal(call.unreadChat, 0);
  assert.equal(reduce(call, { type: "chat.received" }).unreadChat, 0);
});

test("unknown events change nothing", () => {
  const call = connected();
  assert.equal(reduce(call, { type: "dance" }), call);
});

test("the line's quality is graded as the workstation grades it", async () => {
  const { linkQuality } = await import("../../resources/web/js/state/session.js");
  assert.equal(linkQuality(null, null), null);
  assert.equal(linkQuality(40, 0), "good");
  assert.equal(linkQuality(149, 0.02), "good");
  assert.equal(linkQuality(151, 0), "fair");
  assert.equal(linkQuality(20, 0.03), "fair");
  assert.equal(linkQuality(301, 0), "poor");
  assert.equal(linkQuality(null, 0.06), "poor");
});

test("audio-first shows its notice while connected and is forgotten on a new connection", async () => {
  const { initialSession, reduce, audioFirstNotice } = await import("../../resources/web/js/state/session.js");
  const consultation = { mode: "av", see_advisor: true, show_me: true, advisor_name: "Anna" };
  let s = initialSession(consultation, { microphone: "live", camera: "live" });
  s = reduce(s, { type: "peer", state: "connected" });
  assert.equal(audioFirstNotice(s), null);
  s = reduce(s, { type: "audio.first", active: true });
  assert.equal(audioFirstNotice(s), "video.audioFirst");
  s = reduce(s, { type: "link", quality: "poor" });
  assert.equal(s.link, "poor");
  s = reduce(s, { type: "peer", state: "connecting" });
  assert.equal(s.audioFirst, false);
  assert.equal(s.link, null);
  s = reduce(s, { type: "peer", state: "connected" });
  s = reduce(s, { type: "audio.first", active: true });
  s = reduce(s, { type: "audio.first", active: false });
  assert.equal(audioFirstNotice(s), null);
  assert.equal(reduce(s, { type: "link", quality: "bogus" }).link, null);
});
