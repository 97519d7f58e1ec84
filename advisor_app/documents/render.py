"""Rendering PDFs and images with pymupdf, in worker processes with a time limit.

pymupdf is not thread-safe and a few pathological pages take tens of seconds (RISKS.md,
item 6): every call runs in a process pool, and a call that overruns its limit has its worker
process ended and the pool made anew. The module-level functions are what the workers run:
they take a path and return plain bytes.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import multiprocessing
import os
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from advisor_app.documents.png import encode_png
from advisor_app.documents.record import ShownPage, build_shown_pages

logger = logging.getLogger(__name__)

MAX_OUTPUT_WIDTH = 2400
MAX_OUTPUT_HEIGHT = 8192
MAX_IMAGE_PIXELS = 200_000_000  # a 100-megapixel photo is fine; 200 MP is refused
MAX_FILE_BYTES = 512 * 1024 * 1024
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".svg", ".gif", ".bmp", ".tif", ".tiff", ".webp"}
SUPPORTED_SUFFIXES = {".pdf", *IMAGE_SUFFIXES}


class DocumentProblem(StrEnum):
    NEEDS_PASSWORD = "needs_password"
    WRONG_PASSWORD = "wrong_password"
    CORRUPT = "corrupt"
    UNSUPPORTED = "unsupported"
    TOO_LARGE = "too_large"
    TIMEOUT = "timeout"
    NO_SUCH_PAGE = "no_such_page"


class DocumentError(Exception):
    """A document that cannot be shown as asked; ``problem`` says why, for the UI's text."""

    def __init__(self, problem: DocumentProblem, detail: str = "") -> None:
        super().__init__(f"{problem.value}: {detail}" if detail else problem.value)
        self.problem = problem
        self.detail = detail

    def __reduce__(self) -> tuple[type[DocumentError], tuple[DocumentProblem, str]]:
        return DocumentError, (self.problem, self.detail)


@dataclass(frozen=True, slots=True)
class DocumentInfo:
    path: str
    title: str
    is_image: bool
    page_count: int
    first_page_size: tuple[float, float]  # points (PDF) or pixels (image)


@dataclass(frozen=True, slots=True)
class RenderedPage:
    """A page as pixels: ``samples`` RGB, 3 bytes a pixel, ``stride`` bytes a row; or encoded
    (``mime`` image/png or image/jpeg) for sending."""

    page_index: int
    width: int
    height: int
    aspect: float  # page width / height
    data: bytes
    stride: int
    mime: str  # "raw/rgb" for samples
    text: str = ""  # the page's text (PNG/JPEG for sending): what a screen reader reads


# --- what the worker processes run ---


def _open(path: str, password: str | None):  # type: ignore[no-untyped-def]  # pymupdf has no types
    import pymupdf

    try:
        document = pymupdf.open(path)
    except Exception as error:  # pymupdf raises several kinds for broken files
        raise DocumentError(DocumentProblem.CORRUPT, str(error)) from error
    if document.needs_pass:
        if not password:
            document.close()
            raise DocumentError(DocumentProblem.NEEDS_PASSWORD)
        if not document.authenticate(password):
            document.close()
            raise DocumentError(DocumentProblem.WRONG_PASSWORD)
    if document.page_count < 1:
        document.close()
        raise DocumentError(DocumentProblem.CORRUPT, "no pages")
    return document


def _pixel_count(path: str) -> int | None:
    """Pixels of a raster image from its header alone (no decoding); None for vector files."""
    if Path(path).suffix.lower() in (".svg", ".pdf"):
        return None
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None  # we decide the limit, with a clear message
    try:
        with Image.open(path) as image:
            width, height = image.size
    except Exception as error:
        raise DocumentError(DocumentProblem.CORRUPT, str(error)) from error
    return width * height


def _check_file(path: str) -> None:
    """Refuse what cannot or must not be opened, before pymupdf sees it."""
    file = Path(path)
    suffix = file.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise DocumentError(DocumentProblem.UNSUPPORTED, f"{suffix or 'no suffix'}")
    try:
        size = file.stat().st_size
    except OSError as error:
        raise DocumentError(DocumentProblem.CORRUPT, str(error)) from error
    if size > MAX_FILE_BYTES:
        raise DocumentError(DocumentProblem.TOO_LARGE, f"{size} bytes")
    pixels = _pixel_count(path)
    if pixels is not None and pixels > MAX_IMAGE_PIXELS:
        raise DocumentError(
            DocumentProblem.TOO_LARGE,
            f"{pixels / 1e6:.0f} megapixels (at most {MAX_IMAGE_PIXELS // 10**6})",
        )


