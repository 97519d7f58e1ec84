"""Encoding and decoding of protocol messages, with errors that name the field."""

from __future__ import annotations

import re
from typing import Any

import msgspec

from advisor_app.protocol import ws
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.fields import FieldReason, reason_of
from advisor_app.protocol.supervisor import SupervisorHubMessage, SupervisorMessage

_encoder = msgspec.json.Encoder()
_PATH = re.compile(r"at `(\$[^`]*)`")
_MISSING = re.compile(r"missing required field `([^`]+)`")
_UNKNOWN = re.compile(r"unknown field `([^`]+)`")


def encode(message: msgspec.Struct) -> bytes:
    return _encoder.encode(message)


def encode_str(message: msgspec.Struct) -> str:
    return _encoder.encode(message).decode()


def protocol_error_from(error: msgspec.DecodeError) -> ProtocolError:
    """Turn msgspec's error into a ``ProtocolError`` with ``field`` as a JSON path."""
    text = str(error)
    if not isinstance(error, msgspec.ValidationError):
        return ProtocolError(ErrorCode.MALFORMED, f"not valid JSON: {text}")
    path_match = _PATH.search(text)
    path = path_match.group(1) if path_match else "$"
    for pattern in (_MISSING, _UNKNOWN):
        if found := pattern.search(text):
            path = f"{path}.{found.group(1)}"
    if path == "$.type" and text.startswith("Invalid value"):
        return ProtocolError(ErrorCode.UNKNOWN_TYPE, f"unknown message type: {text}", path)
    if path == "$" and "missing required field `type`" not in text and "Expected `object`" in text:
        return ProtocolError(ErrorCode.MALFORMED, f"a message must be a JSON object: {text}")
    if path == "$.consent" and ("missing required field" in text or "got `null`" in text):
        # No consent, no join (or message): the same answer as consent refused.
        return ProtocolError(
            ErrorCode.CONSENT_REQUIRED,
            "the security, legal and privacy notices must be accepted (consent is missing)",
            path,
            FieldReason.MISSING,
        )
    message = _PATH.sub("", text).rstrip(" -")
    return ProtocolError(ErrorCode.INVALID, message, path, reason_of(message))


class Decoder[T]:
    """A typed JSON decoder that raises ``ProtocolError`` instead of msgspec's errors."""

    def __init__(self, kind: Any) -> None:
        self._decoder: msgspec.json.Decoder[T] = msgspec.json.Decoder(kind)

    def decode(self, data: bytes | str) -> T:
        try:
            return self._decoder.decode(data)
        except msgspec.DecodeError as error:
            raise protocol_error_from(error) from None
        except RecursionError:
            # msgspec gives up on very deep nesting (e.g. 10,000 ``[`` in a skipped field).
            raise ProtocolError(ErrorCode.MALFORMED, "not valid JSON: nested too deeply") from None


customer_decoder: Decoder[ws.CustomerMessage] = Decoder(ws.CustomerMessage)
advisor_decoder: Decoder[ws.AdvisorMessage] = Decoder(ws.AdvisorMessage)
customer_hub_decoder: Decoder[ws.HubMessage] = Decoder(ws.HubMessage)
advisor_hub_decoder: Decoder[ws.AdvisorHubMessage] = Decoder(ws.AdvisorHubMessage)
supervisor_decoder: Decoder[SupervisorMessage] = Decoder(SupervisorMessage)
supervisor_hub_decoder: Decoder[SupervisorHubMessage] = Decoder(SupervisorHubMessage)


def ref_of(data: bytes | str) -> str | None:
    """The ``ref`` of a message that failed to decode, so the error can carry it."""
    try:
        raw = msgspec.json.decode(data)
    except (msgspec.DecodeError, RecursionError):
        return None
    if isinstance(raw, dict) and isinstance(ref := raw.get("ref"), str) and len(ref) <= 64:
        return ref
    return None
