"""The hub's side of recordings (issue 18 items 3-5): keys only for recorded consultations and
their own advisor, segments uploaded in chunks that resume after a cut connection, a changed
segment refused, every stored segment sealed, compliance alone fetches (audited), and the
purge keeps recordings under their own retention and legal hold."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import time
from pathlib import Path

import aiohttp

from advisor_app.core.hub_client import HubClient
from advisor_app.core.recording import SegmentUploader, store_for
from advisor_app.hub.app import purge_once
from advisor_app.hub.convert import consultation_reference_of
from advisor_app.protocol.recording import SegmentHeader, seal
from tests.hub.test_records import consultation, end, get
from tests.support.clients import AdvisorClient
from tests.support.hub import NOTICE_VERSION, RunningHub, running_hub
from tests.support.polling import until

DAY = 86_400.0


# The customer agreed to the recording at the mode step (mandatory: no consultation without).
CONSENTED = {"accepted": True, "notice_version": NOTICE_VERSION}


async def client_of(hub: RunningHub, advisor: AdvisorClient) -> HubClient:
    client = HubClient(hub.url)
    assert advisor.token is not None
    client.use_token(advisor.token)
    return client


async def record_segments(
    client: HubClient, root: Path, consultation_id: int, payloads: list[bytes]
) -> SegmentUploader:
    """A part's segments sealed under the hub's key into the workstation's store, as the
    recorder leaves them."""
    started = await client.start_recording(consultation_id)
    key = base64.b64decode(started.key)
    store = store_for(root, client.hub_url)
    for seq, payload in enumerate(payloads, start=1):
        header = SegmentHeader(
            consultation_id=consultation_id,
            part=started.part,
            seq=seq,
            last=seq == len(payloads),
            media_ms=seq * 3000,
        )
        store.write(header, seal(key, header, payload))
    return SegmentUploader(client, store, chunk_bytes=16 * 1024)


async def test_an_upload_cut_off_resumes_where_the_hub_copy_ends(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path / "hub", recording_policy="mandatory") as hub:
        advisor, _customer, consultation_id = await consultation(
            hub, session, mode="av", recording_consent=CONSENTED
        )
        client = await client_of(hub, advisor)
        payloads = [os.urandom(4_000_000), os.urandom(150_000)]  # 245 chunks, then 10
        uploader = await record_segments(client, tmp_path / "ws", consultation_id, payloads)
        total = sum(segment.size for segment in uploader.store.pending())

        uploader.kick()
        await until(lambda: uploader.bytes_sent >= 3 * 16 * 1024, what="part of the upload")
        await hub.stop()  # the line is cut in the middle of the first segment
        await asyncio.wait_for(uploader.idle.wait(), 20)
        assert uploader.uploaded == 0 and len(uploader.store.pending()) == 2
        sent_before = uploader.bytes_sent
        assert 0 < sent_before < total

        await hub.start()
        uploader.kick()
        await asyncio.wait_for(uploader.idle.wait(), 30)
        assert uploader.uploaded == 2 and uploader.store.pending() == []
        # Resumed, not begun again: at most the chunk in flight at the cut went twice.
        assert total <= uploader.bytes_sent <= total + 16 * 1024

        stored = await hub.hub.storage.recording_segments(consultation_id)
        assert [(s.seq, s.sha256, s.last) for s in stored] == [
            (1, hashlib.sha256(payloads[0]).hexdigest(), False),
            (2, hashlib.sha256(payloads[1]).hexdigest(), True),
        ]
        folder = hub.settings.recordings_path / str(consultation_id) / "1"
        assert b"".join(p.read_bytes() for p in sorted(folder.glob("*.webm"))) == b"".join(payloads)
        assert not list(folder.glob("*.upload"))
        events = await hub.hub.storage.events(consultation_id)
        sealed = [e.data for e in events if e.kind == "recording_segment"]
        assert len(sealed) == 2 and hashlib.sha256(payloads[1]).hexdigest() in sealed[1]
        await client.stop()


async def test_a_changed_segment_is_refused_and_others_may_not_touch_it(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path / "hub", recording_policy="mandatory") as hub:
        advisor, customer, consultation_id = await consultation(
            hub, session, mode="av", recording_consent=CONSENTED
        )
        client = await client_of(hub, advisor)
        uploader = await record_segments(client, tmp_path / "ws", consultation_id, [b"x" * 5000])
        segment = uploader.store.pending()[0]
        blob = bytearray(segment.path.read_bytes())
        blob[-20] ^= 0x01  # one bit inside the sealed bytes
        sha = hashlib.sha256(blob).hexdigest()
        base = f"{hub.url}/api/advisor/consultations/{consultation_id}/recording/1/segments/1"
        headers = {
            "Authorization": f"Bearer {advisor.token}",
            "Content-Type": "application/octet-stream",
        }
        query = f"?offset=0&total={len(blob)}&sha256={sha}"
        async with session.put(base + query, data=bytes(blob), headers=headers) as response:
            assert response.status == 422
            assert "changed" in (await response.json())["error"]["message"]
        assert await hub.hub.storage.recording_segments(consultation_id) == []

        # Another advisor: neither a key nor a segment of this consultation.
        ben = AdvisorClient(session, hub.url, "ben")
        await ben.login()
        ben_headers = {**headers, "Authorization": f"Bearer {ben.token}"}
        async with session.put(base + query, data=bytes(blob), headers=ben_headers) as response:
            assert response.status == 403
        assert (await get(session, base, ben.token))[0] == 403
        url = f"{hub.url}/api/advisor/consultations/{consultation_id}/recording"
        async with session.post(url, headers={"Authorization": f"Bearer {ben.token}"}) as response:
            assert response.status == 403

        # The unchanged segment goes through.
        await uploader.upload_pending()
        assert len(await hub.hub.storage.recording_segments(consultation_id)) == 1
        await end(advisor, customer, consultation_id)
        stored = await hub.hub.storage.consultation(consultation_id)
        assert stored is not None
        reference = consultation_reference_of(stored)
        recording = f"{hub.url}/api/compliance/consultations/{reference}/recording"
        assert (await get(session, recording, advisor.token))[0] == 403  # its own advisor
        assert (await get(session, recording + "/1", ben.token))[0] == 403
        assert (await get(session, recording + "/1", customer.token))[0] == 401  # no customer
        await hub.hub.storage.set_roles("ben", frozenset({"compliance"}))
        await ben.login()
        status, body, _ = await get(session, recording, ben.token)
        assert status == 200 and b'"complete_parts":[1]' in body
        status, body, response = await get(session, recording + "/1", ben.token)
        assert status == 200 and body == b"x" * 5000
        assert response.content_type == "video/webm"
        audit = [(a.account, a.action) for a in await hub.hub.storage.audit(50)]
        assert ("anna", "recording.refused") in audit and ("ben", "recording.refused") in audit
        assert ("ben", "recording.list") in audit and ("ben", "recording.read") in audit
        await client.stop()


async def test_no_key_where_the_policy_is_off(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    async with running_hub(tmp_path / "hub") as hub:
        advisor, _, consultation_id = await consultation(hub, session, mode="av")
        url = f"{hub.url}/api/advisor/consultations/{consultation_id}/recording"
        headers = {"Authorization": f"Bearer {advisor.token}"}
        async with session.post(url, headers=headers) as response:
            assert response.status == 409
            assert "not recorded" in (await response.json())["error"]["message"]


async def test_no_key_without_the_customers_consent(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    """On request, before the customer said yes: the hub gives the workstation no key, so
    nothing can be recorded behind the customer's back (issue 18 item 2)."""
    async with running_hub(tmp_path / "hub", recording_policy="on_request") as hub:
        advisor, _, consultation_id = await consultation(hub, session, mode="text")
        url = f"{hub.url}/api/advisor/consultations/{consultation_id}/recording"
        headers = {"Authorization": f"Bearer {advisor.token}"}
        async with session.post(url, headers=headers) as response:
            assert response.status == 409
            assert "consent" in (await response.json())["error"]["message"]


