"""Ids and sequence numbers are range-checked at decode (issue 12): beyond ``ID_MAX`` they are
``invalid`` naming the field, so they never reach the database (SQLite stores 64-bit signed
integers and overflowed on 2**63)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from advisor_app.protocol import codec
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.fields import ID_MAX

MESSAGES: list[tuple[codec.Decoder[Any], dict[str, Any], str]] = [
    (codec.customer_decoder, {"type": "end", "consultation_id": 0}, "consultation_id"),
    (codec.customer_decoder, {"type": "chat.history", "consultation_id": 0}, "consultation_id"),
    (
        codec.customer_decoder,
        {"type": "chat.history", "consultation_id": 1, "after_seq": 0},
        "after_seq",
    ),
    (
        codec.customer_decoder,
        {"type": "chat.send", "consultation_id": 0, "client_id": "c", "text": "x"},
        "consultation_id",
    ),
    (
        codec.advisor_decoder,
        {"type": "signal", "consultation_id": 0, "candidate": {"candidate": ""}},
        "consultation_id",
    ),
    (codec.advisor_decoder, {"type": "take", "customer_id": 0}, "customer_id"),
    (codec.advisor_decoder, {"type": "end", "consultation_id": 0}, "consultation_id"),
]


@pytest.mark.parametrize("value", [ID_MAX + 1, 2**63 - 1, 2**63, 2**64 - 1, 2**64, 2**200])
@pytest.mark.parametrize(("decoder", "message", "field"), MESSAGES)
def test_ids_beyond_id_max_are_invalid(
    decoder: codec.Decoder[Any], message: dict[str, Any], field: str, value: int
) -> None:
    with pytest.raises(ProtocolError) as raised:
        decoder.decode(json.dumps({**message, field: value}))
    assert raised.value.code == ErrorCode.INVALID
    assert raised.value.field == f"$.{field}"
    assert str(ID_MAX) in raised.value.message


@pytest.mark.parametrize(("decoder", "message", "field"), MESSAGES)
def test_id_max_itself_is_accepted(
    decoder: codec.Decoder[Any], message: dict[str, Any], field: str
) -> None:
    decoded = decoder.decode(json.dumps({**message, field: ID_MAX}))
    assert getattr(decoded, field) == ID_MAX


def test_id_max_is_exact_in_javascript_and_fits_the_databases() -> None:
    assert ID_MAX == 2**53 - 1 == int(float(ID_MAX))
    assert ID_MAX < 2**63 - 1
