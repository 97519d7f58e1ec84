"""Column lists and row-to-record conversion shared by the SQL backends.

Both backends select the same columns in the same order, so one converter serves a
``sqlite3.Row`` and an ``asyncpg.Record`` alike (both index by position).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Protocol

from advisor_app.hub.storage.base import (
    AdvisorRecord,
    AuditRecord,
    ChatRecord,
    ConsultationRecord,
    CustomerRecord,
    EventRecord,
    OfflineMessageRecord,
    QueueFact,
    RecordingSegmentRecord,
    roles_of,
)


class Row(Protocol):
    """A result row read by position: a tuple from sqlite3, an ``asyncpg.Record``."""

    def __getitem__(self, index: int, /) -> Any: ...

    def __iter__(self) -> Iterator[Any]: ...

    def __len__(self) -> int: ...


CUSTOMER_COLUMNS = (
    "id, name, phone, mode, see_advisor, show_me, consent_version, consent_at, joined_at, "
    "state, state_at, language, topic, recording_consent"
)
CONSULTATION_COLUMNS = (
    "id, customer_id, advisor_id, advisor_name, mode, see_advisor, show_me, started_at, "
    "ended_at, ended_by, recording, keep_until, legal_hold, chain_head, recording_consent, "
    "recording_active, minutes"
)
CHAT_COLUMNS = "consultation_id, seq, client_id, author_role, author_name, text, sent_at"
MESSAGE_COLUMNS = "id, name, phone, text, consent_version, created_at, done_at, done_by"
ADVISOR_COLUMNS = "id, username, display_name, password_hash, created_at, roles, disabled"
FACT_COLUMNS = "customer_id, joined_at, taken_at, ended_at, left_at"
EVENT_COLUMNS = "consultation_id, seq, kind, at, data, hash"
AUDIT_COLUMNS = "id, at, account, action, subject"


def customer_row(row: Row) -> CustomerRecord:
    return CustomerRecord(
        customer_id=row[0],
        name=row[1],
        phone=row[2],
        mode=row[3],
        see_advisor=bool(row[4]),
        show_me=bool(row[5]),
        consent_version=row[6],
        consent_at=row[7],
        joined_at=row[8],
        state=row[9],
        state_at=row[10],
        language=row[11],
        topic=row[12],
        recording_consent=row[13],
    )


def consultation_row(row: Row) -> ConsultationRecord:
    return ConsultationRecord(
        consultation_id=row[0],
        customer_id=row[1],
        advisor_id=row[2],
        advisor_name=row[3],
        mode=row[4],
        see_advisor=bool(row[5]),
        show_me=bool(row[6]),
        started_at=row[7],
        ended_at=row[8],
        ended_by=row[9],
        recording=row[10],
        keep_until=row[11],
        legal_hold=bool(row[12]),
        chain_head=row[13],
        recording_consent=row[14],
        recording_active=bool(row[15]),
        minutes=row[16],
    )


def chat_row(row: Row) -> ChatRecord:
    return ChatRecord(*row)


def message_row(row: Row) -> OfflineMessageRecord:
    return OfflineMessageRecord(*row)


def advisor_row(row: Row) -> AdvisorRecord:
    return AdvisorRecord(
        advisor_id=row[0],
        username=row[1],
        display_name=row[2],
        password_hash=row[3],
        created_at=row[4],
        roles=roles_of(row[5]),
        disabled=bool(row[6]),
    )


def fact_row(row: Row) -> QueueFact:
    return QueueFact(*row)


def event_row(row: Row) -> EventRecord:
    return EventRecord(*row)


def audit_row(row: Row) -> AuditRecord:
    return AuditRecord(*row)


SEGMENT_COLUMNS = "consultation_id, part, seq, bytes, sha256, last, media_ms, stored_at"


def segment_row(row: Row) -> RecordingSegmentRecord:
    return RecordingSegmentRecord(
        int(row[0]), int(row[1]), int(row[2]), int(row[3]), str(row[4]), bool(row[5]),
        int(row[6]), float(row[7]),
    )  # fmt: skip


def prefixed(columns: str, alias: str) -> str:
    """``a.id, a.username, …`` for a join."""
    return ", ".join(f"{alias}.{name.strip()}" for name in columns.split(","))
