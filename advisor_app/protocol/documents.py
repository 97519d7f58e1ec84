"""Messages on the two data channels between the advisor and the customer.

``documents`` (reliable, ordered) carries the shared page and every mark; ``pointer``
(unordered, no retransmits) carries the laser pointer; ``marks`` (unordered, no retransmits)
carries the stroke being drawn once more, ahead of loss (``stroke.tail``: each message repeats
the stroke's last points, so a lost one costs no round trip; ``documents`` stays the path that
completes every stroke). Text frames are JSON with a ``type``;
page images travel as binary chunk frames (see ``CHUNK_*``) announced by ``doc.page``.
Coordinates are page-normalised: 0..1 of the page's width and height, so marks stay on the
content at any size or zoom.
"""

from __future__ import annotations

import math
import struct
from typing import Annotated, Literal

import msgspec

# aiortc refuses messages over the peer's advertised maximum (64 KiB assumed); 16 KiB frames
# are safe everywhere (RISKS.md, item 5).
CHUNK_FRAME_MAX = 16 * 1024
PAGE_TEXT_MAX = 3000
CHUNK_MAGIC = b"VBP1"
CHUNK_HEADER = struct.Struct(">4sIII")  # magic, transfer id, index, count
CHUNK_PAYLOAD_MAX = CHUNK_FRAME_MAX - CHUNK_HEADER.size
PAGE_BYTES_MAX = 24 * 1024 * 1024
POINTS_PER_MESSAGE_MAX = 512  # one stroke.extend
POINTS_PER_STROKE_MAX = 50_000  # a whole stroke (in a snapshot or mark.add)
PINS_PER_PAGE_MAX = 99
TAIL_POINTS_MAX = 64  # one stroke.tail

# Stroke points are sent with 4 decimals: a ten-thousandth of the page (0.2 px on a page drawn
# 2000 px wide) is below what a pen shows, and a point's JSON is half as long as with all 17
# digits of a double (the marks channel repeats each point several times).
POINT_DECIMALS = 4

Unit = Annotated[float, msgspec.Meta(ge=0.0, le=1.0)]
MarkId = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_\-]+$")]
Colour = Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")]
StrokeWidth = Annotated[float, msgspec.Meta(gt=0.0, le=0.05)]  # of the page width
Label = Annotated[str, msgspec.Meta(max_length=40)]
Tool = Literal["pen", "highlighter"]
Point = tuple[Unit, Unit]


def quantise(point: tuple[float, float]) -> tuple[float, float]:
    """A stroke point as it is sent (and kept): within the page, ``POINT_DECIMALS`` places."""
    x, y = point
    return (
        round(min(1.0, max(0.0, x)), POINT_DECIMALS),
        round(min(1.0, max(0.0, y)), POINT_DECIMALS),
    )


def _check_points(points: list[tuple[float, float]], limit: int = POINTS_PER_MESSAGE_MAX) -> None:
    if len(points) > limit:
        raise ValueError(f"at most {limit} points here - at `$.points`")
    for x, y in points:
        if not (math.isfinite(x) and math.isfinite(y)):
            raise ValueError("points must be finite - at `$.points`")


