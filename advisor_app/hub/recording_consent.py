"""A consultation's recording as both sides agree to it: the advisor's request (policy
on_request), the customer's answer, the stop, and the written minutes where nothing was
recorded. Each change is stored with the consultation, sealed into its chain of events and told
to both sides (``recording.state``); the advisor's workstation records while it says active.
The media never passes the hub: the recording itself is made at the advisor's end."""

from __future__ import annotations

import logging

from advisor_app.hub.access import own_consultation
from advisor_app.hub.context import HubContext
from advisor_app.hub.convert import to_datetime
from advisor_app.hub.record_keeping import RecordKeeping
from advisor_app.hub.storage import ConsultationRecord
from advisor_app.hub.storage.base import EventData
from advisor_app.protocol import rest, ws
from advisor_app.protocol.common import RecordingConsent
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.fields import FieldReason

logger = logging.getLogger(__name__)


def state_of(record: ConsultationRecord) -> ws.RecordingState:
    return ws.RecordingState(
        consultation_id=record.consultation_id,
        policy=record.recording,
        consent=record.recording_consent,
        active=record.recording_active,
    )


class RecordingConsents:
    """Owns the changes of a running consultation's recording state and its minutes."""

    def __init__(self, context: HubContext, records: RecordKeeping, notice_version: str) -> None:
        self._context = context
        self._records = records
        self._notice_version = notice_version

    async def request(self, advisor_id: int, consultation_id: int) -> None:
        """The advisor asks to record (on_request): the customer's page asks them now."""
        record = await own_consultation(
            self._context.storage, "advisor", advisor_id, consultation_id
        )
        self._recordable(record)
        if record.recording == "mandatory":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "this consultation is recorded from the start (policy mandatory)",
                "$.consultation_id",
            )
        if record.recording_active:
            return  # recording already: asking again would only confuse the customer
        await self._change(record, "asked", False, [("recording_requested", {})])

    async def stop(self, advisor_id: int, consultation_id: int) -> None:
        """The advisor stops an on_request recording; a mandatory one cannot be paused."""
        record = await own_consultation(
            self._context.storage, "advisor", advisor_id, consultation_id
        )
        if record.recording == "mandatory":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "a mandatory recording runs from the start to the end: it cannot be paused",
                "$.consultation_id",
            )
        if not record.recording_active:
            return
        await self._change(
            record,
            record.recording_consent,
            False,
            [
                (
                    "recording",
                    {"active": False, "consent": record.recording_consent, "by": "advisor"},
                )
            ],
        )

    async def answer(self, customer_id: int, message: ws.RecordingConsentSend) -> None:
        """The customer's answer to the advisor's request."""
        record = await own_consultation(
            self._context.storage, "customer", customer_id, message.consultation_id
        )
        if record.recording == "off":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "this consultation is not recorded (recording policy off): there is no "
                "recording to consent to",
                "$.consultation_id",
            )
        if message.notice_version != self._notice_version:
            raise ProtocolError(
                ErrorCode.CONSENT_REQUIRED,
                f"the recording consent was given for notices version "
                f"{message.notice_version!r}, the notices in force are version "
                f"{self._notice_version!r}",
                "$.notice_version",
                FieldReason.OUTDATED,
            )
        if record.recording_consent != "asked":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "nobody asked to record now: the answer is given when the advisor asks",
                "$.consultation_id",
            )
        self._recordable(record)
        consent: RecordingConsent = "given" if message.accepted else "declined"
        events: list[tuple[str, EventData]] = [
            (
                "recording_consent",
                {
                    "accepted": message.accepted,
                    "notice_version": message.notice_version,
                    "policy": record.recording,
                    "asked": "advisor_request",
                },
            )
        ]
        if message.accepted:
            events.append(("recording", {"active": True, "consent": consent, "by": "advisor"}))
        await self._change(record, consent, message.accepted, events)

    async def save_minutes(
        self, advisor_id: int, consultation_id: int, body: rest.MinutesRequest
    ) -> rest.MinutesSaved:
        """The advisor's written minutes, during the consultation or after its end; the
        record is made again with them."""
        context = self._context
        record = await own_consultation(
            context.storage, "advisor", advisor_id, consultation_id, active=False
        )
        now = context.clock()
        saved = await context.storage.save_minutes(record.consultation_id, body.text, now)
        assert saved is not None
        if not record.active:
            self._records.make_soon(record.consultation_id)
        return rest.MinutesSaved(
            consultation_id=record.consultation_id,
            characters=len(body.text),
            saved_at=to_datetime(now),
        )

    def _recordable(self, record: ConsultationRecord) -> None:
        if record.recording == "off":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "this consultation is not recorded (recording policy off)",
                "$.consultation_id",
            )
        if record.mode != "av":
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "this is a text-only consultation: there is no picture or sound to record",
                "$.consultation_id",
            )

    async def _change(
        self,
        record: ConsultationRecord,
        consent: RecordingConsent,
        active: bool,
        events: list[tuple[str, EventData]],
    ) -> None:
        context = self._context
        changed = await context.storage.set_recording(
            record.consultation_id, consent, active, events, context.clock()
        )
        if changed is None:
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED, "this consultation has ended", "$.consultation_id"
            )
        context.connections.to_both(changed.advisor_id, changed.customer_id, state_of(changed))
