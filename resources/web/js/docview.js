// What the advisor shares, drawn in the document area: the page image (reassembled from 16 KiB
// frames and checked against its SHA-256) with a canvas on top for the marks. Marks arrive in
// page-normalised coordinates (0..1), so they stay on the content at any window size or zoom.
// The rules mirror advisor_app/annotations/mirror.py: a snapshot replaces everything, marks
// of another page are ignored, a late pointer move (unordered channel) is dropped.
// A mark that adds to what is shown (a stroke begun or extended, a new pin, the pointer) is
// painted in the message handler itself, only where it is (markpaint.js): waiting for the next
// animation frame would add up to a frame (16.7 ms at 60 Hz) to every mark. Whatever removes
// or moves marks (resize, zoom, undo, erase, clear, a snapshot) repaints everything, once per
// animation frame.
// Strokes arrive twice: in order on "documents" (stroke.begin, stroke.extend with the index of
// its first point) and ahead of loss on "marks" (stroke.tail, unordered, each repeating the
// stroke's last points). Each point has its index, so both are merged idempotently: a point
// held is skipped, one beyond a gap waits until the gap is filled (a stroke shows its points
// in order only), a stroke erased here is not brought back by a late tail, and a reliable
// stroke.begin or mark.add puts its mark last (the advisor's order). As mirror.py.

import { documents } from "./documents.js";
import { el } from "./dom.js";
import { onLanguageChange, t } from "./i18n.js";
import { markBox, paintMarks, paintPointer, tailBox } from "./markpaint.js";

const MAGIC = [0x56, 0x42, 0x50, 0x31]; // "VBP1"
const HEADER = 16;
const POINTER_FADE_MS = 1500;
const ZOOMS = [1, 1.25, 1.5, 2, 3];

const state = {
  sharing: false,
  pageIndex: 0,
  pageCount: 0,
  title: "",
  aspect: 0.707,
  marks: new Map(),
  pointer: null,
  pointerSeq: 0,
  pointerShownAt: 0,
  transfer: null, // {announce, parts: [], received}
  imageUrl: null,
  zoomIndex: 0,
  refused: 0,
  pagesShown: 0,
  pageText: "",
  saidPage: "",
  pending: new Map(), // mark id -> Map(index -> point): points beyond a gap
  erased: new Set(), // mark ids erased or cleared here: a late tail does not bring them back
  tails: 0, // stroke.tail messages applied (diagnostics, tests)
};

let view = null; // the elements, made once

// Exposed for diagnostics and tests (read-only use).
documents.view = state;
window.__docview = state;

function unit(value) {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 && value <= 1;
}

function validMark(mark) {
  if (!mark || typeof mark.mark_id !== "string" || mark.mark_id.length > 40) return false;
  if (mark.kind === "pin") {
    return unit(mark.x) && unit(mark.y) && Number.isInteger(mark.number) && mark.number >= 1 && mark.number <= 99
      && (mark.label === undefined || (typeof mark.label === "string" && mark.label.length <= 40));
  }
  if (mark.kind === "stroke") {
    return /^#[0-9a-fA-F]{6}$/.test(mark.colour) && ["pen", "highlighter"].includes(mark.tool)
      && typeof mark.width === "number" && mark.width > 0 && mark.width <= 0.05
      && Array.isArray(mark.points) && mark.points.every((p) => Array.isArray(p) && unit(p[0]) && unit(p[1]));
  }
  return false;
}

