"""Chat view benchmark (issue 12): UI-thread time for a customer's burst of chat messages.

Each message is one event-loop turn, as when they trickle in one by one (the worst case: in a
real burst the bridge hands over several per turn): the view is told only what changed
(``ChatView.apply`` with one ``ChatChange``), then Qt processes its events (layout, paint).
Printed per count: the total UI-thread time, per message, and for the last 100 messages alone
(one message costs the same however long the chat is: the last 100 cost what the first did).

The old view (the whole chat copied, sorted and rebuilt in a QListWidget per message: 22 s,
97 s and 439 s of UI-thread time for 250, 500 and 1,000 messages in the security review) is
gone; as a baseline the same messages are added to a word-wrapping QListWidget with addItem
alone (no rebuild), which is still not O(1): QListView lays out every item again after an
insertion. The baseline stops at ``--baseline-max`` messages (it grows quadratically).

    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/chat_view.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python benchmarks/chat_view.py --chars 4000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtWidgets import QApplication, QListWidget, QListWidgetItem

from advisor_app.core.chat_log import ChatChange
from advisor_app.protocol.common import ChatEntry
from advisor_app.ui.views.chat_view import ChatView


def entries(count: int, chars: int) -> list[ChatEntry]:
    filler = ("Ich habe noch eine Frage zu den Konditionen der Baufinanzierung. " * 70)[:chars]
    now = datetime.now(UTC)
    return [
        ChatEntry(
            consultation_id=1,
            seq=index + 1,
            client_id=f"c-{index}",
            author_role="customer",
            author_name="Erika Mustermann",
            text=f"{index + 1}: {filler}",
            sent_at=now,
        )
        for index in range(count)
    ]


def run_view(app: QApplication, messages: list[ChatEntry]) -> tuple[float, float]:
    view = ChatView()
    view.resize(420, 600)
    view.show()
    app.processEvents()
    times = []
    for entry in messages:
        start = time.perf_counter()
        view.apply(ChatChange(1, (entry,)))
        app.processEvents()
        times.append(time.perf_counter() - start)
    assert view.count() == len(messages)
    view.close()
    view.deleteLater()
    app.processEvents()
    return sum(times), sum(times[-100:])


def run_list_widget(app: QApplication, messages: list[ChatEntry]) -> tuple[float, float]:
    view = QListWidget()
    view.setWordWrap(True)
    view.resize(420, 600)
    view.show()
    app.processEvents()
    times = []
    for entry in messages:
        start = time.perf_counter()
        view.addItem(QListWidgetItem(f"09:00  {entry.author_name}: {entry.text}"))
        view.scrollToBottom()
        app.processEvents()
        times.append(time.perf_counter() - start)
    view.close()
    view.deleteLater()
    app.processEvents()
    return sum(times), sum(times[-100:])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", default="250,1000,3000")
    parser.add_argument("--chars", type=int, default=900, help="characters per message")
    parser.add_argument("--baseline-max", type=int, default=1000)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    print(f"messages of {args.chars} characters, one event-loop turn each, UI-thread time")
    print(f"{'messages':>8}  {'view':>14}  {'per message':>11}  {'last 100':>9}  baseline")
    for count in (int(c) for c in args.counts.split(",")):
        messages = entries(count, args.chars)
        total, last = run_view(app, messages)  # type: ignore[arg-type]
        line = f"{count:>8}  {total:>12.2f} s  {total / count * 1000:>8.2f} ms  {last:>7.2f} s"
        if count <= args.baseline_max:
            base, base_last = run_list_widget(app, messages)  # type: ignore[arg-type]
            line += (
                f"  QListWidget.addItem alone: {base:.2f} s, {base / count * 1000:.2f} ms per"
                f" message, last 100 {base_last:.2f} s"
            )
        else:
            line += f"  (QListWidget baseline skipped above {args.baseline_max})"
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
