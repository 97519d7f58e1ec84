"""The customer page's document view in Chromium, as the document tests read it: the page
image loaded, the colour at a page point of the marks canvas, and whether the marks the tests
draw (a red pin at (0.3, 0.25), a yellow highlighter stroke along y = 0.6 from x = 0.1 to 0.6)
show at their place on the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page

from tests.support.browser import until_async

SHEET = (
    Path(__file__).resolve().parents[2]
    / "resources"
    / "samples"
    / "Produktblatt-Baufinanzierung.pdf"
)

IMAGE_LOADED = (
    "() => { const i = document.querySelector('.docview__image');"
    " return Boolean(i && i.naturalWidth > 0); }"
)

# The colour at a normalised page point of the marks canvas (``dx`` pin radii to the right),
# and the canvas size.
PIXEL = """([x, y, dx]) => {
  const canvas = document.querySelector('.docview__marks');
  if (!canvas || !canvas.width) return null;
  const r = Math.max(9 * (window.devicePixelRatio || 1), canvas.width * 0.014);
  const px = Math.round(x * canvas.width + dx * r), py = Math.round(y * canvas.height);
  const d = canvas.getContext('2d').getImageData(px, py, 1, 1).data;
  return {rgba: [d[0], d[1], d[2], d[3]], width: canvas.width, height: canvas.height};
}"""

PIN = (0.3, 0.25)
STROKE_Y = 0.6


def is_pin_red(sample: dict[str, Any] | None) -> bool:
    if sample is None:
        return False
    r, g, b, a = sample["rgba"]
    return a > 200 and r > 150 and g < 90 and b < 80


def is_highlighter(sample: dict[str, Any] | None) -> bool:
    if sample is None:
        return False
    r, g, b, a = sample["rgba"]
    return 40 < a < 160 and r > 200 and g > 150 and b < 60  # translucent yellow


def is_empty(sample: dict[str, Any] | None) -> bool:
    return sample is not None and sample["rgba"][3] == 0


async def sample(page: Page, x: float, y: float, dx: float = 0) -> dict[str, Any] | None:
    return await page.evaluate(PIXEL, [x, y, dx])


async def marks_in_place(page: Page) -> dict[str, Any]:
    """The pin and the highlighter stroke at their places, nothing below them; returns the
    pin's sample (with the canvas size)."""

    async def red() -> dict[str, Any] | None:
        found = await sample(page, *PIN, 0.6)  # beside the number, inside the circle
        return found if is_pin_red(found) else None

    pin = await until_async(red, what="the pin drawn red at its place on the page")

    async def highlighted() -> bool:
        return is_highlighter(await sample(page, 0.35, STROKE_Y))

    await until_async(highlighted, what="the highlighter stroke at its place on the page")
    beside = await sample(page, 0.35, 0.75)
    assert is_empty(beside), beside  # nothing drawn elsewhere
    return pin


async def canvas_width_is_not(page: Page, width: int) -> bool:
    found = await sample(page, *PIN)
    return found is not None and found["width"] != width


async def canvas_wider_than(page: Page, width: int) -> bool:
    found = await sample(page, *PIN)
    return found is not None and found["width"] > width