function build() {
  const area = documents.element;
  if (!area || view) return;
  const empty = area.querySelector(".documents__empty");
  const image = el("img", { class: "docview__image", alt: "" });
  // The page's text (sent by the advisor's side with the image) for screen readers.
  const pageText = el("div", { class: "sr-only docview__text" });
  const canvas = el("canvas", { class: "docview__marks" });
  canvas.setAttribute("aria-hidden", "true");
  const pointerCanvas = el("canvas", { class: "docview__pointer" });
  pointerCanvas.setAttribute("aria-hidden", "true");
  const stage = el("div", { class: "docview__stage" }, image, canvas, pointerCanvas);
  const scroller = el("div", { class: "docview__scroller" }, stage);
  scroller.tabIndex = 0;
  scroller.setAttribute("role", "region"); // a named, scrollable region (aria-label on a plain div is not allowed)
  const caption = el("p", { class: "docview__caption muted" });
  const zoomOut = el("button", { type: "button", class: "button button--control" });
  const zoomIn = el("button", { type: "button", class: "button button--control" });
  const zoomReset = el("button", { type: "button", class: "button button--control" });
  const tools = el("div", { class: "docview__tools" }, zoomOut, zoomIn, zoomReset);
  tools.setAttribute("role", "group");
  // A log: marks arriving close together are each said (a single text would keep the last).
  const announcer = el("div", { class: "sr-only", role: "log" });
  announcer.setAttribute("aria-live", "polite");
  const outside = el("button", { type: "button", class: "button button--small button--secondary docview__outside" });
  outside.hidden = true;
  outside.addEventListener("click", showMarksOutside);
  const root = el("div", { class: "docview" }, caption, scroller, outside, tools, pageText, announcer);
  root.hidden = true;
  area.append(root);
  zoomIn.addEventListener("click", () => setZoom(state.zoomIndex + 1));
  zoomOut.addEventListener("click", () => setZoom(state.zoomIndex - 1));
  zoomReset.addEventListener("click", () => setZoom(0));
  scroller.addEventListener("wheel", (event) => {
    if (!event.ctrlKey) return;
    event.preventDefault();
    setZoom(state.zoomIndex + (event.deltaY < 0 ? 1 : -1));
  }, { passive: false });
  // Pan by dragging when zoomed in.
  let drag = null;
  scroller.addEventListener("pointerdown", (event) => {
    if (state.zoomIndex === 0) return;
    drag = { x: event.clientX, y: event.clientY, left: scroller.scrollLeft, top: scroller.scrollTop };
    scroller.setPointerCapture(event.pointerId);
  });
  scroller.addEventListener("pointermove", (event) => {
    if (!drag) return;
    scroller.scrollLeft = drag.left - (event.clientX - drag.x);
    scroller.scrollTop = drag.top - (event.clientY - drag.y);
  });
  scroller.addEventListener("pointerup", () => { drag = null; });
  scroller.addEventListener("scroll", () => renderOutside());
  image.addEventListener("load", () => layout());
  new ResizeObserver(() => { layout(); reportViewportSoon(); }).observe(area);
  view = {
    area, empty, root, scroller, stage, image, canvas, pointerCanvas, caption, zoomIn, zoomOut,
    zoomReset, announcer, pageText, outside,
  };
  texts();
  onLanguageChange(texts);
}

function texts() {
  if (!view) return;
  view.zoomIn.textContent = t("docs.zoomIn");
  view.zoomOut.textContent = t("docs.zoomOut");
  view.zoomReset.textContent = t("docs.zoomReset");
  view.zoomIn.setAttribute("aria-label", t("docs.zoomInLabel"));
  view.zoomOut.setAttribute("aria-label", t("docs.zoomOutLabel"));
  view.zoomReset.setAttribute("aria-label", t("docs.zoomResetLabel"));
  view.root.querySelector(".docview__tools").setAttribute("aria-label", t("docs.zoomGroup"));
  view.scroller.setAttribute("aria-label", t("docs.viewLabel"));
  caption();
}

function caption() {
  if (!view) return;
  const args = { title: state.title, page: state.pageIndex + 1, count: state.pageCount };
  view.caption.textContent = state.pageCount ? t("docs.page", args) : "";
  view.image.alt = state.pageCount ? t("docs.imageAlt", args) : "";
  view.pageText.textContent = state.pageText ? `${t("docs.pageText", args)} ${state.pageText}` : "";
  renderOutside();
}

