"""Consent before any media (issue 18 item 2): the join carries the answer to the recording
question, the hub refuses what does not fit the topic's policy (an answer where nothing is
recorded, one for other notices, no answer where one is needed), stores and seals the answer,
and a running consultation's recording changes only with the customer's consent; the written
minutes of an unrecorded consultation are sealed and go into the record."""

from __future__ import annotations

import json
from typing import Any

import aiohttp

from tests.hub.test_records import chat, end, get, text_of
from tests.support.clients import AdvisorClient, CustomerClient, join_body
from tests.support.hub import NOTICE_VERSION, RunningHub, running_hub

TOPICS = ("wertpapiere=mandatory", "kredit=on_request")


def answer(accepted: bool = True, version: str = NOTICE_VERSION) -> dict[str, Any]:
    return {"accepted": accepted, "notice_version": version}


async def join(
    session: aiohttp.ClientSession, hub: RunningHub, **changes: Any
) -> tuple[int, dict[str, Any]]:
    async with session.post(f"{hub.url}/api/customers", json=join_body(**changes)) as response:
        return response.status, await response.json()


async def consultation(
    hub: RunningHub, session: aiohttp.ClientSession, **join: Any
) -> tuple[AdvisorClient, CustomerClient, dict[str, Any]]:
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    customer = CustomerClient(session, hub.url)
    await customer.join(**join)
    await customer.connect()
    taken = await advisor.take()
    assert taken["type"] == "taken", taken
    return advisor, customer, taken["consultation"]


async def event_kinds(hub: RunningHub, consultation_id: int) -> list[tuple[str, dict[str, Any]]]:
    return [
        (event.kind, json.loads(event.data))
        for event in await hub.hub.storage.events(consultation_id)
    ]


async def test_the_join_refuses_a_recording_answer_that_does_not_fit_the_policy(
    tmp_path: Any, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path, recording_policy_by_topic=TOPICS) as hub:
        async with session.get(f"{hub.url}/api/status") as response:
            status = await response.json()
        assert status["recording_by_topic"] == {"wertpapiere": "mandatory", "kredit": "on_request"}
        assert status["recording_retention_days"] == 1826

        cases: list[tuple[dict[str, Any], int, str, str, str | None]] = [
            # Policy off: there is nothing to consent to.
            ({"recording_consent": answer()}, 409, "not_allowed", "$.recording_consent", None),
            # Mandatory: no answer, a refusal, an answer to other notices.
            ({"topic": "wertpapiere"}, 422, "consent_required", "$.recording_consent", "missing"),
            (
                {"topic": "wertpapiere", "mode": "text", "recording_consent": answer(False)},
                422,
                "consent_required",
                "$.recording_consent.accepted",
                "not_accepted",
            ),
            (
                {"topic": "wertpapiere", "recording_consent": answer(version="2020-01-01")},
                422,
                "consent_required",
                "$.recording_consent.notice_version",
                "outdated",
            ),
            # On request: picture and sound only with consent.
            (
                {"topic": "kredit", "recording_consent": answer(False)},
                422,
                "consent_required",
                "$.recording_consent.accepted",
                "not_accepted",
            ),
        ]
        for changes, status_code, code, field, reason in cases:
            got, body = await join(session, hub, **changes)
            assert got == status_code, (changes, body)
            error = body["error"]
            assert (error["code"], error.get("field"), error.get("reason")) == (code, field, reason)
            assert error["message"]  # says why, for developers
        assert await hub.hub.storage.waiting_customers() == []

        # On request, text only: declining is fine, and stored as declined.
        got, body = await join(
            session, hub, topic="kredit", mode="text", recording_consent=answer(False)
        )
        assert got == 201 and body["recording"] == "on_request", body
        stored = await hub.hub.storage.customer(body["customer_id"])
        assert stored is not None and stored.recording_consent == "declined"


