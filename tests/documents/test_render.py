"""pymupdf in worker processes with a time limit, on good and on bad documents."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from pathlib import Path

import pymupdf
import pytest

from advisor_app.documents.render import (
    MAX_OUTPUT_WIDTH,
    DocumentError,
    DocumentProblem,
    Renderer,
)

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"
PRODUCT_SHEET = SAMPLES / "Produktblatt-Baufinanzierung.pdf"


@pytest.fixture
async def renderer() -> AsyncIterator[Renderer]:
    pool = Renderer(workers=1, time_limit=30)
    yield pool
    pool.close()


async def test_the_sample_product_sheet_renders_at_the_asked_width(renderer: Renderer) -> None:
    info = await renderer.inspect(PRODUCT_SHEET)
    assert info.page_count == 3 and info.title == "Produktblatt Baufinanzierung"
    page = await renderer.render(PRODUCT_SHEET, 1, 800)
    assert page.width == 800 and page.mime == "raw/rgb"
    assert len(page.data) == page.stride * page.height
    assert abs(page.aspect - 595 / 842) < 1e-6
    png = await renderer.render(PRODUCT_SHEET, 0, 1200, encoding="png")
    assert png.data.startswith(b"\x89PNG") and png.width == 1200
    jpeg = await renderer.render(PRODUCT_SHEET, 2, 600, encoding="jpeg")
    assert jpeg.data.startswith(b"\xff\xd8")


@pytest.mark.parametrize("name", ["Zinsentwicklung.png", "Zinsentwicklung.svg"])
async def test_images_are_documents_of_one_page(renderer: Renderer, name: str) -> None:
    info = await renderer.inspect(SAMPLES / name)
    assert info.page_count == 1 and info.is_image
    page = await renderer.render(SAMPLES / name, 0, 640, encoding="png")
    assert page.width == 640


async def test_an_encrypted_pdf_asks_for_its_password(renderer: Renderer, tmp_path: Path) -> None:
    path = tmp_path / "geheim.pdf"
    document = pymupdf.open(PRODUCT_SHEET)
    document.save(
        path, encryption=pymupdf.PDF_ENCRYPT_AES_256, owner_pw="owner-secret", user_pw="kunde123"
    )
    with pytest.raises(DocumentError) as missing:
        await renderer.inspect(path)
    assert missing.value.problem == DocumentProblem.NEEDS_PASSWORD
    with pytest.raises(DocumentError) as wrong:
        await renderer.inspect(path, "falsch")
    assert wrong.value.problem == DocumentProblem.WRONG_PASSWORD
    info = await renderer.inspect(path, "kunde123")
    assert info.page_count == 3
    page = await renderer.render(path, 0, 300, password="kunde123")
    assert page.width == 300


@pytest.mark.parametrize(
    "content",
    [b"", b"%PDF-1.7\nnot really a pdf", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40],
)
async def test_corrupt_files_get_a_clear_error(
    renderer: Renderer, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / ("broken.png" if content.startswith(b"\x89PNG") else "broken.pdf")
    path.write_bytes(content)
    with pytest.raises(DocumentError) as error:
        await renderer.inspect(path)
    assert error.value.problem == DocumentProblem.CORRUPT


async def test_unsupported_and_missing_files(renderer: Renderer, tmp_path: Path) -> None:
    text = tmp_path / "notes.docx"
    text.write_bytes(b"PK\x03\x04")
    with pytest.raises(DocumentError) as unsupported:
        await renderer.inspect(text)
    assert unsupported.value.problem == DocumentProblem.UNSUPPORTED
    with pytest.raises(DocumentError) as missing:
        await renderer.inspect(tmp_path / "gone.pdf")
    assert missing.value.problem == DocumentProblem.CORRUPT
    with pytest.raises(DocumentError) as page:
        await renderer.render(PRODUCT_SHEET, 3, 400)
    assert page.value.problem == DocumentProblem.NO_SUCH_PAGE


async def test_a_thousand_page_pdf_opens_and_renders_its_last_page(
    renderer: Renderer, tmp_path: Path
) -> None:
    path = tmp_path / "dick.pdf"
    document = pymupdf.open()
    for number in range(1000):
        page = document.new_page(width=595, height=842)
        page.insert_text((72, 72), f"Seite {number + 1}", fontsize=24)
    document.save(path)
    document.close()
    info = await renderer.inspect(path)
    assert info.page_count == 1000
    last = await renderer.render(path, 999, 400)
    assert last.width == 400


async def test_a_huge_page_is_capped(renderer: Renderer, tmp_path: Path) -> None:
    path = tmp_path / "plan.pdf"
    document = pymupdf.open()
    document.new_page(width=14_400, height=14_400)  # 5 m x 5 m, PDF's largest
    document.save(path)
    document.close()
    page = await renderer.render(path, 0, 10_000)
    assert page.width == MAX_OUTPUT_WIDTH


def png_of_size(path: Path, width: int, height: int) -> None:
    """A valid grey PNG of any size, written without holding the image in memory."""
    import struct

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )  # fmt: skip

    compressor = zlib.compressobj(9)
    row = b"\x00" + b"\x80" * width
    body = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


async def test_a_100_megapixel_image_renders_and_a_larger_one_is_refused(
    renderer: Renderer, tmp_path: Path
) -> None:
    big = tmp_path / "foto.png"
    png_of_size(big, 10_000, 10_000)
    page = await renderer.render(big, 0, 1600, encoding="jpeg")
    assert page.width == 1600
    huge = tmp_path / "riesig.png"
    png_of_size(huge, 20_000, 12_000)
    with pytest.raises(DocumentError) as error:
        await renderer.inspect(huge)
    assert error.value.problem == DocumentProblem.TOO_LARGE


async def test_a_slow_page_hits_the_time_limit_and_the_pool_recovers(
    renderer: Renderer, tmp_path: Path
) -> None:
    path = tmp_path / "langsam.pdf"
    document = pymupdf.open()
    page = document.new_page(width=595, height=842)
    shape = page.new_shape()
    for index in range(40_000):
        x = (index * 7) % 595
        shape.draw_bezier((x, 0), (595 - x, 842), (x, 842), (595 - x, 0))
    shape.finish(color=(0, 0, 0), width=0.3)
    shape.commit()
    document.save(path)
    document.close()
    with pytest.raises(DocumentError) as error:
        await renderer.render(path, 0, 2400, time_limit=0.05)
    assert error.value.problem == DocumentProblem.TIMEOUT
    # The stuck worker was ended; the next render works.
    page_after = await renderer.render(PRODUCT_SHEET, 0, 200)
    assert page_after.width == 200


async def test_renders_run_in_parallel_to_the_event_loop(renderer: Renderer) -> None:
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    ticker = asyncio.create_task(tick())
    await renderer.render(PRODUCT_SHEET, 0, 2400, encoding="png")
    ticker.cancel()
    assert ticks > 0  # the loop kept running while the worker rendered


@pytest.mark.parametrize(
    ("name", "page_index"), [(PRODUCT_SHEET.name, 0), ("Zinsentwicklung.png", 0)]
)
async def test_the_png_for_the_customer_holds_exactly_the_rendered_pixels(
    renderer: Renderer, name: str, page_index: int
) -> None:
    import io

    from PIL import Image

    raw = await renderer.render(SAMPLES / name, page_index, 1326)
    png = await renderer.render(SAMPLES / name, page_index, 1326, encoding="png")
    assert (png.width, png.height, png.mime) == (raw.width, raw.height, "image/png")
    with Image.open(io.BytesIO(png.data)) as image:
        image.load()
        assert image.mode == "RGB" and image.size == (raw.width, raw.height)
        rows = (
            raw.data[row * raw.stride : row * raw.stride + raw.width * 3]
            for row in range(raw.height)
        )
        assert image.tobytes() == b"".join(rows)  # lossless: text as crisp as rendered
