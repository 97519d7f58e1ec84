"""A consultation's events as a hash chain, so that a record can prove what happened.

Every event the hub sees (the customer's consent, the join, the take, each chat message, the
pages the advisor showed, the end) is appended to its consultation's chain: its hash is
SHA-256 over the previous event's hash and a canonical encoding of the event, so changing,
dropping or reordering any event changes every hash after it, and the newest hash (the head)
stands for the whole history. The record PDF carries the events and the head (signed with
the hub's key, record_signing.py); the database keeps them beside the consultation.

The encoding is JSON with sorted keys, no blanks, UTF-8 and the time in whole microseconds
(an integer: a float's text differs between languages), so anyone can recompute a chain from
the record alone, without our code: ``sha256(previous_hash_hex + "\\n" + canonical)``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

FORMAT = "videoberatung-chain/1"
GENESIS = "0" * 64  # the "previous hash" of a chain's first event
ATTACHMENT_NAME = "consultation-events.json"  # the events' file inside the record PDF


class ChainError(ValueError):
    """A chain that does not hold together; the message says where and why."""


@dataclass(frozen=True, slots=True)
class Event:
    """One event as the chain seals it."""

    seq: int
    kind: str
    at: float  # Unix seconds
    data: Mapping[str, Any]
    hash: str


def microseconds(at: float) -> int:
    return round(at * 1_000_000)


def canonical(seq: int, kind: str, at: float, data: Mapping[str, Any]) -> bytes:
    """The bytes an event's hash covers (besides the previous hash)."""
    return json.dumps(
        {"seq": seq, "kind": kind, "at_us": microseconds(at), "data": data},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    ).encode("utf-8")


def data_text(data: Mapping[str, Any]) -> str:
    """An event's details as stored: canonical JSON, so that reading them back and hashing
    gives the same bytes."""
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(previous: str, seq: int, kind: str, at: float, data: Mapping[str, Any]) -> str:
    """The hash of an event that follows ``previous``."""
    digest = hashlib.sha256(previous.encode("ascii") + b"\n")
    digest.update(canonical(seq, kind, at, data))
    return digest.hexdigest()


def check(events: Sequence[Event]) -> str:
    """Recompute the chain; its head (GENESIS for none). Raises ChainError at the first
    event whose number or hash is not what the events before it make."""
    head = GENESIS
    for expected, event in enumerate(events, start=1):
        if event.seq != expected:
            raise ChainError(f"event {expected} is missing (found number {event.seq})")
        computed = link(head, event.seq, event.kind, event.at, event.data)
        if computed != event.hash:
            raise ChainError(
                f"event {event.seq} ({event.kind}) does not match its hash: it was changed "
                "after it was sealed, or an event before it was"
            )
        head = computed
    return head


def document(reference: str, events: Sequence[Event]) -> bytes:
    """The events as the record carries them (a JSON attachment)."""
    body = {
        "format": FORMAT,
        "reference": reference,
        "hash": "sha256(previous_hash_hex + '\\n' + canonical_event), first previous = 64 zeros",
        "head": events[-1].hash if events else GENESIS,
        "events": [
            {
                "seq": event.seq,
                "kind": event.kind,
                "at_us": microseconds(event.at),
                "data": event.data,
                "hash": event.hash,
            }
            for event in events
        ],
    }
    return json.dumps(body, ensure_ascii=False, indent=1).encode("utf-8")


@dataclass(frozen=True, slots=True)
class SealedEvents:
    """The events a record carries, as read back from it."""

    reference: str
    head: str
    events: list[Event]


def read_document(raw: bytes) -> SealedEvents:
    """The events of a record's attachment; ChainError if it is not one."""
    try:
        body = json.loads(raw.decode("utf-8"))
        if body.get("format") != FORMAT:
            raise ChainError(f"the events are not in the format {FORMAT}")
        events = [
            Event(
                seq=int(item["seq"]),
                kind=str(item["kind"]),
                at=int(item["at_us"]) / 1_000_000,
                data=dict(item["data"]),
                hash=str(item["hash"]),
            )
            for item in body["events"]
        ]
        return SealedEvents(str(body["reference"]), str(body["head"]), events)
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        if isinstance(error, ChainError):
            raise
        raise ChainError(f"the events attached to the record cannot be read ({error})") from None
