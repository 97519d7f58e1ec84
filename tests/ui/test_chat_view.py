"""The chat view appends, never rebuilds: a message costs the same however long the chat is
(3,000 customer messages through the core's event path), own messages are shown pending and
confirmed in place, history replays add nothing twice, a late view gets everything once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pytestqt.qtbot import QtBot

from advisor_app.core.chat_log import ChatChange, PendingMessage
from advisor_app.core.session import Phase
from advisor_app.protocol import ws
from advisor_app.protocol.common import ChatEntry
from advisor_app.ui.runtime.workstation import Workstation
from advisor_app.ui.views.chat_view import ChatView
from tests.support.threaded_hub import ThreadedHub
from tests.ui.conftest import QtLoop
from tests.ui.test_consultation import open_window

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def entry(seq: int, text: str, role: str = "customer", client_id: str = "") -> ChatEntry:
    return ChatEntry(
        consultation_id=7,
        seq=seq,
        client_id=client_id or f"c-{seq}",
        author_role=role,  # type: ignore[arg-type]
        author_name="Erika" if role == "customer" else "Anna",
        text=text,
        sent_at=START + timedelta(seconds=seq),
    )


def texts(view: ChatView) -> list[str]:
    return [view.item(row).text().split(": ", 1)[1] for row in range(view.count())]


def test_pending_confirmed_in_place_and_replays_add_nothing(qtbot: QtBot) -> None:
    view = ChatView()
    qtbot.addWidget(view)
    view.apply(ChatChange(7, (entry(1, "Hallo"),)))
    mine = PendingMessage("a-1", "Guten Tag", START)
    view.apply(ChatChange(7, pending=(mine,)))
    assert view.count() == 2 and view.item(1).pending
    assert view.item(1).text().endswith("(sending …)")

    view.apply(ChatChange(7, (entry(2, "Guten Tag", "advisor", "a-1"),)))  # confirmed
    assert view.count() == 2 and not view.item(1).pending
    assert view.item(1).text().endswith("You: Guten Tag")
    assert view.writes == 3  # one write per message and one for the confirmation

    # A history replay after a reconnect: the known ones again, one missed in between.
    view.apply(ChatChange(7, (entry(4, "vier"),)))
    view.apply(ChatChange(7, (entry(1, "Hallo"), entry(2, "Guten Tag", "advisor", "a-1"))))
    view.apply(ChatChange(7, (entry(3, "drei"),)))
    assert texts(view) == ["Hallo", "Guten Tag", "drei", "vier"]

    # An own message confirmed after others were stored: it moves above the pending ones.
    first = PendingMessage("a-2", "eins", START)
    second = PendingMessage("a-3", "zwei", START)
    view.apply(ChatChange(7, pending=(first, second)))
    view.apply(ChatChange(7, (entry(5, "dazwischen"),)))
    assert texts(view)[-3:] == ["dazwischen", "eins  (sending …)", "zwei  (sending …)"]
    view.apply(ChatChange(7, (entry(6, "zwei", "advisor", "a-3"),)))
    assert texts(view)[-3:] == ["dazwischen", "zwei", "eins  (sending …)"]
    view.apply(ChatChange(7, (entry(7, "eins", "advisor", "a-2"),)))
    assert texts(view)[-3:] == ["dazwischen", "zwei", "eins"]
    assert view.document().blockCount() == view.count() == 7


def test_three_thousand_messages_are_appended(
    qtbot: QtBot, qloop: QtLoop, threaded_hub: ThreadedHub, workstation: Workstation
) -> None:
    window = open_window(qtbot, qloop, workstation, threaded_hub)
    threaded_hub.customer(mode="text")
    qloop.until(lambda: window.queue_view.model.rowCount() == 1)
    window.queue_view.take_next_button.click()
    qloop.until(lambda: window.session_view is not None)
    view = window.session_view
    assert view is not None
    chat = view.chat_list
    qloop.until(lambda: chat.count() == 1, what="greeting")
    session = workstation.session
    assert session is not None and session.consultation is not None
    consultation = session.consultation
    assert consultation.phase == Phase.CONNECTED
    cid = consultation.consultation_id

    # Everything the document goes through: a rebuild would remove text, an append does not.
    changes: list[tuple[int, int]] = []
    chat.document().contentsChange.connect(lambda at, gone, _: changes.append((at, gone)))
    writes_before = chat.writes
    count = 3000
    text = "Ich habe noch eine Frage zu den Konditionen. " * 20  # ~900 characters
    messages = [
        ws.ChatMessage(
            message=ChatEntry(
                consultation_id=cid,
                seq=2 + index,
                client_id=f"c-burst-{index}",
                author_role="customer",
                author_name="Erika Mustermann",
                text=f"{index + 1}: {text}",
                sent_at=datetime.now(UTC),
            )
        )
        for index in range(count)
    ]
    # A burst from the customer, through the core's event path (the hub client's event, on
    # the engine thread, as the hub's frames arrive); the hub's own chat limits stay out.
    for message in messages:
        workstation.engine.call_soon(session.hub.message_received.emit, message)
    qloop.until(lambda: chat.count() == count + 1, timeout=120, what="all 3,000 shown")

    assert chat.writes - writes_before == count  # one write per message, nothing rewritten
    assert all(gone == 0 for _, gone in changes)  # nothing taken out
    positions = [at for at, _ in changes]
    assert positions == sorted(positions)  # each change at the end: appended
    assert [chat.item(row + 1).text().split(": ", 2)[1] for row in range(count)] == [
        str(index + 1) for index in range(count)
    ]
    assert chat.document().blockCount() == count + 1

    # A view that opens now gets them all, once.
    so_far = workstation.require_context().models.chat.so_far(cid)
    assert so_far is not None and len(so_far.entries) == count + 1
    late = ChatView()
    qtbot.addWidget(late)
    late.show_all(so_far.entries, so_far.pending)
    assert late.count() == count + 1
    assert late.item(count).text() == chat.item(count).text()
