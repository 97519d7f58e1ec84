"""Websocket messages between the hub and its clients (``/ws/customer``, ``/ws/advisor``).

Every message is a JSON object with a ``type``. A client may add a ``ref`` (any short string)
that the hub repeats in the answer or error it causes, so requests can be matched to replies.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from advisor_app.protocol.common import (
    AdvisorInfo,
    ChatEntry,
    ConsultationInfo,
    CustomerState,
    IceServer,
    OfflineMessage,
    Presence,
    QueueEntry,
    RecordingConsent,
    RecordingPolicy,
    Role,
)
from advisor_app.protocol.fields import (
    CHAT_TEXT_MAX,
    ClientId,
    Identifier,
    NoticeVersion,
    Sequence,
    Token,
    clean_text,
)

Ref = Annotated[str, msgspec.Meta(max_length=64)]
SDP_MAX = 48_000
CANDIDATE_MAX = 1_024


class _ClientMessage(msgspec.Struct, tag_field="type", forbid_unknown_fields=True, kw_only=True):
    ref: Ref | None = None


class _HubMessage(msgspec.Struct, tag_field="type", kw_only=True, omit_defaults=True):
    ref: str | None = None


# --- signaling payload -----------------------------------------------------------------------


class SessionDescription(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """``RTCSessionDescriptionInit``: aiortc sends complete SDP, the browser may trickle."""

    type: Literal["offer", "answer", "pranswer", "rollback"]
    sdp: Annotated[str, msgspec.Meta(max_length=SDP_MAX)]


class IceCandidate(msgspec.Struct, forbid_unknown_fields=True, frozen=True, omit_defaults=True):
    """``RTCIceCandidateInit``; an empty ``candidate`` marks the end of candidates."""

    candidate: Annotated[str, msgspec.Meta(max_length=CANDIDATE_MAX)]
    sdpMid: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    sdpMLineIndex: Annotated[int, msgspec.Meta(ge=0, le=64)] | None = None
    usernameFragment: Annotated[str, msgspec.Meta(max_length=256)] | None = None


# --- client -> hub, both roles ---------------------------------------------------------------


class Hello(_ClientMessage, tag="hello"):
    """First message on every websocket: who is speaking."""

    token: Token
    protocol: int = 1


# Which of the advisor's offers a signal belongs to: the advisor numbers its offers within a
# consultation from 1, the customer repeats the number on its answer and its candidates, and
# a side ignores what belongs to another offer than its current one (a late answer to an offer
# replaced across a reconnect).
OfferNumber = Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class Signal(_ClientMessage, tag="signal"):
    """SDP or an ICE candidate for the other side of ``consultation_id``."""

    consultation_id: Identifier
    description: SessionDescription | None = None
    candidate: IceCandidate | None = None
    offer: OfferNumber | None = None

    def __post_init__(self) -> None:
        if (self.description is None) == (self.candidate is None):
            raise ValueError("exactly one of description and candidate is required - at `$`")


class ChatSend(_ClientMessage, tag="chat.send"):
    """A chat message; resending the same ``client_id`` stores it only once."""

    consultation_id: Identifier
    client_id: ClientId
    text: str

    def __post_init__(self) -> None:
        self.text = clean_text(self.text, "text", CHAT_TEXT_MAX)


class ChatHistoryRequest(_ClientMessage, tag="chat.history"):
    """Everything after ``after_seq`` (0 for all)."""

    consultation_id: Identifier
    after_seq: Sequence = 0


class End(_ClientMessage, tag="end"):
    consultation_id: Identifier


class Ping(_ClientMessage, tag="ping"):
    pass


# --- client -> hub, customer only ------------------------------------------------------------


class Leave(_ClientMessage, tag="leave"):
    """The customer gives up the place in the queue."""


class RecordingConsentSend(_ClientMessage, tag="recording.consent"):
    """The customer's answer when the advisor asks to record (policy on_request), given with
    the notices of ``notice_version`` in force. Accepted, the recording starts; declined, the
    consultation goes on unrecorded."""

    consultation_id: Identifier
    accepted: bool
    notice_version: NoticeVersion


# --- client -> hub, advisor only -------------------------------------------------------------


class SetPresence(_ClientMessage, tag="presence.set"):
    presence: Presence


class TakeNext(_ClientMessage, tag="take.next"):
    """Take whoever has waited longest."""


class Take(_ClientMessage, tag="take"):
    """Take one chosen customer."""

    customer_id: Identifier


class RecordingRequest(_ClientMessage, tag="recording.request"):
    """Ask the customer to consent to recording now (policy on_request, picture and sound)."""

    consultation_id: Identifier


class RecordingStop(_ClientMessage, tag="recording.stop"):
    """Stop an on_request recording (a mandatory one cannot be paused)."""

    consultation_id: Identifier


CustomerMessage = (
    Hello | Signal | ChatSend | ChatHistoryRequest | End | Ping | Leave | RecordingConsentSend
)
AdvisorMessage = (
    Hello
    | Signal
    | ChatSend
    | ChatHistoryRequest
    | End
    | Ping
    | SetPresence
    | TakeNext
    | Take
    | RecordingRequest
    | RecordingStop
)


# --- hub -> client ---------------------------------------------------------------------------


class CustomerWelcome(_HubMessage, tag="welcome"):
    customer_id: int
    state: CustomerState
    position: int | None
    estimated_wait_seconds: int | None
    grace_seconds: int
    consultation: ConsultationInfo | None = None


class AdvisorWelcome(_HubMessage, tag="welcome"):
    advisor: AdvisorInfo
    presence: Presence
    queue: list[QueueEntry]
    open_messages: int
    consultation: ConsultationInfo | None = None


class QueuePosition(_HubMessage, tag="queue.position"):
    """Pushed to a waiting customer whenever the position or the estimate changes."""

    position: int
    estimated_wait_seconds: int | None
    advisors_available: int


class QueueAdded(_HubMessage, tag="queue.added"):
    entry: QueueEntry


class QueueRemoved(_HubMessage, tag="queue.removed"):
    customer_id: int
    reason: Literal["taken", "left", "expired"]


class QueueConnection(_HubMessage, tag="queue.connection"):
    """A waiting customer's connection dropped or came back (advisors only)."""

    customer_id: int
    connected: bool


