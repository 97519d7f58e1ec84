"""The protocol's error value and its codes."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Machine-readable error codes; clients translate them for people."""

    MALFORMED = "malformed"  # not JSON, or not an object
    INVALID = "invalid"  # a field is missing, of the wrong type or out of range
    UNKNOWN_TYPE = "unknown_type"
    TOO_LARGE = "too_large"
    CONSENT_REQUIRED = "consent_required"
    CLOSED = "closed"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  # e.g. the customer was already taken by someone else
    RATE_LIMITED = "rate_limited"
    GONE = "gone"  # e.g. the place in the queue expired
    NOT_ALLOWED = "not_allowed"  # the action does not fit the current state
    UNAVAILABLE = "unavailable"  # the hub cannot store anything now (a full disk); try later
    INTERNAL = "internal"  # the hub failed; the message was not acted on (logged there)


class ProtocolError(Exception):
    """A request or message that the other side must be told about.

    ``field`` is a JSON path like ``$.phone`` when one field is to blame, ``reason`` why
    (a ``fields.FieldReason`` value) when the field was refused by its rules.
    """

    def __init__(
        self, code: ErrorCode, message: str, field: str | None = None, reason: str | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.reason = reason

    def __repr__(self) -> str:
        return f"ProtocolError({self.code.value!r}, {self.message!r}, field={self.field!r})"
