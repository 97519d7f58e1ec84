// Painting the marks (strokes, then pins) onto the marks canvas: all of them, or only a box of
// it. A box is repainted exactly as a full repaint paints it: cleared, then every mark that
// reaches into it, in the same order, clipped to the box. So a mark painted the moment it
// arrives looks the same as after any later full repaint, translucent highlighter strokes
// included (a new segment painted on its own over the stroke so far would darken the joins).
// The pointer has its own canvas on top (paintPointer): it moves 60 times a second and must
// not cost a repaint of the marks under it.
//
// Coordinates of marks are page-normalised (0..1); boxes are canvas pixels {x0, y0, x1, y1}.

const PIN_FILL = "#c0392b";
const AA = 2; // pixels of antialiasing and rounding around every box

/** The pin's radius in canvas pixels (as the advisor's canvas: at least 9 CSS px). */
export function pinRadius(canvasWidth, ratio) {
  return Math.max(9 * ratio, canvasWidth * 0.014);
}

function strokeWidth(mark, w) {
  return Math.max(1, mark.width * w);
}

function overlaps(a, b) {
  return a.x0 < b.x1 && b.x0 < a.x1 && a.y0 < b.y1 && b.y0 < a.y1;
}

function pointsBox(points, from, to, w, h, pad) {
  let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
  for (let i = Math.max(0, from); i < to; i += 1) {
    const [x, y] = points[i];
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  return { x0: x0 * w - pad, y0: y0 * h - pad, x1: x1 * w + pad, y1: y1 * h + pad };
}

// Each stroke's normalised bounds, grown as points arrive (strokes may hold 50,000 points:
// the repaint of a small box skips every stroke that cannot reach it without looking at them).
const bounds = new WeakMap();

function strokeBounds(mark) {
  let known = bounds.get(mark);
  if (!known || known.count > mark.points.length) {
    known = { count: 0, x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
    bounds.set(mark, known);
  }
  for (; known.count < mark.points.length; known.count += 1) {
    const [x, y] = mark.points[known.count];
    known.x0 = Math.min(known.x0, x);
    known.y0 = Math.min(known.y0, y);
    known.x1 = Math.max(known.x1, x);
    known.y1 = Math.max(known.y1, y);
  }
  return known;
}

function setPinFont(ctx, r) {
  ctx.font = `bold ${Math.round(r * 1.1)}px sans-serif`;
}

/** The box a whole mark covers. */
export function markBox(ctx, mark, w, h, ratio) {
  if (mark.kind === "stroke") {
    return pointsBox(mark.points, 0, mark.points.length, w, h, strokeWidth(mark, w) / 2 + AA);
  }
  const r = pinRadius(w, ratio);
  const cx = mark.x * w;
  const cy = mark.y * h;
  const box = { x0: cx - r - AA, y0: cy - r - AA, x1: cx + r + AA, y1: cy + r + AA };
  if (mark.label) {
    setPinFont(ctx, r);
    ctx.textAlign = "left";
    ctx.textBaseline = "middle";
    const label = labelBox(ctx, mark.label, cx + r + 4, cy, r);
    box.x1 = Math.max(box.x1, label.x + label.w + AA);
    box.y0 = Math.min(box.y0, label.y - AA);
    box.y1 = Math.max(box.y1, label.y + label.h + AA);
  }
  return box;
}

/** The box of a stroke's points from ``from`` on, with the segment joining them to the rest. */
export function tailBox(mark, from, w, h) {
  return pointsBox(mark.points, from - 1, mark.points.length, w, h, strokeWidth(mark, w) / 2 + AA);
}

function traceStroke(ctx, mark, w, h, box) {
  const points = mark.points;
  if (points.length === 1) {
    ctx.moveTo(points[0][0] * w, points[0][1] * h);
    ctx.lineTo(points[0][0] * w + 0.1, points[0][1] * h + 0.1);
    return;
  }
  // Only the segments that reach into the box, as sub-paths of one path: stroked with round
  // caps and joins, they cover exactly what the whole path covers there (one fill, so a
  // translucent stroke is not darker where sub-paths meet).
  const pad = strokeWidth(mark, w) / 2 + AA;
  let joined = false;
  for (let i = 1; i < points.length; i += 1) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    const reaches = !box || (
      Math.min(ax, bx) * w - pad < box.x1 && Math.max(ax, bx) * w + pad > box.x0
      && Math.min(ay, by) * h - pad < box.y1 && Math.max(ay, by) * h + pad > box.y0
    );
    if (!reaches) {
      joined = false;
      continue;
    }
    if (!joined) ctx.moveTo(ax * w, ay * h);
    ctx.lineTo(bx * w, by * h);
    joined = true;
  }
}

function paintPin(ctx, mark, w, h, ratio) {
  const r = pinRadius(w, ratio);
  const cx = mark.x * w;
  const cy = mark.y * h;
  ctx.fillStyle = PIN_FILL;
  ctx.strokeStyle = "#ffffff";
  ctx.lineWidth = 2;
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, 2 * Math.PI);
  ctx.fill();
  ctx.stroke();
  ctx.fillStyle = "#ffffff";
  setPinFont(ctx, r);
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillText(String(mark.number), cx, cy);
  if (mark.label) {
    // The label on a white plate with a dark edge: readable on any page colour or picture.
    ctx.textAlign = "left";
    const plate = labelBox(ctx, mark.label, cx + r + 4, cy, r);
    ctx.fillStyle = "#ffffff";
    ctx.fillRect(plate.x, plate.y, plate.w, plate.h);
    ctx.fillStyle = "#111111";
    ctx.fillText(mark.label, cx + r + 4 + plate.pad, cy);
  }
}

