"""Hypothesis fuzzing of the protocol decoders: whatever arrives, the only failure is a
``ProtocolError``; valid messages survive a round trip; names are cleaned or refused by field."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, datetime
from typing import Any

import msgspec
import phonenumbers
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from advisor_app.protocol import codec, rest, ws
from advisor_app.protocol.common import ChatEntry, IceServer, QueueEntry
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.fields import ID_MAX, NAME_MAX

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

DECODERS: dict[str, codec.Decoder[Any]] = {
    "customer": codec.customer_decoder,
    "advisor": codec.advisor_decoder,
    "customer_hub": codec.customer_hub_decoder,
    "advisor_hub": codec.advisor_hub_decoder,
    "join": codec.Decoder(rest.JoinRequest),
    "message": codec.Decoder(rest.LeaveMessageRequest),
    "login": codec.Decoder(rest.LoginRequest),
    "consent": codec.Decoder(rest.Consent),
}

CLIENT_TAGS = sorted(
    {
        kind.__struct_config__.tag
        for kind in (*ws.CustomerMessage.__args__, *ws.AdvisorMessage.__args__)
    }
)
FIELD_NAMES = sorted(
    {
        name
        for kind in (*ws.CustomerMessage.__args__, *ws.AdvisorMessage.__args__)
        for name in kind.__struct_fields__
    }
    | set(rest.JoinRequest.__struct_fields__)
    | set(rest.LeaveMessageRequest.__struct_fields__)
    | {"type", "accepted", "notice_version", "sdp", "candidate", "sdpMid", "sdpMLineIndex"}
)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["", "av", "text", "offer", "available", "030 1234567", "x" * 100])
)
json_values = st.recursive(
    json_scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(FIELD_NAMES) | st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=20,
)
# Objects that look like messages: a known type and known field names with arbitrary values,
# so the fuzzing reaches the validators behind the tag and not only the first check.
message_like = st.builds(
    lambda tag, fields: {"type": tag, **fields},
    st.sampled_from([*CLIENT_TAGS, "welcome", "error", "pong", "signal", "nope"]),
    st.dictionaries(st.sampled_from(FIELD_NAMES), json_values, max_size=6),
)


def check_error(error: ProtocolError) -> None:
    assert isinstance(error.code, ErrorCode)
    assert isinstance(error.message, str) and error.message
    assert error.field is None or (isinstance(error.field, str) and error.field.startswith("$"))
    if error.code is ErrorCode.UNKNOWN_TYPE:
        assert error.field == "$.type"
    if error.code is ErrorCode.MALFORMED:
        assert error.field is None


def decode_all(data: bytes | str) -> None:
    """Every decoder either returns a struct or raises ProtocolError; nothing else escapes."""
    for name, decoder in DECODERS.items():
        try:
            result = decoder.decode(data)
        except ProtocolError as error:
            check_error(error)
        else:
            assert isinstance(result, msgspec.Struct), (name, result)
        ref = codec.ref_of(data)
        assert ref is None or (isinstance(ref, str) and len(ref) <= 64)


@FAST
@given(st.binary(max_size=512))
def test_arbitrary_bytes_raise_only_protocol_errors(data: bytes) -> None:
    decode_all(data)


@FAST
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_protocol_errors(data: str) -> None:
    decode_all(data)


@FAST
@given(json_values | message_like)
def test_arbitrary_json_raises_only_protocol_errors(value: Any) -> None:
    decode_all(json.dumps(value).encode())
    decode_all(json.dumps(value, ensure_ascii=False))


@pytest.mark.parametrize(
    "data",
    [
        b'{"type": "chat.send", "consultation_id": 1, "client_id": "c", "text": "\\ud800"}',
        b'{"type": "hello", "token": "\\udfff\\udfff\\udfff\\udfff\\udfff\\udfff\\udfff\\udfff"}',
        b"[" * 100_000,
        b"[" * 20_000 + b"]" * 20_000,
        b'{"type": "pong", "x": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",  # skipped field
        b'{"x": ' + b'{"a": ' * 20_000 + b"1" + b"}" * 20_000 + b', "type": "pong"}',
        b'{"type": "ping", "ref": ' * 10_000,
        b'{"type": "hello", "token": "' + b"a" * 1_000_000 + b'"}',
        b'{"type": "take", "customer_id": 1' + b"0" * 400 + b"}",
        b'{"type": "chat.history", "consultation_id": 1e400}',
        b'{"type": "ping", "type": "hello"}',
        b"\xef\xbb\xbf{}",
    ],
)
def test_hostile_edge_cases_raise_only_protocol_errors(data: bytes) -> None:
    decode_all(data)


@FAST
@given(message_like)
def test_message_like_objects_name_a_field_when_invalid(value: dict[str, Any]) -> None:
    """An object with a type is never "malformed": the error says which field is wrong."""
    for decoder in (codec.customer_decoder, codec.advisor_decoder):
        try:
            decoder.decode(json.dumps(value))
        except ProtocolError as error:
            check_error(error)
            assert error.code in (ErrorCode.INVALID, ErrorCode.UNKNOWN_TYPE), error
            assert error.field is not None, error


# --- round trips -----------------------------------------------------------------------------

refs = st.none() | st.text(max_size=64)
identifiers = st.integers(min_value=1, max_value=ID_MAX)
client_ids = st.from_regex(r"\A[A-Za-z0-9_\-:.]{1,64}\Z")
tokens = st.text(min_size=16, max_size=128)


def clean_names() -> st.SearchStrategy[str]:
    """Names as the hub stores them: clean text with at least one letter or digit."""
    return clean_texts(NAME_MAX, newlines=False).filter(
        lambda text: any(unicodedata.category(char)[0] in "LN" for char in text)
    )


def clean_texts(maximum: int, *, newlines: bool) -> st.SearchStrategy[str]:
    """Text as the hub stores it: NFC, trimmed, within the limit, no control characters."""
    allowed = st.characters(
        blacklist_categories=["Cc", "Cs"], blacklist_characters="\u202a\u202b\u202c\u202d\u202e"
    )
    alphabet = allowed | st.sampled_from("\n\t") if newlines else allowed
    return (
        st.text(alphabet, min_size=1, max_size=min(maximum, 200))
        .map(lambda text: unicodedata.normalize("NFC", text).strip())
        .filter(lambda text: 0 < len(text) <= maximum)
        .filter(lambda text: not set(text) & set("\u2066\u2067\u2068\u2069"))
    )


descriptions = st.builds(
    ws.SessionDescription,
    type=st.sampled_from(["offer", "answer", "pranswer", "rollback"]),
    sdp=st.text(max_size=300),
)
candidates = st.builds(
    ws.IceCandidate,
    candidate=st.text(max_size=200),
    sdpMid=st.none() | st.text(max_size=64),
    sdpMLineIndex=st.none() | st.integers(min_value=0, max_value=64),
    usernameFragment=st.none() | st.text(max_size=256),
)
offers = st.none() | st.integers(min_value=1, max_value=2**31 - 1)
signals = st.one_of(
    st.builds(
        ws.Signal, consultation_id=identifiers, description=descriptions, offer=offers, ref=refs
    ),
    st.builds(ws.Signal, consultation_id=identifiers, candidate=candidates, offer=offers, ref=refs),
)
common_messages = st.one_of(
    st.builds(ws.Hello, token=tokens, protocol=st.integers(1, 5), ref=refs),
    signals,
    st.builds(
        ws.ChatSend,
        consultation_id=identifiers,
        client_id=client_ids,
        text=clean_texts(4000, newlines=True),
        ref=refs,
    ),
    st.builds(
        ws.ChatHistoryRequest,
        consultation_id=identifiers,
        after_seq=st.integers(min_value=0, max_value=ID_MAX),
        ref=refs,
    ),
    st.builds(ws.End, consultation_id=identifiers, ref=refs),
    st.builds(ws.Ping, ref=refs),
)
customer_messages = common_messages | st.builds(ws.Leave, ref=refs)
advisor_messages = st.one_of(
    common_messages,
    st.builds(ws.SetPresence, presence=st.sampled_from(["available", "busy", "away"]), ref=refs),
    st.builds(ws.TakeNext, ref=refs),
    st.builds(ws.Take, customer_id=identifiers, ref=refs),
)


@FAST
@given(customer_messages)
def test_customer_messages_round_trip(message: msgspec.Struct) -> None:
    assert codec.customer_decoder.decode(codec.encode(message)) == message
    assert codec.customer_decoder.decode(codec.encode_str(message)) == message


@FAST
@given(advisor_messages)
def test_advisor_messages_round_trip(message: msgspec.Struct) -> None:
    assert codec.advisor_decoder.decode(codec.encode(message)) == message


moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
chat_entries = st.builds(
    ChatEntry,
    consultation_id=identifiers,
    seq=st.integers(min_value=1, max_value=2**40),
    client_id=client_ids,
    author_role=st.sampled_from(["customer", "advisor"]),
    author_name=st.text(max_size=80),
    text=st.text(max_size=300),
    sent_at=moments,
)
hub_messages = st.one_of(
    st.builds(
        ws.QueuePosition,
        position=st.integers(1, 10_000),
        estimated_wait_seconds=st.none() | st.integers(0, 10_000),
        advisors_available=st.integers(0, 100),
        ref=refs,
    ),
    st.builds(ws.ChatMessage, message=chat_entries, ref=refs),
    st.builds(
        ws.ChatHistory,
        consultation_id=identifiers,
        messages=st.lists(chat_entries, max_size=3),
        ref=refs,
    ),
    st.builds(
        ws.ConsultationEnded,
        consultation_id=identifiers,
        ended_by=st.sampled_from(["customer", "advisor"]),
        ended_at=moments,
        ref=refs,
    ),
    st.builds(
        ws.SignalRelay,
        consultation_id=identifiers,
        from_role=st.sampled_from(["customer", "advisor"]),
        description=st.none() | descriptions,
        ref=refs,
    ),
    st.builds(ws.QueueLeft, reason=st.sampled_from(["left", "expired"]), ref=refs),
    st.builds(ws.Pong, ref=refs),
    st.builds(
        ws.ErrorMessage,
        code=st.sampled_from([code.value for code in ErrorCode]),
        message=st.text(min_size=1, max_size=100),
        field=st.none() | st.just("$.name"),
        ref=refs,
    ),
)


@FAST
@given(hub_messages)
def test_hub_messages_round_trip(message: msgspec.Struct) -> None:
    assert codec.customer_hub_decoder.decode(codec.encode(message)) == message


def test_the_hub_message_unions_cover_every_queue_entry_and_ice_server_shape() -> None:
    """Fields the strategies above leave out still round trip (spot checks)."""
    server = IceServer(urls=["turn:turn.example:3478"], username="1:c1", credential="c2VjcmV0")
    assert msgspec.json.decode(codec.encode(server), type=IceServer) == server
    entry = msgspec.json.decode(
        json.dumps(
            {
                "customer": {
                    "customer_id": 1,
                    "name": "Erika",
                    "phone": "+49301234567",
                    "mode": "av",
                    "see_advisor": True,
                    "show_me": False,
                    "joined_at": "2026-11-02T09:00:00Z",
                    "consent_at": "2026-11-02T09:00:00Z",
                    "consent_version": "2026-11-01",
                },
                "position": 1,
                "connected": True,
            }
        ),
        type=QueueEntry,
    )
    added = ws.QueueAdded(entry=entry, ref="x")
    assert codec.advisor_hub_decoder.decode(codec.encode(added)) == added


# Valid numbers from phonenumbers' own examples, for a handful of regions, in E.164.
E164_EXAMPLES = sorted(
    {
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        for region in ("DE", "AT", "CH", "GB", "US", "FR", "PL", "TR", "NL", "IT")
        for kind in (phonenumbers.PhoneNumberType.FIXED_LINE, phonenumbers.PhoneNumberType.MOBILE)
        if (number := phonenumbers.example_number_for_type(region, kind)) is not None
    }
)

join_requests = st.builds(
    lambda name, phone, version, mode, see, show: rest.JoinRequest(
        name=name,
        phone=phone,
        consent=rest.Consent(accepted=True, notice_version=version),
        mode=mode,
        see_advisor=see,
        show_me=show,
    ),
    clean_names(),
    st.sampled_from(E164_EXAMPLES),
    st.text(min_size=1, max_size=32),
    st.sampled_from(["av", "text"]),
    st.booleans(),
    st.booleans(),
)


@FAST
@given(join_requests)
def test_join_requests_round_trip(request: rest.JoinRequest) -> None:
    if request.mode == "text":
        assert not request.see_advisor and not request.show_me
    decoded = codec.Decoder(rest.JoinRequest).decode(codec.encode(request))
    assert decoded == request


@FAST
@given(
    clean_names(),
    st.sampled_from(E164_EXAMPLES),
    clean_texts(2000, newlines=True),
)
def test_offline_messages_round_trip(name: str, phone: str, text: str) -> None:
    message = rest.LeaveMessageRequest(
        name=name,
        phone=phone,
        text=text,
        consent=rest.Consent(accepted=True, notice_version="1"),
    )
    assert codec.Decoder(rest.LeaveMessageRequest).decode(codec.encode(message)) == message


# --- names -----------------------------------------------------------------------------------

BIDI = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def acceptable_name(raw: str) -> str | None:
    """The spec, written out on its own: NFC, trimmed, 1-80 characters, no control
    characters (nor bidirectional overrides or isolates), at least one letter or digit."""
    name = unicodedata.normalize("NFC", raw).strip()
    if not 1 <= len(name) <= NAME_MAX:
        return None
    if any(unicodedata.category(char) == "Cc" or char in BIDI for char in name):
        return None
    if not any(unicodedata.category(char)[0] in "LN" for char in name):
        return None  # no letter or digit: nobody's name
    return name


names = st.one_of(
    st.text(max_size=100),
    st.text(st.characters(codec="ascii"), max_size=100),  # control characters often
    st.text("ab \t\n\x00\u3000\u202e", min_size=76, max_size=86),  # around the limit
    st.from_regex(r"\A\s*[A-Za-zÄÖÜäöüß\-' ]{0,90}\s*\Z"),
)


@settings(max_examples=500, deadline=None)
@given(names)
def test_names_are_cleaned_or_refused_by_field(raw: str) -> None:
    body = {
        "name": raw,
        "phone": "030 1234567",
        "consent": {"accepted": True, "notice_version": "1"},
        "mode": "av",
    }
    expected = acceptable_name(raw)
    for decoder, extra in (
        (codec.Decoder(rest.JoinRequest), {}),
        (codec.Decoder(rest.LeaveMessageRequest), {"text": "Rückruf bitte"}),
    ):
        fields = {**body, **extra}
        if "text" in extra:
            del fields["mode"]
        try:
            decoded = decoder.decode(json.dumps(fields))
        except ProtocolError as error:
            assert error.code is ErrorCode.INVALID, error
            assert error.field == "$.name", error
            assert expected is None, f"{raw!r} was refused: {error!r}"
        else:
            assert expected is not None, f"{raw!r} was accepted as {decoded.name!r}"
            assert decoded.name == expected
            assert decoded.name == decoded.name.strip()
            assert 1 <= len(decoded.name) <= NAME_MAX
            assert not any(unicodedata.category(char) == "Cc" for char in decoded.name)
