"""The storage in SQL, each query written once, for SQLite and PostgreSQL alike.

As in mautrix-python's ``async_db``, queries use PostgreSQL's ``$n`` placeholders and the
SQLite connection rewrites them (to ``?n``: numbered, so a parameter may be used twice). A
backend supplies a `Connection` and overrides only where the dialects really differ: how a
transaction excludes the others (SQLite's ``BEGIN IMMEDIATE``, PostgreSQL's row and advisory
locks), how a list is passed (`Dialect.any_of`), and the tables only PostgreSQL has.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Any, Protocol

from advisor_app.hub import sealing
from advisor_app.hub.storage.base import (
    ADVISOR_ONLY,
    NO_RECORDING,
    NOBODY_PRESENT,
    RATE_EVENTS_KEPT,
    AdvisorActivity,
    AdvisorBusyError,
    AdvisorRecord,
    AuditRecord,
    ChatRecord,
    ConsultationRecord,
    CustomerRecord,
    DuplicateError,
    EventData,
    EventRecord,
    LoginLimits,
    NewCustomer,
    OfflineMessageRecord,
    Present,
    PurgeCounts,
    QueueFact,
    RecordingRules,
    RecordingSegmentRecord,
    ShownPagesRecord,
    Storage,
    login_keys,
    login_wait,
    roles_text,
)
from advisor_app.hub.storage.rows import (
    ADVISOR_COLUMNS,
    AUDIT_COLUMNS,
    CHAT_COLUMNS,
    CONSULTATION_COLUMNS,
    CUSTOMER_COLUMNS,
    EVENT_COLUMNS,
    FACT_COLUMNS,
    MESSAGE_COLUMNS,
    SEGMENT_COLUMNS,
    Row,
    advisor_row,
    audit_row,
    chat_row,
    consultation_row,
    customer_row,
    event_row,
    fact_row,
    message_row,
    prefixed,
    segment_row,
)
from advisor_app.protocol.common import AccountRole, CustomerState, RecordingConsent, Role


class Connection(Protocol):
    """One database connection, inside a transaction or running single statements.

    ``sql`` uses ``$1``, ``$2``…; a list argument stands for a list of values (see
    `Dialect.any_of`).
    """

    async def execute(self, sql: str, *args: Any) -> int:
        """Run a statement; the number of rows it changed."""

    async def executemany(self, sql: str, args: Iterable[Sequence[Any]]) -> None: ...

    async def fetch(self, sql: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, sql: str, *args: Any) -> Row | None: ...

    async def fetchval(self, sql: str, *args: Any) -> Any:
        """The first column of the first row, or None when there is no row."""


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs in the text of a query."""

    name: str
    # Appended to the SELECT that picks the next waiting customer: on PostgreSQL, rows that
    # other transactions are claiming right now are skipped, not waited for. SQLite has one
    # writer at a time and needs nothing.
    skip_locked: str
    # The condition "is one of the values of list parameter $n", as a format string.
    any_of_template: str

    def any_of(self, parameter: int, element_type: str) -> str:
        """``IN``-list test for list parameter ``$parameter`` of SQL ``element_type``."""
        return self.any_of_template.format(n=parameter, type=element_type)