def inspect_document(path: str, password: str | None = None) -> DocumentInfo:
    _check_file(path)
    document = _open(path, password)
    try:
        page = document.load_page(0)
        rect = page.rect
        is_image = not document.is_pdf
        title = (document.metadata or {}).get("title") or Path(path).stem
        return DocumentInfo(path, title, is_image, document.page_count, (rect.width, rect.height))
    except DocumentError:
        raise
    except Exception as error:
        raise DocumentError(DocumentProblem.CORRUPT, str(error)) from error
    finally:
        document.close()


def render_page(
    path: str,
    page_index: int,
    width_px: int,
    password: str | None = None,
    encoding: str = "raw",
) -> RenderedPage:
    """Render one page ``width_px`` wide (capped), as RGB samples or PNG/JPEG bytes."""
    import pymupdf

    _check_file(path)
    document = _open(path, password)
    try:
        if not 0 <= page_index < document.page_count:
            raise DocumentError(
                DocumentProblem.NO_SUCH_PAGE, f"{page_index + 1} of {document.page_count}"
            )
        page = document.load_page(page_index)
        rect = page.rect
        if rect.width <= 0 or rect.height <= 0:
            raise DocumentError(DocumentProblem.CORRUPT, "the page has no size")
        width = max(16, min(width_px, MAX_OUTPUT_WIDTH))
        scale = width / rect.width
        if rect.height * scale > MAX_OUTPUT_HEIGHT:  # a very tall page: fit its height
            scale = MAX_OUTPUT_HEIGHT / rect.height
        pixmap = page.get_pixmap(matrix=pymupdf.Matrix(scale, scale), alpha=False)
        aspect = rect.width / rect.height
        if encoding == "png":
            data = encode_png(pixmap.samples_mv, pixmap.width, pixmap.height, pixmap.stride)
            mime = "image/png"
        elif encoding == "jpeg":
            data, mime = pixmap.tobytes("jpeg", jpg_quality=88), "image/jpeg"
        else:
            data, mime = bytes(pixmap.samples_mv), "raw/rgb"
        # The customer's screen reader reads the page from its text (pymupdf, reading order);
        # a scanned page without a text layer has none.
        text = page.get_text("text", sort=True) if encoding != "raw" else ""
        return RenderedPage(
            page_index, pixmap.width, pixmap.height, aspect, data, pixmap.stride, mime, text
        )
    except DocumentError:
        raise
    except Exception as error:
        raise DocumentError(DocumentProblem.CORRUPT, str(error)) from error
    finally:
        document.close()


# --- the pool ---


class Renderer:
    """Runs the functions above in worker processes, each call with a time limit."""

    def __init__(self, workers: int = 2, time_limit: float = 15.0) -> None:
        self._workers = workers
        self.time_limit = time_limit
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            # spawn: no copy of the Qt/asyncio parent state in the workers, on every platform.
            context = multiprocessing.get_context("spawn")
            self._pool = concurrent.futures.ProcessPoolExecutor(self._workers, context)
        return self._pool

    async def _call[T](
        self, function: Callable[..., T], *args: object, time_limit: float | None
    ) -> T:
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._executor(), function, *args)
        try:
            return await asyncio.wait_for(future, time_limit or self.time_limit)
        except TimeoutError:
            self._kill_pool()
            raise DocumentError(
                DocumentProblem.TIMEOUT, f"no result within {time_limit or self.time_limit:.0f} s"
            ) from None
        except concurrent.futures.process.BrokenProcessPool as error:
            self._kill_pool()
            raise DocumentError(
                DocumentProblem.CORRUPT, "the renderer crashed on this file"
            ) from error

    async def inspect(self, path: Path, password: str | None = None) -> DocumentInfo:
        return await self._call(inspect_document, str(path), password, time_limit=None)

    async def render(
        self,
        path: Path,
        page_index: int,
        width_px: int,
        *,
        password: str | None = None,
        encoding: str = "raw",
        time_limit: float | None = None,
    ) -> RenderedPage:
        return await self._call(
            render_page, str(path), page_index, width_px, password, encoding, time_limit=time_limit
        )

    async def build_shown_pages(self, pages: list[ShownPage]) -> bytes:
        return await self._call(build_shown_pages, pages, time_limit=120.0)

    def _kill_pool(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # A stuck worker never finishes: end the processes, not just the pool.
        for process in list(getattr(pool, "_processes", {}).values()):
            with contextlib.suppress(OSError, AttributeError):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def cpu_workers() -> int:
    return max(1, min(2, (os.cpu_count() or 2) - 1))
