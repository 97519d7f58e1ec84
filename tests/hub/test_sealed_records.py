"""Consultations a bank can prove (issue 18): the recording policy reaches both sides, every
consultation's events are sealed in a chain, its record is signed and checks with the real
``advisor-hub verify`` (a changed byte, a changed chat row are found), only compliance
accounts read any record (each read audited), and legal holds outlive the purge."""

from __future__ import annotations

import getpass
import os
import sqlite3
import stat
import sys
import time
from pathlib import Path

import aiohttp

from advisor_app.hub.convert import consultation_reference_of
from tests.hub.test_records import chat, consultation, end, get, text_of
from tests.hub.test_retention import run_cli
from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import NOTICE_VERSION, running_hub

ADVISOR_HUB = Path(sys.executable).with_name("advisor-hub")


async def hub_cli(data_dir: Path, *args: str) -> tuple[int, str, str]:
    return await run_cli(*args, "--data-dir", str(data_dir))


async def test_a_sealed_record_verifies_and_a_changed_one_does_not(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path, recording_policy_by_topic=("wertpapiere=mandatory",)) as hub:
        async with session.get(f"{hub.url}/api/status") as response:
            status = await response.json()
        assert status["recording"] == "off"
        assert status["recording_by_topic"] == {"wertpapiere": "mandatory"}

        advisor, customer, consultation_id = await consultation(
            hub,
            session,
            topic="wertpapiere",
            recording_consent={"accepted": True, "notice_version": NOTICE_VERSION},
        )
        # Both sides are told before anything is said: at the join and at the take.
        assert customer.joined["recording"] == "mandatory"
        assert customer.socket is not None and advisor.socket is not None
        coming = customer.socket.unread("advisor.coming") or [
            await customer.socket.expect("advisor.coming")
        ]
        assert coming[-1]["consultation"]["recording"] == "mandatory"
        taken = advisor.socket.received[-1]
        assert taken["type"] == "taken" and taken["consultation"]["recording"] == "mandatory"

        await chat(customer, consultation_id, "Was kostet das Depot?")
        await chat(advisor, consultation_id, "Nichts im ersten Jahr.")
        await end(advisor, customer, consultation_id)
        status_code, pdf, _ = await get(
            session, f"{hub.url}/api/customers/me/record", customer.token
        )
        assert status_code == 200

        events = await hub.hub.storage.events(consultation_id)
        assert [event.kind for event in events] == [
            "consent",
            "recording_consent",
            "joined",
            "taken",
            "chat",
            "chat",
            "ended",
        ]
        stored = await hub.hub.storage.consultation(consultation_id)
        assert stored is not None and stored.chain_head == events[-1].hash
        assert stored.recording == "mandatory" and stored.keep_until is not None

    # The hub's own key: made on first use beside the database, readable by the hub alone.
    key = tmp_path / "record-signing-key.pem"
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    first_page = " ".join(text_of(pdf)[0].split())  # as read, whatever the line breaks
    assert "Elektronisch signiert von Musterbank eG" in first_page
    assert "advisor-hub verify" in first_page

    record = tmp_path / "record.pdf"
    record.write_bytes(pdf)
    code, out, err = await hub_cli(tmp_path, "verify", str(record))
    assert code == 0, out + err
    assert "Signature: intact" in out and "Musterbank eG" in out
    assert "this hub's record signing certificate" in out
    assert f"Chain head: {events[-1].hash}" in out
    assert "Database: the hub holds the same chain" in out
    assert out.rstrip().splitlines()[-1].startswith("VALID: record.pdf")

    # One changed byte (in a page's content, inside what the signature covers).
    changed = bytearray(pdf)
    at = len(pdf) // 3
    changed[at] = changed[at] ^ 0x01
    tampered = tmp_path / "tampered.pdf"
    tampered.write_bytes(bytes(changed))
    code, out, err = await hub_cli(tmp_path, "verify", str(tampered))
    assert code == 1, out + err
    assert out.rstrip().splitlines()[-1].startswith("NOT VALID: ")

    # A chat message changed in the database after the fact: the record is still intact,
    # but on the hub's host verify finds the database no longer what was sealed.
    database = sqlite3.connect(tmp_path / "hub.sqlite3")
    with database:
        database.execute(
            "UPDATE chat_messages SET text = 'Zwei Euro im Monat.' "
            "WHERE consultation_id = ? AND seq = 2",
            (consultation_id,),
        )
    database.close()
    code, out, err = await hub_cli(tmp_path, "verify", str(record))
    assert code == 1, out + err
    assert out.rstrip().splitlines()[-1] == (
        "NOT VALID: chat message 2 in the database differs from the sealed chain "
        "(its text changed after it was sealed)."
    )

    # Usage errors: no such file, not a PDF.
    code, _, err = await hub_cli(tmp_path, "verify", str(tmp_path / "none.pdf"))
    assert code == 2 and "cannot read" in err
    (tmp_path / "note.txt").write_text("hello")
    code, _, err = await hub_cli(tmp_path, "verify", str(tmp_path / "note.txt"))
    assert code == 2 and "not a PDF" in err


