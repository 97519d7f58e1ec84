"""What the hub stores, and the interface every storage backend implements.

Times are Unix seconds (float, UTC). The tables are the truth: anything the hub keeps in memory
can be rebuilt from here after a restart.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from advisor_app.protocol.common import (
    AccountRole,
    CustomerState,
    Language,
    Mode,
    RecordingConsent,
    RecordingPolicy,
    Role,
)

# What an account may do (it holds one or more): advise customers; watch the queue and the
# figures (supervisor); manage accounts and read the audit log (admin); read any
# consultation's record (compliance). See advisor_app/hub/roles.py.
ACCOUNT_ROLES: tuple[AccountRole, ...] = ("advisor", "supervisor", "admin", "compliance")
ADVISOR_ONLY: frozenset[AccountRole] = frozenset({"advisor"})


def roles_text(roles: frozenset[AccountRole]) -> str:
    """How a set of roles is stored: its names in a fixed order, comma-separated."""
    return ",".join(role for role in ACCOUNT_ROLES if role in roles)


def roles_of(text: str) -> frozenset[AccountRole]:
    """The stored roles (a name this version does not know is ignored)."""
    names = {name.strip() for name in text.split(",")}
    return frozenset(role for role in ACCOUNT_ROLES if role in names)


class StorageError(Exception):
    """A storage operation failed for a reason the caller can report."""


class StorageFull(StorageError):
    """The database cannot grow (its disk is full): nothing was written."""


class DuplicateError(StorageError):
    """A unique value (a user name) exists already."""


class AdvisorBusyError(StorageError):
    """The advisor has a consultation in progress and cannot take another."""


@dataclass(frozen=True, slots=True)
class NewCustomer:
    token_hash: str
    name: str
    phone: str
    mode: Mode
    see_advisor: bool
    show_me: bool
    consent_version: str
    consent_at: float
    joined_at: float
    language: Language = "de"
    topic: str = ""
    # The answer to the recording question at the mode step ("none": not asked), given with
    # the notices of consent_version at consent_at.
    recording_consent: RecordingConsent = "none"


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    customer_id: int
    name: str
    phone: str
    mode: Mode
    see_advisor: bool
    show_me: bool
    consent_version: str
    consent_at: float
    joined_at: float
    state: CustomerState
    state_at: float
    language: Language = "de"
    topic: str = ""
    recording_consent: RecordingConsent = "none"


@dataclass(frozen=True, slots=True)
class ConsultationRecord:
    consultation_id: int
    customer_id: int
    advisor_id: int
    advisor_name: str
    mode: Mode
    see_advisor: bool
    show_me: bool
    started_at: float
    ended_at: float | None
    ended_by: Role | None
    recording: RecordingPolicy = "off"
    # Kept until then whatever the general retention (a recording policy's retention); None:
    # the general retention.
    keep_until: float | None = None
    legal_hold: bool = False
    chain_head: str = ""  # the hash of the newest event in its chain (sealing.py); "": none
    recording_consent: RecordingConsent = "none"
    recording_active: bool = False  # the advisor's workstation records now
    minutes: str = ""  # the advisor's written minutes (where nothing was recorded)

    @property
    def active(self) -> bool:
        return self.ended_at is None


@dataclass(frozen=True, slots=True)
class ChatRecord:
    consultation_id: int
    seq: int
    client_id: str
    author_role: Role
    author_name: str
    text: str
    sent_at: float


@dataclass(frozen=True, slots=True)
class OfflineMessageRecord:
    message_id: int
    name: str
    phone: str
    text: str
    consent_version: str
    created_at: float
    done_at: float | None
    done_by: str | None


@dataclass(frozen=True, slots=True)
class AdvisorRecord:
    advisor_id: int
    username: str
    display_name: str
    password_hash: str
    created_at: float
    roles: frozenset[AccountRole] = ADVISOR_ONLY
    disabled: bool = False  # by an admin: cannot sign in, its logins were revoked

    def has(self, role: AccountRole) -> bool:
        return role in self.roles


@dataclass(frozen=True, slots=True)
class EventRecord:
    """One link of a consultation's chain of events (see hub/sealing.py): what happened,
    when, and the hash that seals it to every event before it."""

    consultation_id: int
    seq: int
    kind: str
    at: float
    data: str  # the event's details as canonical JSON
    hash: str


@dataclass(frozen=True, slots=True)
class RecordingSegmentRecord:
    """One stored segment of a recording (the plain bytes as the hub keeps them)."""

    consultation_id: int
    part: int
    seq: int
    bytes: int
    sha256: str
    last: bool
    media_ms: int
    stored_at: float


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """Who did what to which consultation's record, when."""

    entry_id: int
    at: float
    account: str
    action: str
    subject: str


