"""The storage contract (``advisor_app.hub.storage.base.Storage``), the same for every backend.

Each test runs on a real SQLite file and on a real database of the session's PostgreSQL test
server (tests/support/postgres.py). Select one half with ``-k sqlite`` or ``-k postgresql``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import sqlite3
import types
import typing
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from advisor_app.hub import record_signing, sealing
from advisor_app.hub.storage.base import (
    AdvisorBusyError,
    AdvisorRecord,
    ChatRecord,
    ConsultationRecord,
    CustomerRecord,
    DuplicateError,
    LoginLimits,
    NewCustomer,
    OfflineMessageRecord,
    PurgeCounts,
    RecordingRules,
    RecordingSegmentRecord,
    Storage,
    StorageError,
)
from advisor_app.hub.storage.sqlite import SQLiteStorage
from advisor_app.protocol.common import CustomerState, Mode

T0 = 1_780_000_000.0  # an ordinary moment in 2026, in Unix seconds
HOUR = 3_600.0
DAY = 86_400.0
NOTICE = "2026-11-01"


# --- backends ---


class Backend:
    """Opens storages on one backend's database (a file, a PostgreSQL database); whatever is
    still open at the end of the test is closed."""

    def __init__(self, make: Callable[[], Storage]) -> None:
        self._make = make
        self._open: list[Storage] = []

    async def open(self) -> Storage:
        storage = self._make()
        await storage.open()
        self._open.append(storage)
        return storage

    async def close(self, storage: Storage) -> None:
        self._open.remove(storage)
        await storage.close()

    async def close_all(self) -> None:
        while self._open:
            await self.close(self._open[-1])


@pytest.fixture(params=["sqlite", "postgresql"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    make: Callable[[], Storage]
    if request.param == "sqlite":
        make = functools.partial(SQLiteStorage, tmp_path / "hub.sqlite3")
    else:
        # Asked for here, not as an argument: the SQLite half needs no PostgreSQL server.
        dsn: str = request.getfixturevalue("postgres_database")
        from advisor_app.hub.storage.postgres import PostgresStorage

        make = functools.partial(PostgresStorage, dsn)
    opened = Backend(make)
    yield opened
    await opened.close_all()


@pytest.fixture
async def storage(backend: Backend) -> Storage:
    return await backend.open()


# --- helpers ---


def new_customer(
    token: str,
    *,
    joined_at: float = T0,
    name: str = "Erika Mustermann",
    phone: str = "+49 30 1234567",
    mode: Mode = "av",
    see_advisor: bool = True,
    show_me: bool = False,
) -> NewCustomer:
    return NewCustomer(
        token_hash=f"customer-token-{token}",
        name=name,
        phone=phone,
        mode=mode,
        see_advisor=see_advisor,
        show_me=show_me,
        consent_version=NOTICE,
        consent_at=joined_at - 5,
        joined_at=joined_at,
    )


def expected_customer(
    customer_id: int,
    new: NewCustomer,
    state: CustomerState = "waiting",
    state_at: float | None = None,
) -> CustomerRecord:
    return CustomerRecord(
        customer_id=customer_id,
        name=new.name,
        phone=new.phone,
        mode=new.mode,
        see_advisor=new.see_advisor,
        show_me=new.show_me,
        consent_version=new.consent_version,
        consent_at=new.consent_at,
        joined_at=new.joined_at,
        state=state,
        state_at=new.joined_at if state_at is None else state_at,
    )


async def add_advisor(
    storage: Storage, username: str = "anna", display_name: str | None = None, now: float = T0
) -> AdvisorRecord:
    return await storage.add_advisor(
        username, display_name or f"{username.title()} Berger", f"hash-of-{username}", now
    )


async def add_waiting(storage: Storage, count: int, start: float = T0) -> list[CustomerRecord]:
    """``count`` customers who joined one second apart, in that order."""
    return [
        await storage.add_customer(new_customer(f"w{number}", joined_at=start + number))
        for number in range(count)
    ]


async def start_consultation(
    storage: Storage, advisor: AdvisorRecord, token: str, now: float
) -> ConsultationRecord:
    customer = await storage.add_customer(new_customer(token, joined_at=now - 60))
    claimed = await storage.claim(advisor, customer.customer_id, now)
    assert claimed is not None
    return claimed[1]


async def ended_consultation(
    storage: Storage, advisor: AdvisorRecord, token: str, started_at: float, ended_at: float
) -> ConsultationRecord:
    consultation = await start_consultation(storage, advisor, token, started_at)
    ended = await storage.end_consultation(consultation.consultation_id, "advisor", ended_at)
    assert ended is not None
    return ended


async def chat(storage: Storage, consultation_id: int, client_id: str, text: str) -> ChatRecord:
    record, stored = await storage.add_chat(
        consultation_id, client_id, "customer", "Erika", text, T0
    )
    assert stored
    return record


async def open_connections(storage: Storage, count: int = 20) -> None:
    """Run ``count`` reads at once first: a backend with a connection pool then has its
    connections open, and the concurrent calls that follow really overlap."""
    await asyncio.gather(*(storage.waiting_customers() for _ in range(count)))


def assert_exact_types(record: object) -> None:
    """Each field holds exactly its declared type: a bool (not 1), an int (not a bool), a float
    (not a Decimal or a datetime; an int passes, as for a type checker)."""
    hints = typing.get_type_hints(type(record))
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        value = getattr(record, field.name)
        allowed = _runtime_types(hints[field.name])
        assert type(value) in allowed, (
            f"{type(record).__name__}.{field.name} = {value!r} is a {type(value).__name__}, "
            f"not one of {sorted(t.__name__ for t in allowed)}"
        )


def _runtime_types(hint: object) -> set[type]:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_runtime_types(argument) for argument in typing.get_args(hint)))
    if origin is typing.Literal:
        return {type(argument) for argument in typing.get_args(hint)}
    if origin is frozenset:  # a set of roles
        return {frozenset}
    if hint is None or hint is type(None):
        return {type(None)}
    assert isinstance(hint, type), hint
    return {float, int} if hint is float else {hint}


# --- customers and the queue ---


async def test_a_new_customer_is_waiting_since_joining(storage: Storage) -> None:
    new = new_customer("a", joined_at=T0 + 7)

    added = await storage.add_customer(new)

    assert added == expected_customer(added.customer_id, new)


async def test_customers_are_found_by_token_and_by_id(storage: Storage) -> None:
    first = await storage.add_customer(new_customer("a"))
    second = await storage.add_customer(new_customer("b", name="Max Muster", mode="text"))

    assert first.customer_id != second.customer_id
    assert await storage.customer_by_token("customer-token-a") == first
    assert await storage.customer_by_token("customer-token-b") == second
    assert await storage.customer(first.customer_id) == first
    assert await storage.customer(second.customer_id) == second
    assert await storage.customer_by_token("customer-token-unknown") is None
    assert await storage.customer(second.customer_id + 1000) is None


async def test_customers_are_found_many_at_once(storage: Storage) -> None:
    # More than 500: SQLite takes at most so many parameters per query.
    added = await add_waiting(storage, 520)
    gone = added[7]
    await storage.finish_waiting(gone.customer_id, "left", T0 + 1000)
    wanted = [customer.customer_id for customer in reversed(added)]
    unknown = [max(wanted) + number for number in range(1, 4)]

    found = await storage.customers([*wanted, *unknown, added[0].customer_id])

    expected = [*added[:7], await storage.customer(gone.customer_id), *added[8:]]
    assert sorted(found, key=lambda customer: customer.customer_id) == expected
    assert await storage.customers([]) == []
    assert await storage.customers(unknown) == []


async def test_waiting_customers_come_first_come_first(storage: Storage) -> None:
    customers = await add_waiting(storage, 4)
    await storage.finish_waiting(customers[1].customer_id, "left", T0 + 10)

    waiting = await storage.waiting_customers()

    assert waiting == [customers[0], customers[2], customers[3]]


async def test_no_one_waiting(storage: Storage) -> None:
    assert await storage.waiting_customers() == []


async def test_waiting_positions_count_from_one_in_order(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    first, second, third, fourth = await add_waiting(storage, 4)

    positions = [await storage.waiting_position(c.customer_id) for c in (first, second, third)]
    assert positions == [1, 2, 3]
    await storage.finish_waiting(second.customer_id, "left", T0 + 10)
    assert await storage.claim(advisor, first.customer_id, T0 + 20) is not None

    assert await storage.waiting_position(third.customer_id) == 1
    assert await storage.waiting_position(fourth.customer_id) == 2
    assert await storage.waiting_position(first.customer_id) is None
    assert await storage.waiting_position(second.customer_id) is None
    assert await storage.waiting_position(fourth.customer_id + 1000) is None


async def test_finish_waiting_moves_a_waiting_customer_once(storage: Storage) -> None:
    leaving, expiring = await add_waiting(storage, 2)

    left = await storage.finish_waiting(leaving.customer_id, "left", T0 + 30)
    expired = await storage.finish_waiting(expiring.customer_id, "expired", T0 + 40)

    assert left == dataclasses.replace(leaving, state="left", state_at=T0 + 30)
    assert expired == dataclasses.replace(expiring, state="expired", state_at=T0 + 40)
    assert await storage.finish_waiting(leaving.customer_id, "expired", T0 + 50) is None
    assert await storage.customer(leaving.customer_id) == left
    assert await storage.waiting_customers() == []


async def test_finish_waiting_leaves_customers_in_a_consultation_alone(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    (customer,) = await add_waiting(storage, 1)
    claimed = await storage.claim(advisor, customer.customer_id, T0 + 10)
    assert claimed is not None

    assert await storage.finish_waiting(customer.customer_id, "left", T0 + 20) is None
    assert await storage.customer(customer.customer_id) == claimed[0]
    assert await storage.finish_waiting(customer.customer_id + 1000, "left", T0 + 20) is None


# --- claims ---


async def test_claim_without_a_choice_takes_the_first_waiting(storage: Storage) -> None:
    advisor = await add_advisor(storage, "anna", "Anna Berger")
    first, second = await add_waiting(storage, 2)

    claimed = await storage.claim(advisor, None, T0 + 100)

    assert claimed is not None
    customer, consultation = claimed
    assert customer == dataclasses.replace(first, state="in_consultation", state_at=T0 + 100)
    assert consultation == ConsultationRecord(
        consultation_id=consultation.consultation_id,
        customer_id=first.customer_id,
        advisor_id=advisor.advisor_id,
        advisor_name="Anna Berger",
        mode=first.mode,
        see_advisor=first.see_advisor,
        show_me=first.show_me,
        started_at=T0 + 100,
        ended_at=None,
        ended_by=None,
        chain_head=consultation.chain_head,
    )
    assert consultation.active
    assert await storage.waiting_customers() == [second]
    # Its chain begins with the consent, the join and the take (hub/sealing.py).
    events = await storage.events(consultation.consultation_id)
    assert [event.kind for event in events] == ["consent", "joined", "taken"]
    assert consultation.chain_head == events[-1].hash and len(events[-1].hash) == 64


async def test_claim_a_chosen_customer(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    first, second, third = await add_waiting(storage, 3)

    claimed = await storage.claim(advisor, second.customer_id, T0 + 100)

    assert claimed is not None
    assert claimed[0] == dataclasses.replace(second, state="in_consultation", state_at=T0 + 100)
    assert claimed[1].customer_id == second.customer_id
    assert await storage.customer(second.customer_id) == claimed[0]
    assert await storage.waiting_customers() == [first, third]


async def test_the_consultation_copies_what_the_customer_chose(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    customer = await storage.add_customer(
        new_customer("t", mode="text", see_advisor=False, show_me=True)
    )

    claimed = await storage.claim(advisor, customer.customer_id, T0 + 1)

    assert claimed is not None
    consultation = claimed[1]
    assert (consultation.mode, consultation.see_advisor, consultation.show_me) == (
        "text",
        False,
        True,
    )


async def test_a_taken_or_gone_customer_cannot_be_claimed(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna")
    ben = await add_advisor(storage, "ben")
    taken, gone = await add_waiting(storage, 2)
    assert await storage.claim(anna, taken.customer_id, T0 + 10) is not None
    await storage.finish_waiting(gone.customer_id, "left", T0 + 10)

    assert await storage.claim(ben, taken.customer_id, T0 + 20) is None
    assert await storage.claim(ben, gone.customer_id, T0 + 20) is None
    assert await storage.claim(ben, gone.customer_id + 1000, T0 + 20) is None
    assert await storage.claim(ben, None, T0 + 20) is None
    assert await storage.active_consultation_of_advisor(ben.advisor_id) is None
    assert (await storage.customer(gone.customer_id)).state == "left"  # type: ignore[union-attr]


async def test_an_advisor_in_a_consultation_cannot_claim_another(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    first, second = await add_waiting(storage, 2)
    claimed = await storage.claim(advisor, first.customer_id, T0 + 10)
    assert claimed is not None

    with pytest.raises(AdvisorBusyError):
        await storage.claim(advisor, None, T0 + 20)
    with pytest.raises(AdvisorBusyError):
        await storage.claim(advisor, second.customer_id, T0 + 20)

    assert await storage.waiting_customers() == [second]
    assert await storage.active_consultation_of_advisor(advisor.advisor_id) == claimed[1]


async def test_after_the_end_the_advisor_can_claim_again(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    first, second = await add_waiting(storage, 2)
    claimed = await storage.claim(advisor, None, T0 + 10)
    assert claimed is not None and claimed[0].customer_id == first.customer_id
    await storage.end_consultation(claimed[1].consultation_id, "customer", T0 + 20)

    again = await storage.claim(advisor, None, T0 + 30)

    assert again is not None
    assert again[0].customer_id == second.customer_id
    assert await storage.active_consultation_of_advisor(advisor.advisor_id) == again[1]


async def test_concurrent_claims_give_every_customer_to_exactly_one_advisor(
    storage: Storage,
) -> None:
    advisors = [await add_advisor(storage, f"advisor{number:02}") for number in range(20)]
    customers = await add_waiting(storage, 10)
    await open_connections(storage)

    results = await asyncio.gather(*(storage.claim(a, None, T0 + 100) for a in advisors))

    taken = [result for result in results if result is not None]
    assert sorted(customer.customer_id for customer, _ in taken) == [
        customer.customer_id for customer in customers
    ]
    advisor_ids = [consultation.advisor_id for _, consultation in taken]
    assert len(set(advisor_ids)) == len(advisor_ids)
    assert await storage.waiting_customers() == []
    for customer, consultation in taken:
        assert await storage.consultation_of_customer(customer.customer_id) == consultation
        assert await storage.active_consultation_of_advisor(consultation.advisor_id) == consultation


async def test_concurrent_claims_of_one_chosen_customer_have_one_winner(
    storage: Storage,
) -> None:
    advisors = [await add_advisor(storage, f"advisor{number:02}") for number in range(20)]
    customers = await add_waiting(storage, 10)
    await open_connections(storage)

    # two advisors go for each customer
    results = await asyncio.gather(
        *(
            storage.claim(advisor, customers[number // 2].customer_id, T0 + 100)
            for number, advisor in enumerate(advisors)
        )
    )

    winners = [result for result in results if result is not None]
    assert sorted(customer.customer_id for customer, _ in winners) == [
        customer.customer_id for customer in customers
    ]
    assert results.count(None) == 10


async def test_concurrent_claims_of_one_advisor_start_one_consultation(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    customers = await add_waiting(storage, 5)
    await open_connections(storage)

    results = await asyncio.gather(
        *(storage.claim(advisor, None, T0 + 100) for _ in customers), return_exceptions=True
    )

    won = [result for result in results if isinstance(result, tuple)]
    busy = [result for result in results if isinstance(result, AdvisorBusyError)]
    assert (len(won), len(busy)) == (1, 4), results
    assert await storage.active_consultation_of_advisor(advisor.advisor_id) == won[0][1]
    assert len(await storage.waiting_customers()) == 4


async def test_a_customer_who_leaves_while_being_claimed_goes_one_way(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    (customer,) = await add_waiting(storage, 1)
    await open_connections(storage)

    claimed, left = await asyncio.gather(
        storage.claim(advisor, customer.customer_id, T0 + 10),
        storage.finish_waiting(customer.customer_id, "left", T0 + 10),
    )

    assert (claimed is None) != (left is None)
    stored = await storage.customer(customer.customer_id)
    assert stored == (left if claimed is None else claimed[0])
    assert (await storage.consultation_of_customer(customer.customer_id) is None) == (
        claimed is None
    )


# --- consultations ---


async def test_consultations_are_found_by_id_customer_and_advisor(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna")
    ben = await add_advisor(storage, "ben")
    first = await start_consultation(storage, anna, "a", T0 + 10)
    second = await start_consultation(storage, ben, "b", T0 + 20)
    (waiting,) = await add_waiting(storage, 1)

    assert await storage.consultation(first.consultation_id) == first
    assert await storage.consultation(second.consultation_id) == second
    assert await storage.consultation(second.consultation_id + 1000) is None
    assert await storage.consultation_of_customer(second.customer_id) == second
    assert await storage.consultation_of_customer(waiting.customer_id) is None
    assert await storage.active_consultation_of_advisor(anna.advisor_id) == first
    assert await storage.active_consultation_of_advisor(ben.advisor_id) == second
    assert await storage.active_consultation_of_advisor(ben.advisor_id + 1000) is None


async def test_a_consultation_ends_once(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "a", T0 + 10)

    ended = await storage.end_consultation(consultation.consultation_id, "customer", T0 + 70)
    again = await storage.end_consultation(consultation.consultation_id, "advisor", T0 + 80)

    assert ended is not None and not ended.active
    # The end is the chain's newest event.
    assert ended.chain_head != consultation.chain_head
    assert ended == dataclasses.replace(
        consultation, ended_at=T0 + 70, ended_by="customer", chain_head=ended.chain_head
    )
    assert again is None
    assert await storage.consultation(consultation.consultation_id) == ended
    assert await storage.consultation_of_customer(consultation.customer_id) == ended
    assert await storage.active_consultation_of_advisor(advisor.advisor_id) is None
    customer = await storage.customer(consultation.customer_id)
    assert customer is not None
    assert (customer.state, customer.state_at) == ("ended", T0 + 70)


async def test_concurrent_ends_end_once(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "a", T0 + 10)
    await open_connections(storage)

    results = await asyncio.gather(
        *(
            storage.end_consultation(consultation.consultation_id, "advisor", T0 + 20 + number)
            for number in range(5)
        )
    )

    ended = [result for result in results if result is not None]
    assert len(ended) == 1
    assert await storage.consultation(consultation.consultation_id) == ended[0]


async def test_ending_an_unknown_consultation_gives_none(storage: Storage) -> None:
    assert await storage.end_consultation(4711, "advisor", T0) is None


async def test_recent_handling_times_are_newest_first(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    # started first but ended last: the order is by the end
    await ended_consultation(storage, advisor, "long", T0, T0 + 900.0)
    await ended_consultation(storage, advisor, "short", T0 + 100, T0 + 160.0)
    await ended_consultation(storage, advisor, "middle", T0 + 200, T0 + 500.5)
    await start_consultation(storage, advisor, "running", T0 + 1000)

    assert await storage.recent_handling_times(10) == [900.0, 300.5, 60.0]
    assert await storage.recent_handling_times(2) == [900.0, 300.5]


async def test_no_handling_times_before_the_first_end(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    await start_consultation(storage, advisor, "running", T0)

    assert await storage.recent_handling_times(10) == []


# --- chat ---


async def test_chat_sequence_numbers_count_per_consultation(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna")
    ben = await add_advisor(storage, "ben")
    first = await start_consultation(storage, anna, "a", T0)
    second = await start_consultation(storage, ben, "b", T0)

    seqs = [
        (await chat(storage, consultation.consultation_id, f"m{number}", "hallo")).seq
        for number, consultation in enumerate([first, second, first, first, second])
    ]

    assert seqs == [1, 1, 2, 3, 2]


async def test_add_chat_returns_the_stored_message(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "a", T0)

    record, stored = await storage.add_chat(
        consultation.consultation_id, "client-1", "advisor", "Anna Berger", "Guten Tag!", T0 + 5
    )

    assert stored
    assert record == ChatRecord(
        consultation_id=consultation.consultation_id,
        seq=1,
        client_id="client-1",
        author_role="advisor",
        author_name="Anna Berger",
        text="Guten Tag!",
        sent_at=T0 + 5,
    )
    assert await storage.chat_since(consultation.consultation_id, 0) == [record]


async def test_a_repeated_client_id_from_the_same_role_is_stored_once(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "a", T0)
    original, _ = await storage.add_chat(
        consultation.consultation_id, "client-1", "customer", "Erika", "first", T0 + 1
    )

    repeated, stored = await storage.add_chat(
        consultation.consultation_id, "client-1", "customer", "Erika", "resent", T0 + 2
    )

    assert not stored
    assert repeated == original
    assert await storage.chat_since(consultation.consultation_id, 0) == [original]


async def test_the_same_client_id_from_the_other_role_is_a_new_message(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "a", T0)
    from_customer, _ = await storage.add_chat(
        consultation.consultation_id, "client-1", "customer", "Erika", "Frage", T0 + 1
    )

    from_advisor, stored = await storage.add_chat(
        consultation.consultation_id, "client-1", "advisor", "Anna", "Antwort", T0 + 2
    )

    assert stored
    assert (from_advisor.seq, from_advisor.author_role, from_advisor.text) == (
        2,
        "advisor",
        "Antwort",
    )
    assert await storage.chat_since(consultation.consultation_id, 0) == [
        from_customer,
        from_advisor,
    ]


async def test_the_same_client_id_in_another_consultation_is_a_new_message(
    storage: Storage,
) -> None:
    anna = await add_advisor(storage, "anna")
    ben = await add_advisor(storage, "ben")
    first = await start_consultation(storage, anna, "a", T0)
    second = await start_consultation(storage, ben, "b", T0)
    await chat(storage, first.consultation_id, "client-1", "hallo")

    record, stored = await storage.add_chat(
        second.consultation_id, "client-1", "customer", "Max", "hallo", T0
    )

    assert stored
    assert (record.consultation_id, record.seq) == (second.consultation_id, 1)


async def test_concurrent_chat_messages_get_distinct_consecutive_seqs(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "a", T0)
    await open_connections(storage)

    results = await asyncio.gather(
        *(
            storage.add_chat(
                consultation.consultation_id,
                f"client-{number}",
                "customer" if number % 2 else "advisor",
                "someone",
                f"message {number}",
                T0 + number,
            )
            for number in range(50)
        )
    )

    assert all(stored for _, stored in results)
    assert sorted(record.seq for record, _ in results) == list(range(1, 51))
    stored_records = await storage.chat_since(consultation.consultation_id, 0)
    assert stored_records == sorted((record for record, _ in results), key=lambda r: r.seq)


async def test_concurrent_repeats_of_one_message_store_it_once(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "a", T0)
    await open_connections(storage)

    results = await asyncio.gather(
        *(
            storage.add_chat(
                consultation.consultation_id, "client-1", "customer", "Erika", "hallo", T0 + n
            )
            for n in range(10)
        )
    )

    assert [stored for _, stored in results].count(True) == 1
    assert {record for record, _ in results} == {results[0][0]}
    assert len(await storage.chat_since(consultation.consultation_id, 0)) == 1


async def test_chat_since_gives_the_later_messages_in_order(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "a", T0)
    records = [
        await chat(storage, consultation.consultation_id, f"m{number}", f"text {number}")
        for number in range(5)
    ]

    assert await storage.chat_since(consultation.consultation_id, 0) == records
    assert await storage.chat_since(consultation.consultation_id, 3) == records[3:]
    assert await storage.chat_since(consultation.consultation_id, 5) == []
    assert await storage.chat_since(consultation.consultation_id + 1000, 0) == []


# --- messages left while all were busy ---


async def test_offline_messages_are_listed_oldest_first(storage: Storage) -> None:
    first = await storage.add_offline_message("Erika", "+49 1", "Bitte zurückrufen", NOTICE, T0)
    second = await storage.add_offline_message("Max", "+49 2", "Kredit", NOTICE, T0 + 60)

    assert first == OfflineMessageRecord(
        message_id=first.message_id,
        name="Erika",
        phone="+49 1",
        text="Bitte zurückrufen",
        consent_version=NOTICE,
        created_at=T0,
        done_at=None,
        done_by=None,
    )
    assert second.message_id != first.message_id
    assert await storage.offline_messages(include_done=False) == [first, second]
    assert await storage.offline_messages(include_done=True) == [first, second]


async def test_a_message_marked_done_records_who_and_when(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna", "Anna Berger")
    ben = await add_advisor(storage, "ben", "Ben Schulz")
    first = await storage.add_offline_message("Erika", "+49 1", "eins", NOTICE, T0)
    second = await storage.add_offline_message("Max", "+49 2", "zwei", NOTICE, T0 + 1)

    done = await storage.mark_offline_message_done(first.message_id, anna, T0 + 100)
    again = await storage.mark_offline_message_done(first.message_id, ben, T0 + 200)

    assert done == dataclasses.replace(first, done_at=T0 + 100, done_by="Anna Berger")
    assert again == done
    assert await storage.offline_messages(include_done=False) == [second]
    assert await storage.offline_messages(include_done=True) == [done, second]


async def test_concurrent_marks_keep_one_advisor(storage: Storage) -> None:
    advisors = [await add_advisor(storage, f"advisor{number}") for number in range(5)]
    message = await storage.add_offline_message("Erika", "+49 1", "eins", NOTICE, T0)
    await open_connections(storage)

    results = await asyncio.gather(
        *(
            storage.mark_offline_message_done(message.message_id, advisor, T0 + 10 + number)
            for number, advisor in enumerate(advisors)
        )
    )

    assert len(set(results)) == 1
    done = results[0]
    assert done is not None
    assert (done.done_by, done.done_at) in {
        (advisor.display_name, T0 + 10 + number) for number, advisor in enumerate(advisors)
    }


async def test_marking_an_unknown_message_gives_none(storage: Storage) -> None:
    anna = await add_advisor(storage)

    assert await storage.mark_offline_message_done(4711, anna, T0) is None


# --- advisors ---


async def test_an_added_advisor_is_found_by_user_name(storage: Storage) -> None:
    added = await storage.add_advisor("anna", "Anna Berger", "argon2-hash", T0)

    assert added == AdvisorRecord(
        advisor_id=added.advisor_id,
        username="anna",
        display_name="Anna Berger",
        password_hash="argon2-hash",
        created_at=T0,
    )
    assert await storage.advisor_by_username("anna") == added
    assert await storage.advisor_by_username("ben") is None


async def test_user_names_are_unique_ignoring_case(storage: Storage) -> None:
    anna = await add_advisor(storage, "Anna")

    for duplicate in ("Anna", "anna", "ANNA"):
        with pytest.raises(DuplicateError):
            await add_advisor(storage, duplicate, "Someone Else")

    assert issubclass(DuplicateError, StorageError)
    assert await storage.advisors() == [anna]


async def test_concurrent_adds_of_one_user_name_make_one_advisor(storage: Storage) -> None:
    await open_connections(storage)

    results = await asyncio.gather(
        *(add_advisor(storage, name) for name in ("anna", "Anna", "ANNA", "aNNa")),
        return_exceptions=True,
    )

    added = [result for result in results if isinstance(result, AdvisorRecord)]
    duplicates = [result for result in results if isinstance(result, DuplicateError)]
    assert (len(added), len(duplicates)) == (1, 3), results
    assert await storage.advisors() == added


async def test_user_names_are_found_ignoring_case(storage: Storage) -> None:
    anna = await add_advisor(storage, "Anna")

    assert await storage.advisor_by_username("anna") == anna
    assert await storage.advisor_by_username("ANNA") == anna
    assert await storage.set_advisor_password("aNNa", "new-hash")
    assert await storage.advisor_by_username("Anna") == dataclasses.replace(
        anna, password_hash="new-hash"
    )


async def test_advisors_are_listed_by_user_name_ignoring_case(storage: Storage) -> None:
    ben = await add_advisor(storage, "Ben")
    carla = await add_advisor(storage, "carla")
    anna = await add_advisor(storage, "anna")

    assert await storage.advisors() == [anna, ben, carla]


async def test_a_new_password_revokes_the_advisors_tokens(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna")
    ben = await add_advisor(storage, "ben")
    await storage.add_token(anna.advisor_id, "anna-1", T0, T0 + HOUR)
    await storage.add_token(anna.advisor_id, "anna-2", T0, T0 + HOUR)
    await storage.add_token(ben.advisor_id, "ben-1", T0, T0 + HOUR)

    assert await storage.set_advisor_password("anna", "new-hash")

    changed = await storage.advisor_by_username("anna")
    assert changed == dataclasses.replace(anna, password_hash="new-hash")
    assert await storage.advisor_by_token("anna-1", T0 + 1) is None
    assert await storage.advisor_by_token("anna-2", T0 + 1) is None
    assert await storage.advisor_by_token("ben-1", T0 + 1) == ben


async def test_a_new_password_for_an_unknown_advisor_changes_nothing(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna")
    await storage.add_token(anna.advisor_id, "anna-1", T0, T0 + HOUR)

    assert not await storage.set_advisor_password("nobody", "new-hash")
    assert await storage.advisors() == [anna]
    assert await storage.advisor_by_token("anna-1", T0 + 1) == anna


# --- tokens ---


async def test_a_token_belongs_to_its_advisor_until_it_expires(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna")
    ben = await add_advisor(storage, "ben")
    await storage.add_token(anna.advisor_id, "anna-token", T0, T0 + HOUR)
    await storage.add_token(ben.advisor_id, "ben-token", T0, T0 + 2 * HOUR)

    assert await storage.advisor_by_token("anna-token", T0) == anna
    assert await storage.advisor_by_token("anna-token", T0 + HOUR - 0.5) == anna
    assert await storage.advisor_by_token("anna-token", T0 + HOUR) is None
    assert await storage.advisor_by_token("ben-token", T0 + HOUR) == ben
    assert await storage.advisor_by_token("unknown", T0) is None


async def test_a_revoked_token_is_gone(storage: Storage) -> None:
    anna = await add_advisor(storage)
    await storage.add_token(anna.advisor_id, "kept", T0, T0 + HOUR)
    await storage.add_token(anna.advisor_id, "revoked", T0, T0 + HOUR)

    assert await storage.revoke_token("revoked")
    assert not await storage.revoke_token("revoked")
    assert not await storage.revoke_token("unknown")
    assert await storage.advisor_by_token("revoked", T0 + 1) is None
    assert await storage.advisor_by_token("kept", T0 + 1) == anna


async def test_valid_tokens_checks_many_hashes(storage: Storage) -> None:
    # More than 500 of each: SQLite takes at most so many parameters per query.
    anna = await add_advisor(storage)
    valid_advisor = {f"advisor-{number}" for number in range(520)}
    expired_advisor = {f"expired-{number}" for number in range(15)}
    for token in sorted(valid_advisor):
        await storage.add_token(anna.advisor_id, token, T0, T0 + HOUR)
    for token in sorted(expired_advisor):
        await storage.add_token(anna.advisor_id, token, T0 - DAY, T0 - HOUR)
    stored_customers = {
        (await storage.add_customer(new_customer(f"{number}"))).customer_id: f"{number}"
        for number in range(510)
    }
    stored_customer_hashes = {f"customer-token-{token}" for token in stored_customers.values()}
    unknown = {f"unknown-{number}" for number in range(300)}

    valid = await storage.valid_tokens(
        valid_advisor | expired_advisor | unknown,
        stored_customer_hashes | {f"customer-token-x{number}" for number in range(300)},
        T0 + 1,
    )

    assert valid == valid_advisor | stored_customer_hashes


async def test_valid_tokens_of_nothing_is_nothing(storage: Storage) -> None:
    assert await storage.valid_tokens(set(), set(), T0) == set()


async def test_a_customer_token_stays_valid_after_the_visit(storage: Storage) -> None:
    anna = await add_advisor(storage)
    consultation = await start_consultation(storage, anna, "visited", T0)
    await storage.end_consultation(consultation.consultation_id, "customer", T0 + 60)
    # an advisor's hash is not valid as a customer's, and the other way round
    await storage.add_token(anna.advisor_id, "advisor-token", T0, T0 + HOUR)

    valid = await storage.valid_tokens(
        {"customer-token-visited"}, {"customer-token-visited", "advisor-token"}, T0 + 120
    )

    assert valid == {"customer-token-visited"}


# --- the customer's record ---


async def test_a_record_is_stored_and_replaced(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna")
    ben = await add_advisor(storage, "ben")
    consultation = await start_consultation(storage, anna, "a", T0)
    other = await start_consultation(storage, ben, "b", T0)
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40 + b"\x00%%EOF"

    assert await storage.record(consultation.consultation_id) is None
    await storage.save_record(consultation.consultation_id, pdf, T0 + 10)
    assert await storage.record(consultation.consultation_id) == pdf
    assert await storage.record(other.consultation_id) is None

    await storage.save_record(consultation.consultation_id, b"%PDF-1.7 replaced", T0 + 20)
    assert await storage.record(consultation.consultation_id) == b"%PDF-1.7 replaced"


async def test_concurrent_saves_of_a_record_keep_one_of_them(storage: Storage) -> None:
    anna = await add_advisor(storage)
    consultation = await start_consultation(storage, anna, "a", T0)
    versions = [f"%PDF-1.7 version {number}".encode() for number in range(5)]
    await open_connections(storage)

    await asyncio.gather(
        *(storage.save_record(consultation.consultation_id, pdf, T0 + 10) for pdf in versions)
    )

    assert await storage.record(consultation.consultation_id) in versions


# --- retention ---


async def test_purge_deletes_old_finished_visits_and_keeps_current_ones(storage: Storage) -> None:
    now = T0 + 40 * DAY
    older_than = now - 30 * DAY
    old = older_than - DAY
    anna = await add_advisor(storage, "anna", now=T0)
    ben = await add_advisor(storage, "ben", now=T0)
    # old and finished: goes, with its consultation, chat and record
    gone = await ended_consultation(storage, anna, "old-ended", old, old + 600)
    for number in range(3):
        await chat(storage, gone.consultation_id, f"m{number}", "alt")
    await storage.save_record(gone.consultation_id, b"%PDF old", old + 600)
    left = await storage.add_customer(new_customer("old-left", joined_at=old))
    await storage.finish_waiting(left.customer_id, "left", old + 10)
    # old but still waiting, or in a consultation begun within the period: stays
    still_waiting = await storage.add_customer(new_customer("old-waiting", joined_at=old))
    still_talking = await start_consultation(storage, ben, "old-talking", older_than + 30)
    talking_chat = await chat(storage, still_talking.consultation_id, "m1", "noch da")
    # begun before the period and never ended (both sides vanished): ended, and goes
    carla = await add_advisor(storage, "carla", now=T0)
    abandoned = await start_consultation(storage, carla, "abandoned", old)
    await chat(storage, abandoned.consultation_id, "m1", "verlassen")
    # finished, but not from before older_than: stays
    recent = await ended_consultation(storage, anna, "recent", older_than + 60, older_than + 90)
    at_the_limit = await storage.add_customer(new_customer("limit", joined_at=older_than))
    await storage.finish_waiting(at_the_limit.customer_id, "expired", older_than + 5)
    old_message = await storage.add_offline_message("Alt", "1", "alt", NOTICE, old)
    new_message = await storage.add_offline_message("Neu", "2", "neu", NOTICE, older_than)
    await storage.add_token(anna.advisor_id, "expired", old, now - 1)
    await storage.add_token(anna.advisor_id, "expires-now", now - HOUR, now)
    await storage.add_token(anna.advisor_id, "valid", now - HOUR, now + HOUR)

    counts = await storage.purge(older_than, now)

    assert counts == PurgeCounts(
        customers=3,
        consultations=2,
        chat_messages=4,
        offline_messages=1,
        tokens=2,
        abandoned_consultations=1,
    )
    assert await storage.consultation(abandoned.consultation_id) is None
    assert await storage.customer(abandoned.customer_id) is None
    assert await storage.active_consultation_of_advisor(carla.advisor_id) is None
    assert await storage.customer(gone.customer_id) is None
    assert await storage.customer(left.customer_id) is None
    assert await storage.consultation(gone.consultation_id) is None
    assert await storage.chat_since(gone.consultation_id, 0) == []
    assert await storage.record(gone.consultation_id) is None
    assert await storage.waiting_customers() == [still_waiting]
    talking = await storage.active_consultation_of_advisor(ben.advisor_id)
    assert talking is not None  # its chain moved on with its chat message
    assert talking == dataclasses.replace(still_talking, chain_head=talking.chain_head)
    assert await storage.chat_since(still_talking.consultation_id, 0) == [talking_chat]
    assert await storage.consultation(recent.consultation_id) == recent
    assert await storage.customer(at_the_limit.customer_id) is not None
    assert await storage.offline_messages(include_done=True) == [new_message]
    assert old_message.message_id != new_message.message_id
    assert await storage.valid_tokens({"expired", "expires-now", "valid"}, set(), now - 2) == {
        "valid"
    }
    assert await storage.advisors() == [anna, ben, carla]


async def test_a_second_purge_finds_nothing(storage: Storage) -> None:
    anna = await add_advisor(storage)
    gone = await ended_consultation(storage, anna, "old", T0, T0 + 60)
    await chat(storage, gone.consultation_id, "m1", "alt")
    await storage.add_offline_message("Alt", "1", "alt", NOTICE, T0)
    await storage.add_token(anna.advisor_id, "expired", T0, T0 + 1)

    first = await storage.purge(T0 + DAY, T0 + DAY)
    second = await storage.purge(T0 + DAY, T0 + DAY)

    assert first == PurgeCounts(1, 1, 1, 1, 1)
    assert second == PurgeCounts(0, 0, 0, 0, 0)


# --- persistence and exact values ---


async def test_everything_survives_close_and_reopen(backend: Backend) -> None:
    storage = await backend.open()
    anna = await add_advisor(storage)
    await storage.add_token(anna.advisor_id, "anna-token", T0, T0 + HOUR)
    first = await storage.add_customer(new_customer("first"))
    second = await storage.add_customer(new_customer("second", joined_at=T0 + 1))
    claimed = await storage.claim(anna, first.customer_id, T0 + 10)
    assert claimed is not None
    in_consultation, consultation = claimed
    message = await chat(storage, consultation.consultation_id, "m1", "hallo")
    chained = await storage.consultation(consultation.consultation_id)  # its chain moved on
    assert chained is not None
    consultation = chained
    await storage.save_record(consultation.consultation_id, b"%PDF-1.7", T0 + 20)
    offline = await storage.add_offline_message("Max", "+49 2", "Rückruf", NOTICE, T0 + 30)
    await backend.close(storage)

    reopened = await backend.open()

    assert await reopened.advisors() == [anna]
    assert await reopened.advisor_by_token("anna-token", T0 + 40) == anna
    assert await reopened.customer(first.customer_id) == in_consultation
    assert await reopened.waiting_customers() == [second]
    assert await reopened.active_consultation_of_advisor(anna.advisor_id) == consultation
    assert await reopened.chat_since(consultation.consultation_id, 0) == [message]
    assert await reopened.record(consultation.consultation_id) == b"%PDF-1.7"
    assert await reopened.offline_messages(include_done=False) == [offline]
    # numbering goes on where it stopped
    later = await chat(reopened, consultation.consultation_id, "m2", "wieder da")
    assert later.seq == 2
    third = await reopened.add_customer(new_customer("third", joined_at=T0 + 50))
    assert third.customer_id not in (first.customer_id, second.customer_id)
    assert await reopened.waiting_customers() == [second, third]


async def test_times_floats_and_booleans_round_trip_exactly(storage: Storage) -> None:
    # Full double precision: a backend keeping microseconds (a timestamp column) or fewer
    # digits loses the last bits.
    joined = T0 + 1 / 3
    started = joined + 0.1 + 0.2
    ended = started + 1e-6 / 7
    anna = await storage.add_advisor("anna", "Anna", "hash", T0 + 2 / 7)
    new = NewCustomer(
        token_hash="exact",
        name="Erika",
        phone="1",
        mode="text",
        see_advisor=False,
        show_me=True,
        consent_version=NOTICE,
        consent_at=joined - 1 / 9,
        joined_at=joined,
    )
    other = await storage.add_customer(new_customer("other", see_advisor=True, show_me=False))

    added = await storage.add_customer(new)
    claimed = await storage.claim(anna, added.customer_id, started)
    assert claimed is not None
    ended_record = await storage.end_consultation(claimed[1].consultation_id, "customer", ended)
    chat_record, _ = await storage.add_chat(
        claimed[1].consultation_id, "c", "customer", "Erika", "x", ended - 1 / 11
    )
    message = await storage.add_offline_message("Max", "2", "y", NOTICE, T0 + 5 / 13)
    done = await storage.mark_offline_message_done(message.message_id, anna, T0 + 7 / 17)

    assert added == expected_customer(added.customer_id, new)
    stored_customer = await storage.customer(added.customer_id)
    assert stored_customer == expected_customer(added.customer_id, new, "ended", ended)
    assert await storage.customer_by_token("customer-token-other") == other
    assert (other.see_advisor, other.show_me) == (True, False)
    stored_consultation = await storage.consultation(claimed[1].consultation_id)
    assert stored_consultation is not None and ended_record is not None
    # The chat after the end moved the chain on; all else is as the end left it.
    assert stored_consultation == dataclasses.replace(
        ended_record, chain_head=stored_consultation.chain_head
    )
    assert (stored_consultation.started_at, stored_consultation.ended_at) == (started, ended)
    assert (stored_consultation.see_advisor, stored_consultation.show_me) == (False, True)
    assert await storage.recent_handling_times(1) == [ended - started]
    assert (await storage.chat_since(claimed[1].consultation_id, 0))[0].sent_at == ended - 1 / 11
    assert done is not None and done.done_at == T0 + 7 / 17
    assert (await storage.offline_messages(include_done=True))[0] == done
    assert done.created_at == T0 + 5 / 13
    assert (await storage.advisor_by_username("anna")) == anna
    assert anna.created_at == T0 + 2 / 7
    for record in (
        added,
        other,
        stored_customer,
        stored_consultation,
        chat_record,
        done,
        anna,
        *(await storage.waiting_customers()),
    ):
        assert_exact_types(record)


async def test_a_fresh_consultation_has_exact_types(storage: Storage) -> None:
    anna = await add_advisor(storage)
    consultation = await start_consultation(storage, anna, "a", T0)
    message = await storage.add_offline_message("Max", "2", "y", NOTICE, T0)

    assert_exact_types(consultation)
    assert_exact_types(await storage.consultation(consultation.consultation_id))
    assert_exact_types(message)
    assert_exact_types((await storage.offline_messages(include_done=False))[0])


async def test_unicode_round_trips(storage: Storage) -> None:
    name = "Jürgen Größe-Čapek 👩🏽‍💼"
    phone = "+49 (0) 30 1234\u20115678"
    text = "Grüße 🏦\nمرحبا — «ça va?» \u200b日本語"
    advisor = await storage.add_advisor("zoë", "Zoë Ångström 🧾", "hash", T0)
    customer = await storage.add_customer(new_customer("u", name=name, phone=phone))
    claimed = await storage.claim(advisor, customer.customer_id, T0 + 1)
    assert claimed is not None
    consultation = claimed[1]

    record, _ = await storage.add_chat(
        consultation.consultation_id, "ü-1", "customer", name, text, T0 + 2
    )
    message = await storage.add_offline_message(name, phone, text, NOTICE, T0 + 3)
    done = await storage.mark_offline_message_done(message.message_id, advisor, T0 + 4)

    assert (customer.name, customer.phone) == (name, phone)
    assert await storage.customer_by_token("customer-token-u") == claimed[0]
    assert await storage.advisor_by_username("zoë") == advisor
    assert advisor.display_name == "Zoë Ångström 🧾"
    assert consultation.advisor_name == "Zoë Ångström 🧾"
    assert await storage.chat_since(consultation.consultation_id, 0) == [record]
    assert (record.author_name, record.text, record.client_id) == (name, text, "ü-1")
    assert await storage.offline_messages(include_done=True) == [done]
    assert done is not None
    assert (done.name, done.phone, done.text, done.done_by) == (
        name,
        phone,
        text,
        "Zoë Ångström 🧾",
    )


# --- records ---


async def test_the_customers_language_is_stored(storage: Storage) -> None:
    german = await storage.add_customer(new_customer("de"))
    english = await storage.add_customer(dataclasses.replace(new_customer("en"), language="en"))
    assert german.language == "de" and english.language == "en"
    found = await storage.customer_by_token("customer-token-en")
    assert found is not None and found.language == "en"
    assert_exact_types(found)


async def test_shown_pages_and_records_are_replaced_and_purged_with_the_visit(
    storage: Storage,
) -> None:
    advisor = await add_advisor(storage)
    consultation = await ended_consultation(storage, advisor, "r", T0, T0 + 600)
    consultation_id = consultation.consultation_id
    assert await storage.shown_pages(consultation_id) is None
    await storage.save_shown_pages(consultation_id, b"%PDF-one", b'{"pages":[]}', T0 + 601)
    await storage.save_shown_pages(consultation_id, b"%PDF-two", b'{"pages":[1]}', T0 + 602)
    shown = await storage.shown_pages(consultation_id)
    assert shown is not None
    assert (shown.pdf, shown.manifest, shown.created_at) == (
        b"%PDF-two",
        b'{"pages":[1]}',
        T0 + 602,
    )
    await storage.save_record(consultation_id, b"%PDF-record", T0 + 603)
    assert await storage.record(consultation_id) == b"%PDF-record"
    await storage.purge(T0 + DAY, T0 + DAY)
    assert await storage.shown_pages(consultation_id) is None
    assert await storage.record(consultation_id) is None


# --- login attempts ---

LIMITS = LoginLimits(window=900.0, per_pair=5, per_address=20, per_account=30)


async def test_concurrent_login_attempts_go_ahead_no_further_than_the_limit(
    storage: Storage,
) -> None:
    await open_connections(storage)
    waits = await asyncio.gather(
        *(storage.begin_login("acct", "addr", T0, LIMITS) for _ in range(60))
    )
    assert sum(1 for wait in waits if wait == 0) == 5
    assert all(wait == LIMITS.window for wait in waits if wait)
    # The pair waits; the same account from elsewhere and the address for another go on.
    assert await storage.begin_login("acct", "elsewhere", T0 + 1, LIMITS) == 0
    assert await storage.begin_login("other", "addr", T0 + 1, LIMITS) == 0
    # Once the window has passed the oldest, one more may go.
    assert await storage.begin_login("acct", "addr", T0 + LIMITS.window + 1, LIMITS) == 0


async def test_a_known_address_is_not_held_back_by_the_accounts_attempts_elsewhere(
    storage: Storage,
) -> None:
    assert await storage.begin_login("acct", "office", T0, LIMITS) == 0
    await storage.login_succeeded("acct", "office", T0)
    for number in range(LIMITS.per_account):
        await storage.begin_login("acct", f"outside{number}", T0 + 1, LIMITS)
    assert await storage.begin_login("acct", "new", T0 + 2, LIMITS) > 0
    assert await storage.begin_login("acct", "office", T0 + 2, LIMITS) == 0
    secret = await storage.login_secret()
    assert len(secret) == 32 and secret == await storage.login_secret()
    # Attempts are kept a day, known addresses as long as the retention.
    await storage.purge(T0 + 3, T0 + 2 * DAY)
    assert await storage.begin_login("acct", "new", T0 + 2 * DAY, LIMITS) == 0


# --- retention, every table ---

# What dates a row of each table that holds anything of a visit; the purge must leave no row
# dated before the retention period. The other tables hold accounts and the hub's own state.
DATED = {
    "customers": "joined_at",
    "consultations": "started_at",
    "chat_messages": "sent_at",
    "offline_messages": "created_at",
    "consultation_records": "created_at",
    "consultation_shown_pages": "created_at",
    "advisor_tokens": "expires_at",
    "rate_events": "at",
    "login_known_addresses": "at",
    "hub_events": "created_at",  # PostgreSQL only: what instances tell each other
    "consultation_events": "at",  # purged with their consultation
    "audit_log": "keep_until",  # its own retention
    # A consultation's recording goes with it (its consultation is kept longer under the
    # recording retention or a legal hold; test_recordings.py checks those).
    "recordings": "started_at",
    "recording_segments": "stored_at",
}
NOT_DATED = {
    "advisors",
    "schema_version",
    "hub_secret",
    "hub_instances",
    "customer_links",
    "advisor_presence",
    # Each visit's times for the day and week figures, without anything that names anyone:
    # they outlive the purge on purpose (test_the_figures_outlive_the_purge).
    "queue_facts",
}


async def tables_and_old_rows(storage: Storage, before: float) -> dict[str, int]:
    """Every table of the schema, with how many of its rows are dated before ``before``."""
    counts: dict[str, int] = {}
    if isinstance(storage, SQLiteStorage):
        connection = sqlite3.connect(storage.path)
        try:
            names = [
                row[0]
                for row in connection.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    "AND name NOT LIKE 'sqlite_%'"
                )
            ]
            for name in names:
                column = DATED.get(name)
                counts[name] = (
                    connection.execute(
                        f"SELECT count(*) FROM {name} WHERE {column} < ?", (before,)
                    ).fetchone()[0]
                    if column
                    else 0
                )
        finally:
            connection.close()
        return counts
    pool = storage.pool  # type: ignore[attr-defined]
    names = [
        row[0]
        for row in await pool.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'"
        )
    ]
    for name in names:
        column = DATED.get(name)
        counts[name] = (
            await pool.fetchval(f"SELECT count(*) FROM {name} WHERE {column} < $1", before)
            if column
            else 0
        )
    return counts


async def test_after_a_purge_no_table_holds_a_row_from_before_the_period(
    storage: Storage,
) -> None:
    now = T0 + 31 * DAY
    older_than = now - 30 * DAY
    anna = await add_advisor(storage, "anna", now=T0)
    ben = await add_advisor(storage, "ben", now=T0)
    ended = await ended_consultation(storage, anna, "ended", T0, T0 + 600)
    await chat(storage, ended.consultation_id, "m1", "Guten Tag")
    await storage.save_record(ended.consultation_id, b"%PDF-record", T0 + 601)
    await storage.save_shown_pages(ended.consultation_id, b"%PDF-pages", b"{}", T0 + 601)
    abandoned = await start_consultation(storage, ben, "abandoned", T0 + 700)
    await chat(storage, abandoned.consultation_id, "m1", "Hallo?")
    left = await storage.add_customer(new_customer("left", joined_at=T0))
    await storage.finish_waiting(left.customer_id, "left", T0 + 5)
    await storage.add_offline_message("Erika", "030 1234567", "Bitte anrufen", NOTICE, T0)
    await storage.add_token(anna.advisor_id, "old-token", T0, T0 + 12 * HOUR)
    await storage.take_allowance("join", "someone", T0, 600.0, 20)
    await storage.begin_login("acct", "addr", T0, LIMITS)
    await storage.login_succeeded("acct", "addr", T0)
    if not isinstance(storage, SQLiteStorage):
        await storage.pool.execute(  # type: ignore[attr-defined]
            "INSERT INTO hub_events (origin, kind, target_id, body, created_at) "
            "VALUES ('gone', 'chat', 1, '{\"text\": \"Guten Tag\"}', $1)",
            T0,
        )
    before = await tables_and_old_rows(storage, older_than)
    assert sum(before.values()) >= 10  # the test put old rows everywhere it looks

    await storage.purge(older_than, now)

    after = await tables_and_old_rows(storage, older_than)
    unknown = set(after) - set(DATED) - NOT_DATED
    assert unknown == set(), f"tables the retention check does not know: {unknown}"
    assert {name: count for name, count in after.items() if count} == {}


async def test_an_old_consultation_with_someone_still_connected_is_not_abandoned(
    storage: Storage,
) -> None:
    from advisor_app.hub.storage.base import Present

    anna = await add_advisor(storage, "anna", now=T0)
    ben = await add_advisor(storage, "ben", now=T0)
    customer_here = await start_consultation(storage, anna, "customer-here", T0)
    advisor_here = await start_consultation(storage, ben, "advisor-here", T0)
    present = Present(
        customers=frozenset({customer_here.customer_id}), advisors=frozenset({ben.advisor_id})
    )
    counts = await storage.purge(T0 + 2 * DAY, T0 + 2 * DAY, present)
    assert counts.abandoned_consultations == 0
    assert await storage.consultation(customer_here.consultation_id) == customer_here
    assert await storage.consultation(advisor_here.consultation_id) == advisor_here
    # Once both have gone, the next purge ends and removes them.
    counts = await storage.purge(T0 + 2 * DAY, T0 + 2 * DAY)
    assert counts.abandoned_consultations == 2 and counts.consultations == 2


# --- consultations a bank can prove (issue 18) ---


async def test_the_chain_seals_every_event_and_moves_the_head(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "sealed", T0 + 10)
    await chat(storage, consultation.consultation_id, "m1", "Guten Tag")
    _, stored = await storage.add_chat(  # a resend: nothing new, no event
        consultation.consultation_id, "m1", "customer", "Erika", "Guten Tag", T0
    )
    assert not stored
    await storage.add_event(consultation.consultation_id, "pages_shown", {"pages": 2}, T0 + 20)
    ended = await storage.end_consultation(consultation.consultation_id, "advisor", T0 + 30)
    assert ended is not None

    events = await storage.events(consultation.consultation_id)
    assert [event.kind for event in events] == [
        "consent",
        "joined",
        "taken",
        "chat",
        "pages_shown",
        "ended",
    ]
    assert [event.seq for event in events] == [1, 2, 3, 4, 5, 6]
    # Recomputed from what is stored, the chain gives the stored hashes and head.
    assert sealing.check(record_signing.chain_of(events)) == events[-1].hash == ended.chain_head
    stored = await storage.consultation(consultation.consultation_id)
    assert stored is not None and stored.chain_head == ended.chain_head


async def test_held_and_recorded_consultations_outlive_the_purge(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    rules = RecordingRules(by_topic={"wertpapiere": "mandatory"}, keep_seconds=100 * DAY)
    plain = await ended_consultation(storage, advisor, "plain", T0, T0 + 60)
    held = await ended_consultation(storage, advisor, "held", T0 + 100, T0 + 160)
    customer = await storage.add_customer(
        dataclasses.replace(new_customer("recorded", joined_at=T0 + 200), topic="wertpapiere")
    )
    claimed = await storage.claim(advisor, customer.customer_id, T0 + 260, rules)
    assert claimed is not None
    recorded = claimed[1]
    assert recorded.recording == "mandatory" and recorded.keep_until == T0 + 260 + 100 * DAY
    assert plain.recording == "off" and plain.keep_until is None
    await storage.end_consultation(recorded.consultation_id, "advisor", T0 + 300)
    for consultation in (plain, held, recorded):
        await chat(storage, consultation.consultation_id, "m1", "Hallo")
    assert await storage.set_legal_hold(held.consultation_id, True)
    assert not await storage.set_legal_hold(held.consultation_id + 1000, True)

    # 30 days on: the plain one goes; the held one and the recorded one stay, chain and all.
    now = T0 + 30 * DAY + 1000
    await storage.purge(now - 30 * DAY, now)
    assert await storage.consultation(plain.consultation_id) is None
    assert await storage.customer(plain.customer_id) is None
    for kept in (held, recorded):
        assert await storage.consultation(kept.consultation_id) is not None
        assert await storage.customer(kept.customer_id) is not None
        assert len(await storage.chat_since(kept.consultation_id, 0)) == 1
        # consent, joined, taken, ended, and the chat written after the end (here only)
        assert len(await storage.events(kept.consultation_id)) == 5

    # Past the recording's retention: it goes; the held one stays until released.
    now = T0 + 101 * DAY
    await storage.purge(now - 30 * DAY, now)
    assert await storage.consultation(recorded.consultation_id) is None
    assert await storage.events(recorded.consultation_id) == []
    assert await storage.consultation(held.consultation_id) is not None
    assert await storage.set_legal_hold(held.consultation_id, False)
    await storage.purge(now - 30 * DAY, now)
    assert await storage.consultation(held.consultation_id) is None


async def test_roles_and_the_audit_log(storage: Storage) -> None:
    anna = await add_advisor(storage, "anna")
    assert anna.roles == {"advisor"} and not anna.disabled
    await storage.add_token(anna.advisor_id, "token-anna", T0, T0 + 3600)
    # A role added takes effect at once, and the login stays.
    assert await storage.set_roles("ANNA", frozenset({"advisor", "supervisor"}))
    assert await storage.advisor_by_token("token-anna", T0) is not None
    assert await storage.set_roles("ANNA", frozenset({"compliance"}))
    assert not await storage.set_roles("nobody", frozenset({"compliance"}))
    changed = await storage.advisor_by_username("anna")
    assert changed is not None and changed.roles == {"compliance"}
    assert await storage.advisor_by_token("token-anna", T0) is None  # a role taken: signs in again
    with pytest.raises(ValueError):
        await storage.set_roles("anna", frozenset())

    # Disabled: its logins end and none is valid while it stays so.
    await storage.add_token(anna.advisor_id, "token-anna-2", T0, T0 + 3600)
    disabled = await storage.update_advisor(anna.advisor_id, disabled=True, display_name="Anna B.")
    assert disabled is not None and disabled.disabled and disabled.display_name == "Anna B."
    assert disabled.roles == {"compliance"}  # unchanged where not given
    assert await storage.advisor_by_token("token-anna-2", T0) is None
    await storage.add_token(anna.advisor_id, "token-anna-3", T0, T0 + 3600)
    assert await storage.advisor_by_token("token-anna-3", T0) is None
    assert await storage.update_advisor(999_999, disabled=True) is None
    assert await storage.set_password_of(anna.advisor_id, "new-hash")
    assert (await storage.advisor(anna.advisor_id)).password_hash == "new-hash"  # type: ignore[union-attr]
    boss = await storage.add_advisor("boss", "Boss", "hash", T0, roles=frozenset({"admin"}))
    assert boss.roles == {"admin"}

    await storage.add_audit("anna", "record.read", "VB-20260101-000001", T0, T0 + 10)
    await storage.add_audit("anna", "record.read", "VB-20260101-000002", T0 + 1, T0 + 1000)
    entries = await storage.audit(10)
    assert [(e.account, e.action, e.subject) for e in entries] == [
        ("anna", "record.read", "VB-20260101-000001"),
        ("anna", "record.read", "VB-20260101-000002"),
    ]
    assert [e.subject for e in await storage.audit(1)] == ["VB-20260101-000002"]
    newest = (await storage.audit(1))[0]
    assert [e.subject for e in await storage.audit(10, before=newest.entry_id)] == [
        "VB-20260101-000001"
    ]
    await storage.purge(T0 - DAY, T0 + 100)  # the audit log's own retention
    assert [e.subject for e in await storage.audit(10)] == ["VB-20260101-000002"]


# --- the figures' visits (issue 19) ---


async def test_the_figures_outlive_the_purge(storage: Storage) -> None:
    """Each visit's times are kept apart from the customer: the join, the take, the end, the
    leave; the retention purge deletes the customer and keeps the times (nothing names anyone)."""
    anna = await add_advisor(storage, "anna", now=T0)
    served = await ended_consultation(storage, anna, "served", T0 + 100, T0 + 700)
    gone = await storage.add_customer(new_customer("gone", joined_at=T0 + 200))
    await storage.finish_waiting(gone.customer_id, "left", T0 + 230)
    waiting = await storage.add_customer(new_customer("waiting", joined_at=T0 + 300))
    expected = [
        (served.customer_id, T0 + 40, T0 + 100, T0 + 700, None),
        (gone.customer_id, T0 + 200, None, None, T0 + 230),
        (waiting.customer_id, T0 + 300, None, None, None),
    ]
    facts = await storage.queue_facts(T0, T0 + 400)
    assert [(f.customer_id, f.joined_at, f.taken_at, f.ended_at, f.left_at) for f in facts] == (
        expected
    )
    assert [f.customer_id for f in await storage.queue_facts(T0 + 200, T0 + 300)] == [
        gone.customer_id
    ]
    activity = await storage.advisor_activity(T0)
    assert [(a.advisor_id, a.active_since, a.last_ended_at) for a in activity] == [
        (anna.advisor_id, None, T0 + 700)
    ]

    now = T0 + 40 * DAY
    await storage.finish_waiting(waiting.customer_id, "expired", T0 + 360)
    counts = await storage.purge(now - 30 * DAY, now)
    assert counts.customers == 3 and await storage.customer(served.customer_id) is None
    after = await storage.queue_facts(T0, T0 + 400)
    assert [(f.customer_id, f.left_at) for f in after] == [
        (served.customer_id, None),
        (gone.customer_id, T0 + 230),
        (waiting.customer_id, T0 + 360),
    ]


async def test_the_recording_answer_state_and_minutes_are_stored_and_sealed(
    storage: Storage,
) -> None:
    advisor = await add_advisor(storage)
    rules = RecordingRules(by_topic={"wertpapiere": "mandatory", "kredit": "on_request"})
    mandatory = await storage.add_customer(
        dataclasses.replace(
            new_customer("consented", joined_at=T0), topic="wertpapiere", recording_consent="given"
        )
    )
    claimed = await storage.claim(advisor, mandatory.customer_id, T0 + 10, rules)
    assert claimed is not None
    customer, recorded = claimed
    assert customer.recording_consent == "given"
    assert (recorded.recording_consent, recorded.recording_active) == ("given", True)
    kinds = [event.kind for event in await storage.events(recorded.consultation_id)]
    assert kinds == ["consent", "recording_consent", "joined", "taken", "recording"]
    ended = await storage.end_consultation(recorded.consultation_id, "customer", T0 + 20)
    assert ended is not None and not ended.recording_active
    # Ended: the recording state changes no more; minutes may still be written.
    assert await storage.set_recording(recorded.consultation_id, "given", True, [], T0 + 30) is None
    saved = await storage.save_minutes(recorded.consultation_id, "Nachtrag", T0 + 40)
    assert saved is not None and saved.minutes == "Nachtrag"

    # On request: asked, then declined, each change sealed in one transaction with its state.
    other = await storage.add_customer(
        dataclasses.replace(new_customer("asked", joined_at=T0 + 50), topic="kredit")
    )
    claimed = await storage.claim(advisor, other.customer_id, T0 + 60, rules)
    assert claimed is not None
    consultation = claimed[1]
    assert (consultation.recording_consent, consultation.recording_active) == ("none", False)
    asked = await storage.set_recording(
        consultation.consultation_id, "asked", False, [("recording_requested", {})], T0 + 70
    )
    assert asked is not None and asked.recording_consent == "asked"
    declined = await storage.set_recording(
        consultation.consultation_id,
        "declined",
        False,
        [("recording_consent", {"accepted": False, "notice_version": "1"})],
        T0 + 80,
    )
    assert declined is not None
    assert await storage.save_minutes(consultation.consultation_id + 1000, "x", T0) is None
    minutes = await storage.save_minutes(consultation.consultation_id, "Ratenkredit", T0 + 90)
    assert minutes is not None
    stored = await storage.consultation(consultation.consultation_id)
    assert stored is not None
    assert (stored.recording_consent, stored.recording_active, stored.minutes) == (
        "declined",
        False,
        "Ratenkredit",
    )
    events = await storage.events(consultation.consultation_id)
    assert [event.kind for event in events][-3:] == [
        "recording_requested",
        "recording_consent",
        "minutes",
    ]
    assert stored.chain_head == events[-1].hash == minutes.chain_head
    assert sealing.check(record_signing.chain_of(events)) == stored.chain_head


# --- recordings (issue 18 item 3) ---


async def test_recording_parts_segments_and_their_seals(storage: Storage) -> None:
    advisor = await add_advisor(storage)
    consultation = await start_consultation(storage, advisor, "recorded", T0)
    ben = await add_advisor(storage, "ben")
    other = await ended_consultation(storage, ben, "other", T0 + 100, T0 + 200)
    cid = consultation.consultation_id
    assert await storage.start_recording(cid, b"k" * 32, T0 + 1) == 1
    assert await storage.start_recording(cid, b"l" * 32, T0 + 2) == 2  # a restarted workstation
    assert await storage.recording_key(cid, 1) == b"k" * 32
    assert await storage.recording_key(cid, 2) == b"l" * 32
    assert await storage.recording_key(cid, 3) is None
    assert await storage.recorded_consultations() == {cid}

    def segment(part: int, seq: int, sha: str, last: bool = False) -> RecordingSegmentRecord:
        return RecordingSegmentRecord(cid, part, seq, 1000 * seq, sha, last, 3000 * seq, 0.0)

    first = await storage.add_recording_segment(segment(1, 1, "a" * 64), T0 + 5)
    assert first is not None and first.kind == "recording_segment"
    assert await storage.add_recording_segment(segment(1, 1, "a" * 64), T0 + 6) is None  # again
    await storage.add_recording_segment(segment(1, 2, "b" * 64, last=True), T0 + 7)
    await storage.add_recording_segment(segment(2, 1, "c" * 64), T0 + 8)
    stored = await storage.recording_segments(cid)
    assert [(s.part, s.seq, s.sha256, s.last, s.stored_at) for s in stored] == [
        (1, 1, "a" * 64, False, T0 + 5),
        (1, 2, "b" * 64, True, T0 + 7),
        (2, 1, "c" * 64, False, T0 + 8),
    ]
    assert [(s.part, s.seq) for s in await storage.first_segments()] == [(1, 1), (2, 1)]
    assert [s.seq for s in await storage.segments_by_hash("b" * 64)] == [2]
    assert await storage.recording_segments(other.consultation_id) == []
    events = await storage.events(cid)
    assert [e.kind for e in events][3:] == ["recording_started", "recording_started"] + [
        "recording_segment"
    ] * 3
    assert sealing.check(record_signing.chain_of(events)) == events[-1].hash
    assert '"sha256":"' + "b" * 64 in events[-2].data

    # The purge takes a recording with its consultation (here: no recording policy, 30 days).
    await storage.end_consultation(cid, "advisor", T0 + 300)
    now = T0 + 31 * DAY
    await storage.purge(now - 30 * DAY, now)
    assert await storage.recording_segments(cid) == []
    assert await storage.recording_key(cid, 1) is None
    assert await storage.recorded_consultations() == set()