async def test_only_compliance_reads_any_record_and_every_read_is_audited(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path) as hub:
        advisor, customer, consultation_id = await consultation(hub, session)
        await chat(customer, consultation_id, "Hallo")
        await end(advisor, customer, consultation_id)
        stored = await hub.hub.storage.consultation(consultation_id)
        assert stored is not None
        reference = consultation_reference_of(stored)
        url = f"{hub.url}/api/compliance/consultations/{reference}/record"

        code, out, err = await hub_cli(tmp_path, "set-role", "ben", "compliance")
        assert code == 0 and "ben is now a compliance account" in out, out + err
        compliance = AdvisorClient(session, hub.url, "ben")
        await compliance.login()

        assert (await get(session, url, None))[0] == 401
        assert (await get(session, url, advisor.token))[0] == 403  # anna: an advisor
        status, pdf, response = await get(session, url, compliance.token)
        assert status == 200 and response.content_type == "application/pdf"
        assert pdf == (await get(session, f"{hub.url}/api/customers/me/record", customer.token))[1]
        status, _, _ = await get(session, url, compliance.token)
        assert status == 200
        missing = url.replace(reference, "VB-20000101-999999")
        assert (await get(session, missing, compliance.token))[0] == 404

        # A compliance account advises nobody.
        await compliance.connect()
        waiting = CustomerClient(session, hub.url)
        await waiting.join(mode="text")
        refused = await compliance.take()
        assert refused["type"] == "error" and refused["code"] == "forbidden", refused

    code, out, err = await hub_cli(tmp_path, "audit")
    assert code == 0, err
    lines = [line.split("\t")[1:] for line in out.splitlines()]
    assert lines == [
        [f"cli:{getpass.getuser()}", "role.compliance", "ben"],
        ["anna", "record.refused", reference],
        ["ben", "record.read", reference],
        ["ben", "record.read", reference],
        ["ben", "record.read", "VB-20000101-999999"],
    ]


async def test_a_held_consultation_outlives_the_purge(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    past = time.time() - 40 * 86_400

    async with running_hub(tmp_path) as hub:
        hub.clock = lambda: past
        await hub.restart()
        made = []
        for text in ("behalten", "vergessen"):
            advisor, customer, consultation_id = await consultation(hub, session)
            await chat(customer, consultation_id, text)
            await end(advisor, customer, consultation_id)
            await advisor.close()
            await customer.close()
            stored = await hub.hub.storage.consultation(consultation_id)
            assert stored is not None
            made.append(stored)
    held = made[0]
    code, out, err = await hub_cli(tmp_path, "legal-hold", consultation_reference_of(held), "--on")
    assert code == 0 and "legal hold on" in out, out + err
    code, out, err = await hub_cli(tmp_path, "legal-hold", "VB-20000101-999999", "--on")
    assert code == 2 and "no consultation" in err

    code, out, err = await hub_cli(tmp_path, "purge")
    assert code == 0, err
    database = sqlite3.connect(tmp_path / "hub.sqlite3")
    try:
        kept = database.execute("SELECT id, legal_hold FROM consultations").fetchall()
        texts = database.execute("SELECT text FROM chat_messages").fetchall()
        records = database.execute("SELECT consultation_id FROM consultation_records").fetchall()
    finally:
        database.close()
    assert kept == [(held.consultation_id, 1)]
    assert texts == [("behalten",)]
    assert records == [(held.consultation_id,)]
    code, out, _ = await hub_cli(tmp_path, "audit")
    assert "legal_hold.on" in out
