"""The consultation record as the customer gets it: a cover with the bank, the reference and
the facts, every page the advisor showed (as the advisor's workstation sent them, marks burned
in) each on a page of its own with a caption, then the whole written conversation; every page
numbered "Seite 1 von 4". The chat-only transcript PDF is the same without the shown pages.

The hub makes it, not the workstation: the hub holds the chat as stored (what compliance must
prove), the customer's language, the time zone and the bank's identity, and it makes a record
for every consultation even when no workstation is left to do it. ReportLab lays out the text
(wrapping, page breaks, fonts); pypdf places the advisor's pages into their slots. Both are
BSD-licensed and pure Python, so the hub needs no PDF renderer (see issue 20).
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from advisor_app.hub.record_text import Wording
from advisor_app.protocol.common import ChatEntry, Mode, RecordingConsent, RecordingPolicy
from advisor_app.protocol.rest import BankIdentity, ShownPage

logger = logging.getLogger(__name__)

# Fonts with every Latin, Greek and Cyrillic letter a customer's name may have: DejaVu where
# the system has it (Debian's fonts-dejavu-core, the container image), else the Bitstream Vera
# that ReportLab ships (Western European letters only).
_FONT_PLACES = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/share/fonts/TTF"),
    Path("/Library/Fonts"),
)
_font_lock = threading.Lock()
_fonts: tuple[str, str] | None = None

PAGE_MARGIN = 56.0  # points: 2 cm
HEADER = 62.0
FOOTER = 36.0
MAX_EXHIBIT_SIDE = 14_400.0  # points: PDF's own limit for a page side


class ShownPagesError(ValueError):
    """The advisor's shown-pages PDF does not fit its manifest, or is not a usable PDF."""


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """What a record says of its consultation."""

    wording: Wording
    bank: BankIdentity
    reference: str
    customer_name: str
    advisor_name: str
    mode: Mode
    started_at: datetime
    ended_at: datetime | None
    made_at: datetime
    messages: Sequence[ChatEntry]
    # Who signs the record and the head of its sealed events (record_signing.py); empty: an
    # unsigned rendering (the transcript).
    signed_by: str = ""
    chain_head: str = ""
    # The recording (issue 18): the policy, the customer's answer, whether picture and sound
    # were recorded at all, and the advisor's minutes where they were not.
    recording_policy: RecordingPolicy = "off"
    recording_consent: RecordingConsent = "none"
    recorded: bool = False
    minutes: str = ""


def _recording_line(facts: RecordFacts) -> str:
    say = facts.wording
    if facts.recorded:
        return say("recording_made")
    if facts.recording_policy == "off":
        return say("recording_off")
    if facts.recording_consent == "declined":
        return say("recording_declined")
    return say("recording_not_made")


def _register_fonts() -> tuple[str, str]:
    global _fonts
    with _font_lock:
        if _fonts is not None:
            return _fonts
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        regular = bold = None
        for folder in _FONT_PLACES:
            if (folder / "DejaVuSans.ttf").is_file() and (folder / "DejaVuSans-Bold.ttf").is_file():
                regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
                break
        if regular is None or bold is None:
            import reportlab

            shipped = Path(reportlab.__file__).parent / "fonts"
            regular, bold = shipped / "Vera.ttf", shipped / "VeraBd.ttf"
            logger.warning(
                "DejaVu fonts not found (install fonts-dejavu-core): records use Bitstream "
                "Vera, which lacks letters beyond Western European ones"
            )
        pdfmetrics.registerFont(TTFont("RecordSans", str(regular)))
        pdfmetrics.registerFont(TTFont("RecordSans-Bold", str(bold)))
        _fonts = ("RecordSans", "RecordSans-Bold")
        return _fonts


def _text(value: str) -> str:
    """Plain text as a ReportLab paragraph: escaped, line breaks kept, tabs as spaces."""
    return "<br/>".join(escape(line).replace("\t", "    ") for line in value.split("\n"))