const SAID_KEPT = 5;

function say(key, args) {
  if (!view) return;
  view.announcer.append(el("p", { text: t(key, args) }));
  while (view.announcer.childElementCount > SAID_KEPT) view.announcer.firstElementChild.remove();
}

/** Marks that lie outside the visible part of the page (zoomed in, or a long page): said on
 * a button that scrolls to the first of them. */
function marksOutside() {
  if (!view || !state.sharing) return [];
  const scroller = view.scroller;
  const width = view.stage.offsetWidth;
  const height = view.stage.offsetHeight;
  if (!width || !height) return [];
  const left = scroller.scrollLeft / width;
  const top = scroller.scrollTop / height;
  const right = left + scroller.clientWidth / width;
  const bottom = top + scroller.clientHeight / height;
  const outside = [];
  for (const mark of state.marks.values()) {
    const points = mark.kind === "stroke" ? mark.points : [[mark.x, mark.y]];
    if (!points.length) continue;
    const seen = points.some(([x, y]) => x >= left && x <= right && y >= top && y <= bottom);
    if (!seen) outside.push({ x: points[0][0], y: points[0][1] });
  }
  return outside;
}

function renderOutside() {
  if (!view) return;
  const outside = marksOutside();
  view.outside.hidden = outside.length === 0;
  if (outside.length) view.outside.textContent = t("docs.marksOutside", { n: outside.length });
}

function showMarksOutside() {
  const [first] = marksOutside();
  if (!first || !view) return;
  const scroller = view.scroller;
  scroller.scrollTo({
    left: first.x * view.stage.offsetWidth - scroller.clientWidth / 2,
    top: first.y * view.stage.offsetHeight - scroller.clientHeight / 2,
  });
  renderOutside();
}

function setZoom(index) {
  state.zoomIndex = Math.max(0, Math.min(ZOOMS.length - 1, index));
  layout();
}

/** Size the page to the area (the whole page at zoom 1, times the zoom) and the canvas to
 * the page. Scrollbars come and go with the size, so the area is measured again once. */
function layout(again = true) {
  if (!view) return;
  // Fit the whole page by default: as wide as the area, but no taller than it.
  const areaWidth = view.scroller.clientWidth;
  const areaHeight = view.scroller.clientHeight;
  // On a phone (upright or sideways) the page fills the width and scrolls in its area.
  const narrow = window.matchMedia("(max-width: 47.99rem), (max-height: 30rem)").matches;
  const fit = areaHeight > 120 && !narrow ? Math.min(areaWidth, areaHeight * state.aspect) : areaWidth;
  const width = Math.max(50, fit) * ZOOMS[state.zoomIndex];
  const height = width / state.aspect;
  view.stage.style.width = `${width}px`;
  view.stage.style.height = `${height}px`;
  const scale = ratio();
  for (const canvas of [view.canvas, view.pointerCanvas]) {
    canvas.width = Math.round(width * scale);
    canvas.height = Math.round(height * scale);
    canvas.style.width = `${width}px`;
    canvas.style.height = `${height}px`;
  }
  draw();
  renderOutside();
  if (again && (view.scroller.clientWidth !== areaWidth || view.scroller.clientHeight !== areaHeight)) {
    layout(false);
  }
}

function ratio() {
  return window.devicePixelRatio || 1;
}

/** Repaint everything: the marks and the pointer. */
function draw() {
  if (!view) return;
  const ctx = view.canvas.getContext("2d");
  if (state.sharing) paintMarks(ctx, state.marks, ratio());
  else ctx.clearRect(0, 0, view.canvas.width, view.canvas.height);
  drawPointer();
}

/** Repaint the marks in one box of the canvas, now (a mark that adds to what is shown). */
function drawBox(box) {
  if (!view || !state.sharing) return;
  paintMarks(view.canvas.getContext("2d"), state.marks, ratio(), box);
}

