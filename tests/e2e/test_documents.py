"""The advisor shows a page and marks it (through the advisor core over real aiortc); in
Chromium the customer's canvas shows every mark at the right place on the page, at two window
sizes, after zooming in, and again after a reload (the snapshot)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import join, step, take_customer
from tests.support.browser import Screenshots, until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E

SHEET = (
    Path(__file__).resolve().parents[2]
    / "resources"
    / "samples"
    / "Produktblatt-Baufinanzierung.pdf"
)

# The colour at a normalised page point of the marks canvas, and the canvas size.
PIXEL = """([x, y, dx]) => {
  const canvas = document.querySelector('.docview__marks');
  if (!canvas || !canvas.width) return null;
  const r = Math.max(9 * (window.devicePixelRatio || 1), canvas.width * 0.014);
  const px = Math.round(x * canvas.width + dx * r), py = Math.round(y * canvas.height);
  const d = canvas.getContext('2d').getImageData(px, py, 1, 1).data;
  return {rgba: [d[0], d[1], d[2], d[3]], width: canvas.width, height: canvas.height};
}"""


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


async def marks_in_place(page: Page) -> dict[str, Any]:
    pin = await until_async(lambda: _red(page), what="the pin drawn red at its place on the page")
    await until_async(
        lambda: _sample_is(page, [0.35, 0.6, 0], is_highlighter),
        what="the highlighter stroke at its place on the page",
    )
    beside = await page.evaluate(PIXEL, [0.35, 0.75, 0])
    assert beside is not None and beside["rgba"][3] == 0, beside  # nothing drawn elsewhere
    return pin


async def _sample_is(page: Page, where: list[float], check: Any) -> bool:
    return bool(check(await page.evaluate(PIXEL, where)))


async def _red(page: Page) -> dict[str, Any] | None:
    sample = await page.evaluate(PIXEL, [0.3, 0.25, 0.6])
    return sample if is_pin_red(sample) else None


async def test_marks_stay_on_the_content_at_any_size_and_zoom(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await join(page, hub.url, see_advisor=False, show_me=False)
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    await until(lambda: advisor.documents.customer_connected, what="documents channel open")

    share = advisor.documents
    await share.open(SHEET)
    share.set_sharing(True)
    session = step(page, "session")
    image = session.locator(".docview__image")
    await expect(image).to_be_visible()
    await until_async(
        lambda: page.evaluate("() => document.querySelector('.docview__image').naturalWidth > 0"),
        what="the page image",
    )
    await expect(session.locator(".docview__caption")).to_contain_text("Seite 1 von 3")
    share.add_pin(0.3, 0.25, "Zinssatz")
    stroke = share.begin_stroke("highlighter", "#ffd400", 0.02, (0.1, 0.6))
    share.extend_stroke(stroke, [(0.3, 0.6), (0.6, 0.6)])
    first = await marks_in_place(page)
    await expect(session.locator(".docview [aria-live]")).to_have_text("Markierung 1: Zinssatz")
    await screenshots.take(page, "documents-1280")

    # Another window size: the page is drawn at another size, the marks follow the content.
    reported = share.viewport.css_width
    await page.set_viewport_size({"width": 900, "height": 700})
    await until_async(lambda: _resized(page, first["width"]), what="the page drawn at the new size")
    await marks_in_place(page)
    # The advisor is told the new size (and renders the page again for it).
    await until(lambda: share.viewport.css_width != reported, what="the new viewport reported")

    # Zoomed in: the page is wider than the window, the marks still on the content.
    before = (await page.evaluate(PIXEL, [0.3, 0.25, 0]))["width"]
    await session.get_by_role("button", name="Vergrößern").click()
    await until_async(lambda: _wider(page, before), what="a zoomed page")
    await marks_in_place(page)
    await screenshots.take(page, "documents-zoomed")

    # A reload: the page comes back in the session and gets the whole state as a snapshot.
    await page.reload()
    await until_async(
        lambda: page.evaluate(
            "() => { const i = document.querySelector('.docview__image');"
            " return Boolean(i && i.naturalWidth > 0); }"
        ),
        seconds=30,
        what="the page image after the reload",
    )
    await marks_in_place(page)

    # Sharing off: the document disappears at once.
    share.set_sharing(False)
    await expect(session.locator(".docview")).to_be_hidden()

    # The end: the advisor makes the record, and the end screen offers it for download.
    await advisor.end()
    await expect(step(page, "end")).to_be_visible()
    await advisor.create_record()
    link = step(page, "end").get_by_role("link", name="Beratungsprotokoll (PDF) herunterladen")
    await expect(link).to_be_visible(timeout=15_000)
    response = await page.request.get(hub.url + (await link.get_attribute("href") or ""))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert (await response.body()).startswith(b"%PDF-")


async def _resized(page: Page, width: int) -> bool:
    sample = await page.evaluate(PIXEL, [0.3, 0.25, 0])
    return sample is not None and sample["width"] != width


async def _wider(page: Page, width: int) -> bool:
    sample = await page.evaluate(PIXEL, [0.3, 0.25, 0])
    return sample is not None and sample["width"] > width
