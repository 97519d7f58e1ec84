"""The supervisor's board and figures and the admin's accounts (issue 19): REST bodies and
the ``/ws/supervisor`` messages. docs/protocol.md §15 defines every figure."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from advisor_app.protocol.common import AccountRole, Language, Mode
from advisor_app.protocol.fields import NAME_MAX
from advisor_app.protocol.ws import ErrorMessage, Hello, Ping, Pong, _HubMessage

AdvisorState = Literal["available", "in_consultation", "wrap_up", "away", "offline"]
Period = Literal["day", "week"]
QUEUE_SHOWN_MAX = 100  # waiting customers listed on the board (the first in line)


class Figures(msgspec.Struct, kw_only=True):
    """A period's figures (docs/protocol.md §15.3 defines each)."""

    offered: int
    answered: int
    abandoned: int
    wait_average_seconds: float | None
    wait_p90_seconds: float | None
    service_level: float | None
    handling_average_seconds: float | None


class FiguresRow(Figures, kw_only=True):
    period: str  # "2026-12-01" or the ISO week "2026-W49"


class FiguresResponse(msgspec.Struct, kw_only=True):
    by: Period
    rows: list[FiguresRow]


class BoardCustomer(msgspec.Struct, kw_only=True):
    """A waiting customer as the board shows them: never a phone number; the name only when
    the hub's setting allows."""

    position: int
    waiting_seconds: float
    mode: Mode | None
    topic: str
    language: Language
    name: str | None


class BoardAdvisor(msgspec.Struct, kw_only=True):
    advisor_id: int
    display_name: str
    roles: list[AccountRole]
    state: AdvisorState
    state_seconds: float | None  # how long in this state, as this instance saw it begin
    consultation_seconds: float | None  # only in_consultation


class ServiceTarget(msgspec.Struct, kw_only=True):
    answer_within_seconds: float
    service_level_goal: float


class Summary(_HubMessage, tag="summary"):
    """The board: ``GET /api/supervisor/summary`` and each push on ``/ws/supervisor``."""

    generated_at: datetime
    open: bool
    queue: list[BoardCustomer]
    queue_length: int
    longest_wait_seconds: float | None
    advisors: list[BoardAdvisor]
    open_messages: int
    today: Figures
    target: ServiceTarget


SupervisorMessage = Hello | Ping
SupervisorHubMessage = Summary | Pong | ErrorMessage

# --- admin ---

Username = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
DisplayName = Annotated[str, msgspec.Meta(min_length=1, max_length=NAME_MAX)]
Password = Annotated[str, msgspec.Meta(min_length=1, max_length=1024)]
Roles = Annotated[list[AccountRole], msgspec.Meta(min_length=1, max_length=4)]


class Account(msgspec.Struct, kw_only=True):
    advisor_id: int
    username: str
    display_name: str
    roles: list[AccountRole]
    disabled: bool
    created_at: datetime


class AccountsResponse(msgspec.Struct, kw_only=True):
    accounts: list[Account]


class NewAccount(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    username: Username
    display_name: DisplayName
    password: Password
    roles: Roles = msgspec.field(default_factory=lambda: ["advisor"])


class AccountChange(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    display_name: DisplayName | None = None
    roles: Roles | None = None
    disabled: bool | None = None


class NewPassword(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    password: Password


class AuditEntry(msgspec.Struct, kw_only=True):
    id: int
    at: datetime
    account: str
    action: str
    subject: str


class AuditResponse(msgspec.Struct, kw_only=True):
    entries: list[AuditEntry]  # newest first
