"""The pages sent to the customer, encoded, kept while their document is open: going back to a
page, or to a page the pool rendered ahead while the advisor showed its neighbour, costs no
render (at devicePixelRatio 2 a render takes about 100 ms, most of the time to show a page).

Keyed by (document path, page index, width in pixels, encoding); bounded by the bytes it holds
(the least recently used page goes first); one render per key at a time: a page asked for
while it is being rendered ahead waits for that render instead of starting another. No Qt.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass

from advisor_app.documents.render import RenderedPage


@dataclass(frozen=True, slots=True)
class PageKey:
    path: str
    page_index: int
    width: int
    encoding: str


Render = Callable[[PageKey], Awaitable[RenderedPage]]
BUDGET_BYTES = 64 * 1024 * 1024  # a page at 2,400 px is about 0.3-1 MB as PNG


class PageCache:
    def __init__(self, render: Render, budget_bytes: int = BUDGET_BYTES) -> None:
        self._render = render
        self.budget_bytes = budget_bytes
        self._pages: OrderedDict[PageKey, RenderedPage] = OrderedDict()
        self._rendering: dict[PageKey, asyncio.Future[RenderedPage]] = {}
        self._held = 0
        self.hits = 0
        self.renders = 0

    def __len__(self) -> int:
        """Pages held now."""
        return len(self._pages)

    def __contains__(self, key: PageKey) -> bool:
        return key in self._pages or key in self._rendering

    async def get(self, key: PageKey) -> RenderedPage:
        """The page, from the cache or rendered (a render error is raised, not kept)."""
        page = self._pages.get(key)
        if page is not None:
            self._pages.move_to_end(key)
            self.hits += 1
            return page
        # shield: a caller given up on (the advisor turned the page) leaves the render running;
        # its page is kept for when the advisor comes back.
        return await asyncio.shield(self._start(key))

    async def prefetch(self, keys: Iterable[PageKey]) -> None:
        """Render these ahead, one after the other: with one pool worker (two cores), a page the
        advisor asks for meanwhile waits for at most one of them."""
        for key in keys:
            if key not in self:
                with contextlib.suppress(Exception):  # it is rendered again when asked for
                    await asyncio.shield(self._start(key))

    def clear(self) -> None:
        """Forget every page (another document, or the file opened again); renders still running
        are not kept."""
        self._pages.clear()
        self._rendering.clear()
        self._held = 0

    def _start(self, key: PageKey) -> asyncio.Future[RenderedPage]:
        running = self._rendering.get(key)
        if running is None:
            self.renders += 1
            running = asyncio.ensure_future(self._render(key))
            self._rendering[key] = running
            running.add_done_callback(lambda done: self._finished(key, done))
        return running

    def _finished(self, key: PageKey, done: asyncio.Future[RenderedPage]) -> None:
        if self._rendering.get(key) is not done:
            return  # cleared while it ran
        del self._rendering[key]
        if done.cancelled() or done.exception() is not None:
            return
        page = done.result()
        size = len(page.data)
        if size > self.budget_bytes:
            return
        self._pages[key] = page
        self._held += size
        while self._held > self.budget_bytes:
            _, oldest = self._pages.popitem(last=False)
            self._held -= len(oldest.data)
