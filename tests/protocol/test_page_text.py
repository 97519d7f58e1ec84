"""A page's text as the customer's screen reader gets it with the page (PageAnnounce.text)."""

from __future__ import annotations

import msgspec

from advisor_app.protocol import documents as dc
from advisor_app.protocol.documents import PAGE_TEXT_MAX, page_text


def test_lines_are_kept_and_blanks_folded() -> None:
    assert page_text("  Zinssatz:   3,1 %\n\n\nLaufzeit  10 Jahre \n") == (
        "Zinssatz: 3,1 %\nLaufzeit 10 Jahre"
    )


def test_a_long_page_is_cut_to_the_limit() -> None:
    text = page_text("Wort " * 2000)
    assert len(text) == PAGE_TEXT_MAX
    assert text.endswith("…")


def test_the_announce_carries_the_text_and_refuses_more() -> None:
    fields = {
        "type": "doc.page",
        "transfer_id": 1,
        "document_id": "d" * 32,
        "title": "Produktblatt",
        "page_index": 0,
        "page_count": 1,
        "aspect": 0.707,
        "mime": "image/png",
        "width": 10,
        "height": 14,
        "size": 100,
        "sha256": "0" * 64,
        "chunks": 1,
    }
    decoded = msgspec.json.decode(
        msgspec.json.encode({**fields, "text": "Zinssatz"}), type=dc.PageAnnounce
    )
    assert decoded.text == "Zinssatz"
    assert msgspec.json.decode(msgspec.json.encode(fields), type=dc.PageAnnounce).text == ""
    too_long = {**fields, "text": "x" * (PAGE_TEXT_MAX + 1)}
    try:
        msgspec.json.decode(msgspec.json.encode(too_long), type=dc.PageAnnounce)
    except msgspec.ValidationError:
        pass
    else:
        raise AssertionError("a text over the limit was accepted")
