"""The advisor shows a page and marks it (through the advisor core over real aiortc); in
Chromium the customer's canvas shows every mark at the right place on the page, at two window
sizes, after zooming in, and again after a reload (the snapshot)."""

from __future__ import annotations

import pymupdf
from playwright.async_api import Page, expect

from advisor_app.core.session import AdvisorSession, Phase
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.docview import (
    IMAGE_LOADED,
    PIN,
    SHEET,
    canvas_wider_than,
    canvas_width_is_not,
    is_pin_red,
    marks_in_place,
    sample,
)
from tests.e2e.journey import join, step, take_customer
from tests.support.browser import Screenshots, until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E


async def share_sheet(page: Page, hub: RunningHub, advisor: AdvisorSession) -> None:
    """The customer joins, the advisor takes them and shares the sample sheet; its first page
    is shown."""
    await join(page, hub.url, see_advisor=False, show_me=False)
    await take_customer(advisor)
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="media connected")
    await until(lambda: advisor.documents.customer_connected, what="documents channel open")
    await advisor.documents.open(SHEET)
    advisor.documents.set_sharing(True)
    await expect(step(page, "session").locator(".docview__image")).to_be_visible()
    await until_async(lambda: page.evaluate(IMAGE_LOADED), what="the page image")


async def test_marks_stay_on_the_content_at_any_size_and_zoom(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory, screenshots: Screenshots
) -> None:
    page = await new_page()
    await share_sheet(page, hub, advisor)
    share = advisor.documents
    session = step(page, "session")
    await expect(session.locator(".docview__caption")).to_contain_text("Seite 1 von 3")
    share.add_pin(*PIN, "Zinssatz")
    said = session.locator(".docview [aria-live]")
    await expect(said).to_contain_text("Markierung 1: Zinssatz")
    stroke = share.begin_stroke("highlighter", "#ffd400", 0.02, (0.1, 0.6))
    share.extend_stroke(stroke, [(0.3, 0.6), (0.6, 0.6)])
    # Every kind of mark is said, not only pins.
    await expect(said).to_contain_text("Neue Markierung mit dem Textmarker.")
    first = await marks_in_place(page)
    await screenshots.take(page, "documents-1280")

    # Another window size: the page is drawn at another size, the marks follow the content.
    reported = share.viewport.css_width
    await page.set_viewport_size({"width": 900, "height": 700})
    await until_async(
        lambda: canvas_width_is_not(page, first["width"]), what="the page drawn at the new size"
    )
    await marks_in_place(page)
    # The advisor is told the new size (and renders the page again for it).
    await until(lambda: share.viewport.css_width != reported, what="the new viewport reported")

    # Zoomed in: the page is wider than the window, the marks still on the content.
    zoomed_from = await sample(page, *PIN)
    assert zoomed_from is not None
    before = zoomed_from["width"]
    await session.get_by_role("button", name="Vergrößern").click()
    await until_async(lambda: canvas_wider_than(page, before), what="a zoomed page")
    await marks_in_place(page)
    await screenshots.take(page, "documents-zoomed")

    # A reload: the page comes back in the session and gets the whole state as a snapshot.
    await page.reload()
    await until_async(
        lambda: page.evaluate(IMAGE_LOADED), seconds=30, what="the page image after the reload"
    )
    await marks_in_place(page)

    # Sharing off: the document disappears at once.
    share.set_sharing(False)
    await expect(session.locator(".docview")).to_be_hidden()

    # During the consultation the advisor may send the pages shown so far (the hub makes a
    # record with them); at the end the hub makes it (and again with the advisor's shown pages,
    # which the advisor sends by itself at the end); the end screen offers it, page included.
    assert await advisor.create_record() == 1
    await advisor.end()
    await expect(step(page, "end")).to_be_visible()
    link = step(page, "end").get_by_role("link", name="Beratungsprotokoll herunterladen (PDF)")
    await expect(link).not_to_have_attribute("aria-disabled", "true", timeout=15_000)
    url = hub.url + (await link.get_attribute("href") or "")

    async def record_with_the_page() -> bool:
        response = await page.request.get(url)
        assert response.ok and response.headers["content-type"] == "application/pdf"
        body = await response.body()
        assert body.startswith(b"%PDF-")
        with pymupdf.open(stream=body, filetype="pdf") as document:
            return "Gezeigte Unterlage 1 von 1" in "".join(p.get_text() for p in document)

    await until_async(record_with_the_page, what="the record with the shown page")