async def test_a_mandatory_recording_runs_from_the_take_with_the_sealed_consent(
    tmp_path: Any, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path, recording_policy_by_topic=TOPICS) as hub:
        advisor, customer, info = await consultation(
            hub, session, topic="wertpapiere", recording_consent=answer()
        )
        assert (info["recording"], info["recording_consent"], info["recording_active"]) == (
            "mandatory",
            "given",
            True,
        )
        assert customer.socket is not None and advisor.socket is not None
        coming = await customer.socket.expect("advisor.coming")
        assert coming["consultation"]["recording_active"] is True
        consultation_id = info["consultation_id"]
        events = await event_kinds(hub, consultation_id)
        assert events[:2] == [
            ("consent", {"notice_version": NOTICE_VERSION}),
            (
                "recording_consent",
                {
                    "accepted": True,
                    "notice_version": NOTICE_VERSION,
                    "policy": "mandatory",
                    "asked": "mode_step",
                },
            ),
        ]
        assert events[-1] == ("recording", {"active": True, "consent": "given", "by": "policy"})

        # No pause of a mandatory recording, and no second question.
        for kind in ("recording.stop", "recording.request"):
            reply = await advisor.socket.request(
                {"type": kind, "consultation_id": consultation_id}, "error"
            )
            assert reply["code"] == "not_allowed", reply
        stored = await hub.hub.storage.consultation(consultation_id)
        assert stored is not None and stored.recording_active

        await end(advisor, customer, consultation_id)
        stored = await hub.hub.storage.consultation(consultation_id)
        assert stored is not None and not stored.recording_active
        status, pdf, _ = await get(session, f"{hub.url}/api/customers/me/record", customer.token)
        assert status == 200
        cover = " ".join(text_of(pdf)[0].split())
        assert "Bild und Ton aufgezeichnet, mit Einwilligung" in cover
        assert "Bild und Ton wurden mit Ihrer Einwilligung aufgezeichnet" in cover
        assert "nicht aufgezeichnet" not in cover


async def test_on_request_the_customer_is_asked_and_may_decline(
    tmp_path: Any, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path, recording_policy_by_topic=TOPICS) as hub:
        advisor, customer, info = await consultation(
            hub, session, topic="kredit", recording_consent=answer()
        )
        # Consent at the mode step is for a call that may be recorded: nothing records yet.
        assert info["recording_consent"] == "given" and not info.get("recording_active")
        consultation_id = info["consultation_id"]
        assert advisor.socket is not None and customer.socket is not None

        # An answer nobody asked for is refused.
        consent = {"type": "recording.consent", "consultation_id": consultation_id}
        refused = await customer.socket.request(
            consent | {"accepted": True, "notice_version": NOTICE_VERSION}, "error"
        )
        assert refused["code"] == "not_allowed", refused

        await advisor.socket.send({"type": "recording.request", "consultation_id": consultation_id})
        for side in (advisor.socket, customer.socket):
            state = await side.expect("recording.state", consent="asked")
            assert (state["policy"], state["active"]) == ("on_request", False)

        # An answer to other notices is refused and changes nothing.
        refused = await customer.socket.request(
            consent | {"accepted": True, "notice_version": "2020-01-01"}, "error"
        )
        assert (refused["code"], refused["field"], refused["reason"]) == (
            "consent_required",
            "$.notice_version",
            "outdated",
        )
        await customer.socket.send(consent | {"accepted": True, "notice_version": NOTICE_VERSION})
        for side in (advisor.socket, customer.socket):
            state = await side.expect("recording.state", consent="given")
            assert state["active"] is True

        # On request, the advisor may stop; asked again, the customer declines this time and
        # the call goes on unrecorded.
        await advisor.socket.send({"type": "recording.stop", "consultation_id": consultation_id})
        state = await customer.socket.expect("recording.state", active=False)
        assert state["consent"] == "given"
        await advisor.socket.send({"type": "recording.request", "consultation_id": consultation_id})
        await customer.socket.expect("recording.state", consent="asked")
        await customer.socket.send(consent | {"accepted": False, "notice_version": NOTICE_VERSION})
        state = await advisor.socket.expect("recording.state", consent="declined")
        assert state["active"] is False

        kinds = [kind for kind, _ in await event_kinds(hub, consultation_id)]
        assert kinds[-6:] == [
            "recording_requested",
            "recording_consent",
            "recording",
            "recording",
            "recording_requested",
            "recording_consent",
        ]
        await end(advisor, customer, consultation_id)


