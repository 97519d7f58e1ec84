"""Shared pieces of the documents benchmarks (issue 5): a hub on 127.0.0.1 in this process,
a scripted advisor (the advisor core, no Qt) in consultation with a Python customer
(SimulatedCustomer) or with a Chromium customer (the real customer page), the sample document
shared, and the page-side timing script.

Everything runs on 127.0.0.1; every wait has a time limit.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _support import RESOURCES, clock

from advisor_app.core.session import AdvisorSession, Phase
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.protocol import documents as dc
from tests.support.browser import CHROMIUM, GRANTING_ARGS, scripted_advisor
from tests.support.hub import RunningHub, add_advisor, settings_for
from tests.support.polling import until, until_async

SHEET = RESOURCES / "samples" / "Produktblatt-Baufinanzierung.pdf"
ADVISORS = ("anna", "ben", "carla", "dirk")
DESKTOP = {"width": 1280, "height": 800}

# Runs before the customer page's own scripts. Wraps the data channels' message listeners
# (documents.js adds one per channel) to note, in wall-clock ms (performance.timeOrigin +
# performance.now(), the machine's clock as Python's time.time()):
#   messages: [label, arrived (handler entered), drawn, frame, data] for each text message;
#             drawn: the moment the page's handler returned, if it made draw calls on the
#             document view's canvases (docview.js paints a mark in the handler; 0 if it did
#             not); frame: the animation frame after the handler (the earliest frame that can
#             show it on screen);
#   frames:   arrival of each binary page frame;
#   loads:    each load of the page image (.docview__image), with its naturalWidth, the page
#             index the view holds (window.__docview) and the next animation frame after it;
#   draws:    [at, whole] for each repaint of the marks canvas (its clearRect; whole: of the
#             whole canvas, else of a box), to count repaints.
# Instrumentation only: the page's listener runs unchanged, and first.
TIMING_SCRIPT = """
(() => {
  const bench = { messages: [], frames: [], loads: [], draws: [] };
  Object.defineProperty(window, "__bench", { value: bench });
  const wall = () => performance.timeOrigin + performance.now();
  const ours = (ctx) => ctx.canvas.classList
    && (ctx.canvas.classList.contains("docview__marks")
      || ctx.canvas.classList.contains("docview__pointer"));
  let drawCalls = 0;
  const proto = CanvasRenderingContext2D.prototype;
  for (const name of ["stroke", "fill", "fillText", "drawImage"]) {
    const original = proto[name];
    proto[name] = function (...args) {
      if (ours(this)) drawCalls += 1;
      return original.apply(this, args);
    };
  }
  const add = RTCDataChannel.prototype.addEventListener;
  RTCDataChannel.prototype.addEventListener = function (type, listener, options) {
    if (type !== "message" || typeof listener !== "function") {
      return add.call(this, type, listener, options);
    }
    const label = this.label;
    const timed = function (event) {
      const arrived = wall();
      const before = drawCalls;
      listener.call(this, event);
      const returned = wall();
      if (typeof event.data === "string") {
        const entry = [label, arrived, drawCalls > before ? returned : 0, 0, event.data];
        bench.messages.push(entry);
        requestAnimationFrame(() => { entry[3] = wall(); });
      } else {
        bench.frames.push(arrived);
      }
    };
    return add.call(this, type, timed, options);
  };
  const clear = proto.clearRect;
  proto.clearRect = function (...args) {
    if (this.canvas.classList && this.canvas.classList.contains("docview__marks")) {
      const whole = args[0] <= 0 && args[1] <= 0 && args[2] >= this.canvas.width
        && args[3] >= this.canvas.height;
      bench.draws.push([wall(), whole]);
    }
    return clear.apply(this, args);
  };
  document.addEventListener("load", (event) => {
    const image = event.target;
    if (!(image instanceof HTMLImageElement) || !image.classList.contains("docview__image")) {
      return;
    }
    const view = window.__docview;
    const entry = {
      at: wall(), width: image.naturalWidth, page: view ? view.pageIndex : -1, frame: 0,
    };
    bench.loads.push(entry);
    requestAnimationFrame(() => { entry.frame = wall(); });
  }, true);
})();
"""

# Offset of the page's clock (timeOrigin + now) from the wall clock (Date.now(), the same
# CLOCK_REALTIME as time.time()), in ms: sampled at the moments Date.now() ticks over.
CLOCK_OFFSET_SCRIPT = """
() => {
  const offsets = [];
  let last = Date.now();
  const end = performance.now() + 300;
  while (performance.now() < end && offsets.length < 250) {
    const now = Date.now();
    if (now !== last) {
      offsets.push(performance.timeOrigin + performance.now() - now);
      last = now;
    }
  }
  offsets.sort((a, b) => a - b);
  return offsets.length ? offsets[offsets.length >> 1] : 0;
}
"""


def wall_ms() -> float:
    return time.time() * 1000


@contextlib.asynccontextmanager
async def running_hub(web_root: Path | None = None) -> AsyncIterator[RunningHub]:
    """A hub on a loopback port in this process, with a few advisor accounts; ``web_root``
    serves another copy of the customer page (before/after comparisons)."""
    data_dir = Path(tempfile.mkdtemp(prefix="bench-documents-"))
    hub: RunningHub | None = None
    try:
        for name in ADVISORS:
            await add_advisor(data_dir, name)
        changes: dict[str, Any] = {"web_root": web_root} if web_root else {}
        hub = RunningHub(settings_for(data_dir, grace_seconds=60, **changes))
        await hub.start()
        yield hub
    finally:
        if hub is not None:
            await hub.close()
        shutil.rmtree(data_dir, ignore_errors=True)


async def _connected(advisor: AdvisorSession) -> None:
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, 30, "media connected")
    await until(lambda: advisor.documents.customer_connected, 20, "documents channel open")


@contextlib.asynccontextmanager
async def python_consultation(
    hub: RunningHub, username: str, *, video: bool, dpr: float = 1.0
) -> AsyncIterator[tuple[AdvisorSession, SimulatedCustomer]]:
    """The advisor core and a SimulatedCustomer (800x600 CSS px at ``dpr``), the sample sheet
    shared and its first page arrived. Audio both ways; with ``video`` also a 640x480 test
    picture both ways."""
    async with scripted_advisor(hub.url, username) as advisor:
        customer = SimulatedCustomer(hub.url, see_advisor=video, show_me=video, greeting=None)
        customer.viewport = dc.Viewport(css_width=800, css_height=600, dpr=dpr)
        try:
            await customer.start()
            await until(lambda: len(advisor.queue) >= 1, 20, "the customer in the queue")
            await advisor.take_next()
            await _connected(advisor)
            await advisor.documents.open(SHEET)
            advisor.documents.set_sharing(True)
            await until(lambda: customer.shared.image is not None, 30, "the first page")
            yield advisor, customer
        finally:
            with contextlib.suppress(Exception):
                await advisor.end()
            await customer.close()


@contextlib.asynccontextmanager
async def chromium_consultation(
    hub: RunningHub, username: str, *, video: bool, dpr: float = 1.0
) -> AsyncIterator[tuple[AdvisorSession, Any, list[str]]]:
    """The advisor core and the customer page in headless Chromium (1280x800 CSS px at
    ``dpr``, the e2e tests' flags, fake camera and microphone), joined through the page like a
    customer, the sample sheet shared and its first page loaded. Yields (advisor, page, page
    errors)."""
    from playwright.async_api import async_playwright

    from tests.e2e.journey import join, take_customer

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM, args=GRANTING_ARGS, headless=True
        )
        try:
            context = await browser.new_context(
                viewport=DESKTOP,
                device_scale_factor=dpr,
                locale="de-DE",
                timezone_id="Europe/Berlin",
            )
            await context.add_init_script(TIMING_SCRIPT)
            page = await context.new_page()
            page.set_default_timeout(20_000)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            async with scripted_advisor(hub.url, username) as advisor:
                await join(page, hub.url, see_advisor=video, show_me=video)
                await take_customer(advisor)
                await _connected(advisor)
                await advisor.documents.open(SHEET)
                advisor.documents.set_sharing(True)
                await until_async(
                    lambda: page.evaluate(
                        "() => { const i = document.querySelector('.docview__image');"
                        " return Boolean(i && i.naturalWidth > 0); }"
                    ),
                    30,
                    "the first page in Chromium",
                )
                try:
                    yield advisor, page, errors
                finally:
                    with contextlib.suppress(Exception):
                        await advisor.end()
        finally:
            await browser.close()


@dataclass
class RawPair:
    documents: Any  # the offerer's channels (the advisor's side)
    pointer: Any
    received: dict[str, list[tuple[float, Any]]]  # (clock(), data) at the answerer, by label
    arrived: asyncio.Event  # set on every message at the answerer


@contextlib.asynccontextmanager
async def raw_pair(video: bool) -> AsyncIterator[RawPair]:
    """Two RTCPeerConnections in this process, as connect.py's baseline: the same channels and
    media as the app (a tone both ways; with ``video`` a 640x480 test picture both ways), no
    ICE servers, offer/answer handed over directly; the answerer logs each message."""
    from aiortc import RTCConfiguration, RTCPeerConnection

    from advisor_app.rtc.tracks import TestPictureTrack, ToneTrack

    offerer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    answerer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
    received: dict[str, list[tuple[float, Any]]] = {"documents": [], "pointer": []}
    arrived = asyncio.Event()
    readers: list[asyncio.Future[None]] = []

    async def drain(track: Any) -> None:
        with contextlib.suppress(Exception):
            while True:
                await track.recv()

    for pc in (offerer, answerer):
        pc.on("track", lambda track: readers.append(asyncio.ensure_future(drain(track))))

    @answerer.on("datachannel")
    def on_channel(channel: Any) -> None:
        log = received[channel.label]

        @channel.on("message")
        def on_message(data: Any) -> None:
            log.append((clock(), data))
            arrived.set()

    try:
        offerer.addTransceiver(ToneTrack(), "sendrecv")
        if video:
            offerer.addTransceiver(TestPictureTrack(640, 480), "sendrecv")
        documents = offerer.createDataChannel("documents", ordered=True)
        pointer = offerer.createDataChannel("pointer", ordered=False, maxRetransmits=0)
        await offerer.setLocalDescription(await offerer.createOffer())
        await answerer.setRemoteDescription(offerer.localDescription)
        for transceiver in answerer.getTransceivers():
            if transceiver.kind == "audio":
                transceiver.sender.replaceTrack(ToneTrack(frequency=660))
            else:
                transceiver.sender.replaceTrack(TestPictureTrack(640, 480))
            transceiver.direction = "sendrecv"
        await answerer.setLocalDescription(await answerer.createAnswer())
        await offerer.setRemoteDescription(answerer.localDescription)
        async with asyncio.timeout(20):
            while not (documents.readyState == "open" and pointer.readyState == "open"):
                await asyncio.sleep(0.01)
        await asyncio.sleep(1.0)  # as in the app legs: the connection settles first
        yield RawPair(documents, pointer, received, arrived)
    finally:
        for reader in readers:
            reader.cancel()
        await offerer.close()
        await answerer.close()


async def page_clock_offset_ms(page: Any) -> float:
    return float(await page.evaluate(CLOCK_OFFSET_SCRIPT))


async def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    await until(condition, timeout, what)


def load_average() -> str:
    import os

    return " / ".join(f"{value:.2f}" for value in os.getloadavg())