# The marks canvas's pixels, kept in the page; then how they differ from the canvas now, in
# premultiplied colour (more than 8 of 255 in a channel). Painting a box of the canvas
# antialiases edges a little differently from painting everything (Chromium), so a pixel that
# differs is an error only inside an area of one colour, where no edge is.
KEEP_PIXELS = """() => {
  const c = document.querySelector('.docview__marks');
  window.__kept = c.getContext('2d').getImageData(0, 0, c.width, c.height);
  return window.__kept.data.filter((v, i) => i % 4 === 3 && v > 0).length;
}"""
COMPARE_PIXELS = """() => {
  const c = document.querySelector('.docview__marks');
  const W = c.width, H = c.height;
  const now = c.getContext('2d').getImageData(0, 0, W, H).data;
  const kept = window.__kept.data;
  const value = (d, i, k) => d[i + k] * d[i + 3] / 255;
  const apart = (a, i, b, j, limit) => [0, 1, 2, 3].some(
    (k) => Math.abs(value(a, i, k) - value(b, j, k)) > limit);
  let painted = 0, differing = 0, inside = 0;
  for (let y = 1; y < H - 1; y += 1) {
    for (let x = 1; x < W - 1; x += 1) {
      const i = (y * W + x) * 4;
      if (now[i + 3] > 0) painted += 1;
      if (!apart(now, i, kept, i, 8)) continue;
      differing += 1;
      let flat = true;
      for (let dy = -1; dy <= 1; dy += 1) {
        for (let dx = -1; dx <= 1; dx += 1) {
          if (apart(now, i, now, ((y + dy) * W + x + dx) * 4, 2)) flat = false;
        }
      }
      if (flat) inside += 1;
    }
  }
  return {painted, differing, inside};
}"""
POINTS_HELD = """() => Array.from(window.__docview.marks.values())
  .reduce((n, m) => n + (m.points ? m.points.length : 1), 0)"""


async def test_marks_painted_as_they_arrive_look_as_after_a_full_repaint(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    """The page paints a stroke's new points, a new pin, where they are, the moment they arrive:
    the canvas must then hold exactly what a full repaint (here: after zooming in and back) paints,
    a translucent highlighter crossing a pin included (the pin stays on top)."""
    page = await new_page()
    await share_sheet(page, hub, advisor)
    share = advisor.documents
    share.add_pin(*PIN, "Zinssatz")
    share.add_pin(0.62, 0.4)
    # A highlighter stroke over the pin, one point a message, and back over itself.
    y = PIN[1]
    crossing = share.begin_stroke("highlighter", "#ffd400", 0.02, (0.1, y))
    for step_index in range(1, 51):
        share.extend_stroke(crossing, [(0.1 + step_index * 0.01, y + 0.0004 * step_index)])
    share.extend_stroke(crossing, [(0.45, y + 0.03), (0.2, y + 0.02)])
    # A pen curve, a few points at a time, and a single dot.
    curve = share.begin_stroke("pen", "#c0392b", 0.004, (0.2, 0.7))
    for step_index in range(1, 30):
        t = step_index / 30
        share.extend_stroke(curve, [(0.2 + 0.5 * t, 0.7 + 0.1 * (t - t * t))])
    share.begin_stroke("pen", "#1f5fbf", 0.01, (0.8, 0.8))
    expected = 2 + 53 + 30 + 1
    await until_async(
        lambda: page.evaluate(f"() => ({POINTS_HELD})() === {expected}"),
        what="every mark in the page",
    )
    assert await page.evaluate(KEEP_PIXELS) > 1000  # the marks were painted

    # The pin stays above the highlighter that crosses it.
    assert is_pin_red(await sample(page, *PIN, 0.6))

    # A full repaint: zoom in, and back to the width.
    session = step(page, "session")
    first = await sample(page, *PIN)
    assert first is not None
    await session.get_by_role("button", name="Vergrößern").click()
    await until_async(lambda: canvas_wider_than(page, first["width"]), what="a zoomed page")
    await session.get_by_role("button", name="Einpassen: ganze Seite zeigen").click()
    await until_async(
        lambda: page.evaluate(
            f"() => document.querySelector('.docview__marks').width === {first['width']}"
        ),
        what="the canvas at its first size again",
    )
    compared = await page.evaluate(COMPARE_PIXELS)
    assert compared["inside"] == 0, compared
    # Antialiased edges grow with the marks' outline, the painted pixels with their area: the
    # whole page fitted into the area (smaller than fitted to the width) makes edges a larger
    # share, hence 4 %; a wrong paint shows inside an area of one colour.
    assert compared["differing"] <= 0.04 * compared["painted"], compared
