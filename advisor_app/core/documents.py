"""Showing documents to the customer: the open document, the current page, the marks, the
sharing switch; pages rendered for the customer's viewport and sent over the data channel;
a snapshot whenever the customer (re)connects or the page changes. No Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
from aiortc import RTCDataChannel

from advisor_app.annotations.model import AnnotationModel, Message
from advisor_app.annotations.tail import TailEncoder
from advisor_app.core.drawing import Drawing
from advisor_app.core.page_cache import PageCache, PageKey
from advisor_app.documents.record import ShownPage
from advisor_app.documents.render import DocumentInfo, RenderedPage, Renderer
from advisor_app.observe import Event
from advisor_app.protocol import documents as dc
from advisor_app.protocol import rest
from advisor_app.protocol.chunks import digest, split
from advisor_app.protocol.codec import Decoder
from advisor_app.protocol.documents import page_text
from advisor_app.protocol.errors import ProtocolError
from advisor_app.rtc.aiortc_patches import sctp_window_full

logger = logging.getLogger(__name__)

_customer_decoder: Decoder[dc.CustomerChannelMessage] = Decoder(dc.CustomerChannelMessage)
_encoder = msgspec.json.Encoder()
BUFFER_HIGH = 256 * 1024  # wait before queueing more page frames than this
# The stroke's last tail is sent again this long after the last point (twice), while the pen
# rests: nothing comes after it to repeat it, and at 5 % loss one in twenty strokes would
# otherwise end on the reliable channel's retransmission.
TAIL_REPEAT_S = (0.03, 0.09)
# At most one tail this often: a pen reports 60-120 moves a second, and a packet for each
# (with its 85 bytes of IP, UDP, DTLS and SCTP around a 150-byte tail) took a fifth of a
# 512 kbit/s line, which then queued behind our video and delayed the marks it was to speed
# up. Points in between wait for the next tail (on average a sixth of this).
TAIL_INTERVAL_S = 1 / 30
# While the marks channel carries the stroke ahead, its points go on the reliable channel
# gathered over this long (one message instead of six at 60 points a second): that channel is
# only the catch-up path then, and fewer packets leave SCTP's congestion window for the tails.
RELIABLE_BATCH_S = 0.1
# Bytes handed to aiortc that its flush task has not yet taken, below which the line counts as
# free: a few marks messages, never a page's frame.
JUST_SENT_MAX = 2048


@dataclass(slots=True)
class _Opened:
    """A document opened in this consultation, with the marks made on it."""

    info: DocumentInfo
    password: str | None
    model: AnnotationModel


@dataclass(frozen=True, slots=True)
class ShareState:
    """What the advisor's document pane shows."""

    document: DocumentInfo | None
    page_index: int
    sharing: bool
    customer_connected: bool
    consultation_id: int = 0


