"""The advisor's camera and microphone state on the documents channel: checked on receipt
like every other channel message."""

from __future__ import annotations

import pytest

from advisor_app.protocol import documents as dc
from advisor_app.protocol.codec import Decoder, encode_str
from advisor_app.protocol.errors import ErrorCode, ProtocolError

decoder: Decoder[dc.AdvisorChannelMessage] = Decoder(dc.AdvisorChannelMessage)


def test_the_state_goes_round() -> None:
    sent = dc.MediaState(camera=False, microphone=True)
    assert encode_str(sent) == '{"type":"media.state","camera":false,"microphone":true}'
    assert decoder.decode(encode_str(sent)) == sent


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"type":"media.state","camera":"off","microphone":true}', "$.camera"),
        ('{"type":"media.state","camera":0,"microphone":true}', "$.camera"),
        ('{"type":"media.state","camera":false}', "$.microphone"),
        ('{"type":"media.state","camera":false,"microphone":true,"screen":true}', "$.screen"),
    ],
)
def test_a_bad_state_is_refused_naming_the_field(raw: str, field: str) -> None:
    with pytest.raises(ProtocolError) as refused:
        decoder.decode(raw)
    assert refused.value.code == ErrorCode.INVALID
    assert refused.value.field == field


def test_the_customer_may_not_send_it() -> None:
    customer: Decoder[dc.CustomerChannelMessage] = Decoder(dc.CustomerChannelMessage)
    with pytest.raises(ProtocolError) as refused:
        customer.decode('{"type":"media.state","camera":true,"microphone":true}')
    assert refused.value.code == ErrorCode.UNKNOWN_TYPE
