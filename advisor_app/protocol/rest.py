"""Bodies of the hub's HTTP endpoints (``/api/...``)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from advisor_app.protocol.common import (
    AdvisorInfo,
    ChatEntry,
    ConsultationInfo,
    IceServer,
    Language,
    Mode,
    OfflineMessage,
    RecordingPolicy,
)
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.fields import (
    MESSAGE_TEXT_MAX,
    FieldReason,
    NoticeVersion,
    at,
    clean_name,
    clean_phone,
    clean_text,
)


class Consent(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The customer's acceptance of the security, legal and privacy notices."""

    accepted: bool
    notice_version: NoticeVersion


class RecordingConsentAnswer(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The customer's answer to "this consultation will be recorded" (issue 18), given with
    the notices of ``notice_version`` in force (their text says what is recorded and why)."""

    accepted: bool
    notice_version: NoticeVersion


class JoinRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST /api/customers``: a customer asks for a place in the queue."""

    name: str
    phone: str
    consent: Consent
    mode: Mode
    see_advisor: bool = True
    show_me: bool = True
    language: Language = "de"  # the page's language: the record is made in it
    # What the consultation is about, as the bank names its topics (recording_policy_by_topic):
    # the hub's recording policy may differ per topic. Empty: none chosen.
    topic: Annotated[str, msgspec.Meta(max_length=40, pattern=r"^[a-z0-9_-]*$")] = ""
    # The answer to the recording question of the mode step, when the topic's policy is not
    # "off" (check_recording_consent says what each policy needs); absent: not asked.
    recording_consent: RecordingConsentAnswer | None = None

    def __post_init__(self) -> None:
        self.name = clean_name(self.name)
        self.phone = clean_phone(self.phone)
        if self.mode == "text":
            # Text-only means no media at all, whatever the switches said.
            self.see_advisor = False
            self.show_me = False


class JoinResponse(msgspec.Struct, kw_only=True):
    customer_id: int
    token: str
    position: int
    estimated_wait_seconds: int | None
    grace_seconds: int
    # Whether this customer's consultation will be recorded (the hub's policy for the topic).
    recording: RecordingPolicy = "off"


class LeaveMessageRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST /api/messages``: a written message for when every advisor is busy."""

    name: str
    phone: str
    text: str
    consent: Consent

    def __post_init__(self) -> None:
        self.name = clean_name(self.name)
        self.phone = clean_phone(self.phone)
        self.text = clean_text(self.text, "text", MESSAGE_TEXT_MAX)


class LeaveMessageResponse(msgspec.Struct, kw_only=True):
    message_id: int
    created_at: datetime


class OpeningPeriod(msgspec.Struct, frozen=True):
    """One opening period: ``weekday`` 0 = Monday, times ``HH:MM`` in the hub's time zone."""

    weekday: int
    opens: str
    closes: str


class Status(msgspec.Struct, kw_only=True):
    """``GET /api/status``: what the start page shows."""

    open: bool
    advisor_available: bool
    advisors_available: int
    advisors_online: int
    waiting: int
    estimated_wait_seconds: int | None
    time_zone: str
    opening_hours: list[OpeningPeriod]
    always_open: bool
    next_opening: datetime | None
    notice_version: str
    # The recording policy for a consultation without a topic, and each topic's own (issue 18):
    # what the page tells the customer before the consent.
    recording: RecordingPolicy = "off"
    recording_by_topic: dict[str, RecordingPolicy] = msgspec.field(default_factory=dict)
    # How long a recorded consultation is kept (recording_retention_days): the consent step
    # says so.
    recording_retention_days: float = 1826.0


class LoginRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    username: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]


class LoginResponse(msgspec.Struct, kw_only=True):
    token: str
    expires_at: datetime
    advisor: AdvisorInfo


class IceServersResponse(msgspec.Struct, kw_only=True):
    ice_servers: list[IceServer]


class MessagesResponse(msgspec.Struct, kw_only=True):
    messages: list[OfflineMessage]


