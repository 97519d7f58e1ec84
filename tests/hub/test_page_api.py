"""The customer page's own endpoints over real HTTP: the form check agrees with the join,
refusals carry a reason per field, the limits are the protocol's, the bank's identity comes
from the settings."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from advisor_app.protocol import fields as protocol_fields
from advisor_app.protocol.fields import FieldReason
from tests.support.clients import join_body
from tests.support.hub import RunningHub, settings_for

LOGO = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10"/></svg>'


@pytest.fixture
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    logo = tmp_path / "logo.svg"
    logo.write_bytes(LOGO)
    running = RunningHub(
        settings_for(
            tmp_path,
            bank_name="Musterbank eG",
            bank_address="Musterstraße 1, 60311 Frankfurt am Main",
            bank_hotline="069 1234-0",
            bank_logo=logo,
            imprint_url="https://musterbank.example/impressum",
            privacy_url="https://musterbank.example/datenschutz",
            data_protection_contact="datenschutz@musterbank.example",
        )
    )
    await running.start()
    yield running
    await running.close()


async def post(url: str, body: Any) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session:
        headers = {"Content-Type": "application/json"}
        async with session.post(url, data=json.dumps(body), headers=headers) as response:
            return response.status, await response.json()


async def get(url: str) -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as session, session.get(url) as response:
        return response.status, await response.json()


@pytest.mark.parametrize(
    ("phone", "reason"),
    [
        ("123456", FieldReason.INVALID_NUMBER),
        ("030 12", FieldReason.INVALID_NUMBER),
        ("abc", FieldReason.NOT_A_NUMBER),
        ("+49 30 " + "1" * 40, FieldReason.NOT_A_NUMBER),
    ],
)
async def test_a_number_the_join_refuses_is_refused_by_the_check_with_the_same_reason(
    hub: RunningHub, phone: str, reason: FieldReason
) -> None:
    status, checked = await post(f"{hub.url}/api/customers/check", {"phone": phone})
    assert status == 200
    assert checked == {"ok": False, "refused": {"$.phone": reason.value}, "phone": None}
    status, refused = await post(f"{hub.url}/api/customers", join_body(phone=phone))
    assert status == 422
    assert refused["error"]["field"] == "$.phone"
    assert refused["error"]["reason"] == reason.value
    _, now = await get(f"{hub.url}/api/status")
    assert now["waiting"] == 0


async def test_a_good_form_passes_and_the_number_is_given_as_the_join_stores_it(
    hub: RunningHub,
) -> None:
    status, checked = await post(
        f"{hub.url}/api/customers/check", {"name": " Erika ", "phone": "030 1234567"}
    )
    assert (status, checked) == (200, {"ok": True, "refused": {}, "phone": "+49301234567"})


@pytest.mark.parametrize(
    ("body", "field", "reason"),
    [
        ({"name": "  "}, "$.name", FieldReason.EMPTY),
        ({"name": "x" * 81}, "$.name", FieldReason.TOO_LONG),
        ({"name": "\u200b."}, "$.name", FieldReason.NO_LETTERS),
        ({"name": "Eri\u202eka"}, "$.name", FieldReason.CONTROL),
        ({"text": "a" * 2001}, "$.text", FieldReason.TOO_LONG),
        ({"text": ""}, "$.text", FieldReason.EMPTY),
    ],
)
async def test_every_field_is_refused_with_a_reason_code(
    hub: RunningHub, body: dict[str, str], field: str, reason: FieldReason
) -> None:
    _, checked = await post(f"{hub.url}/api/customers/check", body)
    assert checked["refused"] == {field: reason.value}


async def test_consent_refusals_carry_reasons(hub: RunningHub) -> None:
    body = join_body()
    body["consent"] = {"accepted": False, "notice_version": body["consent"]["notice_version"]}
    _, refused = await post(f"{hub.url}/api/customers", body)
    assert refused["error"]["reason"] == FieldReason.NOT_ACCEPTED.value
    body["consent"] = {"accepted": True, "notice_version": "1999-01-01"}
    _, refused = await post(f"{hub.url}/api/customers", body)
    assert refused["error"]["reason"] == FieldReason.OUTDATED.value
    del body["consent"]
    _, refused = await post(f"{hub.url}/api/customers", body)
    assert refused["error"]["reason"] == FieldReason.MISSING.value


async def test_the_check_refuses_unknown_fields(hub: RunningHub) -> None:
    status, refused = await post(f"{hub.url}/api/customers/check", {"nickname": "x"})
    assert status == 422
    assert refused["error"]["field"] == "$.nickname"


async def test_the_limits_are_the_protocols(hub: RunningHub) -> None:
    status, answer = await get(f"{hub.url}/api/fields")
    assert status == 200
    assert answer["limits"] == {
        "name_max": protocol_fields.NAME_MAX,
        "phone_max": protocol_fields.PHONE_MAX,
        "chat_text_max": protocol_fields.CHAT_TEXT_MAX,
        "message_text_max": protocol_fields.MESSAGE_TEXT_MAX,
    }
    assert set(answer["reasons"]) == {reason.value for reason in FieldReason}


async def test_the_bank_is_named_from_the_settings(hub: RunningHub) -> None:
    status, bank = await get(f"{hub.url}/api/bank")
    assert status == 200
    assert bank["name"] == "Musterbank eG"
    assert bank["hotline"] == "069 1234-0"
    assert bank["imprint_url"] == "https://musterbank.example/impressum"
    assert bank["controller"] == "Musterbank eG, Musterstraße 1, 60311 Frankfurt am Main"
    assert bank["retention_days"] == 30
    assert bank["recording_retention_years"] == 5
    async with aiohttp.ClientSession() as session, session.get(hub.url + bank["logo"]) as logo:
        assert logo.status == 200
        assert logo.content_type == "image/svg+xml"
        assert await logo.read() == LOGO


async def test_the_record_is_asked_for_without_a_404(hub: RunningHub) -> None:
    status, joined = await post(f"{hub.url}/api/customers", join_body())
    assert status == 201
    headers = {"Authorization": f"Bearer {joined['token']}"}
    url = f"{hub.url}/api/customers/me/record/ready"
    async with aiohttp.ClientSession() as session:
        async with session.get(url, headers=headers) as response:
            assert (response.status, await response.json()) == (200, {"ready": False})
        async with session.get(url) as response:
            assert response.status == 401


def test_the_pages_own_limits_until_it_has_asked_are_the_protocols() -> None:
    """resources/web/js/validate.js starts with these before GET /api/fields answers."""
    script = (
        Path(__file__).resolve().parents[2] / "resources" / "web" / "js" / "validate.js"
    ).read_text(encoding="utf-8")
    block = re.search(r"export const limits = \{(.*?)\};", script, re.DOTALL)
    assert block is not None
    page = {name: int(value) for name, value in re.findall(r"(\w+): (\d+)", block.group(1))}
    assert page == protocol_fields.limits()