async def test_where_nothing_is_recorded_a_consent_is_refused(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor, customer, info = await consultation(hub, session)
    assert info["recording"] == "off" and info.get("recording_consent", "none") == "none"
    assert advisor.socket is not None and customer.socket is not None
    consultation_id = info["consultation_id"]
    refused = await customer.socket.request(
        {
            "type": "recording.consent",
            "consultation_id": consultation_id,
            "accepted": True,
            "notice_version": NOTICE_VERSION,
        },
        "error",
    )
    assert (refused["code"], refused["field"]) == ("not_allowed", "$.consultation_id")
    assert "not recorded" in refused["message"]
    refused = await advisor.socket.request(
        {"type": "recording.request", "consultation_id": consultation_id}, "error"
    )
    assert refused["code"] == "not_allowed"
    assert [kind for kind, _ in await event_kinds(hub, consultation_id)] == [
        "consent",
        "joined",
        "taken",
    ]


async def test_written_minutes_are_sealed_and_in_the_record(
    tmp_path: Any, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path, recording_policy_by_topic=TOPICS) as hub:
        advisor, customer, info = await consultation(
            hub, session, topic="kredit", mode="text", recording_consent=answer(False)
        )
        assert info["recording_consent"] == "declined"
        consultation_id = info["consultation_id"]
        url = f"{hub.url}/api/advisor/consultations/{consultation_id}/minutes"
        headers = {"Authorization": f"Bearer {advisor.token}"}

        async with session.put(url, json={"text": "x" * 20_001}, headers=headers) as response:
            body = await response.json()
            assert response.status == 422, body
            assert (body["error"]["code"], body["error"]["field"]) == ("invalid", "$.text")
        async with session.put(url, json={"text": "   "}, headers=headers) as response:
            assert response.status == 422
        # Another advisor's minutes for this consultation are refused.
        ben = AdvisorClient(session, hub.url, "ben")
        await ben.login()
        async with session.put(
            url, json={"text": "Fremd"}, headers={"Authorization": f"Bearer {ben.token}"}
        ) as response:
            assert response.status == 403

        await chat(customer, consultation_id, "Ich möchte keine Aufzeichnung.")
        minutes = "Kundin wünscht Ratenkredit 10.000 €,\nLaufzeit 48 Monate; Angebot folgt."
        async with session.put(url, json={"text": minutes}, headers=headers) as response:
            saved = await response.json()
            assert response.status == 200, saved
        assert saved["consultation_id"] == consultation_id
        assert saved["characters"] == len(minutes)
        await end(advisor, customer, consultation_id)
        # After the end the advisor may still complete them; the record is made again.
        completed = minutes + "\nRückruf am Montag vereinbart."
        async with session.put(url, json={"text": completed}, headers=headers) as response:
            assert response.status == 200
        assert customer.socket is not None
        await customer.socket.expect("record.ready", timeout=20)

        events = await event_kinds(hub, consultation_id)
        assert [data for kind, data in events if kind == "minutes"] == [
            {"text": minutes},
            {"text": completed},
        ]
        status, pdf, _ = await get(session, f"{hub.url}/api/customers/me/record", customer.token)
        assert status == 200
        text = " ".join(" ".join(text_of(pdf)).split())
        assert "Einwilligung abgelehnt – nicht aufgezeichnet" in text
        assert "Bild und Ton wurden nicht aufgezeichnet." in text
        assert "Schriftliches Protokoll der Beratung" in text
        assert "Laufzeit 48 Monate; Angebot folgt. Rückruf am Montag vereinbart." in text