class DocumentShare:
    """What one consultation shows: made when the consultation begins, owned by it and closed
    with it (every document, password, mark and cached page is dropped then). Runs on the
    engine loop; the UI calls it through the engine facade."""

    def __init__(self, renderer: Renderer, consultation_id: int = 0) -> None:
        self.renderer = renderer
        self.consultation_id = consultation_id
        self.closed = False
        self.model = AnnotationModel()
        self.document: DocumentInfo | None = None
        self.password: str | None = None
        self.page_index = 0
        self.sharing = False
        self.viewport = dc.Viewport(css_width=960, css_height=720, dpr=1.0)
        self._documents: RTCDataChannel | None = None
        self._pointer: RTCDataChannel | None = None
        self._marks: RTCDataChannel | None = None
        # The page said it takes stroke.tail on the marks channel (marks.ready).
        self.marks_ready = False
        # False: marks on the reliable channel alone (as before the marks channel; benchmarks).
        self.send_tails = True
        self.tails_sent = 0
        self.drawing = Drawing()  # the session lets the picture make room while it is on
        self._tails = TailEncoder()
        self._tail_repeats: list[asyncio.TimerHandle] = []
        self._tail_due: asyncio.TimerHandle | None = None  # the next tail, interval-bound
        self._tail_stroke: dc.StrokeMark | None = None  # what it carries
        self._tail_added = 0  # points added to it since the last tail
        self._last_tail_at = -1.0  # loop time
        self._held: list[dc.StrokeExtend] = []  # reliable stroke.extend, gathered
        self._held_flush: asyncio.TimerHandle | None = None
        self._transfers = itertools.count(1)
        self._current_transfer = 0
        self._sending: asyncio.Task[None] | None = None
        self._prefetching: asyncio.Task[None] | None = None
        # Pages as sent to the customer, and their neighbours rendered ahead while idle.
        self.pages = PageCache(self._render_for_customer)
        self._pointer_seq = itertools.count(1)
        self._resend: asyncio.TimerHandle | None = None
        self.changed: Event[ShareState] = Event()
        # (page, copies of its marks) after every change, for the advisor's canvas
        self.marks_changed: Event[tuple[int, tuple[dc.Mark, ...]]] = Event()
        self.pages_sent = 0
        # Every document opened here, in order, each with its own marks; and the pages shown
        # to the customer, in order, for the record: (index into _opened, page), as a set.
        self._opened: list[_Opened] = []
        self.shown: dict[tuple[int, int], None] = {}

    # --- channels ---

    def attach(
        self,
        documents: RTCDataChannel,
        pointer: RTCDataChannel,
        marks: RTCDataChannel | None = None,
    ) -> None:
        """Use a (new) peer connection's channels; state is sent once the customer opens."""
        self._documents, self._pointer, self._marks = documents, pointer, marks
        self.marks_ready = False
        self._forget_tail()
        documents.on("message", self._on_message)
        if marks is not None:
            marks.on("message", lambda data, c=marks: self._on_marks_message(c, data))
        documents.on("open", self._announce_state)
        documents.on("close", lambda: self._emit())
        if documents.readyState == "open":
            self._announce_state()

    def detach(self) -> None:
        self._flush_held()
        self._documents = self._pointer = self._marks = None
        self.marks_ready = False
        self._forget_tail()
        self.drawing.stop()
        self._cancel_sending()
        self._emit()

    @property
    def customer_connected(self) -> bool:
        return self._documents is not None and self._documents.readyState == "open"

    def state(self) -> ShareState:
        return ShareState(
            self.document,
            self.page_index,
            self.sharing,
            self.customer_connected,
            self.consultation_id,
        )

    def _emit(self) -> None:
        self.changed.emit(self.state())

    def _send(self, messages: Sequence[Any], channel: RTCDataChannel | None = None) -> None:
        if channel is None:
            self._flush_held()  # gathered points first: the reliable channel keeps the order
        channel = channel or self._documents
        if channel is None or channel.readyState != "open":
            return
        for message in messages:
            channel.send(_encoder.encode(message).decode())

    def _hold(self, extends: list[dc.StrokeExtend]) -> None:
        self._held += extends
        if self._held_flush is None:
            loop = asyncio.get_running_loop()
            self._held_flush = loop.call_later(RELIABLE_BATCH_S, self._flush_held)

    def _flush_held(self) -> None:
        if self._held_flush is not None:
            self._held_flush.cancel()
            self._held_flush = None
        held, self._held = self._held, []
        merged: list[dc.StrokeExtend] = []
        for extend in held:
            last = merged[-1] if merged else None
            if (
                last is not None
                and last.mark_id == extend.mark_id
                and last.page_index == extend.page_index
                and last.start is not None
                and extend.start == last.start + len(last.points)
                and len(last.points) + len(extend.points) <= dc.POINTS_PER_MESSAGE_MAX
            ):
                last.points += extend.points
            else:
                merged.append(msgspec.structs.replace(extend, points=list(extend.points)))
        if merged:
            self._send(merged, self._documents)

    def _on_message(self, data: str | bytes) -> None:
        try:
            message = _customer_decoder.decode(data)
        except ProtocolError as error:
            logger.warning("a document message from the customer was refused: %s", error.message)
            return
        if isinstance(message, dc.Viewport):
            changed = round(message.css_width * message.dpr) != round(
                self.viewport.css_width * self.viewport.dpr
            )
            self.viewport = message
            if changed and self.sharing and self.document is not None:
                self._schedule_resend()
        elif isinstance(message, dc.SnapshotRequest):
            self._announce_state()

    def _on_marks_message(self, channel: RTCDataChannel, data: str | bytes) -> None:
        if channel is not self._marks:
            return  # a former connection's
        try:
            message = _customer_decoder.decode(data)
        except ProtocolError as error:
            logger.warning("a marks message from the customer was refused: %s", error.message)
            return
        if isinstance(message, dc.MarksReady):
            self.marks_ready = True

    def _schedule_resend(self) -> None:
        # A window being resized sends many viewports: render once it settles.
        if self._resend is not None:
            self._resend.cancel()
        self._resend = asyncio.get_running_loop().call_later(0.25, self._send_page_soon)

    def _send_page_soon(self) -> None:
        self._resend = None
        self._start_sending()

    def _announce_state(self) -> None:
        """Snapshot (sharing, page, all its marks), then the page image."""
        self._send([self._snapshot()])
        if self.sharing and self.document is not None:
            if self.customer_connected:
                self.shown[(len(self._opened) - 1, self.page_index)] = None
            self._start_sending()
        self._emit()

    def _snapshot(self) -> dc.Snapshot:
        document_id = _document_id(self.document) if self.sharing and self.document else None
        return dc.Snapshot(
            sharing=self.sharing,
            document_id=document_id,
            page_index=self.page_index,
            marks=self.model.marks(self.page_index) if document_id else [],
        )

    # --- the document and its pages ---

    async def open(self, path: Path, password: str | None = None) -> DocumentInfo:
        if self.closed:
            raise LookupError("this consultation has ended")
        info = await self.renderer.inspect(path, password)
        if self.closed:
            raise LookupError("this consultation has ended")
        self.document, self.password, self.page_index = info, password, 0
        self.model = AnnotationModel()
        self._opened.append(_Opened(info, password, self.model))
        self.pages.clear()  # the same path may hold another file now
        if self.sharing:
            self._announce_state()
        self._emit()
        return info

    async def render_for_advisor(self, page_index: int, width_px: int) -> RenderedPage:
        if self.document is None:
            raise LookupError("no document is open")
        return await self.renderer.render(
            Path(self.document.path), page_index, width_px, password=self.password
        )

    def show_page(self, page_index: int) -> None:
        if self.document is None or not 0 <= page_index < self.document.page_count:
            return
        self.page_index = page_index
        self._forget_tail()
        if self.sharing:
            self._announce_state()
        self._emit()
        self._marks_changed()

    def set_sharing(self, sharing: bool) -> None:
        self.sharing = sharing
        self._send([dc.DocShare(sharing=sharing)])
        if not sharing:
            self._cancel_sending()
            self.drawing.stop()
        self._announce_state()

    def _cancel_sending(self) -> None:
        for task in (self._sending, self._prefetching):
            if task is not None:
                task.cancel()  # a render in the pool goes on; its page is kept
        self._sending = self._prefetching = None

    def _start_sending(self) -> None:
        self._cancel_sending()
        self._sending = asyncio.ensure_future(self._send_page())

    async def _send_page(self) -> None:
        document, channel = self.document, self._documents
        if document is None or channel is None or channel.readyState != "open":
            return
        page_index = self.page_index
        width = min(2400, max(320, round(self.viewport.css_width * self.viewport.dpr)))
        encoding = (
            "jpeg"
            if document.is_image and document.path.lower().endswith((".jpg", ".jpeg"))
            else "png"
        )
        key = PageKey(document.path, page_index, width, encoding)
        try:
            rendered = await self.pages.get(key)
        except Exception:
            logger.exception("rendering page %d for the customer failed", page_index + 1)
            return
        if page_index != self.page_index or not self.sharing:
            return  # superseded while rendering
        transfer_id = next(self._transfers)
        self._current_transfer = transfer_id
        frames = split(rendered.data, transfer_id)
        self._send(
            [
                dc.PageAnnounce(
                    transfer_id=transfer_id,
                    document_id=_document_id(document),
                    title=document.title[:40],
                    page_index=page_index,
                    page_count=document.page_count,
                    aspect=rendered.aspect,
                    mime="image/jpeg" if rendered.mime == "image/jpeg" else "image/png",
                    width=rendered.width,
                    height=rendered.height,
                    size=len(rendered.data),
                    sha256=digest(rendered.data),
                    chunks=len(frames),
                    text=page_text(rendered.text),
                )
            ]
        )
        for frame in frames:
            await _drained(channel)
            if channel.readyState != "open":
                return
            channel.send(frame)
        self.pages_sent += 1
        # The page the advisor most likely shows next, then the one before, at this width.
        neighbours = [
            PageKey(document.path, index, width, encoding)
            for index in (page_index + 1, page_index - 1)
            if 0 <= index < document.page_count
        ]
        self._prefetching = asyncio.ensure_future(self.pages.prefetch(neighbours))

    async def _render_for_customer(self, key: PageKey) -> RenderedPage:
        return await self.renderer.render(
            Path(key.path), key.page_index, key.width, password=self.password, encoding=key.encoding
        )

    def record_pages(self) -> tuple[list[ShownPage], rest.ShownPages]:
        """What the record shows: each page shown, of every document opened, with the marks
        it carries now; and the manifest that tells the hub what each page is."""
        pages, manifest = [], []
        for opened_index, page_index in self.shown:
            opened = self._opened[opened_index]
            marks = opened.model.marks(page_index)
            pages.append(
                ShownPage(opened.info.path, opened.password, page_index, _encoder.encode(marks))
            )
            manifest.append(
                rest.ShownPage(
                    document_title=Path(opened.info.path).name[: rest.TITLE_MAX],
                    page_number=page_index + 1,
                    page_count=opened.info.page_count,
                    marks=len(marks),
                )
            )
        return pages, rest.ShownPages(pages=manifest)

    def close(self) -> None:
        """The consultation is over: drop every document, password, mark and cached page."""
        self.closed = True
        self.sharing = False
        self.detach()
        if self._resend is not None:
            self._resend.cancel()
            self._resend = None
        self.pages.clear()
        self._opened.clear()
        self.shown.clear()
        self.document, self.password, self.page_index = None, None, 0
        self.model = AnnotationModel()
        self._emit()

    # --- marks ---

    def _share(self, messages: list[Message], tail_ahead: bool = False) -> None:
        """Send the reliable messages; stroke points a tail carries ahead are gathered."""
        if self.sharing and self.document is not None:
            extends = [m for m in messages if isinstance(m, dc.StrokeExtend)]
            if extends and len(extends) == len(messages) and tail_ahead:
                self._hold(extends)
            else:
                self._send(messages)
        self._marks_changed()

    def _marks_changed(self) -> None:
        # Copies: strokes keep growing on this thread while the UI paints them.
        marks = tuple(
            msgspec.structs.replace(m, points=list(m.points)) if isinstance(m, dc.StrokeMark) else m
            for m in self.model.marks(self.page_index)
        )
        self.marks_changed.emit((self.page_index, marks))

    def begin_stroke(
        self,
        tool: dc.Tool,
        colour: str,
        width: float,
        point: tuple[float, float],
        mark_id: str | None = None,
    ) -> str:
        stroke, messages = self.model.begin_stroke(
            self.page_index, tool, colour, width, dc.quantise(point), mark_id
        )
        self._drawn()
        self._share(messages, self._send_tail(stroke, 1))
        return stroke.mark_id

    def extend_stroke(self, mark_id: str, points: list[tuple[float, float]]) -> None:
        points = [dc.quantise(point) for point in points]
        messages = self.model.extend_stroke(self.page_index, mark_id, points)
        if messages:
            self._drawn()
        stroke = self.model.pages.get(self.page_index, {}).get(mark_id)
        ahead = (
            bool(messages)
            and isinstance(stroke, dc.StrokeMark)
            and self._send_tail(stroke, len(points))
        )
        self._share(messages, ahead)

    def _drawn(self) -> None:
        if self.sharing and self.document is not None and self.customer_connected:
            self.drawing.point()

    # --- the stroke being drawn, ahead of loss (annotations/tail.py) ---

    def _tails_wanted(self) -> bool:
        channel = self._marks
        return (
            self.send_tails
            and self.marks_ready
            and self.sharing
            and self.document is not None
            and channel is not None
            and channel.readyState == "open"
            and self._line_free()
        )

    def _line_free(self) -> bool:
        """Nothing waits for SCTP's congestion window and nothing big waits to be chunked:
        a tail would leave at once. When the line is full, tails would only queue (behind
        each other and the reliable channel), so none are sent and the reliable channel
        carries the points alone, as before. The marks just handed to aiortc (a tail, a
        gathered extend) do not make it busy: they leave on the loop's next turn. (Counting
        them ended the gathering whenever a point came in that turn.)"""
        channels = [c for c in (self._marks, self._documents) if c is not None]
        return sum(c.bufferedAmount for c in channels) <= JUST_SENT_MAX and not any(
            sctp_window_full(c) for c in channels
        )

    def _send_tail(self, stroke: dc.StrokeMark, added: int) -> bool:
        """Carry the ``added`` new points of ``stroke`` ahead on the marks channel: now (before
        the reliable message: both queue on one SCTP association), or with the next tail
        when the last one left less than ``TAIL_INTERVAL_S`` ago. False: the reliable channel
        alone carries them."""
        if not self._tails_wanted():
            return False
        if self._tail_stroke is not None and self._tail_stroke.mark_id != stroke.mark_id:
            self._tail_now()  # the previous stroke's last points first
        self._tail_stroke = stroke
        self._tail_added += added
        if self._tail_due is None:
            loop = asyncio.get_running_loop()
            wait = self._last_tail_at + TAIL_INTERVAL_S - loop.time()
            if wait > 0:
                self._tail_due = loop.call_later(wait, self._tail_now)
            else:
                self._tail_now()
        return True

    def _tail_now(self) -> None:
        self._cancel_tail_timers()
        stroke, added = self._tail_stroke, self._tail_added
        self._tail_added = 0
        if stroke is None or added == 0:
            return
        loop = asyncio.get_running_loop()
        self._last_tail_at = loop.time()
        self._send_last_tail_now(self._tails.tail(self.page_index, stroke, added))
        self._tail_repeats = [loop.call_later(d, self._repeat_tail) for d in TAIL_REPEAT_S]

    def _repeat_tail(self) -> None:
        if self._tail_due is None:  # the pen rests (else the next tail is on its way)
            self._send_last_tail_now()

    def _send_last_tail_now(self, tail: dc.StrokeTail | None = None) -> None:
        tail = tail or self._tails.last
        if tail is None or not self._tails_wanted():
            return
        with contextlib.suppress(Exception):  # a lost tail costs nothing: documents has it
            self._send([tail], self._marks)
            self.tails_sent += 1

    def _cancel_tail_timers(self) -> None:
        """The next tail and the stroke end's repeats."""
        for handle in [*self._tail_repeats, self._tail_due]:
            if handle is not None:
                handle.cancel()
        self._tail_repeats, self._tail_due = [], None

    def _forget_tail(self) -> None:
        self._cancel_tail_timers()
        self._tail_stroke, self._tail_added = None, 0
        self._tails.forget()

    def add_pin(self, x: float, y: float, label: str = "") -> dc.PinMark:
        pin, messages = self.model.add_pin(self.page_index, x, y, label)
        self._share(messages)
        return pin

    def erase(self, mark_id: str) -> None:
        self._forget_tail()
        self._share(self.model.erase(self.page_index, mark_id))

    def clear(self) -> None:
        self._forget_tail()
        self._share(self.model.clear(self.page_index))

    def undo(self) -> None:
        self._forget_tail()
        page, messages = self.model.undo()
        if page is not None:
            self._share_for(page, messages)

    def redo(self) -> None:
        page, messages = self.model.redo()
        if page is not None:
            self._share_for(page, messages)

    def _share_for(self, page: int, messages: list[Message]) -> None:
        if page != self.page_index:
            self.show_page(page)  # undo shows where it happened; the snapshot carries it
        else:
            self._share(messages)

    def pointer(self, x: float, y: float, visible: bool = True) -> None:
        if not (self.sharing and self.document is not None):
            return
        with contextlib.suppress(Exception):  # a lost pointer move does not matter
            self._send(
                [
                    dc.PointerMove(
                        seq=next(self._pointer_seq),
                        page_index=self.page_index,
                        x=min(1.0, max(0.0, x)),
                        y=min(1.0, max(0.0, y)),
                        visible=visible,
                    )
                ],
                self._pointer,
            )


async def _drained(channel: RTCDataChannel) -> None:
    """Wait until the channel's send buffer is low again (a big page must not queue whole)."""
    if channel.bufferedAmount <= BUFFER_HIGH:
        return
    drained = asyncio.Event()
    channel.bufferedAmountLowThreshold = BUFFER_HIGH // 2
    channel.once("bufferedamountlow", drained.set)
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(5):
            await drained.wait()


def _document_id(document: DocumentInfo) -> str:
    return digest(document.path.encode())[:32]
