"""Record composition at the hub (issue 11): CPU per record, as the hub pays it at every end.

The hub makes a record at every consultation's end, and again when the advisor's shown pages
arrive. It runs on a worker thread of the hub process, so its CPU time is taken from the same
interpreter that serves the websockets. Measured here, in process CPU time (time.process_time,
so a busy machine does not inflate it), median and p95 over ``--rounds`` runs:

- the chat-only transcript PDF (``compose_transcript``), and the record without shown pages;
- the record with 3 shown pages of the sample product sheet (two layout passes for the page
  numbers, and pypdf placing the pages);
- each with ``--messages`` chat messages of about 80 characters, and with 10 times as many.

Baseline, in the same run: the same chat laid out by pymupdf's Story into A4 pages plus the
same 3 pages appended with ``insert_pdf`` — what the workstation's in-process record builder
did before the hub made records.

    .venv/bin/python benchmarks/record_compose.py
    .venv/bin/python benchmarks/record_compose.py --messages 40 --rounds 20
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import statistics
import time
from collections.abc import Callable
from html import escape
from pathlib import Path

from advisor_app.hub.record import RecordFacts, compose_record, compose_transcript
from advisor_app.hub.record_text import Wording
from advisor_app.protocol.common import ChatEntry
from advisor_app.protocol.rest import BankIdentity, ShownPage

SAMPLE = Path(__file__).resolve().parents[1] / "resources" / "samples"
START = dt.datetime(2026, 12, 3, 8, 44, 12, tzinfo=dt.UTC)
TEXT = "Eine typische Nachricht im Chat, etwa achtzig Zeichen lang, mit Umlauten: äöü ß."


def facts(messages: int) -> RecordFacts:
    chat = [
        ChatEntry(
            1,
            number + 1,
            f"c{number}",
            "customer" if number % 2 else "advisor",
            "Erika Mustermann" if number % 2 else "Anna Berger",
            TEXT,
            START + dt.timedelta(seconds=20 * number),
        )
        for number in range(messages)
    ]
    return RecordFacts(
        wording=Wording("de", "Europe/Berlin"),
        bank=BankIdentity(name="Musterbank eG", address="Musterstraße 1", contact="069 1234-0"),
        reference="VB-20261203-000001",
        customer_name="Erika Mustermann",
        advisor_name="Anna Berger",
        mode="av",
        started_at=START,
        ended_at=START + dt.timedelta(minutes=20),
        made_at=START + dt.timedelta(minutes=21),
        messages=chat,
    )


def shown_pages() -> tuple[bytes, list[ShownPage]]:
    import pymupdf

    source = pymupdf.open(SAMPLE / "Produktblatt-Baufinanzierung.pdf")
    shown = pymupdf.open()
    for index in range(3):
        shown.insert_pdf(source, from_page=index, to_page=index)
    manifest = [
        ShownPage(document_title="Produktblatt.pdf", page_number=i + 1, page_count=3, marks=1)
        for i in range(3)
    ]
    return shown.tobytes(), manifest


def baseline(record: RecordFacts, pdf: bytes) -> bytes:
    """The chat as pymupdf's Story lays it out, then the shown pages appended."""
    import pymupdf

    rows = "".join(
        f"<tr><td>{m.sent_at:%H:%M}</td><td><b>{escape(m.author_name)}</b></td>"
        f"<td>{escape(m.text)}</td></tr>"
        for m in record.messages
    )
    buffer = io.BytesIO()
    writer = pymupdf.DocumentWriter(buffer)
    story = pymupdf.Story(f"<h1>Beratungsprotokoll</h1><table>{rows}</table>")
    paper = pymupdf.paper_rect("a4")
    area = pymupdf.Rect(paper.x0 + 48, paper.y0 + 48, paper.x1 - 48, paper.y1 - 48)
    more = True
    while more:
        device = writer.begin_page(paper)
        more, _ = story.place(area)
        story.draw(device)
        writer.end_page()
    writer.close()
    written = pymupdf.open("pdf", buffer.getvalue())
    if pdf:
        written.insert_pdf(pymupdf.open("pdf", pdf))
    return written.tobytes(garbage=3, deflate=True)


def measure(work: Callable[[], bytes], rounds: int) -> tuple[float, float, int]:
    work()  # warm-up: imports, fonts
    times, size = [], 0
    for _ in range(rounds):
        started = time.process_time()
        size = len(work())
        times.append((time.process_time() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * len(times)))], size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=10)
    arguments = parser.parse_args()
    pdf, manifest = shown_pages()
    print(f"{'what':58} {'median ms':>10} {'p95 ms':>8} {'bytes':>9}")
    for messages in (arguments.messages, arguments.messages * 10):
        record = facts(messages)
        legs: list[tuple[str, Callable[[], bytes]]] = [
            (
                f"hub: transcript PDF, {messages} messages",
                lambda record=record: compose_transcript(record),
            ),
            (
                f"hub: record, {messages} messages, no pages",
                lambda record=record: compose_record(record, b"", []),
            ),
            (
                f"hub: record, {messages} messages, 3 shown pages",
                lambda record=record: compose_record(record, pdf, manifest),
            ),
            (
                f"baseline: pymupdf Story, {messages} messages, 3 pages",
                lambda record=record: baseline(record, pdf),
            ),
        ]
        for name, work in legs:
            median, p95, size = measure(work, arguments.rounds)
            print(f"{name:58} {median:10.1f} {p95:8.1f} {size:9d}")


if __name__ == "__main__":
    main()