async def test_the_purge_keeps_recordings_for_their_own_retention_and_under_hold(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    past = time.time() - 40 * DAY
    made = []
    async with running_hub(
        tmp_path / "hub", recording_policy="mandatory", recording_retention_days=60
    ) as hub:
        hub.clock = lambda: past
        await hub.restart()
        for _ in range(2):
            advisor, customer, consultation_id = await consultation(
                hub, session, mode="av", recording_consent=CONSENTED
            )
            client = await client_of(hub, advisor)
            uploader = await record_segments(
                client, tmp_path / "ws", consultation_id, [b"a" * 1000, b"b" * 1000]
            )
            await uploader.upload_pending()
            await client.stop()
            await end(advisor, customer, consultation_id)
            await advisor.close()
            await customer.close()
            made.append(consultation_id)
        settings, storage = hub.settings, hub.hub.storage
        held, other = made
        await storage.set_legal_hold(held, True)
        root = settings.recordings_path

        # Now: past the 30 days, within the recordings' 60: everything stays.
        await purge_once(storage, settings, time.time())
        assert {int(p.name) for p in root.iterdir()} == {held, other}
        assert await storage.consultation(other) is not None

        # 30 days on (70 after the consultations): the one without a hold goes, files too.
        await purge_once(storage, settings, time.time() + 30 * DAY)
        assert {int(p.name) for p in root.iterdir()} == {held}
        assert await storage.consultation(other) is None
        assert await storage.recording_segments(other) == []
        assert len(await storage.recording_segments(held)) == 2


async def test_a_segment_the_hub_cannot_open_is_set_aside(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    """Sealed under another key (as a file damaged on the workstation's disk would be): the
    hub refuses it each time; the workstation sets it aside instead of sending it forever."""
    async with running_hub(tmp_path / "hub", recording_policy="mandatory") as hub:
        advisor, _customer, consultation_id = await consultation(
            hub, session, mode="av", recording_consent=CONSENTED
        )
        client = await client_of(hub, advisor)
        started = await client.start_recording(consultation_id)
        store = store_for(tmp_path / "ws", client.hub_url)
        header = SegmentHeader(consultation_id=consultation_id, part=started.part, seq=1)
        path = store.write(header, seal(os.urandom(32), header, b"not with this key"))
        uploader = SegmentUploader(client, store)
        uploader.kick()
        await asyncio.wait_for(uploader.idle.wait(), 20)
        assert store.pending() == [] and path.with_suffix(".bad").is_file()
        assert await hub.hub.storage.recording_segments(consultation_id) == []
        await client.stop()