class _Message(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    pass


class StrokeMark(msgspec.Struct, tag="stroke", tag_field="kind", forbid_unknown_fields=True):
    mark_id: MarkId
    tool: Tool
    colour: Colour
    width: StrokeWidth
    points: list[Point]

    def __post_init__(self) -> None:
        # A whole stroke grows by many stroke.extend messages; only those are kept small.
        _check_points(self.points, POINTS_PER_STROKE_MAX)


class PinMark(msgspec.Struct, tag="pin", tag_field="kind", forbid_unknown_fields=True):
    mark_id: MarkId
    number: Annotated[int, msgspec.Meta(ge=1, le=PINS_PER_PAGE_MAX)]
    x: Unit
    y: Unit
    label: Label = ""


Mark = StrokeMark | PinMark


# --- advisor -> customer, documents channel ---


class DocShare(_Message, tag="doc.share"):
    """Sharing on or off; off hides the document area at once."""

    sharing: bool


def page_text(text: str) -> str:
    """A page's text as ``PageAnnounce.text``: lines kept, runs of blanks made one, cut to
    ``PAGE_TEXT_MAX`` characters (with an ellipsis)."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    joined = "\n".join(line for line in lines if line)
    if len(joined) <= PAGE_TEXT_MAX:
        return joined
    return joined[: PAGE_TEXT_MAX - 1] + "…"


class PageAnnounce(_Message, tag="doc.page"):
    """A page image follows in ``chunks`` binary frames with this ``transfer_id``.

    A newer announce cancels a transfer in progress.
    """

    transfer_id: Annotated[int, msgspec.Meta(ge=1)]
    document_id: MarkId
    title: Label
    page_index: Annotated[int, msgspec.Meta(ge=0)]
    page_count: Annotated[int, msgspec.Meta(ge=1)]
    aspect: Annotated[float, msgspec.Meta(gt=0.01, lt=100.0)]  # page width / height
    mime: Literal["image/png", "image/jpeg"]
    width: Annotated[int, msgspec.Meta(ge=1, le=8192)]
    height: Annotated[int, msgspec.Meta(ge=1, le=8192)]
    size: Annotated[int, msgspec.Meta(ge=1, le=PAGE_BYTES_MAX)]
    sha256: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{64}$")]
    chunks: Annotated[int, msgspec.Meta(ge=1)]
    # The page's text for the customer's screen reader (at most PAGE_TEXT_MAX characters, so
    # the announce stays well inside one data channel message).
    text: Annotated[str, msgspec.Meta(max_length=PAGE_TEXT_MAX)] = ""

    def __post_init__(self) -> None:
        if self.chunks != math.ceil(self.size / CHUNK_PAYLOAD_MAX):
            raise ValueError("chunks does not fit size - at `$.chunks`")


class Snapshot(_Message, tag="doc.snapshot"):
    """The whole shared state of the current page: sent on (re)connect and page change."""

    sharing: bool
    document_id: MarkId | None
    page_index: int
    marks: list[Mark]


class StrokeBegin(_Message, tag="stroke.begin"):
    page_index: Annotated[int, msgspec.Meta(ge=0)]
    mark: StrokeMark


class StrokeExtend(_Message, tag="stroke.extend"):
    page_index: Annotated[int, msgspec.Meta(ge=0)]
    mark_id: MarkId
    points: list[Point]
    # Index in the stroke of the first of ``points``: a receiver that already holds them
    # (from ``stroke.tail``) skips them. None from an advisor before the marks channel.
    start: Annotated[int, msgspec.Meta(ge=1, le=POINTS_PER_STROKE_MAX)] | None = None

    def __post_init__(self) -> None:
        _check_points(self.points)


class MarkAdd(_Message, tag="mark.add"):
    """A whole mark (a pin, or a stroke brought back by undo/redo)."""

    page_index: Annotated[int, msgspec.Meta(ge=0)]
    mark: Mark


class MarkErase(_Message, tag="mark.erase"):
    page_index: Annotated[int, msgspec.Meta(ge=0)]
    mark_id: MarkId


class PageClear(_Message, tag="page.clear"):
    page_index: Annotated[int, msgspec.Meta(ge=0)]


class MediaState(_Message, tag="media.state"):
    """What the advisor sends right now: the page shows "camera off" in place of the video
    and a muted sign, and says so in its status line. Sent whenever either changes and on
    every (new) channel, so a customer who (re)connects learns the current state."""

    camera: bool  # the advisor's picture is sent (false: off, or no camera at all)
    microphone: bool  # the advisor's sound is sent (false: muted)


class AudioFirst(_Message, tag="media.audio_first"):
    """The line cannot carry the advisor's picture: it is paused so that speech gets through
    (``active``), or back (rtc/audio_first.py decides). The page says so in plain words and
    pauses its own picture too. Sent on every change and on every (new) channel; a page that
    does not know it ignores it."""

    active: bool


# --- advisor -> customer, pointer channel ---


class PointerMove(_Message, tag="pointer"):
    """The laser pointer; ``seq`` grows, so a late (unordered) one is ignored."""

    seq: Annotated[int, msgspec.Meta(ge=0)]
    page_index: Annotated[int, msgspec.Meta(ge=0)]
    x: Unit
    y: Unit
    visible: bool = True


# --- advisor -> customer, marks channel ---


class StrokeTail(_Message, tag="stroke.tail"):
    """The stroke being drawn, ahead of loss: its last points (``start`` is the index of the
    first of them in the stroke), and what it looks like, so the stroke can begin from this
    message alone. Points already held are skipped, points beyond a gap wait for it; a stroke
    erased or cleared here is not brought back by a late one."""

    page_index: Annotated[int, msgspec.Meta(ge=0)]
    mark_id: MarkId
    tool: Tool
    colour: Colour
    width: StrokeWidth
    start: Annotated[int, msgspec.Meta(ge=0, le=POINTS_PER_STROKE_MAX)]
    points: Annotated[list[Point], msgspec.Meta(min_length=1)]

    def __post_init__(self) -> None:
        _check_points(self.points, TAIL_POINTS_MAX)


# --- customer -> advisor ---


class Viewport(_Message, tag="viewport"):
    """The customer's document area in CSS pixels and the device pixel ratio."""

    css_width: Annotated[float, msgspec.Meta(gt=0, le=20_000)]
    css_height: Annotated[float, msgspec.Meta(gt=0, le=20_000)]
    dpr: Annotated[float, msgspec.Meta(gt=0, le=8)]


class SnapshotRequest(_Message, tag="snapshot.request"):
    pass


class MarksReady(_Message, tag="marks.ready"):
    """On the ``marks`` channel: this page takes ``stroke.tail`` (a page that does not know
    the channel never says so, and gets the marks on ``documents`` alone). Sent a few times,
    the channel being unreliable."""


AdvisorChannelMessage = (
    DocShare | PageAnnounce | Snapshot | StrokeBegin | StrokeExtend | MarkAdd | MarkErase
    | PageClear | MediaState | PointerMove | StrokeTail | AudioFirst
)  # fmt: skip
CustomerChannelMessage = Viewport | SnapshotRequest | MarksReady