function boxOf(mark) {
  const canvas = view.canvas;
  return markBox(canvas.getContext("2d"), mark, canvas.width, canvas.height, ratio());
}

let fadeTimer = 0;
function drawPointer() {
  if (!view) return;
  const pointer = state.pointer;
  const shown = state.sharing && pointer && pointer.visible
    && performance.now() - state.pointerShownAt < POINTER_FADE_MS;
  paintPointer(view.pointerCanvas.getContext("2d"), shown ? pointer : null, ratio());
  clearTimeout(fadeTimer);
  if (shown) {
    // One timer, for the moment the dot has faded: a timer per drawn frame piled up while
    // the pointer moved (each one drew again and set another), hundreds of redraws a second.
    const left = POINTER_FADE_MS - (performance.now() - state.pointerShownAt);
    fadeTimer = setTimeout(drawPointer, Math.ceil(left) + 1);
  }
}

function showSharing() {
  if (!view) return;
  view.root.hidden = !state.sharing;
  if (view.empty) view.empty.hidden = state.sharing;
  view.area.classList.toggle("documents__view--sharing", state.sharing);
}

/** Points start.. of a stroke: held ones skipped, the next appended (and what waited behind
 * them), those beyond a gap kept until it is filled. Returns the number of points before. */
function mergePoints(stroke, start, points) {
  const from = stroke.points.length;
  const waiting = state.pending.get(stroke.mark_id) || new Map();
  points.forEach((point, offset) => {
    const index = start + offset;
    if (index < stroke.points.length) return;
    if (index === stroke.points.length) {
      stroke.points.push(point);
      while (waiting.has(stroke.points.length)) {
        const next = stroke.points.length;
        stroke.points.push(waiting.get(next));
        waiting.delete(next);
      }
    } else if (!waiting.has(index)) {
      waiting.set(index, point);
    }
  });
  if (waiting.size) state.pending.set(stroke.mark_id, waiting);
  else state.pending.delete(stroke.mark_id);
  return from;
}

function validPoints(points, max) {
  return Array.isArray(points) && points.length <= max
    && points.every((p) => Array.isArray(p) && unit(p[0]) && unit(p[1]));
}

function announcePin(mark) {
  if (mark.label) say("docs.pinAnnounce", { n: mark.number, label: mark.label });
  else say("docs.pinAnnounceBare", { n: mark.number });
}