def check_shown_pages(pdf: bytes, manifest: Sequence[ShownPage]) -> None:
    """Refuse a shown-pages PDF that cannot go into a record as it claims to."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not manifest:
        if pdf:
            raise ShownPagesError("the manifest lists no pages but a PDF was sent")
        return
    if not pdf:
        raise ShownPagesError(f"the manifest lists {len(manifest)} pages but no PDF was sent")
    try:
        reader = PdfReader(io.BytesIO(pdf))
        if reader.is_encrypted:
            raise ShownPagesError("the shown pages must not be encrypted")
        pages = reader.pages
        count = len(pages)
        for number, page in enumerate(pages, start=1):
            box = page.mediabox
            if not (0 < float(box.width) <= MAX_EXHIBIT_SIDE) or not (
                0 < float(box.height) <= MAX_EXHIBIT_SIDE
            ):
                raise ShownPagesError(f"page {number} of the shown pages has no usable size")
    except ShownPagesError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise ShownPagesError(f"the shown pages are not a readable PDF ({error})") from None
    if count != len(manifest):
        raise ShownPagesError(f"the PDF has {count} pages, the manifest lists {len(manifest)}")


def compose_record(facts: RecordFacts, pdf: bytes, shown: Sequence[ShownPage]) -> bytes:
    """The record: cover, the shown pages (``pdf``, one page per manifest entry), the chat."""
    return _compose(facts, pdf, shown, record=True)


def compose_transcript(facts: RecordFacts) -> bytes:
    """The written conversation alone, laid out as in the record."""
    return _compose(facts, b"", (), record=False)


def _compose(facts: RecordFacts, pdf: bytes, shown: Sequence[ShownPage], *, record: bool) -> bytes:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import (
        BaseDocTemplate,
        CondPageBreak,
        Frame,
        PageBreak,
        PageTemplate,
        Paragraph,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _register_fonts()
    say = facts.wording
    accent = HexColor("#0b4f6c")
    muted = HexColor("#4a4a4a")
    body = ParagraphStyle("body", fontName=regular, fontSize=10, leading=14, splitLongWords=1)
    small = ParagraphStyle("small", parent=body, fontSize=8.5, leading=11, textColor=muted)
    title = ParagraphStyle(
        "title",
        parent=body,
        fontName=bold,
        fontSize=17,
        leading=22,
        textColor=accent,
        spaceAfter=10,
    )
    heading = ParagraphStyle(
        "heading",
        parent=body,
        fontName=bold,
        fontSize=12.5,
        leading=16,
        textColor=accent,
        spaceBefore=14,
        spaceAfter=6,
        keepWithNext=1,
    )
    label = ParagraphStyle("label", parent=body, fontName=bold)
    meta = ParagraphStyle("meta", parent=small, spaceBefore=7, keepWithNext=1)
    message = ParagraphStyle("message", parent=body, leftIndent=10)

    width, height = A4
    name = say("record_title") if record else say("transcript_title")
    slots: list[tuple[int, float, float, float]] = []
    exhibits = _exhibits(pdf) if shown else None
    cover_end = 0  # the cover's flowables: story[:cover_end]

    def facts_table() -> Any:
        started = facts.started_at
        rows = [
            (say("reference"), facts.reference),
            (say("date"), say.date(started)),
            (say("start"), say.time(started)),
            (say("end"), say.time(facts.ended_at) if facts.ended_at else say("running")),
            (say("time_zone"), say.zone_label(started)),
            (say("customer"), facts.customer_name),
            (say("advisor"), facts.advisor_name),
            (say("mode"), say.mode(facts.mode)),
            (say("recording"), _recording_line(facts)),
            (say("made_at"), f"{say.date(facts.made_at)} {say.time(facts.made_at)}"),
        ]
        table = Table(
            [[Paragraph(_text(k), label), Paragraph(_text(v), body)] for k, v in rows],
            colWidths=[120, width - 2 * PAGE_MARGIN - 120],
            hAlign="LEFT",
        )
        table.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        return table

    story: list[Any] = [
        Paragraph(_text(name), title),
        facts_table(),
        Spacer(1, 8),
        Paragraph(
            _text(
                (say("record_note") if record else say("transcript_note"))
                + " "
                + say("media_recorded" if facts.recorded else "media_not_recorded")
            ),
            small,
        ),
    ]
    if record and facts.signed_by:
        story += [
            Spacer(1, 4),
            Paragraph(
                _text(say("sealed_note", bank=facts.signed_by, head=facts.chain_head[:16])),
                small,
            ),
        ]
    if record:
        story.append(Paragraph(_text(say("shown")), heading))
        if not shown:
            story.append(Paragraph(_text(say("shown_none")), body))
        for index, page in enumerate(shown):
            entry = say(
                "shown_entry",
                title=page.document_title,
                page=page.page_number,
                pages=page.page_count,
            )
            marks = say.count("marks_one", "marks_many", page.marks, "marks_none")
            story.append(
                Paragraph(
                    f"{index + 1}. {_text(entry)} · {_text(marks)} "
                    f"<font color='#4a4a4a'>({_text(say('at_page', n=f'{{exhibit{index}}}'))})"
                    "</font>",
                    body,
                )
            )
        cover_end = len(story)
        for index, page in enumerate(shown):
            assert exhibits is not None  # read whenever pages were shown
            caption = say("exhibit", n=index + 1, count=len(shown))
            entry = say(
                "shown_entry",
                title=page.document_title,
                page=page.page_number,
                pages=page.page_count,
            )
            marks = say.count("marks_one", "marks_many", page.marks, "marks_none")
            story += [
                PageBreak(),
                Paragraph(_text(caption), heading),
                Paragraph(f"{_text(entry)} · {_text(marks)}", small),
                Spacer(1, 6),
                _Slot(slots, _size(exhibits.pages[index])),
            ]
        if shown:
            story.append(PageBreak())
    if record and facts.minutes:
        story += [
            Paragraph(_text(say("minutes")), heading),
            Paragraph(_text(say("minutes_note", advisor=facts.advisor_name)), small),
            Spacer(1, 4),
            Paragraph(_text(facts.minutes), body),
        ]
    story.append(Paragraph(_text(say("messages")), heading))
    if not facts.messages:
        story.append(Paragraph(_text(say("messages_none")), body))
    for said in facts.messages:
        head = Paragraph(
            f"{say.time(said.sent_at)} · <font name='{bold}'>{_text(said.author_name)}</font>",
            meta,
        )
        # A message's head never stands alone at the foot of a page.
        story += [CondPageBreak(40), head, Paragraph(_text(said.text), message)]

    def furniture(canvas: Any, page: int, pages: int) -> None:
        canvas.saveState()
        top = height - PAGE_MARGIN + 24
        canvas.setFillColor(accent)
        canvas.setFont(bold, 11)
        canvas.drawString(PAGE_MARGIN, top, facts.bank.name or name)
        canvas.setFont(regular, 8)
        canvas.setFillColor(muted)
        line = " · ".join(part for part in (facts.bank.address, facts.bank.contact) if part)
        if line:
            canvas.drawString(PAGE_MARGIN, top - 12, line[:150])
        canvas.drawRightString(width - PAGE_MARGIN, top, facts.reference)
        canvas.setStrokeColor(accent)
        canvas.setLineWidth(0.6)
        canvas.line(PAGE_MARGIN, top - 20, width - PAGE_MARGIN, top - 20)
        canvas.line(PAGE_MARGIN, FOOTER + 12, width - PAGE_MARGIN, FOOTER + 12)
        canvas.setFont(regular, 8)
        canvas.drawString(PAGE_MARGIN, FOOTER, f"{name} · {facts.reference}")
        canvas.drawRightString(width - PAGE_MARGIN, FOOTER, say("page_of", page=page, pages=pages))
        canvas.restoreState()

    frame_top = height - HEADER - 14
    frame = Frame(
        PAGE_MARGIN,
        FOOTER + 24,
        width - 2 * PAGE_MARGIN,
        frame_top - (FOOTER + 24),
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
    )
    buffer = io.BytesIO()
    document = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{name} {facts.reference}",
        author=facts.bank.name or facts.advisor_name,
        subject=facts.reference,
        creator="Videoberatung",
        pageTemplates=[PageTemplate(id="page", frames=[frame])],
    )
    if shown:
        # Each shown page has a page of its own right after the cover, so its page number is
        # the cover's length (laid out alone, which is cheap) plus its place in the list.
        cover_pages = _build(document, story[:cover_end], io.BytesIO(), furniture, [])[1]
        for index in range(cover_end):
            flowable = story[index]
            if isinstance(flowable, Paragraph) and "{exhibit" in flowable.text:
                text = flowable.text
                for number in range(len(shown)):
                    text = text.replace(f"{{exhibit{number}}}", str(cover_pages + 1 + number))
                story[index] = Paragraph(text, flowable.style)
    first, _ = _build(document, story, buffer, furniture, slots)
    laid_out = buffer.getvalue()
    if exhibits is None:
        return laid_out
    return _place_exhibits(laid_out, exhibits, first)


def _size(page: Any) -> tuple[float, float]:
    return float(page.mediabox.width), float(page.mediabox.height)


def _build(
    document: Any,
    story: list[Any],
    buffer: io.BytesIO,
    furniture: Callable[[Any, int, int], None],
    slots: list[tuple[int, float, float, float]],
) -> tuple[list[tuple[int, float, float, float]], int]:
    """Lay the story out; the slots filled and the number of pages."""
    from reportlab.pdfgen.canvas import Canvas

    class NumberedCanvas(Canvas):
        """Draws header and footer once the page count is known ("Seite 2 von 5")."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            # The stubs leave out Canvas's private page state, which this ReportLab recipe
            # (page n of N) must use.
            self._startPage()  # type: ignore[attr-defined]

        def save(self) -> None:
            total = counted[0] = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                furniture(self, self._pageNumber, total)  # type: ignore[attr-defined]
                super().showPage()
            super().save()

    counted = [0]
    document.filename = buffer
    document.build(list(story), canvasmaker=NumberedCanvas)
    return list(slots), counted[0]