class BankIdentity(msgspec.Struct, kw_only=True, frozen=True):
    """Who the customer spoke to, as the record and the printed transcript name it."""

    name: str
    address: str
    contact: str


class Transcript(msgspec.Struct, kw_only=True):
    """``GET /api/customers/me/transcript``: the written record of one consultation, with
    what every rendering of it shows: times in ``time_zone``, in ``language``."""

    consultation: ConsultationInfo
    customer_name: str
    messages: list[ChatEntry]
    time_zone: str = "Europe/Berlin"
    language: Language = "de"
    reference: str = ""
    bank: BankIdentity | None = None
    # Whether picture and sound were recorded at any time (with consent): the print view says it.
    recorded: bool = False


SHOWN_PAGES_MAX = 500
TITLE_MAX = 200


class ShownPage(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """One page of the advisor's shown-pages PDF: which document and page it was."""

    document_title: Annotated[str, msgspec.Meta(min_length=1, max_length=TITLE_MAX)]
    page_number: Annotated[int, msgspec.Meta(ge=1, le=100_000)]
    page_count: Annotated[int, msgspec.Meta(ge=1, le=100_000)]
    marks: Annotated[int, msgspec.Meta(ge=0, le=100_000)]

    def __post_init__(self) -> None:
        self.document_title = clean_text(self.document_title, "document_title", TITLE_MAX)
        if self.page_number > self.page_count:
            raise at("page_number", "must not be above page_count")


class ShownPages(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """The ``manifest`` part of ``PUT /api/advisor/consultations/{id}/shown-pages``: one entry
    per page of the ``pages`` PDF part, in order (none: nothing was shown)."""

    pages: Annotated[list[ShownPage], msgspec.Meta(max_length=SHOWN_PAGES_MAX)]


MINUTES_MAX = 20_000


class MinutesRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``PUT /api/advisor/consultations/{id}/minutes``: the advisor's written minutes of a
    consultation that was not recorded (declined or impossible); each save replaces the text
    and is sealed into the consultation's events."""

    text: str

    def __post_init__(self) -> None:
        self.text = clean_text(self.text, "text", MINUTES_MAX)


class MinutesSaved(msgspec.Struct, kw_only=True):
    consultation_id: int
    characters: int
    saved_at: datetime


class CheckRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """``POST /api/customers/check``: the fields of a join or a written message, checked by
    the join's own rules before the customer goes on (each optional: only those sent)."""

    name: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    phone: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    text: Annotated[str, msgspec.Meta(max_length=20_000)] | None = None


class CheckResponse(msgspec.Struct, kw_only=True):
    ok: bool
    refused: dict[str, str]  # JSON path -> fields.FieldReason
    phone: str | None  # E.164, as the join stores it, when the number passed


class FieldsResponse(msgspec.Struct, kw_only=True):
    """``GET /api/fields``: the limits the page checks before sending."""

    limits: dict[str, int]
    reasons: list[str]


class RecordReady(msgspec.Struct, kw_only=True):
    """``GET /api/customers/me/record/ready``: whether the record can be downloaded."""

    ready: bool


class BankPage(msgspec.Struct, kw_only=True):
    """``GET /api/bank``: who the customer is talking to, for the page's head, footer and
    notices (settings; empty strings when not set)."""

    name: str
    address: str
    contact: str
    hotline: str
    logo: str
    imprint_url: str
    privacy_url: str
    controller: str
    data_protection_contact: str
    retention_days: float
    time_zone: str
    # How long recordings are kept, in years (recording_retention_days), for the notices.
    recording_retention_years: float = 5.0


class ErrorBody(msgspec.Struct, omit_defaults=True):
    code: str
    message: str
    field: str | None = None
    reason: str | None = None  # fields.FieldReason, when a field was refused by its rules


class ErrorResponse(msgspec.Struct):
    error: ErrorBody


def check_consent(consent: Consent, current_version: str) -> None:
    """No consent, no join: accepted must be true and for the notices in force."""
    if not consent.accepted:
        raise ProtocolError(
            ErrorCode.CONSENT_REQUIRED,
            "the security, legal and privacy notices must be accepted",
            "$.consent.accepted",
            FieldReason.NOT_ACCEPTED,
        )
    if consent.notice_version != current_version:
        raise ProtocolError(
            ErrorCode.CONSENT_REQUIRED,
            f"consent was given for notices version {consent.notice_version!r}, "
            f"the notices in force are version {current_version!r}",
            "$.consent.notice_version",
            FieldReason.OUTDATED,
        )


def check_recording_consent(
    answer: RecordingConsentAnswer | None,
    policy: RecordingPolicy,
    mode: Mode,
    current_version: str,
) -> None:
    """The recording answer a join needs: none where nothing is recorded (policy off); an
    acceptance for any consultation under a mandatory policy and for picture and sound under
    on_request (declined, the customer joins text-only and the advisor writes minutes)."""
    if policy == "off":
        if answer is not None:
            raise ProtocolError(
                ErrorCode.NOT_ALLOWED,
                "this consultation is not recorded (recording policy off): there is no "
                "recording to consent to",
                "$.recording_consent",
            )
        return
    if answer is not None and answer.notice_version != current_version:
        raise ProtocolError(
            ErrorCode.CONSENT_REQUIRED,
            f"the recording consent was given for notices version {answer.notice_version!r}, "
            f"the notices in force are version {current_version!r}",
            "$.recording_consent.notice_version",
            FieldReason.OUTDATED,
        )
    accepted = answer is not None and answer.accepted
    if accepted or (policy == "on_request" and mode == "text"):
        return
    what = "every consultation on this topic is" if policy == "mandatory" else "a video call may be"
    raise ProtocolError(
        ErrorCode.CONSENT_REQUIRED,
        f"{what} recorded ({policy}): without the customer's consent to the recording "
        + (
            "there is no consultation here; leave a message instead"
            if policy == "mandatory"
            else "only a text-only consultation"
        ),
        "$.recording_consent" if answer is None else "$.recording_consent.accepted",
        FieldReason.MISSING if answer is None else FieldReason.NOT_ACCEPTED,
    )


__all__ = [
    "BankIdentity",
    "BankPage",
    "CheckRequest",
    "CheckResponse",
    "Consent",
    "ErrorBody",
    "ErrorResponse",
    "FieldsResponse",
    "IceServersResponse",
    "JoinRequest",
    "JoinResponse",
    "LeaveMessageRequest",
    "LeaveMessageResponse",
    "LoginRequest",
    "LoginResponse",
    "MessagesResponse",
    "MinutesRequest",
    "MinutesSaved",
    "OpeningPeriod",
    "RecordReady",
    "RecordingConsentAnswer",
    "ShownPage",
    "ShownPages",
    "Status",
    "Transcript",
    "check_consent",
    "check_recording_consent",
]


# --- recordings (issue 18 item 3) ---


class RecordingStarted(msgspec.Struct, kw_only=True):
    """A new part of a consultation's recording: its number and its key (AES-256, base64),
    which the workstation holds in memory only (protocol/recording.py)."""

    part: int
    key: str


class SegmentState(msgspec.Struct, kw_only=True):
    """What the hub holds of one segment: the bytes received so far (an upload goes on from
    there), and, once complete and checked, the sha256 of its plain bytes as sealed."""

    received: int
    complete: bool
    sha256: str | None = None


class RecordingSegment(msgspec.Struct, kw_only=True, frozen=True):
    part: int
    seq: int
    bytes: int
    sha256: str
    last: bool
    media_ms: int


class RecordingParts(msgspec.Struct, kw_only=True):
    """A consultation's recording as the hub holds it (for compliance): each part is one
    WebM file, its segments' bytes joined; ``complete`` when its last segment arrived."""

    reference: str
    segments: list[RecordingSegment]
    complete_parts: list[int]