@dataclass(frozen=True, slots=True)
class QueueFact:
    """What the figures need of one customer's visit, kept apart from the customer and past
    the retention purge: only times, nothing that names anyone (neither the customer nor
    the advisor: figures are the team's, not a measure of one person)."""

    customer_id: int
    joined_at: float
    taken_at: float | None  # an advisor took the customer
    ended_at: float | None  # the consultation ended
    left_at: float | None  # left or expired while waiting


@dataclass(frozen=True, slots=True)
class AdvisorActivity:
    """An advisor's consultation in progress (its start) and newest end, for the board."""

    advisor_id: int
    active_since: float | None
    last_ended_at: float | None


@dataclass(frozen=True, slots=True)
class RecordingRules:
    """The recording policy of each topic (``default`` for the rest), and how long a
    consultation under a policy other than "off" is kept."""

    default: RecordingPolicy = "off"
    by_topic: Mapping[str, RecordingPolicy] = field(default_factory=dict)
    keep_seconds: float = 1826 * 86400.0

    def policy(self, topic: str) -> RecordingPolicy:
        return self.by_topic.get(topic, self.default)


NO_RECORDING = RecordingRules()

# An event's details as the chain takes them (str keys, JSON values).
EventData = Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class ShownPagesRecord:
    """The pages the advisor showed in a consultation, marks burned in (a PDF), and what
    each page is (``rest.ShownPages`` as JSON)."""

    pdf: bytes
    manifest: bytes
    created_at: float


@dataclass(frozen=True, slots=True)
class LoginLimits:
    """How many failed (or still running) logins a window allows, per scope."""

    window: float
    per_pair: int  # one account from one address
    per_address: int  # one address, whatever account
    per_account: int  # one account from the addresses it has not signed in from


RATE_EVENTS_KEPT = 86_400.0  # seconds: longer than any sensible window


def login_keys(account: str, address: str) -> dict[str, str]:
    """The key of each scope an attempt counts in (``account`` and ``address`` are keyed
    hashes: neither a typed name, which may be a password, nor an address is stored)."""
    return {
        "login.pair": f"{account}:{address}",
        "login.address": address,
        "login.account": account,
    }


def login_wait(
    recent: dict[str, list[float]], known: bool, limits: LoginLimits, now: float
) -> float:
    """Seconds until an attempt may go ahead; 0: now. ``recent[scope]`` holds the times of
    that scope's newest attempts, newest first, at most its limit. From an address the account
    signed in from before (``known``), only the pair and the address count, so an outsider
    cannot lock an advisor out."""
    wait = 0.0
    for scope, limit in (
        ("login.pair", limits.per_pair),
        ("login.address", limits.per_address),
        ("login.account", limits.per_account),
    ):
        if scope == "login.account" and known:
            continue
        times = recent[scope]
        if len(times) >= limit:
            wait = max(wait, times[limit - 1] + limits.window - now)
    return max(0.0, wait)


@dataclass(frozen=True, slots=True)
class Present:
    """Who has a websocket open (on this instance), for the purge to spare their visits."""

    customers: frozenset[int] = frozenset()
    advisors: frozenset[int] = frozenset()


NOBODY_PRESENT = Present()


@dataclass(frozen=True, slots=True)
class PurgeCounts:
    customers: int
    consultations: int
    chat_messages: int
    offline_messages: int
    tokens: int
    abandoned_consultations: int = 0  # ended by the purge: begun before the period, never ended