class AdvisorComing(_HubMessage, tag="advisor.coming"):
    """Told to the customer when an advisor has taken them."""

    consultation: ConsultationInfo


class Taken(_HubMessage, tag="taken"):
    """Told to the advisor who took a customer."""

    consultation: ConsultationInfo


class SignalRelay(_HubMessage, tag="signal"):
    consultation_id: int
    from_role: Role
    description: SessionDescription | None = None
    candidate: IceCandidate | None = None
    offer: int | None = None


class ChatMessage(_HubMessage, tag="chat.message"):
    message: ChatEntry


class ChatHistory(_HubMessage, tag="chat.history"):
    consultation_id: int
    messages: list[ChatEntry]


class ConsultationEnded(_HubMessage, tag="consultation.ended"):
    consultation_id: int
    ended_by: Role
    ended_at: datetime


class RecordReady(_HubMessage, tag="record.ready"):
    """The hub made (or made again) the consultation record: the customer fetches it with
    GET /api/customers/me/record, the advisor with GET
    /api/advisor/consultations/{consultation_id}/record. The last one made is the record."""

    consultation_id: int


class RecordingState(_HubMessage, tag="recording.state"):
    """The consultation's recording as it stands now, told to both sides at every change:
    the advisor's workstation records while ``active`` is true, and both sides show it."""

    consultation_id: int
    policy: RecordingPolicy
    consent: RecordingConsent
    active: bool


class PeerConnection(_HubMessage, tag="peer"):
    """The other side's websocket went away or came back."""

    consultation_id: int
    role: Role
    connected: bool


class PresenceChanged(_HubMessage, tag="presence"):
    presence: Presence


class InboxAdded(_HubMessage, tag="inbox.added"):
    message: OfflineMessage


class QueueLeft(_HubMessage, tag="left"):
    """The customer's place is gone: left on request, or expired after the grace period."""

    reason: Literal["left", "expired"]


class Pong(_HubMessage, tag="pong"):
    pass


class ErrorMessage(_HubMessage, tag="error"):
    code: str
    message: str
    field: str | None = None
    reason: str | None = None  # fields.FieldReason, when a field was refused by its rules


IceServers = list[IceServer]

HubMessage = (
    CustomerWelcome
    | QueuePosition
    | AdvisorComing
    | SignalRelay
    | ChatMessage
    | ChatHistory
    | ConsultationEnded
    | PeerConnection
    | RecordReady
    | RecordingState
    | QueueLeft
    | Pong
    | ErrorMessage
)
AdvisorHubMessage = (
    AdvisorWelcome
    | QueueAdded
    | QueueRemoved
    | QueueConnection
    | Taken
    | SignalRelay
    | ChatMessage
    | ChatHistory
    | ConsultationEnded
    | PeerConnection
    | RecordReady
    | RecordingState
    | PresenceChanged
    | InboxAdded
    | Pong
    | ErrorMessage
)