class SQLStorage(Storage):
    """Every storage method, in SQL, over a backend's connections."""

    dialect: Dialect
    # What the driver raises when a UNIQUE constraint is violated.
    unique_violation: tuple[type[Exception], ...]

    @abc.abstractmethod
    def _transaction(self) -> AbstractAsyncContextManager[Connection]:
        """A connection in a transaction that is committed when the block ends without
        error, rolled back otherwise."""

    @abc.abstractmethod
    def _connection(self) -> AbstractAsyncContextManager[Connection]:
        """A connection for one statement, which is atomic on its own."""

    async def _lock_row(self, c: Connection, table: str, row_id: int) -> None:
        """Keep other transactions off this row until the end of this one (work that must
        happen one at a time per advisor, per consultation). No-op where a transaction
        excludes all others anyway."""

    async def _serialize(self, c: Connection, key: int | str) -> None:
        """Keep other transactions that serialize on ``key`` waiting until this one ends.
        No-op where a transaction excludes all others anyway."""

    # Further condition on a consultation the purge may end as abandoned (PostgreSQL: nobody
    # is connected to it on another instance either).
    _abandoned_also = ""

    async def _purge_more(self, c: Connection, now: float) -> None:
        """Delete what only this backend keeps, in the purge's transaction."""

    # --- plumbing ---

    async def _execute(self, sql: str, *args: Any) -> int:
        async with self._connection() as c:
            return await c.execute(sql, *args)

    async def _one[T](self, sql: str, *args: Any, convert: Callable[[Row], T]) -> T | None:
        async with self._connection() as c:
            row = await c.fetchrow(sql, *args)
        return convert(row) if row is not None else None

    async def _all[T](self, sql: str, *args: Any, convert: Callable[[Row], T]) -> list[T]:
        async with self._connection() as c:
            rows = await c.fetch(sql, *args)
        return [convert(row) for row in rows]

    async def _surely[T](self, sql: str, *args: Any, convert: Callable[[Row], T]) -> T:
        """`_one` of a statement that always returns a row (an INSERT … RETURNING)."""
        value = await self._one(sql, *args, convert=convert)
        assert value is not None
        return value

    async def schema_version(self) -> int:
        async with self._connection() as c:
            return int(await c.fetchval("SELECT version FROM schema_version"))

    # --- customers and the queue ---

    async def add_customer(self, customer: NewCustomer) -> CustomerRecord:
        async with self._transaction() as c:
            row = await c.fetchrow(
                "INSERT INTO customers (token_hash, name, phone, mode, see_advisor, show_me, "
                "consent_version, consent_at, joined_at, state, state_at, language, topic, "
                "recording_consent) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'waiting', $9, $10, $11, $12) "
                f"RETURNING {CUSTOMER_COLUMNS}",
                customer.token_hash,
                customer.name,
                customer.phone,
                customer.mode,
                customer.see_advisor,
                customer.show_me,
                customer.consent_version,
                customer.consent_at,
                customer.joined_at,
                customer.language,
                customer.topic,
                customer.recording_consent,
            )
            assert row is not None
            record = customer_row(row)
            # The visit's times for the figures, apart from the customer (see QueueFact).
            await c.execute(
                "INSERT INTO queue_facts (customer_id, joined_at) VALUES ($1, $2)",
                record.customer_id,
                record.joined_at,
            )
            return record

    async def customer_by_token(self, token_hash: str) -> CustomerRecord | None:
        return await self._one(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE token_hash = $1",
            token_hash,
            convert=customer_row,
        )

    async def customer(self, customer_id: int) -> CustomerRecord | None:
        return await self._one(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE id = $1",
            customer_id,
            convert=customer_row,
        )

    async def customers(self, customer_ids: list[int]) -> list[CustomerRecord]:
        return await self._all(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers "
            f"WHERE id {self.dialect.any_of(1, 'bigint')} ORDER BY id",
            sorted(set(customer_ids)),
            convert=customer_row,
        )

    async def waiting_customers(self) -> list[CustomerRecord]:
        return await self._all(
            f"SELECT {CUSTOMER_COLUMNS} FROM customers WHERE state = 'waiting' ORDER BY id",
            convert=customer_row,
        )

    async def waiting_position(self, customer_id: int) -> int | None:
        return await self._one(
            "SELECT (SELECT count(*) FROM customers w WHERE w.state = 'waiting' AND w.id <= c.id) "
            "FROM customers c WHERE c.id = $1 AND c.state = 'waiting'",
            customer_id,
            convert=lambda row: int(row[0]),
        )

    async def finish_waiting(
        self, customer_id: int, state: CustomerState, now: float
    ) -> CustomerRecord | None:
        async with self._transaction() as c:
            row = await c.fetchrow(
                "UPDATE customers SET state = $1, state_at = $2 "
                f"WHERE id = $3 AND state = 'waiting' RETURNING {CUSTOMER_COLUMNS}",
                state,
                now,
                customer_id,
            )
            if row is None:
                return None
            await c.execute(
                "UPDATE queue_facts SET left_at = $1 WHERE customer_id = $2", now, customer_id
            )
            return customer_row(row)

    async def claim(
        self,
        advisor: AdvisorRecord,
        customer_id: int | None,
        now: float,
        rules: RecordingRules = NO_RECORDING,
    ) -> tuple[CustomerRecord, ConsultationRecord] | None:
        async with self._transaction() as c:
            # The advisor's row lock orders two takes of one advisor (on different instances).
            await self._lock_row(c, "advisors", advisor.advisor_id)
            busy = await c.fetchval(
                "SELECT 1 FROM consultations WHERE advisor_id = $1 AND ended_at IS NULL LIMIT 1",
                advisor.advisor_id,
            )
            if busy is not None:
                raise AdvisorBusyError(f"advisor {advisor.advisor_id} is in a consultation")
            claim = (
                "UPDATE customers SET state = 'in_consultation', state_at = $1 "
                f"WHERE id = {{}} AND state = 'waiting' RETURNING {CUSTOMER_COLUMNS}"
            )
            if customer_id is None:
                first = (
                    "(SELECT id FROM customers WHERE state = 'waiting' ORDER BY id LIMIT 1"
                    f"{self.dialect.skip_locked})"
                )
                row = await c.fetchrow(claim.format(first), now)
            else:
                row = await c.fetchrow(claim.format("$2"), now, customer_id)
            if row is None:
                return None
            customer = customer_row(row)
            await c.execute(
                "UPDATE queue_facts SET taken_at = $1 WHERE customer_id = $2",
                now,
                customer.customer_id,
            )
            recording = rules.policy(customer.topic)
            # The answer of the mode step goes with the consultation; a mandatory policy
            # records picture and sound from the start (the join was refused without consent).
            consent = customer.recording_consent if recording != "off" else "none"
            recording_active = (
                recording == "mandatory" and consent == "given" and customer.mode == "av"
            )
            consultation = await c.fetchrow(
                "INSERT INTO consultations (customer_id, advisor_id, advisor_name, mode, "
                "see_advisor, show_me, started_at, recording, keep_until, recording_consent, "
                "recording_active) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) "
                f"RETURNING {CONSULTATION_COLUMNS}",
                customer.customer_id,
                advisor.advisor_id,
                advisor.display_name,
                customer.mode,
                customer.see_advisor,
                customer.show_me,
                now,
                recording,
                None if recording == "off" else now + rules.keep_seconds,
                consent,
                recording_active,
            )
            assert consultation is not None
            record = consultation_row(consultation)
            # The chain begins with what led here: the consent (to the notices of its
            # version), the answer to the recording question, the join, the take, and a
            # mandatory recording's start.
            events: list[tuple[str, float, EventData]] = [
                ("consent", customer.consent_at, {"notice_version": customer.consent_version}),
                (
                    "joined",
                    customer.joined_at,
                    {
                        "customer_id": customer.customer_id,
                        "customer_name": customer.name,
                        "mode": customer.mode,
                        "language": customer.language,
                        "topic": customer.topic,
                    },
                ),
                (
                    "taken",
                    now,
                    {
                        "advisor": advisor.username,
                        "advisor_name": advisor.display_name,
                        "recording": recording,
                    },
                ),
            ]
            if consent != "none":
                events.insert(
                    1,
                    (
                        "recording_consent",
                        customer.consent_at,
                        {
                            "accepted": consent == "given",
                            "notice_version": customer.consent_version,
                            "policy": recording,
                            "asked": "mode_step",
                        },
                    ),
                )
            if recording_active:
                events.append(
                    ("recording", now, {"active": True, "consent": consent, "by": "policy"})
                )
            for kind, at, data in events:
                head = (await self._append_event(c, record.consultation_id, kind, at, data)).hash
            return customer, dataclasses.replace(record, chain_head=head)

    # --- consultations ---

    async def consultation(self, consultation_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations WHERE id = $1",
            consultation_id,
            convert=consultation_row,
        )

    async def consultation_of_customer(self, customer_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations WHERE customer_id = $1",
            customer_id,
            convert=consultation_row,
        )

    async def active_consultation_of_advisor(self, advisor_id: int) -> ConsultationRecord | None:
        return await self._one(
            f"SELECT {CONSULTATION_COLUMNS} FROM consultations "
            "WHERE advisor_id = $1 AND ended_at IS NULL ORDER BY id DESC LIMIT 1",
            advisor_id,
            convert=consultation_row,
        )

    async def end_consultation(
        self, consultation_id: int, ended_by: Role, now: float
    ) -> ConsultationRecord | None:
        async with self._transaction() as c:
            row = await c.fetchrow(
                # The recording ends with the consultation (its chain says it ran until now).
                "UPDATE consultations SET ended_at = $1, ended_by = $2, recording_active = $4 "
                f"WHERE id = $3 AND ended_at IS NULL RETURNING {CONSULTATION_COLUMNS}",
                now,
                ended_by,
                consultation_id,
                False,
            )
            if row is None:
                return None
            record = consultation_row(row)
            await c.execute(
                "UPDATE customers SET state = 'ended', state_at = $1 WHERE id = $2",
                now,
                record.customer_id,
            )
            await c.execute(
                "UPDATE queue_facts SET ended_at = $1 WHERE customer_id = $2",
                now,
                record.customer_id,
            )
            event = await self._append_event(
                c, consultation_id, "ended", now, {"ended_by": ended_by}
            )
            return dataclasses.replace(record, chain_head=event.hash)

    async def recent_handling_times(self, limit: int) -> list[float]:
        return await self._all(
            "SELECT ended_at - started_at FROM consultations WHERE ended_at IS NOT NULL "
            "ORDER BY ended_at DESC LIMIT $1",
            limit,
            convert=lambda row: float(row[0]),
        )

    # --- chat ---

    async def add_chat(
        self,
        consultation_id: int,
        client_id: str,
        author_role: Role,
        author_name: str,
        text: str,
        now: float,
    ) -> tuple[ChatRecord, bool]:
        async with self._transaction() as c:
            # The consultation's row lock hands out sequence numbers one at a time.
            await self._lock_row(c, "consultations", consultation_id)
            existing = await c.fetchrow(
                f"SELECT {CHAT_COLUMNS} FROM chat_messages "
                "WHERE consultation_id = $1 AND author_role = $2 AND client_id = $3",
                consultation_id,
                author_role,
                client_id,
            )
            if existing is not None:
                return chat_row(existing), False
            row = await c.fetchrow(
                "INSERT INTO chat_messages (consultation_id, seq, client_id, author_role, "
                "author_name, text, sent_at) VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 "
                "FROM chat_messages WHERE consultation_id = $1), $2, $3, $4, $5, $6) "
                f"RETURNING {CHAT_COLUMNS}",
                consultation_id,
                client_id,
                author_role,
                author_name,
                text,
                now,
            )
            assert row is not None
            stored = chat_row(row)
            await self._append_event(
                c,
                consultation_id,
                "chat",
                now,
                {
                    "seq": stored.seq,
                    "client_id": stored.client_id,
                    "author_role": stored.author_role,
                    "author_name": stored.author_name,
                    "text": stored.text,
                },
            )
            return stored, True

    async def chat_since(self, consultation_id: int, after_seq: int) -> list[ChatRecord]:
        return await self._all(
            f"SELECT {CHAT_COLUMNS} FROM chat_messages WHERE consultation_id = $1 AND seq > $2 "
            "ORDER BY seq",
            consultation_id,
            after_seq,
            convert=chat_row,
        )

    # --- messages left while all were busy ---

    async def add_offline_message(
        self, name: str, phone: str, text: str, consent_version: str, now: float
    ) -> OfflineMessageRecord:
        return await self._surely(
            "INSERT INTO offline_messages (name, phone, text, consent_version, created_at) "
            f"VALUES ($1, $2, $3, $4, $5) RETURNING {MESSAGE_COLUMNS}",
            name,
            phone,
            text,
            consent_version,
            now,
            convert=message_row,
        )

    async def offline_messages(self, include_done: bool) -> list[OfflineMessageRecord]:
        where = "" if include_done else "WHERE done_at IS NULL"
        return await self._all(
            f"SELECT {MESSAGE_COLUMNS} FROM offline_messages {where} ORDER BY id",
            convert=message_row,
        )

    async def mark_offline_message_done(
        self, message_id: int, advisor: AdvisorRecord, now: float
    ) -> OfflineMessageRecord | None:
        async with self._transaction() as c:
            await c.execute(
                "UPDATE offline_messages SET done_at = $1, done_by = $2 "
                "WHERE id = $3 AND done_at IS NULL",
                now,
                advisor.display_name,
                message_id,
            )
            row = await c.fetchrow(
                f"SELECT {MESSAGE_COLUMNS} FROM offline_messages WHERE id = $1", message_id
            )
            return message_row(row) if row else None

    # --- advisors ---
    # User names are unique and matched ignoring case: each schema has a unique index on
    # lower(username) (SQLite's lower() folds ASCII only, as its NOCASE column always did).

    async def add_advisor(
        self,
        username: str,
        display_name: str,
        password_hash: str,
        now: float,
        roles: frozenset[AccountRole] = ADVISOR_ONLY,
    ) -> AdvisorRecord:
        if not roles:
            raise ValueError("an account holds at least one role")
        try:
            return await self._surely(
                "INSERT INTO advisors (username, display_name, password_hash, created_at, roles) "
                f"VALUES ($1, $2, $3, $4, $5) RETURNING {ADVISOR_COLUMNS}",
                username,
                display_name,
                password_hash,
                now,
                roles_text(roles),
                convert=advisor_row,
            )
        except self.unique_violation as error:
            raise DuplicateError(f"the advisor {username!r} exists already") from error

    async def set_advisor_password(self, username: str, password_hash: str) -> bool:
        async with self._transaction() as c:
            advisor_id = await c.fetchval(
                "UPDATE advisors SET password_hash = $1 WHERE lower(username) = lower($2) "
                "RETURNING id",
                password_hash,
                username,
            )
            if advisor_id is None:
                return False
            await c.execute("DELETE FROM advisor_tokens WHERE advisor_id = $1", advisor_id)
            return True

    async def advisor_by_username(self, username: str) -> AdvisorRecord | None:
        return await self._one(
            f"SELECT {ADVISOR_COLUMNS} FROM advisors WHERE lower(username) = lower($1)",
            username,
            convert=advisor_row,
        )

    async def advisors(self) -> list[AdvisorRecord]:
        return await self._all(
            f"SELECT {ADVISOR_COLUMNS} FROM advisors ORDER BY lower(username)",
            convert=advisor_row,
        )

    async def add_token(
        self, advisor_id: int, token_hash: str, now: float, expires_at: float
    ) -> None:
        await self._execute(
            "INSERT INTO advisor_tokens (token_hash, advisor_id, created_at, expires_at) "
            "VALUES ($1, $2, $3, $4)",
            token_hash,
            advisor_id,
            now,
            expires_at,
        )

    async def advisor_by_token(self, token_hash: str, now: float) -> AdvisorRecord | None:
        return await self._one(
            f"SELECT {prefixed(ADVISOR_COLUMNS, 'a')} FROM advisor_tokens t "
            "JOIN advisors a ON a.id = t.advisor_id "
            "WHERE t.token_hash = $1 AND t.expires_at > $2 AND NOT a.disabled",
            token_hash,
            now,
            convert=advisor_row,
        )

    async def revoke_token(self, token_hash: str) -> bool:
        return (
            await self._execute("DELETE FROM advisor_tokens WHERE token_hash = $1", token_hash) > 0
        )

    async def valid_tokens(
        self, advisor_token_hashes: set[str], customer_token_hashes: set[str], now: float
    ) -> set[str]:
        rows = await self._all(
            "SELECT token_hash FROM advisor_tokens "
            f"WHERE token_hash {self.dialect.any_of(1, 'text')} AND expires_at > $3 UNION ALL "
            f"SELECT token_hash FROM customers WHERE token_hash {self.dialect.any_of(2, 'text')}",
            sorted(advisor_token_hashes),
            sorted(customer_token_hashes),
            now,
            convert=lambda row: str(row[0]),
        )
        return set(rows)

    # --- the customer's record ---

    async def save_record(self, consultation_id: int, pdf: bytes, now: float) -> None:
        await self._execute(
            "INSERT INTO consultation_records (consultation_id, pdf, created_at) "
            "VALUES ($1, $2, $3) ON CONFLICT (consultation_id) DO UPDATE SET "
            "pdf = excluded.pdf, created_at = excluded.created_at",
            consultation_id,
            pdf,
            now,
        )

    async def record(self, consultation_id: int) -> bytes | None:
        return await self._one(
            "SELECT pdf FROM consultation_records WHERE consultation_id = $1",
            consultation_id,
            convert=lambda row: bytes(row[0]),
        )

    async def save_shown_pages(
        self, consultation_id: int, pdf: bytes, manifest: bytes, now: float
    ) -> None:
        await self._execute(
            "INSERT INTO consultation_shown_pages (consultation_id, pdf, manifest, created_at) "
            "VALUES ($1, $2, $3, $4) ON CONFLICT (consultation_id) DO UPDATE SET "
            "pdf = excluded.pdf, manifest = excluded.manifest, created_at = excluded.created_at",
            consultation_id,
            pdf,
            manifest,
            now,
        )

    async def shown_pages(self, consultation_id: int) -> ShownPagesRecord | None:
        return await self._one(
            "SELECT pdf, manifest, created_at FROM consultation_shown_pages "
            "WHERE consultation_id = $1",
            consultation_id,
            convert=lambda row: ShownPagesRecord(bytes(row[0]), bytes(row[1]), row[2]),
        )

    # --- sealing, holds, roles and the audit log ---

    async def _append_event(
        self, c: Connection, consultation_id: int, kind: str, at: float, data: EventData
    ) -> EventRecord:
        """The next link of the chain, in the caller's transaction (which holds the
        consultation's row, so links are made one at a time)."""
        last = await c.fetchrow(
            "SELECT seq, hash FROM consultation_events WHERE consultation_id = $1 "
            "ORDER BY seq DESC LIMIT 1",
            consultation_id,
        )
        seq, previous = (int(last[0]) + 1, str(last[1])) if last else (1, sealing.GENESIS)
        digest = sealing.link(previous, seq, kind, at, data)
        row = await c.fetchrow(
            "INSERT INTO consultation_events (consultation_id, seq, kind, at, data, hash) "
            f"VALUES ($1, $2, $3, $4, $5, $6) RETURNING {EVENT_COLUMNS}",
            consultation_id,
            seq,
            kind,
            at,
            sealing.data_text(data),
            digest,
        )
        await c.execute(
            "UPDATE consultations SET chain_head = $1 WHERE id = $2", digest, consultation_id
        )
        assert row is not None
        return event_row(row)

    async def events(self, consultation_id: int) -> list[EventRecord]:
        return await self._all(
            f"SELECT {EVENT_COLUMNS} FROM consultation_events WHERE consultation_id = $1 "
            "ORDER BY seq",
            consultation_id,
            convert=event_row,
        )

    async def add_event(
        self, consultation_id: int, kind: str, data: EventData, now: float
    ) -> EventRecord:
        async with self._transaction() as c:
            await self._lock_row(c, "consultations", consultation_id)
            return await self._append_event(c, consultation_id, kind, now, data)

    async def set_recording(
        self,
        consultation_id: int,
        consent: RecordingConsent,
        active: bool,
        events: Sequence[tuple[str, EventData]],
        now: float,
    ) -> ConsultationRecord | None:
        async with self._transaction() as c:
            row = await c.fetchrow(
                "UPDATE consultations SET recording_consent = $1, recording_active = $2 "
                f"WHERE id = $3 AND ended_at IS NULL RETURNING {CONSULTATION_COLUMNS}",
                consent,
                active,
                consultation_id,
            )
            if row is None:
                return None
            record = consultation_row(row)
            for kind, data in events:
                head = (await self._append_event(c, consultation_id, kind, now, data)).hash
                record = dataclasses.replace(record, chain_head=head)
            return record

    async def save_minutes(
        self, consultation_id: int, text: str, now: float
    ) -> ConsultationRecord | None:
        async with self._transaction() as c:
            row = await c.fetchrow(
                "UPDATE consultations SET minutes = $1 WHERE id = $2 "
                f"RETURNING {CONSULTATION_COLUMNS}",
                text,
                consultation_id,
            )
            if row is None:
                return None
            event = await self._append_event(c, consultation_id, "minutes", now, {"text": text})
            return dataclasses.replace(consultation_row(row), chain_head=event.hash)

    async def set_legal_hold(self, consultation_id: int, on: bool) -> bool:
        return (
            await self._execute(
                "UPDATE consultations SET legal_hold = $1 WHERE id = $2", on, consultation_id
            )
            > 0
        )

    async def set_roles(self, username: str, roles: frozenset[AccountRole]) -> bool:
        account = await self.advisor_by_username(username)
        if account is None:
            return False
        return await self.update_advisor(account.advisor_id, roles=roles) is not None

    async def advisor(self, advisor_id: int) -> AdvisorRecord | None:
        return await self._one(
            f"SELECT {ADVISOR_COLUMNS} FROM advisors WHERE id = $1",
            advisor_id,
            convert=advisor_row,
        )

    async def update_advisor(
        self,
        advisor_id: int,
        *,
        display_name: str | None = None,
        roles: frozenset[AccountRole] | None = None,
        disabled: bool | None = None,
    ) -> AdvisorRecord | None:
        if roles is not None and not roles:
            raise ValueError("an account holds at least one role")
        async with self._transaction() as c:
            await self._lock_row(c, "advisors", advisor_id)
            row = await c.fetchrow(
                f"SELECT {ADVISOR_COLUMNS} FROM advisors WHERE id = $1", advisor_id
            )
            if row is None:
                return None
            before = advisor_row(row)
            row = await c.fetchrow(
                "UPDATE advisors SET display_name = $1, roles = $2, disabled = $3 "
                f"WHERE id = $4 RETURNING {ADVISOR_COLUMNS}",
                before.display_name if display_name is None else display_name,
                roles_text(before.roles if roles is None else roles),
                before.disabled if disabled is None else disabled,
                advisor_id,
            )
            assert row is not None
            after = advisor_row(row)
            # A role taken away, or the account disabled, takes effect at once: its logins
            # end (open sockets close within a minute, or at once on the hub that did it).
            if (after.disabled and not before.disabled) or not before.roles <= after.roles:
                await c.execute("DELETE FROM advisor_tokens WHERE advisor_id = $1", advisor_id)
            return after

    async def set_password_of(self, advisor_id: int, password_hash: str) -> bool:
        async with self._transaction() as c:
            changed = await c.execute(
                "UPDATE advisors SET password_hash = $1 WHERE id = $2", password_hash, advisor_id
            )
            if not changed:
                return False
            await c.execute("DELETE FROM advisor_tokens WHERE advisor_id = $1", advisor_id)
            return True

    # --- the supervisor's board and figures ---

    async def queue_facts(self, joined_from: float, joined_until: float) -> list[QueueFact]:
        return await self._all(
            f"SELECT {FACT_COLUMNS} FROM queue_facts WHERE joined_at >= $1 AND joined_at < $2 "
            "ORDER BY joined_at, customer_id",
            joined_from,
            joined_until,
            convert=fact_row,
        )

    async def advisor_activity(self, ended_after: float) -> list[AdvisorActivity]:
        return await self._all(
            "SELECT advisor_id, MAX(CASE WHEN ended_at IS NULL THEN started_at END), "
            "MAX(ended_at) FROM consultations WHERE ended_at IS NULL OR ended_at > $1 "
            "GROUP BY advisor_id ORDER BY advisor_id",
            ended_after,
            convert=lambda row: AdvisorActivity(row[0], row[1], row[2]),
        )

    async def open_message_count(self) -> int:
        return await self._surely(
            "SELECT count(*) FROM offline_messages WHERE done_at IS NULL",
            convert=lambda row: int(row[0]),
        )

    async def add_audit(
        self, account: str, action: str, subject: str, now: float, keep_until: float
    ) -> None:
        await self._execute(
            "INSERT INTO audit_log (at, account, action, subject, keep_until) "
            "VALUES ($1, $2, $3, $4, $5)",
            now,
            account,
            action,
            subject,
            keep_until,
        )

    async def audit(self, limit: int, before: int | None = None) -> list[AuditRecord]:
        newest = await self._all(
            f"SELECT {AUDIT_COLUMNS} FROM audit_log WHERE id < $2 ORDER BY id DESC LIMIT $1",
            limit,
            before if before is not None else 2**62,
            convert=audit_row,
        )
        return newest[::-1]

    # --- recordings ---

    async def start_recording(self, consultation_id: int, key: bytes, now: float) -> int:
        async with self._transaction() as c:
            await self._lock_row(c, "consultations", consultation_id)
            part = int(
                await c.fetchval(
                    "INSERT INTO recordings (consultation_id, part, key, started_at) VALUES "
                    "($1, (SELECT COALESCE(MAX(part), 0) + 1 FROM recordings WHERE "
                    "consultation_id = $1), $2, $3) RETURNING part",
                    consultation_id,
                    key,
                    now,
                )
            )
            await self._append_event(c, consultation_id, "recording_started", now, {"part": part})
            return part

    async def recording_key(self, consultation_id: int, part: int) -> bytes | None:
        return await self._one(
            "SELECT key FROM recordings WHERE consultation_id = $1 AND part = $2",
            consultation_id,
            part,
            convert=lambda row: bytes(row[0]),
        )

    async def add_recording_segment(
        self, segment: RecordingSegmentRecord, now: float
    ) -> EventRecord | None:
        async with self._transaction() as c:
            await self._lock_row(c, "consultations", segment.consultation_id)
            added = await c.execute(
                "INSERT INTO recording_segments (consultation_id, part, seq, bytes, sha256, "
                "last, media_ms, stored_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) "
                "ON CONFLICT (consultation_id, part, seq) DO NOTHING",
                segment.consultation_id,
                segment.part,
                segment.seq,
                segment.bytes,
                segment.sha256,
                segment.last,
                segment.media_ms,
                now,
            )
            if not added:
                return None
            return await self._append_event(
                c,
                segment.consultation_id,
                "recording_segment",
                now,
                {
                    "part": segment.part,
                    "seq": segment.seq,
                    "bytes": segment.bytes,
                    "sha256": segment.sha256,
                    "last": segment.last,
                    "media_ms": segment.media_ms,
                },
            )

    async def recording_segments(self, consultation_id: int) -> list[RecordingSegmentRecord]:
        return await self._all(
            f"SELECT {SEGMENT_COLUMNS} FROM recording_segments WHERE consultation_id = $1 "
            "ORDER BY part, seq",
            consultation_id,
            convert=segment_row,
        )

    async def segments_by_hash(self, sha256: str) -> list[RecordingSegmentRecord]:
        return await self._all(
            f"SELECT {SEGMENT_COLUMNS} FROM recording_segments WHERE sha256 = $1 "
            "ORDER BY consultation_id, part, seq",
            sha256,
            convert=segment_row,
        )

    async def first_segments(self) -> list[RecordingSegmentRecord]:
        return await self._all(
            f"SELECT {SEGMENT_COLUMNS} FROM recording_segments WHERE seq = 1 "
            "ORDER BY consultation_id, part",
            convert=segment_row,
        )

    async def recorded_consultations(self) -> set[int]:
        rows = await self._all(
            "SELECT DISTINCT consultation_id FROM recordings", convert=lambda row: int(row[0])
        )
        return set(rows)

    # --- login attempts and other senders' events ---

    async def login_secret(self) -> bytes:
        return await self._surely("SELECT value FROM hub_secret", convert=lambda row: bytes(row[0]))

    # Serializes login attempts over all instances (PostgreSQL's advisory lock key, "vblg").
    LOGIN_LOCK = 0x76626C67

    async def begin_login(
        self, account: str, address: str, now: float, limits: LoginLimits
    ) -> float:
        keys = login_keys(account, address)
        most = max(limits.per_pair, limits.per_address, limits.per_account)
        async with self._transaction() as c:
            # One attempt at a time: checks and counts of concurrent attempts cannot interleave.
            await self._serialize(c, self.LOGIN_LOCK)
            known = await c.fetchval(
                "SELECT 1 FROM login_known_addresses WHERE account = $1 AND address = $2",
                account,
                address,
            )
            recent = {
                scope: [
                    row[0]
                    for row in await c.fetch(
                        "SELECT at FROM rate_events WHERE scope = $1 AND key = $2 AND at > $3 "
                        "ORDER BY at DESC LIMIT $4",
                        scope,
                        key,
                        now - limits.window,
                        most,
                    )
                ]
                for scope, key in keys.items()
            }
            wait = login_wait(recent, known is not None, limits, now)
            if wait == 0:
                await c.executemany(
                    "INSERT INTO rate_events (scope, key, at) VALUES ($1, $2, $3)",
                    [(scope, key, now) for scope, key in keys.items()],
                )
            return wait

    async def take_allowance(
        self, scope: str, key: str, now: float, window: float, limit: int
    ) -> float:
        async with self._transaction() as c:
            # One sender's events in order over all instances: the count and the insert
            # cannot interleave with another instance's.
            await self._serialize(c, f"{scope}:{key}")
            times = [
                row[0]
                for row in await c.fetch(
                    "SELECT at FROM rate_events WHERE scope = $1 AND key = $2 AND at > $3 "
                    "ORDER BY at DESC LIMIT $4",
                    scope,
                    key,
                    now - window,
                    limit,
                )
            ]
            if len(times) >= limit:
                return max(0.001, float(times[limit - 1]) + window - now)
            await c.execute(
                "INSERT INTO rate_events (scope, key, at) VALUES ($1, $2, $3)", scope, key, now
            )
            return 0.0

    async def chat_volume(
        self, consultation_id: int, role: Role, since: float
    ) -> tuple[int, int, float | None]:
        return await self._surely(
            "SELECT count(*), coalesce(sum(length(text)), 0), min(sent_at) FROM chat_messages "
            "WHERE consultation_id = $1 AND author_role = $2 AND sent_at > $3",
            consultation_id,
            role,
            since,
            convert=lambda row: (int(row[0]), int(row[1]), row[2]),
        )

    async def login_succeeded(self, account: str, address: str, now: float) -> None:
        async with self._transaction() as c:
            await c.execute(
                "DELETE FROM rate_events WHERE scope = 'login.pair' AND key = $1",
                login_keys(account, address)["login.pair"],
            )
            await c.execute(
                "INSERT INTO login_known_addresses (account, address, at) VALUES ($1, $2, $3) "
                "ON CONFLICT (account, address) DO UPDATE SET at = excluded.at",
                account,
                address,
                now,
            )

    # --- retention ---

    async def purge(
        self, older_than: float, now: float, present: Present = NOBODY_PRESENT
    ) -> PurgeCounts:
        any_of = self.dialect.any_of
        async with self._transaction() as c:
            # A consultation begun before the retention period, never ended, and of which
            # nobody is connected (here, or on another instance: both sides vanished) is over:
            # ended by nobody, then purged like any other.
            abandoned = await c.execute(
                "UPDATE consultations SET ended_at = $1 WHERE ended_at IS NULL AND started_at < $2 "
                f"AND NOT (customer_id {any_of(3, 'bigint')}) "
                f"AND NOT (advisor_id {any_of(4, 'bigint')}){self._abandoned_also}",
                now,
                older_than,
                sorted(present.customers),
                sorted(present.advisors),
            )
            await c.execute(
                "UPDATE customers SET state = 'ended', state_at = $1 WHERE state = "
                "'in_consultation' AND id IN (SELECT customer_id FROM consultations WHERE "
                "ended_at IS NOT NULL)",
                now,
            )
            # A customer still waiting or in a consultation is in the middle of a visit; a
            # consultation on legal hold, or kept longer by its recording policy, is kept
            # with its customer (the record names them).
            kept = "(legal_hold OR COALESCE(keep_until, 0) > $2)"
            finished_before = (
                "joined_at < $1 AND state NOT IN ('waiting', 'in_consultation') AND id NOT IN "
                f"(SELECT customer_id FROM consultations WHERE {kept})"
            )
            old_consultations = (
                "SELECT id FROM consultations WHERE customer_id IN "
                f"(SELECT id FROM customers WHERE {finished_before})"
            )
            chat = await c.execute(
                f"DELETE FROM chat_messages WHERE consultation_id IN ({old_consultations})",
                older_than,
                now,
            )
            for table in (
                "recording_segments",
                "recordings",
                "consultation_records",
                "consultation_shown_pages",
                "consultation_events",
            ):
                await c.execute(
                    f"DELETE FROM {table} WHERE consultation_id IN ({old_consultations})",
                    older_than,
                    now,
                )
            consultations = await c.execute(
                f"DELETE FROM consultations WHERE id IN ({old_consultations})", older_than, now
            )
            customers = await c.execute(
                f"DELETE FROM customers WHERE {finished_before}", older_than, now
            )
            await c.execute("DELETE FROM audit_log WHERE keep_until <= $1", now)
            messages = await c.execute(
                "DELETE FROM offline_messages WHERE created_at < $1", older_than
            )
            tokens = await c.execute("DELETE FROM advisor_tokens WHERE expires_at <= $1", now)
            await c.execute("DELETE FROM rate_events WHERE at < $1", now - RATE_EVENTS_KEPT)
            await c.execute("DELETE FROM login_known_addresses WHERE at < $1", older_than)
            await self._purge_more(c, now)
            return PurgeCounts(customers, consultations, chat, messages, tokens, abandoned)
