"""The customer's record of a consultation: every page that was shown, with its marks burned
in, followed by the written chat. Built with pymupdf (in the renderer's worker processes)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from html import escape

import msgspec

from advisor_app.protocol.documents import Mark, PinMark, StrokeMark

_marks_decoder = msgspec.json.Decoder(list[Mark])


@dataclass(frozen=True, slots=True)
class ShownPage:
    path: str
    password: str | None
    page_index: int
    marks_json: bytes  # list[Mark], so the worker process needs nothing else


@dataclass(frozen=True, slots=True)
class ChatLine:
    time: str
    author: str
    text: str


@dataclass(frozen=True, slots=True)
class RecordHeader:
    title: str
    customer: str
    advisor: str
    date: str
    times: str


_CSS = """
* { font-family: sans-serif; }
h1 { font-size: 16pt; color: #0b4f6c; margin: 0 0 8pt 0; }
h2 { font-size: 12pt; color: #0b4f6c; margin: 12pt 0 4pt 0; }
p, td { font-size: 10pt; line-height: 1.35; }
td { vertical-align: top; padding: 2pt 6pt 4pt 0; }
.meta { color: #333; }
"""


def _rgb(colour: str) -> tuple[float, float, float]:
    value = int(colour[1:], 16)
    return ((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255


def _burn_marks(page, marks: list[Mark]) -> None:  # type: ignore[no-untyped-def]
    import pymupdf

    width, height = page.rect.width, page.rect.height
    for mark in marks:
        shape = page.new_shape()
        if isinstance(mark, StrokeMark) and mark.points:
            points = [pymupdf.Point(x * width, y * height) for x, y in mark.points]
            if len(points) == 1:
                points.append(points[0] + pymupdf.Point(0.1, 0.1))
            shape.draw_polyline(points)
            shape.finish(
                color=_rgb(mark.colour),
                width=max(0.5, mark.width * width),
                lineCap=1,
                lineJoin=1,
                stroke_opacity=0.35 if mark.tool == "highlighter" else 1.0,
                closePath=False,
            )
            shape.commit()
        elif isinstance(mark, PinMark):
            radius = max(6.0, width * 0.014)
            centre = pymupdf.Point(mark.x * width, mark.y * height)
            shape.draw_circle(centre, radius)
            shape.finish(color=(1, 1, 1), fill=(0.753, 0.224, 0.169), width=1.2)
            shape.commit()
            size = radius * 1.1
            text = str(mark.number)
            page.insert_text(
                centre + pymupdf.Point(-size * 0.3 * len(text), size * 0.38),
                text,
                fontsize=size,
                fontname="hebo",
                color=(1, 1, 1),
            )
            if mark.label:
                page.insert_text(
                    centre + pymupdf.Point(radius + 3, size * 0.38),
                    mark.label,
                    fontsize=size,
                    color=(0, 0, 0),
                )


def build_record(header: RecordHeader, pages: list[ShownPage], chat: list[ChatLine]) -> bytes:
    """The record as PDF bytes."""
    import pymupdf

    record = pymupdf.open()
    # The written part first in its own document (it flows over as many pages as it needs).
    rows = (
        "".join(
            f"<tr><td>{escape(line.time)}</td><td><b>{escape(line.author)}</b></td>"
            f"<td>{escape(line.text)}</td></tr>"
            for line in chat
        )
        or "<tr><td>Es wurden keine schriftlichen Nachrichten ausgetauscht.</td></tr>"
    )
    html = (
        f"<h1>{escape(header.title)}</h1>"
        f"<p class='meta'>Datum: {escape(header.date)} · Zeit: {escape(header.times)}<br>"
        f"Kunde/Kundin: {escape(header.customer)} · Berater/in: {escape(header.advisor)}</p>"
        f"<p>Gezeigte Unterlagen: {len(pages)} Seite(n), mit den Markierungen der Beratung.</p>"
        f"<h2>Schriftlicher Verlauf</h2><table>{rows}</table>"
    )
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    story = pymupdf.Story(html, user_css=_CSS)
    paper = pymupdf.paper_rect("a4")
    text_area = pymupdf.Rect(paper.x0 + 48, paper.y0 + 48, paper.x1 - 48, paper.y1 - 48)
    more = True
    while more:
        device = writer.begin_page(paper)
        more, _ = story.place(text_area)
        story.draw(device)
        writer.end_page()
    writer.close()
    written = pymupdf.open("pdf", buffer.getvalue())
    # The shown pages, each with its marks.
    for shown in pages:
        source = pymupdf.open(shown.path)
        if source.needs_pass:
            source.authenticate(shown.password or "")
        marks = _marks_decoder.decode(shown.marks_json)
        if source.is_pdf:
            record.insert_pdf(source, from_page=shown.page_index, to_page=shown.page_index)
            page = record[-1]
        else:
            rect = source[0].rect
            page = record.new_page(width=rect.width, height=rect.height)
            page.insert_image(page.rect, filename=shown.path)
        _burn_marks(page, marks)
        source.close()
    written.insert_pdf(record)
    written.set_metadata({"title": header.title, "author": header.advisor})
    data = written.tobytes(garbage=3, deflate=True)
    written.close()
    record.close()
    return data
