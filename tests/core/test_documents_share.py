"""Documents and marks from the advisor core to a customer over real aiortc data channels."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from advisor_app.core.documents import RELIABLE_BATCH_S, TAIL_INTERVAL_S, TAIL_REPEAT_S
from advisor_app.core.drawing import HOLD_S
from advisor_app.core.page_cache import PageKey
from advisor_app.core.session import AdvisorSession, Phase
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.protocol import documents as dc
from advisor_app.rtc import aiortc_patches
from advisor_app.rtc.peer import AdvisorPeer
from advisor_app.rtc.video_send import AdaptiveVp8Encoder
from tests.core.test_advisor_session import until

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"


async def consultation_with_document(
    advisor: AdvisorSession,
    customers: Callable[..., SimulatedCustomer],
    see_advisor: bool = False,
) -> SimulatedCustomer:
    customer = customers(see_advisor=see_advisor, show_me=False)
    await customer.start()
    await until(lambda: len(advisor.queue) == 1)
    await advisor.take_next()
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="connected")
    await until(lambda: advisor.documents.customer_connected, what="documents channel open")
    await advisor.documents.open(SAMPLES / "Produktblatt-Baufinanzierung.pdf")
    return customer


async def test_sharing_a_page_and_marks_reaches_the_customer(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = await consultation_with_document(advisor, customers)
    view = customer.shared
    share = advisor.documents
    # Nothing is shown before sharing is switched on.
    await asyncio.sleep(0.3)
    assert view.image is None and not view.sharing
    share.set_sharing(True)
    await until(lambda: view.image is not None, what="page image")
    assert view.sharing and view.page is not None
    assert view.page.width == 800  # rendered for the customer's 800 CSS px at dpr 1
    assert view.page.page_count == 3 and view.image.startswith(b"\x89PNG")

    pin = share.add_pin(0.25, 0.40, "Sollzins")
    stroke_id = share.begin_stroke("highlighter", "#ffd400", 0.02, (0.1, 0.5))
    share.extend_stroke(stroke_id, [(0.2, 0.5), (0.3, 0.52)])
    await until(lambda: len(view.marks) == 2, what="marks")
    shown_pin = view.marks[pin.mark_id]
    assert isinstance(shown_pin, dc.PinMark)
    assert (shown_pin.x, shown_pin.y, shown_pin.number, shown_pin.label) == (
        0.25,
        0.4,
        1,
        "Sollzins",
    )
    await until(lambda: len(view.marks[stroke_id].points) == 3, what="stroke points")  # type: ignore[union-attr]

    share.undo()
    await until(lambda: stroke_id not in view.marks, what="undo mirrored")
    share.redo()
    await until(lambda: stroke_id in view.marks, what="redo mirrored")
    share.erase(pin.mark_id)
    await until(lambda: pin.mark_id not in view.marks, what="erase mirrored")

    # Pointer moves go over the unordered channel; the newest wins.
    for step in range(5):
        share.pointer(0.1 * step, 0.5)
    await until(lambda: view.pointer is not None and view.pointer.x == 0.4, what="pointer")

    # Another page: a snapshot with that page's (no) marks, then its image.
    share.show_page(2)
    await until(lambda: view.page is not None and view.page.page_index == 2, what="page 3")
    assert view.marks == {}
    share.add_pin(0.5, 0.5)
    await until(lambda: len(view.marks) == 1)
    share.show_page(0)
    await until(lambda: view.page is not None and view.page.page_index == 0)
    assert set(view.marks) == {stroke_id}  # the marks of page 1 came back with its snapshot

    # The customer's window grows: the page is rendered again for it.
    customer.set_viewport(1200, 900, dpr=2.0)
    await until(lambda: view.page is not None and view.page.width == 2400, what="re-render")

    share.clear()
    await until(lambda: view.marks == {}, what="clear mirrored")
    share.set_sharing(False)
    await until(lambda: not view.sharing and view.image is None, what="sharing off")
    assert view.refused_frames == 0 and customer.refused_channel_messages == 0


async def test_a_reconnecting_customer_gets_the_full_snapshot(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = await consultation_with_document(advisor, customers)
    share = advisor.documents
    share.set_sharing(True)
    share.show_page(1)
    first = share.add_pin(0.7, 0.2, "Rate")
    stroke_id = share.begin_stroke("pen", "#c0392b", 0.004, (0.2, 0.2))
    share.extend_stroke(stroke_id, [(0.3, 0.3)])
    await until(lambda: len(customer.shared.marks) == 2)

    # The page is reloaded: the websocket drops and comes back, the advisor offers anew, and a
    # fresh view fills from the snapshot alone.
    answered = customer.offers_answered
    await customer.disconnect()
    customer.shared = type(customer.shared)()
    await customer.connect()
    await until(lambda: customer.offers_answered > answered, what="new offer answered")
    await until(lambda: customer.shared.image is not None, what="page after reconnect")
    # The old connection may still finish a page it was sending into the fresh view (the
    # simulated page keeps it open); the new one's snapshot brings the marks.
    await until(
        lambda: set(customer.shared.marks) == {first.mark_id, stroke_id}, what="snapshot marks"
    )
    assert customer.shared.page is not None and customer.shared.page.page_index == 1
    assert customer.shared.marks[stroke_id].points == [(0.2, 0.2), (0.3, 0.3)]  # type: ignore[union-attr]


async def fetch_record(customer: SimulatedCustomer) -> bytes:
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(
            f"{customer.hub_url}/api/customers/me/record",
            headers={"Authorization": f"Bearer {customer.token}"},
        ) as response,
    ):
        assert response.status == 200
        assert response.content_type == "application/pdf"
        return await response.read()


async def test_the_record_has_every_shown_page_of_every_document_with_its_marks_and_the_chat(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    import pymupdf

    customer = await consultation_with_document(advisor, customers)
    consultation = advisor.consultation
    assert consultation is not None
    share = advisor.documents
    share.set_sharing(True)
    share.add_pin(0.3, 0.25, "Sollzins")
    await until(lambda: len(customer.shared.marks) == 1)
    share.show_page(2)
    await until(lambda: customer.shared.page is not None and customer.shared.page.page_index == 2)
    # A second document: the first one's marks stay in the record.
    await advisor.documents.open(SAMPLES / "Zinsentwicklung.png")
    share.add_pin(0.9, 0.2, "2026")
    await until(lambda: customer.shared.page is not None and customer.shared.page.aspect > 1.5)
    await advisor.send_chat("Hier sehen Sie die Zinsentwicklung.")
    await until(lambda: len(consultation.chat) >= 2)
    await advisor.end()
    await until(lambda: customer.ended.is_set())
    # Nothing to do for the advisor: the pages go to the hub at the end, then the
    # consultation's documents are dropped on this machine.
    await until(lambda: share.closed, what="documents closed")
    assert share.document is None and not share.shown and share.password is None
    assert len(share.pages) == 0 and share.model.marks(0) == []

    record = pymupdf.open("pdf", await fetch_record(customer))
    texts = [page.get_text() for page in record]
    # the cover, sheet pages 1 and 3, the chart, the chat
    assert record.page_count == 5, texts
    cover = texts[0]
    assert "Produktblatt-Baufinanzierung.pdf, Seite 1 von 3 · 1 Markierung" in cover
    assert "Produktblatt-Baufinanzierung.pdf, Seite 3 von 3 · keine Markierungen" in cover
    assert "Zinsentwicklung.png, Seite 1 von 1 · 1 Markierung" in cover
    assert "Sollzins" in texts[1]  # the first document's pin, burned in
    assert "Seite 3 von 3" in texts[2]  # the sheet's own page 3
    assert "2026" in texts[3]  # the chart's pin label
    assert "Hier sehen Sie die Zinsentwicklung." in texts[4] and "Frage zu meiner" in texts[4]
    assert all(f"Seite {n} von 5" in text for n, text in enumerate(texts, start=1))


async def test_pages_shown_before_and_the_next_page_need_no_render(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = await consultation_with_document(advisor, customers)
    share, view = advisor.documents, customer.shared
    assert share.document is not None
    path = share.document.path
    share.set_sharing(True)
    await until(lambda: view.page is not None and view.page.page_index == 0, what="page 1")
    first_image = view.image
    # While the customer looks at page 1, page 2 is rendered ahead at the customer's width.
    await until(lambda: PageKey(path, 1, 800, "png") in share.pages, what="page 2 ahead")

    share.show_page(1)
    await until(lambda: view.page is not None and view.page.page_index == 1, what="page 2")
    share.show_page(0)
    await until(lambda: view.page is not None and view.page.page_index == 0, what="page 1 again")
    assert view.image == first_image  # the same bytes, verified by the customer again
    # Page 3 is rendered ahead from page 2; pages 1 and 2 were not rendered again.
    await until(lambda: PageKey(path, 2, 800, "png") in share.pages, what="page 3 ahead")
    # (Whether showing page 2 found it finished or joined its render in flight depends on the
    # machine's load; either way no page was rendered twice.)
    assert share.pages.renders == 3 and share.pages.hits >= 1

    # Another width is another render; another document starts afresh.
    customer.set_viewport(1000, 900, dpr=1.0)
    await until(lambda: view.page is not None and view.page.width == 1000, what="re-render")
    await advisor.documents.open(SAMPLES / "Zinsentwicklung.png")
    assert PageKey(path, 0, 800, "png") not in share.pages
    await until(lambda: view.page is not None and view.page.aspect > 1.5, what="the chart")
    assert view.refused_frames == 0


async def test_the_next_consultation_starts_empty_and_its_record_has_nothing_of_the_last(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    import pymupdf

    first = await consultation_with_document(advisor, customers)
    share_a = advisor.documents
    share_a.set_sharing(True)
    share_a.add_pin(0.3, 0.25, "Sollzins")
    await until(lambda: len(first.shared.marks) == 1, what="mark at A")
    await advisor.end()
    await until(lambda: share_a.closed, what="A's documents closed")

    # B: a video call in which nothing is shown.
    second = customers(
        name="Max Müller", see_advisor=False, show_me=False, greeting="Ein Konto, bitte."
    )
    await second.start()
    await until(lambda: len(advisor.queue) == 1)
    await advisor.take_next()
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="B connected")
    share_b = advisor.documents
    assert share_b is not share_a
    state = share_b.state()
    assert state.document is None and not state.sharing and not share_b.shown
    assert state.consultation_id == consultation.consultation_id
    assert advisor.documents_of(share_a.consultation_id) is None
    await asyncio.sleep(0.3)
    assert second.shared.image is None and not second.shared.sharing
    await advisor.end()
    await until(lambda: share_b.closed, what="B's documents closed")
    await until(lambda: second.ended.is_set())

    b_record = pymupdf.open("pdf", await fetch_record_when_ready(second))
    b_text = "\n".join(page.get_text() for page in b_record)
    assert "Max Müller" in b_text and "Erika Mustermann" not in b_text
    assert "keine Unterlagen gezeigt" in b_text
    for word in ("Produktblatt", "Baufinanzierung", "Sollzins"):
        assert word not in b_text, word
    a_record = pymupdf.open("pdf", await fetch_record_when_ready(first, pages=3))
    assert "Sollzins" in a_record[1].get_text()  # A's page with its pin label


async def fetch_record_when_ready(customer: SimulatedCustomer, pages: int = 0) -> bytes:
    """The record once the hub has made it (with at least ``pages`` pages)."""
    import pymupdf

    from advisor_app.protocol import ws

    await until(lambda: any(isinstance(m, ws.RecordReady) for m in customer.messages), what="told")
    for _ in range(50):
        pdf = await fetch_record(customer)
        if pymupdf.open("pdf", pdf).page_count >= pages:
            return pdf
        await asyncio.sleep(0.1)
    raise AssertionError(f"no record with {pages} pages")


async def test_making_the_record_again_after_the_end_keeps_its_pages(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    import pymupdf

    customer = await consultation_with_document(advisor, customers)
    share = advisor.documents
    share.set_sharing(True)
    await until(lambda: customer.shared.image is not None, what="page shown")
    await advisor.end()
    await until(lambda: share.closed, what="documents closed")
    await advisor.create_record()  # e.g. the advisor presses "Update record" late
    record = pymupdf.open("pdf", await fetch_record_when_ready(customer, pages=3))
    assert "Gezeigte Unterlage 1 von 1" in record[1].get_text()


async def _tails_sent_for_a_stroke(
    advisor: AdvisorSession, customer: SimulatedCustomer
) -> tuple[int, dc.StrokeMark, list[tuple[float, float]], float]:
    """Tails sent, the stroke as the customer has it, its points, seconds taken to draw."""
    share = advisor.documents
    share.set_sharing(True)
    await until(lambda: customer.shared.image is not None, what="page image")
    await asyncio.sleep(1.5)  # marks.ready, if the customer says it, has arrived
    # The page's frames are through (tails are left out while anything waits to be sent).
    await until(lambda: share._sending is None or share._sending.done(), what="page sent")
    points = [(round(0.1 + 0.01 * n, 4), 0.3) for n in range(20)]
    started = time.monotonic()
    stroke_id = share.begin_stroke("pen", "#c0392b", 0.004, points[0])
    for point in points[1:]:
        share.extend_stroke(stroke_id, [point])
        await asyncio.sleep(0.01)
    drawn_s = time.monotonic() - started
    await until(
        lambda: len(getattr(customer.shared.marks.get(stroke_id), "points", [])) == 20,
        what="the whole stroke",
    )
    await asyncio.sleep(0.2)  # the stroke's end repeats, if any
    shown = customer.shared.marks[stroke_id]
    assert isinstance(shown, dc.StrokeMark)
    return share.tails_sent, shown, points, drawn_s


async def test_the_stroke_being_drawn_also_goes_ahead_on_the_marks_channel(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = await consultation_with_document(advisor, customers)
    sent, shown, points, drawn_s = await _tails_sent_for_a_stroke(advisor, customer)
    assert advisor.documents.marks_ready
    assert shown.points == points and customer.shared.pending == {}
    # 20 points 10 ms apart: a tail at most every TAIL_INTERVAL_S, not one a point (the
    # first at once, the last up to an interval after the last point), and the stroke's end
    # twice more.
    assert 4 <= sent <= drawn_s / TAIL_INTERVAL_S + 2 + len(TAIL_REPEAT_S) < 19
    assert customer.channel_messages["marks stroke.tail"] >= sent - 2  # all but the lost ...
    # ... and the reliable channel gathers what the tails carry: a message per
    # RELIABLE_BATCH_S instead of one a point (the tail just sent does not count as a busy
    # line that ends the gathering).
    extends = customer.channel_messages["documents stroke.extend"]
    assert 1 <= extends <= drawn_s / RELIABLE_BATCH_S + 2 < 19


async def test_a_page_that_does_not_take_tails_gets_the_marks_on_documents_alone(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = customers(see_advisor=False, show_me=False)
    customer.takes_tails = False  # as a page from before the marks channel
    await customer.start()
    await until(lambda: len(advisor.queue) == 1)
    await advisor.take_next()
    consultation = advisor.consultation
    assert consultation is not None
    await until(lambda: consultation.phase == Phase.CONNECTED, what="connected")
    await until(lambda: advisor.documents.customer_connected, what="documents channel open")
    await advisor.documents.open(SAMPLES / "Produktblatt-Baufinanzierung.pdf")
    sent, shown, points, _ = await _tails_sent_for_a_stroke(advisor, customer)
    assert not advisor.documents.marks_ready
    assert sent == 0
    assert shown.points == points
    assert customer.channel_messages["documents stroke.extend"] == len(points) - 1


async def test_while_the_advisor_draws_our_picture_leaves_room_for_the_marks(
    advisor: AdvisorSession, customers: Callable[..., SimulatedCustomer]
) -> None:
    customer = await consultation_with_document(advisor, customers, see_advisor=True)
    consultation = advisor.consultation
    assert consultation is not None
    peer = consultation.peer
    assert peer is not None
    await until(lambda: _our_encoder(peer) is not None, what="our video encoding")
    encoder = _our_encoder(peer)
    assert encoder is not None
    share = advisor.documents
    share.begin_stroke("pen", "#c0392b", 0.004, (0.1, 0.7))
    assert not encoder.yielding  # not shared: the customer sees no stroke
    share.set_sharing(True)
    await until(lambda: customer.shared.image is not None, what="page image")
    stroke_id = share.begin_stroke("pen", "#c0392b", 0.004, (0.1, 0.3))
    assert encoder.yielding
    for n in range(1, 30):  # 1.5 s of drawing, longer than the hold
        share.extend_stroke(stroke_id, [(0.1 + 0.01 * n, 0.3)])
        await asyncio.sleep(0.05)
        assert encoder.yielding
    await asyncio.sleep(HOLD_S / 2)  # the pen lifted between two strokes
    assert encoder.yielding
    await until(lambda: not encoder.yielding, 3, what="the full picture again")
    share.begin_stroke("pen", "#c0392b", 0.004, (0.1, 0.5))
    assert encoder.yielding
    share.set_sharing(False)
    assert not encoder.yielding


def _our_encoder(peer: AdvisorPeer) -> AdaptiveVp8Encoder | None:
    encoders = (aiortc_patches.video_encoder(sender) for sender in peer.pc.getSenders())
    return next((encoder for encoder in encoders if encoder is not None), None)