def _Slot(slots: list[tuple[int, float, float, float]], size: tuple[float, float]) -> Any:
    from reportlab.platypus import Flowable

    class Slot(Flowable):
        """The rest of the page, kept for one shown page of ``size``: the page goes in scaled
        to fit, top-centred, inside a thin grey line; remembers where (page, left, bottom,
        scale) for pypdf to place it there."""

        def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
            self.width, self.height = available_width, max(10.0, available_height - 2)
            return self.width, self.height

        def draw(self) -> None:
            own_width, own_height = size
            scale = min(self.width / own_width, self.height / own_height)
            left = (self.width - own_width * scale) / 2
            bottom = self.height - own_height * scale
            canvas = self.canv
            canvas.saveState()
            canvas.setStrokeGray(0.6)
            canvas.setLineWidth(0.5)
            canvas.rect(left, bottom, own_width * scale, own_height * scale)
            canvas.restoreState()
            x, y = canvas.absolutePosition(left, bottom)
            slots.append((canvas.getPageNumber(), x, y, scale))

    return Slot()


def _exhibits(pdf: bytes) -> Any:
    """The shown pages, each turned as it is seen (a /Rotate folded into its content)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    for page in writer.pages:
        page.transfer_rotation_to_content()
    return writer


def _place_exhibits(
    laid_out: bytes, exhibits: Any, slots: list[tuple[int, float, float, float]]
) -> bytes:
    from pypdf import PdfReader, PdfWriter, Transformation

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(laid_out)))
    for (page_number, left, bottom, scale), exhibit in zip(slots, exhibits.pages, strict=True):
        box = exhibit.mediabox
        writer.pages[page_number - 1].merge_transformed_page(
            exhibit,
            Transformation()
            .translate(-float(box.left), -float(box.bottom))
            .scale(scale)
            .translate(left, bottom),
        )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
