"""Values shared by the HTTP and websocket messages."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec

Mode = Literal["av", "text"]
Presence = Literal["available", "busy", "away"]
Role = Literal["customer", "advisor"]
# What an account may do; it holds one or more (advisor_app/hub/roles.py says what each means).
AccountRole = Literal["advisor", "supervisor", "admin", "compliance"]
CustomerState = Literal["waiting", "in_consultation", "ended", "left", "expired"]
# The customer page's languages; the record and transcript are made in the customer's.
Language = Literal["de", "en"]
# Whether a consultation is recorded (issue 18): not at all, when the advisor starts it, always.
RecordingPolicy = Literal["off", "on_request", "mandatory"]
# The customer's answer about recording a consultation: "none" (not asked: policy off, or
# on_request before the advisor asks), "asked" (the page shows the question now), "given",
# "declined" (no recording; the advisor writes minutes instead).
RecordingConsent = Literal["none", "asked", "given", "declined"]


def consultation_reference(consultation_id: int, started_at: datetime) -> str:
    """The reference a customer quotes and the record carries: ``VB-20261203-000042``
    (the start date in UTC, so every instance and time zone gives the same one)."""
    return f"VB-{started_at.astimezone(UTC):%Y%m%d}-{consultation_id:06d}"


class IceServer(msgspec.Struct, omit_defaults=True, frozen=True):
    """One entry of ``RTCConfiguration.iceServers``, as the browser and aiortc take it."""

    urls: list[str]
    username: str | None = None
    credential: str | None = None


class CustomerInfo(msgspec.Struct, frozen=True):
    """What an advisor sees of a customer."""

    customer_id: int
    name: str
    phone: str
    mode: Mode
    see_advisor: bool
    show_me: bool
    joined_at: datetime
    consent_at: datetime
    consent_version: str


class QueueEntry(msgspec.Struct, frozen=True):
    """A waiting customer as listed in the advisors' queue view."""

    customer: CustomerInfo
    position: int
    connected: bool


class ConsultationInfo(msgspec.Struct, frozen=True, omit_defaults=True):
    """A consultation as each side is told about it."""

    consultation_id: int
    advisor_id: int
    advisor_name: str
    customer: CustomerInfo | None  # None for the customer's own view (it knows itself)
    mode: Mode
    see_advisor: bool
    show_me: bool
    started_at: datetime
    ice_servers: list[IceServer]
    ended_at: datetime | None = None
    ended_by: Role | None = None
    reference: str = ""  # consultation_reference(); set by the hub
    # The hub's recording policy for this consultation; absent: "off" (never recorded).
    recording: RecordingPolicy = "off"
    recording_consent: RecordingConsent = "none"
    # The advisor's workstation records now (picture, sound, shown documents): only ever with
    # the customer's consent; both sides show an indicator while it is true.
    recording_active: bool = False


class ChatEntry(msgspec.Struct, frozen=True):
    """One stored chat message; ``seq`` counts from 1 within its consultation."""

    consultation_id: int
    seq: int
    client_id: str
    author_role: Role
    author_name: str
    text: str
    sent_at: datetime


class OfflineMessage(msgspec.Struct, frozen=True, omit_defaults=True):
    """A message a customer left while no advisor was free (the advisors' inbox)."""

    message_id: int
    name: str
    phone: str
    text: str
    created_at: datetime
    consent_version: str
    done_at: datetime | None = None
    done_by: str | None = None


class AdvisorInfo(msgspec.Struct, frozen=True):
    advisor_id: int
    username: str
    display_name: str
    # Older hubs sent none: their accounts were advisors.
    roles: list[AccountRole] = msgspec.field(default_factory=lambda: ["advisor"])


EstimateSeconds = Annotated[int, msgspec.Meta(ge=0)] | None
