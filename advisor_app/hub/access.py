"""Who may see which consultation: the checks every consultation request goes through."""

from __future__ import annotations

from advisor_app.hub.storage import ConsultationRecord, CustomerRecord, Storage
from advisor_app.protocol.common import Role
from advisor_app.protocol.errors import ErrorCode, ProtocolError


async def own_consultation(
    storage: Storage, role: Role, subject_id: int, consultation_id: int, *, active: bool = True
) -> ConsultationRecord:
    """The consultation, if it is the caller's own (and still running, with ``active``);
    refuses any other."""
    record = await storage.consultation(consultation_id)
    owner = None
    if record is not None:
        owner = record.customer_id if role == "customer" else record.advisor_id
    if record is None or owner != subject_id:
        raise ProtocolError(
            ErrorCode.FORBIDDEN, "that is not your consultation", "$.consultation_id"
        )
    if active and not record.active:
        raise ProtocolError(
            ErrorCode.NOT_ALLOWED, "this consultation has ended", "$.consultation_id"
        )
    return record


async def ended_consultation_of(storage: Storage, customer: CustomerRecord) -> ConsultationRecord:
    """The customer's consultation once it has ended (its transcript is ready then)."""
    record = await storage.consultation_of_customer(customer.customer_id)
    if record is None:
        raise ProtocolError(ErrorCode.NOT_FOUND, "there was no consultation with this token")
    if record.active:
        raise ProtocolError(
            ErrorCode.NOT_ALLOWED, "the transcript is ready once the consultation has ended"
        )
    return record
