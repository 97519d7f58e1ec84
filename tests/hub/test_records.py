"""The consultation record: the hub makes it for every consultation at its end, in the
customer's language and the hub's time zone; the advisor adds the pages shown; only the
consultation's advisor and customer get it."""

from __future__ import annotations

import json
import re
from typing import Any

import aiohttp
import pymupdf

from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import RunningHub

TOKEN = "Zinsbindung" * 54 + "Ende"  # 598 characters without a space
LINES = "Erste Zeile\nZweite Zeile\n\nVierte Zeile"


async def consultation(
    hub: RunningHub, session: aiohttp.ClientSession, **join: Any
) -> tuple[AdvisorClient, CustomerClient, int]:
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    customer = CustomerClient(session, hub.url)
    await customer.join(**({"mode": "text"} | join))
    await customer.connect()
    taken = await advisor.take()
    return advisor, customer, taken["consultation"]["consultation_id"]


async def chat(client: AdvisorClient | CustomerClient, consultation_id: int, text: str) -> None:
    assert client.socket is not None
    await client.socket.send(
        {
            "type": "chat.send",
            "consultation_id": consultation_id,
            "client_id": f"m{abs(hash(text))}",
            "text": text,
        }
    )
    await client.socket.expect("chat.message")


async def end(advisor: AdvisorClient, customer: CustomerClient, consultation_id: int) -> None:
    assert advisor.socket is not None and customer.socket is not None
    await advisor.socket.send({"type": "end", "consultation_id": consultation_id})
    await customer.socket.expect("record.ready", timeout=20, consultation_id=consultation_id)


async def get(
    session: aiohttp.ClientSession, url: str, token: str | None
) -> tuple[int, bytes, aiohttp.ClientResponse]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.get(url, headers=headers) as response:
        return response.status, await response.read(), response


def text_of(pdf: bytes) -> list[str]:
    return [page.get_text() for page in pymupdf.open("pdf", pdf)]