/** The plate behind a pin's label (its font set by the caller). */
function labelBox(ctx, label, x, cy, r) {
  const text = ctx.measureText(label);
  const pad = Math.max(3, Math.round(r * 0.3));
  const ascent = text.actualBoundingBoxAscent || r * 0.8;
  const descent = text.actualBoundingBoxDescent || r * 0.2;
  // Whole pixels: a plate painted in a box and painted whole look the same.
  const top = Math.floor(cy - ascent - pad);
  return {
    x: Math.floor(x),
    y: top,
    w: Math.ceil(text.actualBoundingBoxRight + 2 * pad),
    h: Math.ceil(cy + descent + pad) - top,
    pad,
  };
}

/**
 * Paint ``marks`` (a Map or array, in order) onto ``ctx``'s canvas: everything when ``box`` is
 * null, else only that box. ``ratio`` is the devicePixelRatio the canvas is sized for.
 */
export function paintMarks(ctx, marks, ratio, box = null) {
  const w = ctx.canvas.width;
  const h = ctx.canvas.height;
  ctx.save();
  let area = null;
  if (box) {
    // Whole pixels: a clip on pixel edges is exact, no antialiased seam around the box.
    const x0 = Math.max(0, Math.floor(box.x0));
    const y0 = Math.max(0, Math.floor(box.y0));
    const x1 = Math.min(w, Math.ceil(box.x1));
    const y1 = Math.min(h, Math.ceil(box.y1));
    if (x1 <= x0 || y1 <= y0) {
      ctx.restore();
      return;
    }
    area = { x0, y0, x1, y1 };
    ctx.beginPath();
    ctx.rect(x0, y0, x1 - x0, y1 - y0);
    ctx.clip();
    ctx.clearRect(x0, y0, x1 - x0, y1 - y0);
  } else {
    ctx.clearRect(0, 0, w, h);
  }
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const mark of marks.values()) {
    if (mark.kind !== "stroke") continue;
    if (area) {
      const b = strokeBounds(mark);
      const pad = strokeWidth(mark, w) / 2 + AA;
      const reach = { x0: b.x0 * w - pad, y0: b.y0 * h - pad, x1: b.x1 * w + pad, y1: b.y1 * h + pad };
      if (!overlaps(reach, area)) continue;
    }
    ctx.globalAlpha = mark.tool === "highlighter" ? 0.35 : 1;
    ctx.strokeStyle = mark.colour;
    ctx.lineWidth = strokeWidth(mark, w);
    ctx.beginPath();
    traceStroke(ctx, mark, w, h, area);
    ctx.stroke();
    ctx.globalAlpha = 1;
  }
  for (const mark of marks.values()) {
    if (mark.kind !== "pin") continue;
    if (area && !overlaps(markBox(ctx, mark, w, h, ratio), area)) continue;
    paintPin(ctx, mark, w, h, ratio);
  }
  ctx.restore();
}

/** The laser pointer's canvas: only the dot, or nothing. */
export function paintPointer(ctx, pointer, ratio) {
  const w = ctx.canvas.width;
  const h = ctx.canvas.height;
  ctx.clearRect(0, 0, w, h);
  if (!pointer) return;
  ctx.fillStyle = "rgba(255, 0, 0, 0.75)";
  ctx.beginPath();
  ctx.arc(pointer.x * w, pointer.y * h, 7 * ratio, 0, 2 * Math.PI);
  ctx.fill();
}
