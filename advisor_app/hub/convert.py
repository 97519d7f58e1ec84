"""Stored records to protocol structs: one converter for each kind of record."""

from __future__ import annotations

from datetime import UTC, datetime

from advisor_app.hub.roles import sorted_roles
from advisor_app.hub.storage import (
    AdvisorRecord,
    ChatRecord,
    ConsultationRecord,
    CustomerRecord,
    OfflineMessageRecord,
)
from advisor_app.protocol.common import (
    AdvisorInfo,
    ChatEntry,
    ConsultationInfo,
    CustomerInfo,
    IceServer,
    OfflineMessage,
    QueueEntry,
    consultation_reference,
)


def to_datetime(timestamp: float) -> datetime:
    """A stored time (seconds since the epoch) as the protocol writes it: aware, in UTC."""
    return datetime.fromtimestamp(timestamp, UTC)


def rfc3339(moment: datetime) -> str:
    """As msgspec writes times everywhere else: UTC with a Z."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def customer_info(customer: CustomerRecord) -> CustomerInfo:
    return CustomerInfo(
        customer_id=customer.customer_id,
        name=customer.name,
        phone=customer.phone,
        mode=customer.mode,
        see_advisor=customer.see_advisor,
        show_me=customer.show_me,
        joined_at=to_datetime(customer.joined_at),
        consent_at=to_datetime(customer.consent_at),
        consent_version=customer.consent_version,
    )


def queue_entry(position: int, customer: CustomerRecord, connected: bool) -> QueueEntry:
    return QueueEntry(customer_info(customer), position, connected)


def chat_entry(record: ChatRecord) -> ChatEntry:
    return ChatEntry(
        consultation_id=record.consultation_id,
        seq=record.seq,
        client_id=record.client_id,
        author_role=record.author_role,
        author_name=record.author_name,
        text=record.text,
        sent_at=to_datetime(record.sent_at),
    )


def offline_message(record: OfflineMessageRecord) -> OfflineMessage:
    return OfflineMessage(
        message_id=record.message_id,
        name=record.name,
        phone=record.phone,
        text=record.text,
        created_at=to_datetime(record.created_at),
        consent_version=record.consent_version,
        done_at=to_datetime(record.done_at) if record.done_at is not None else None,
        done_by=record.done_by,
    )


def advisor_info(advisor: AdvisorRecord) -> AdvisorInfo:
    return AdvisorInfo(
        advisor.advisor_id, advisor.username, advisor.display_name, sorted_roles(advisor.roles)
    )


def consultation_reference_of(record: ConsultationRecord) -> str:
    """The reference printed on the record and in file names."""
    return consultation_reference(record.consultation_id, to_datetime(record.started_at))


def consultation_info(
    record: ConsultationRecord, customer: CustomerRecord | None, ice_servers: list[IceServer]
) -> ConsultationInfo:
    started_at = to_datetime(record.started_at)
    return ConsultationInfo(
        consultation_id=record.consultation_id,
        advisor_id=record.advisor_id,
        advisor_name=record.advisor_name,
        customer=customer_info(customer) if customer is not None else None,
        mode=record.mode,
        see_advisor=record.see_advisor,
        show_me=record.show_me,
        started_at=started_at,
        ice_servers=ice_servers,
        ended_at=to_datetime(record.ended_at) if record.ended_at is not None else None,
        ended_by=record.ended_by,
        reference=consultation_reference(record.consultation_id, started_at),
        recording=record.recording,
        recording_consent=record.recording_consent,
        recording_active=record.recording_active,
    )