def shown_pages_form(manifest: Any, pdf: bytes | None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("manifest", json.dumps(manifest), content_type="application/json")
    if pdf is not None:
        form.add_field("pages", pdf, content_type="application/pdf", filename="pages.pdf")
    return form


async def put_pages(
    session: aiohttp.ClientSession, url: str, token: str | None, data: Any
) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with session.put(url, data=data, headers=headers) as response:
        body = await response.read()
        return response.status, json.loads(body) if body else None


def sheet(pages: int = 1, text: str = "Zinssatz 3,52 %") -> bytes:
    document = pymupdf.open()
    for number in range(pages):
        page = document.new_page()
        page.insert_text((72, 100), f"{text} — Blatt {number + 1}", fontsize=14)
    return document.tobytes()


async def test_a_text_only_consultation_gets_its_record_at_the_end(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor, customer, consultation_id = await consultation(hub, session)
    record_url = f"{hub.url}/api/customers/me/record"
    status, _, _ = await get(session, record_url, customer.token)
    assert status == 404  # not before the end
    await chat(customer, consultation_id, LINES)
    await chat(advisor, consultation_id, TOKEN)
    await end(advisor, customer, consultation_id)

    status, pdf, response = await get(session, record_url, customer.token)
    assert status == 200 and response.content_type == "application/pdf"
    assert re.fullmatch(
        r'attachment; filename="Beratungsprotokoll-VB-\d{8}-\d{6}\.pdf"',
        response.headers["Content-Disposition"],
    )
    pages = text_of(pdf)
    whole = "\n".join(pages)
    assert "Beratungsprotokoll der Videoberatung" in pages[0]
    assert "Musterbank eG" in pages[0] and "Musterstraße 1, 60311 Frankfurt am Main" in pages[0]
    assert re.search(r"VB-\d{8}-\d{6}", pages[0])
    assert "Europe/Berlin (UTC+0" in pages[0] and "nur Text" in pages[0]
    assert "In dieser Beratung wurden keine Unterlagen gezeigt." in pages[0]
    assert all(f"Seite {n} von {len(pages)}" in text for n, text in enumerate(pages, 1))
    assert "Seite(n)" not in whole
    # Line breaks kept, the long token wrapped within the page and whole.
    assert "Erste Zeile\nZweite Zeile\n" in whole and "Vierte Zeile" in whole
    assert TOKEN in re.sub(r"\s+", "", whole)
    document = pymupdf.open("pdf", pdf)
    for page in document:
        for block in page.get_text("blocks"):
            assert block[2] <= page.rect.width - 40, "text runs into the right margin"


async def test_an_english_customer_gets_an_english_record_and_transcript(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor, customer, consultation_id = await consultation(hub, session, language="en", mode="av")
    await chat(customer, consultation_id, "Hello, a question about my loan.")
    await end(advisor, customer, consultation_id)
    status, pdf, response = await get(session, f"{hub.url}/api/customers/me/record", customer.token)
    assert status == 200
    assert "Consultation-record-VB-" in response.headers["Content-Disposition"]
    first = text_of(pdf)[0]
    assert "Record of your video consultation" in first
    assert "video and audio" in first and "No documents were shown" in first
    assert "Page 1 of" in first and "Seite" not in first

    status, pdf, response = await get(
        session, f"{hub.url}/api/customers/me/transcript.pdf", customer.token
    )
    assert status == 200 and response.content_type == "application/pdf"
    pages = text_of(pdf)
    assert "Transcript of your video consultation" in pages[0]
    assert "Hello, a question about my loan." in "\n".join(pages)
    assert "Documents shown" not in "\n".join(pages)

    # The JSON transcript carries what the customer page's print view needs to agree.
    status, body, _ = await get(session, f"{hub.url}/api/customers/me/transcript", customer.token)
    transcript = json.loads(body)
    assert transcript["language"] == "en" and transcript["time_zone"] == "Europe/Berlin"
    assert transcript["reference"] in first
    assert transcript["bank"]["name"] == "Musterbank eG"


async def test_the_advisor_adds_the_shown_pages_and_the_last_record_wins(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor, customer, consultation_id = await consultation(hub, session, mode="av")
    url = f"{hub.url}/api/advisor/consultations/{consultation_id}/shown-pages"
    manifest = {
        "pages": [
            {"document_title": "Produktblatt.pdf", "page_number": 2, "page_count": 3, "marks": 1},
            {"document_title": "Chart.png", "page_number": 1, "page_count": 1, "marks": 0},
        ]
    }
    # During the consultation: a record so far (the advisor may make it early).
    status, _ = await put_pages(session, url, advisor.token, shown_pages_form(manifest, sheet(2)))
    assert status == 204
    assert customer.socket is not None
    await customer.socket.expect("record.ready", consultation_id=consultation_id)
    await chat(customer, consultation_id, "Danke, das war hilfreich.")
    await end(advisor, customer, consultation_id)
    # The end made it again: the shown pages and the chat said after the first one.
    status, pdf, _ = await get(session, f"{hub.url}/api/customers/me/record", customer.token)
    pages = text_of(pdf)
    assert len(pages) == 4  # cover, two shown pages, chat
    assert "Produktblatt.pdf, Seite 2 von 3 · 1 Markierung (Seite 2 dieses Protokolls)" in pages[0]
    assert "Chart.png, Seite 1 von 1 · keine Markierungen (Seite 3 dieses Protokolls)" in pages[0]
    assert "Gezeigte Unterlage 1 von 2" in pages[1] and "Blatt 1" in pages[1]
    assert "Gezeigte Unterlage 2 von 2" in pages[2] and "Blatt 2" in pages[2]
    assert "Danke, das war hilfreich." in pages[3]

    # The advisor sees what the customer gets.
    status, own, _ = await get(
        session, f"{hub.url}/api/advisor/consultations/{consultation_id}/record", advisor.token
    )
    assert status == 200 and own == pdf


async def test_only_the_consultations_own_people_get_its_record(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor, customer, consultation_id = await consultation(hub, session)
    await end(advisor, customer, consultation_id)
    advisor_url = f"{hub.url}/api/advisor/consultations/{consultation_id}/record"
    ben = AdvisorClient(session, hub.url, "ben")
    await ben.login()
    status, body, _ = await get(session, advisor_url, ben.token)
    assert status == 403 and b"not your consultation" in body
    assert (await get(session, advisor_url, None))[0] == 401
    assert (await get(session, advisor_url, customer.token))[0] == 401
    status, _, _ = await get(
        session, f"{hub.url}/api/advisor/consultations/999999/record", advisor.token
    )
    assert status == 403  # an unknown one says no more than someone else's
    # Ben cannot put pages into Anna's record either.
    status, _ = await put_pages(
        session,
        f"{hub.url}/api/advisor/consultations/{consultation_id}/shown-pages",
        ben.token,
        shown_pages_form({"pages": []}, None),
    )
    assert status == 403
    # Another customer has no record.
    other = CustomerClient(session, hub.url)
    await other.join()
    assert (await get(session, f"{hub.url}/api/customers/me/record", other.token))[0] == 404
    assert (await get(session, f"{hub.url}/api/customers/me/record", None))[0] == 401


async def test_bad_shown_pages_are_refused_and_the_record_stays(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor, customer, consultation_id = await consultation(hub, session)
    await end(advisor, customer, consultation_id)
    record_url = f"{hub.url}/api/customers/me/record"
    _, before, _ = await get(session, record_url, customer.token)
    url = f"{hub.url}/api/advisor/consultations/{consultation_id}/shown-pages"
    one = {"pages": [{"document_title": "a.pdf", "page_number": 1, "page_count": 1, "marks": 0}]}
    cases: list[tuple[Any, int, str]] = [
        (b"%PDF-1.7 plain body", 400, "multipart"),
        (shown_pages_form(one, None), 422, "manifest lists 1"),
        (shown_pages_form(one, b"<html>not a pdf</html>"), 400, "not a PDF"),
        (shown_pages_form(one, b"%PDF-1.7\nbroken"), 422, "not a readable PDF"),
        (shown_pages_form(one, sheet(2)), 422, "the PDF has 2 pages, the manifest lists 1"),
        (shown_pages_form({"pages": [{"page_number": 1}]}, sheet(1)), 422, "document_title"),
        (
            shown_pages_form({"pages": [dict(one["pages"][0], page_number=2)]}, sheet(1)),
            422,
            "page_count",
        ),
    ]
    for data, expected, says in cases:
        status, body = await put_pages(session, url, advisor.token, data)
        assert status == expected, (says, body)
        assert says in body["error"]["message"] + str(body["error"].get("field")), body
    form = aiohttp.FormData()
    form.add_field("pages", sheet(1), content_type="application/pdf", filename="p.pdf")
    status, body = await put_pages(session, url, advisor.token, form)
    assert status == 400 and "manifest" in body["error"]["message"]
    big = shown_pages_form(one, b"%PDF-" + b"0" * (41 * 1024 * 1024))
    assert (await put_pages(session, url, advisor.token, big))[0] == 413
    bad_id = f"{hub.url}/api/advisor/consultations/abc/shown-pages"
    assert (await put_pages(session, bad_id, advisor.token, shown_pages_form(one, sheet())))[
        0
    ] == 422
    assert (await put_pages(session, url, None, shown_pages_form(one, sheet())))[0] == 401
    _, after, _ = await get(session, record_url, customer.token)
    assert after == before  # what was stored stays stored