class Storage(abc.ABC):
    """The hub's persistent state. Every method is atomic on its own."""

    @abc.abstractmethod
    async def open(self) -> None:
        """Connect and bring the schema up to date."""

    @abc.abstractmethod
    async def close(self) -> None: ...

    # --- customers and the queue ---
    @abc.abstractmethod
    async def add_customer(self, customer: NewCustomer) -> CustomerRecord: ...

    @abc.abstractmethod
    async def customer_by_token(self, token_hash: str) -> CustomerRecord | None: ...

    @abc.abstractmethod
    async def customer(self, customer_id: int) -> CustomerRecord | None: ...

    @abc.abstractmethod
    async def customers(self, customer_ids: list[int]) -> list[CustomerRecord]:
        """Those of these customers that exist, by id (one query for many)."""

    @abc.abstractmethod
    async def waiting_customers(self) -> list[CustomerRecord]:
        """Everyone waiting, first come first."""

    @abc.abstractmethod
    async def waiting_position(self, customer_id: int) -> int | None:
        """1 for the first in line; None if the customer is not waiting."""

    @abc.abstractmethod
    async def finish_waiting(
        self, customer_id: int, state: CustomerState, now: float
    ) -> CustomerRecord | None:
        """Move a *waiting* customer to ``state`` (left, expired); None if not waiting."""

    @abc.abstractmethod
    async def claim(
        self,
        advisor: AdvisorRecord,
        customer_id: int | None,
        now: float,
        rules: RecordingRules = NO_RECORDING,
    ) -> tuple[CustomerRecord, ConsultationRecord] | None:
        """Atomically take a waiting customer (the first one when ``customer_id`` is None).

        Exactly one caller gets a given customer; the others get None. An advisor with a
        consultation in progress gets AdvisorBusyError (checked in the same transaction).
        The consultation gets its topic's recording policy from ``rules``, and its chain
        begins: the customer's consent, the join, the take.
        """

    # --- consultations ---
    @abc.abstractmethod
    async def consultation(self, consultation_id: int) -> ConsultationRecord | None: ...

    @abc.abstractmethod
    async def consultation_of_customer(self, customer_id: int) -> ConsultationRecord | None: ...

    @abc.abstractmethod
    async def active_consultation_of_advisor(
        self, advisor_id: int
    ) -> ConsultationRecord | None: ...

    @abc.abstractmethod
    async def end_consultation(
        self, consultation_id: int, ended_by: Role, now: float
    ) -> ConsultationRecord | None:
        """End an active consultation; None if it had ended already."""

    @abc.abstractmethod
    async def recent_handling_times(self, limit: int) -> list[float]:
        """Durations of the most recently ended consultations, newest first."""

    # --- chat ---
    @abc.abstractmethod
    async def add_chat(
        self,
        consultation_id: int,
        client_id: str,
        author_role: Role,
        author_name: str,
        text: str,
        now: float,
    ) -> tuple[ChatRecord, bool]:
        """Store a chat message with the next sequence number.

        A message whose ``client_id`` was stored before from the same role is not stored again:
        the stored one comes back with ``False``.
        """

    @abc.abstractmethod
    async def chat_since(self, consultation_id: int, after_seq: int) -> list[ChatRecord]: ...

    # --- messages left while all were busy ---
    @abc.abstractmethod
    async def add_offline_message(
        self, name: str, phone: str, text: str, consent_version: str, now: float
    ) -> OfflineMessageRecord: ...

    @abc.abstractmethod
    async def offline_messages(self, include_done: bool) -> list[OfflineMessageRecord]: ...

    @abc.abstractmethod
    async def mark_offline_message_done(
        self, message_id: int, advisor: AdvisorRecord, now: float
    ) -> OfflineMessageRecord | None: ...

    # --- advisors and their tokens ---
    @abc.abstractmethod
    async def add_advisor(
        self,
        username: str,
        display_name: str,
        password_hash: str,
        now: float,
        roles: frozenset[AccountRole] = ADVISOR_ONLY,
    ) -> AdvisorRecord:
        """Raises DuplicateError when the user name exists."""

    @abc.abstractmethod
    async def set_advisor_password(self, username: str, password_hash: str) -> bool:
        """Change the hash and revoke every token of that advisor."""

    @abc.abstractmethod
    async def advisor_by_username(self, username: str) -> AdvisorRecord | None: ...

    @abc.abstractmethod
    async def advisors(self) -> list[AdvisorRecord]: ...

    @abc.abstractmethod
    async def add_token(
        self, advisor_id: int, token_hash: str, now: float, expires_at: float
    ) -> None: ...

    @abc.abstractmethod
    async def advisor_by_token(self, token_hash: str, now: float) -> AdvisorRecord | None:
        """The advisor whose unexpired token this is."""

    @abc.abstractmethod
    async def revoke_token(self, token_hash: str) -> bool: ...

    @abc.abstractmethod
    async def valid_tokens(
        self, advisor_token_hashes: set[str], customer_token_hashes: set[str], now: float
    ) -> set[str]:
        """Which of these hashes still belong to an unexpired advisor login or a stored
        customer."""

    # --- the customer's record (a PDF) ---
    @abc.abstractmethod
    async def save_record(self, consultation_id: int, pdf: bytes, now: float) -> None:
        """Store (or replace) the record of a consultation."""

    @abc.abstractmethod
    async def record(self, consultation_id: int) -> bytes | None: ...

    @abc.abstractmethod
    async def save_shown_pages(
        self, consultation_id: int, pdf: bytes, manifest: bytes, now: float
    ) -> None:
        """Store (or replace) the pages the advisor showed, for the record."""

    @abc.abstractmethod
    async def shown_pages(self, consultation_id: int) -> ShownPagesRecord | None: ...

    # --- sealing, holds, roles and the audit log (issue 18) ---
    @abc.abstractmethod
    async def events(self, consultation_id: int) -> list[EventRecord]:
        """The consultation's chain, in order."""

    @abc.abstractmethod
    async def add_event(
        self, consultation_id: int, kind: str, data: EventData, now: float
    ) -> EventRecord:
        """Append an event to the consultation's chain (its head moves on)."""

    @abc.abstractmethod
    async def set_recording(
        self,
        consultation_id: int,
        consent: RecordingConsent,
        active: bool,
        events: Sequence[tuple[str, EventData]],
        now: float,
    ) -> ConsultationRecord | None:
        """Set a running consultation's recording consent and whether it records, and append
        ``events`` (kind, data) to its chain, in one transaction. None: it has ended."""

    @abc.abstractmethod
    async def save_minutes(
        self, consultation_id: int, text: str, now: float
    ) -> ConsultationRecord | None:
        """Replace the consultation's written minutes and seal them (event ``minutes``).
        None: no such consultation."""

    @abc.abstractmethod
    async def set_legal_hold(self, consultation_id: int, on: bool) -> bool:
        """Hold (or release) a consultation: held, the purge keeps it. False: no such one."""

    @abc.abstractmethod
    async def set_roles(self, username: str, roles: frozenset[AccountRole]) -> bool:
        """Give an account these roles (at least one); False: no such account. When a role
        is taken away its logins end (they are revoked): it takes effect at once."""

    @abc.abstractmethod
    async def advisor(self, advisor_id: int) -> AdvisorRecord | None: ...

    @abc.abstractmethod
    async def update_advisor(
        self,
        advisor_id: int,
        *,
        display_name: str | None = None,
        roles: frozenset[AccountRole] | None = None,
        disabled: bool | None = None,
    ) -> AdvisorRecord | None:
        """Change what is given; disabling or taking a role away revokes the account's
        logins. None: no such account."""

    @abc.abstractmethod
    async def set_password_of(self, advisor_id: int, password_hash: str) -> bool:
        """Change the hash and revoke every login of that account; False: no such one."""

    # --- the supervisor's board and figures (issue 19) ---
    @abc.abstractmethod
    async def queue_facts(self, joined_from: float, joined_until: float) -> list[QueueFact]:
        """The visits of customers who joined in [from, until), by join time."""

    @abc.abstractmethod
    async def advisor_activity(self, ended_after: float) -> list[AdvisorActivity]:
        """Advisors with a consultation in progress or one ended after ``ended_after``."""

    @abc.abstractmethod
    async def open_message_count(self) -> int:
        """Offline messages not marked done."""

    @abc.abstractmethod
    async def add_audit(
        self, account: str, action: str, subject: str, now: float, keep_until: float
    ) -> None:
        """Log an access (kept until ``keep_until``, then purged)."""

    @abc.abstractmethod
    async def audit(self, limit: int, before: int | None = None) -> list[AuditRecord]:
        """The newest ``limit`` entries of the audit log (with ids below ``before``), oldest
        first."""

    # --- recordings (issue 18) ---
    @abc.abstractmethod
    async def start_recording(self, consultation_id: int, key: bytes, now: float) -> int:
        """A new part of the consultation's recording with its key (1, 2, …: a workstation
        that restarted mid-consultation records a new part); sealed in the chain."""

    @abc.abstractmethod
    async def recording_key(self, consultation_id: int, part: int) -> bytes | None: ...

    @abc.abstractmethod
    async def add_recording_segment(
        self, segment: RecordingSegmentRecord, now: float
    ) -> EventRecord | None:
        """Store a segment's hash and seal it in the chain; None if that segment was stored
        already (nothing changes)."""

    @abc.abstractmethod
    async def recording_segments(self, consultation_id: int) -> list[RecordingSegmentRecord]:
        """The consultation's stored segments, by part and number."""

    @abc.abstractmethod
    async def segments_by_hash(self, sha256: str) -> list[RecordingSegmentRecord]:
        """Stored segments with these bytes (for verify)."""

    @abc.abstractmethod
    async def first_segments(self) -> list[RecordingSegmentRecord]:
        """The first segment of every stored recording part (for verify of a whole file)."""

    @abc.abstractmethod
    async def recorded_consultations(self) -> set[int]:
        """The consultations that have a recording (the purge removes the others' files)."""

    # --- login attempts ---
    @abc.abstractmethod
    async def login_secret(self) -> bytes:
        """The key for hashing login names and addresses (made with the database)."""

    @abc.abstractmethod
    async def begin_login(
        self, account: str, address: str, now: float, limits: LoginLimits
    ) -> float:
        """Count an attempt before its password is checked, atomically with the check of the
        limits (so attempts in flight count, on every instance); returns 0 when it may go
        ahead, else the seconds to wait (and the attempt is not counted)."""

    @abc.abstractmethod
    async def take_allowance(
        self, scope: str, key: str, now: float, window: float, limit: int
    ) -> float:
        """Count one event of ``scope`` (a join, a message) by ``key`` (a sender's keyed
        hash) if fewer than ``limit`` were counted within ``window``: then 0; else the seconds
        until one may go (and nothing is counted). Atomic over every instance."""

    @abc.abstractmethod
    async def chat_volume(
        self, consultation_id: int, role: Role, since: float
    ) -> tuple[int, int, float | None]:
        """What one side wrote in a consultation since ``since``: messages, characters, and
        when the oldest of them was sent."""

    @abc.abstractmethod
    async def login_succeeded(self, account: str, address: str, now: float) -> None:
        """The pair's failures are forgiven and the address is known for the account."""

    # --- retention ---
    @abc.abstractmethod
    async def purge(
        self, older_than: float, now: float, present: Present = NOBODY_PRESENT
    ) -> PurgeCounts:
        """Delete customers, consultations, chat and messages from before ``older_than``,
        and expired tokens; but never a consultation on legal hold or kept longer by its
        recording policy (``keep_until``), nor its customer. Customers still waiting or in
        a consultation are kept; but a consultation begun before ``older_than`` that never
        ended, and of which nobody is connected (``present`` here, or on any instance), is
        abandoned: ended, then purged."""