function apply(message) {
  switch (message.type) {
    case "doc.share":
      state.sharing = Boolean(message.sharing);
      if (!state.sharing) {
        setImage(null);
        say("docs.hidden");
        documents.onShown?.(null);
      }
      showSharing();
      break;
    case "doc.snapshot":
      state.sharing = Boolean(message.sharing);
      state.pageIndex = message.page_index;
      state.marks = new Map((message.marks || []).filter(validMark).map((m) => [m.mark_id, m]));
      state.pending.clear();
      for (const id of state.marks.keys()) state.erased.delete(id);
      if (!message.document_id) { setImage(null); state.pageCount = 0; }
      showSharing();
      caption();
      break;
    case "doc.page":
      state.transfer = { announce: message, parts: new Array(message.chunks), received: 0 };
      break;
    case "stroke.begin":
    case "mark.add": {
      if (message.page_index !== state.pageIndex || !validMark(message.mark)) return;
      const mark = message.mark;
      const held = state.marks.get(mark.mark_id);
      const wasLast = held !== undefined && Array.from(state.marks.keys()).at(-1) === mark.mark_id;
      state.marks.delete(mark.mark_id); // set again below: last, as in the advisor's model
      state.erased.delete(mark.mark_id);
      if (message.type === "stroke.begin" && held?.kind === "stroke") {
        // Begun from a tail already: merge, nothing new to say; paint what it adds (all of
        // it when the stroke moved above others, which changes what is painted over what).
        state.marks.set(mark.mark_id, held);
        const from = mergePoints(held, 0, mark.points);
        if (!wasLast) break;
        if (view && held.points.length > from) {
          drawBox(tailBox(held, from, view.canvas.width, view.canvas.height));
        }
        return;
      }
      state.pending.delete(mark.mark_id);
      state.marks.set(mark.mark_id, mark);
      if (mark.kind === "pin" && message.type === "mark.add") announcePin(mark);
      else if (message.type === "stroke.begin") {
        say(mark.tool === "highlighter" ? "docs.highlighterAnnounce" : "docs.penAnnounce");
      }
      if (held) break; // the old one may show elsewhere: repaint everything
      if (view) drawBox(boxOf(mark));
      return;
    }
    case "stroke.extend": {
      const stroke = state.marks.get(message.mark_id);
      if (message.page_index !== state.pageIndex || stroke?.kind !== "stroke"
          || !validPoints(message.points, 512)) {
        return;
      }
      // Without "start" (an advisor from before the marks channel): the next points.
      const start = Number.isInteger(message.start) ? message.start : stroke.points.length;
      const from = mergePoints(stroke, start, message.points);
      if (view && stroke.points.length > from) {
        drawBox(tailBox(stroke, from, view.canvas.width, view.canvas.height));
      }
      return;
    }
    case "stroke.tail": {
      if (message.page_index !== state.pageIndex || typeof message.mark_id !== "string"
          || state.erased.has(message.mark_id) || !Number.isInteger(message.start)
          || message.start < 0 || !validPoints(message.points, 64)) {
        return;
      }
      let stroke = state.marks.get(message.mark_id);
      if (!stroke) {
        const begun = {
          kind: "stroke", mark_id: message.mark_id, tool: message.tool, colour: message.colour,
          width: message.width, points: [],
        };
        if (!validMark(begun)) { state.refused += 1; return; }
        stroke = begun;
        state.marks.set(stroke.mark_id, stroke);
        say(stroke.tool === "highlighter" ? "docs.highlighterAnnounce" : "docs.penAnnounce");
      }
      if (stroke.kind !== "stroke") return;
      state.tails += 1;
      const from = mergePoints(stroke, message.start, message.points);
      if (view && stroke.points.length > from) {
        drawBox(tailBox(stroke, from, view.canvas.width, view.canvas.height));
      }
      return;
    }
    case "mark.erase":
      if (message.page_index === state.pageIndex) {
        state.pending.delete(message.mark_id);
        state.erased.add(message.mark_id);
        if (state.marks.delete(message.mark_id)) say("docs.eraseAnnounce");
      }
      break;
    case "page.clear":
      if (message.page_index === state.pageIndex && state.marks.size) say("docs.clearAnnounce");
      if (message.page_index === state.pageIndex) {
        for (const id of state.marks.keys()) state.erased.add(id);
        state.marks.clear();
        state.pending.clear();
      }
      break;
    case "pointer":
      if (message.seq > state.pointerSeq && unit(message.x) && unit(message.y)) {
        state.pointerSeq = message.seq;
        state.pointer = message;
        state.pointerShownAt = performance.now();
        drawPointer();
      }
      return;
    case "media.state":
      if (!documents.onMediaState?.(message)) state.refused += 1;
      return;
    case "media.audio_first":
      if (!documents.onAudioFirst?.(message)) state.refused += 1;
      return;
    default:
      state.refused += 1;
      return;
  }
  requestDraw();
}

let drawPending = false;
function requestDraw() {
  if (drawPending) return;
  drawPending = true;
  requestAnimationFrame(() => { drawPending = false; draw(); });
}

function setImage(blob) {
  if (state.imageUrl) URL.revokeObjectURL(state.imageUrl);
  state.imageUrl = blob ? URL.createObjectURL(blob) : null;
  if (view) {
    if (state.imageUrl) view.image.src = state.imageUrl;
    else view.image.removeAttribute("src");
  }
}

