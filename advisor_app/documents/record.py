"""The pages a consultation showed, with their marks burned in, as one PDF for the hub, which
makes the customer's record with them. Built with pymupdf (in the renderer's worker
processes)."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from advisor_app.protocol.documents import Mark, PinMark, StrokeMark

_marks_decoder = msgspec.json.Decoder(list[Mark])


@dataclass(frozen=True, slots=True)
class ShownPage:
    path: str
    password: str | None
    page_index: int
    marks_json: bytes  # list[Mark], so the worker process needs nothing else


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


def build_shown_pages(pages: list[ShownPage]) -> bytes:
    """The pages shown to the customer, in order, each with its marks burned in, as one PDF
    for the hub, which makes the record with them."""
    import pymupdf

    shown = pymupdf.open()
    for page_shown in pages:
        source = pymupdf.open(page_shown.path)
        if source.needs_pass:
            source.authenticate(page_shown.password or "")
        marks = _marks_decoder.decode(page_shown.marks_json)
        if source.is_pdf:
            shown.insert_pdf(source, from_page=page_shown.page_index, to_page=page_shown.page_index)
            page = shown[-1]
        else:
            rect = source[0].rect
            page = shown.new_page(width=rect.width, height=rect.height)
            page.insert_image(page.rect, filename=page_shown.path)
        _burn_marks(page, marks)
        source.close()
    data: bytes = shown.tobytes(garbage=3, deflate=True)
    shown.close()
    return data