async function feedFrame(buffer) {
  const bytes = new Uint8Array(buffer);
  if (bytes.length < HEADER || MAGIC.some((b, i) => bytes[i] !== b)) { state.refused += 1; return; }
  const header = new DataView(buffer);
  const transferId = header.getUint32(4);
  const index = header.getUint32(8);
  const count = header.getUint32(12);
  const transfer = state.transfer;
  if (!transfer || transfer.announce.transfer_id !== transferId) return; // cancelled: ignore
  if (count !== transfer.announce.chunks || index >= count) { state.transfer = null; state.refused += 1; return; }
  if (transfer.parts[index]) return;
  transfer.parts[index] = bytes.subarray(HEADER);
  transfer.received += 1;
  if (transfer.received < count) return;
  state.transfer = null;
  const whole = new Uint8Array(transfer.announce.size);
  let offset = 0;
  for (const part of transfer.parts) {
    if (offset + part.length > whole.length) { state.refused += 1; return; }
    whole.set(part, offset);
    offset += part.length;
  }
  if (offset !== whole.length) { state.refused += 1; return; }
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", whole));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== transfer.announce.sha256) { state.refused += 1; return; }
  const announce = transfer.announce;
  state.pageIndex = announce.page_index;
  state.pageCount = announce.page_count;
  state.title = announce.title;
  state.aspect = announce.aspect;
  state.pageText = typeof announce.text === "string" ? announce.text : "";
  state.pagesShown += 1;
  setImage(new Blob([whole], { type: announce.mime }));
  caption();
  layout();
  const shown = { title: state.title, page: state.pageIndex + 1, count: state.pageCount };
  // A new page is said once (a sharper copy of the same page after a resize is not).
  const said = `${announce.document_id}|${announce.page_index}`;
  if (said !== state.saidPage) say("docs.pageAnnounce", shown);
  state.saidPage = said;
  documents.onShown?.(shown);
}

function onDocumentsMessage(event) {
  if (event.data instanceof ArrayBuffer) {
    feedFrame(event.data);
    return;
  }
  let message;
  try {
    message = JSON.parse(event.data);
  } catch {
    state.refused += 1;
    return;
  }
  if (message && typeof message === "object") apply(message);
}

let viewportTimer = null;
function reportViewportSoon() {
  clearTimeout(viewportTimer);
  viewportTimer = setTimeout(reportViewport, 200);
}

function reportViewport() {
  const channel = documents.channels.documents;
  if (!channel || channel.readyState !== "open" || !documents.element) return;
  const width = Math.max(200, documents.element.clientWidth);
  channel.send(JSON.stringify({
    type: "viewport",
    css_width: Math.min(20000, width),
    css_height: Math.min(20000, Math.max(150, width / state.aspect)),
    dpr: Math.min(8, window.devicePixelRatio || 1),
  }));
}

/** Called for each new documents channel: ask for the whole state once it is open. */
function onChannel(channel) {
  const opened = () => {
    reportViewport();
    channel.send(JSON.stringify({ type: "snapshot.request" }));
  };
  if (channel.readyState === "open") opened();
  else channel.addEventListener("open", opened, { once: true });
}

/** The marks channel: say that this page takes stroke.tail (an advisor sends them only then).
 * Three times, as the channel does not retransmit. */
function onMarksChannel(channel) {
  const ready = () => {
    for (const delay of [0, 300, 1000]) {
      setTimeout(() => {
        if (channel.readyState === "open") channel.send(JSON.stringify({ type: "marks.ready" }));
      }, delay);
    }
  };
  if (channel.readyState === "open") ready();
  else channel.addEventListener("open", ready, { once: true });
}

export function startDocumentView() {
  build();
  documents.handlers.documents = onDocumentsMessage;
  documents.handlers.pointer = onDocumentsMessage;
  documents.handlers.marks = onDocumentsMessage;
  documents.onChannel = (label, channel) => {
    if (label === "documents") onChannel(channel);
    else if (label === "marks") onMarksChannel(channel);
  };
}
