"""The hub's log of a whole scripted day, at debug level, as `advisor-hub serve` writes it,
holds no secret and nothing personal: no token, no password (also one typed into the user-name
field), no name, phone number, chat or message text."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import PASSWORD, HubProcess, add_advisor

SECRET_TYPED_AS_NAME = "Sommer-Urlaub-2026!"
NAME = "Ottilie Geheimrath"
PHONE = "030 98765432"
CHAT = "Meine IBAN lautet DE02120300000000202051"
MESSAGE = "Rückruf wegen Kreditkarte 4111111111111111 erbeten"


async def test_a_days_log_holds_no_secret_and_nothing_personal(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    log = tmp_path / "hub.log"
    hub = HubProcess(tmp_path, log_level="debug", log_file=log)
    await hub.start()
    secrets: list[str] = [PASSWORD, SECRET_TYPED_AS_NAME, NAME, PHONE, CHAT, MESSAGE]
    try:
        # An advisor types the password into the name field, then signs in.
        async with session.post(
            f"{hub.url}/api/advisor/login",
            json={"username": SECRET_TYPED_AS_NAME, "password": "x"},
        ) as response:
            assert response.status == 401
        advisor = AdvisorClient(session, hub.url, "anna")
        await advisor.login()
        await advisor.connect()
        assert advisor.token is not None
        secrets.append(advisor.token)

        # A customer: join, chat, end, transcript and record by link (token in the query).
        customer = CustomerClient(session, hub.url)
        await customer.join(name=NAME, phone=PHONE, mode="text")
        await customer.connect()
        assert customer.token is not None
        secrets.append(customer.token)
        consultation_id = (await advisor.take())["consultation"]["consultation_id"]
        assert customer.socket is not None and advisor.socket is not None
        await customer.socket.send(
            {
                "type": "chat.send",
                "consultation_id": consultation_id,
                "client_id": "c1",
                "text": CHAT,
            }
        )
        await advisor.socket.expect("chat.message")
        # Bad input that carries personal data: refused, and not echoed into the log.
        await customer.socket.send_raw('{"type": "chat.send", "text": "' + CHAT + '"')
        await customer.socket.send({"type": "nonsense", "text": CHAT, "name": NAME})
        async with session.post(
            f"{hub.url}/api/customers",
            data=f'{{"name": "{NAME}", "phone": "{PHONE}"',
            headers={"Content-Type": "application/json"},
        ) as response:
            assert response.status == 400
        await advisor.socket.send({"type": "end", "consultation_id": consultation_id})
        await customer.socket.expect("record.ready", timeout=20)
        for path in ("/transcript", "/api/customers/me/record", "/api/customers/me/transcript.pdf"):
            async with session.get(f"{hub.url}{path}", params={"token": customer.token}) as r:
                assert r.status == 200, path
        async with session.get(f"{hub.url}/transcript", params={"token": "x" * 43}) as r:
            assert r.status == 401

        # A written message; then the advisor signs out.
        async with session.post(
            f"{hub.url}/api/messages",
            json={
                "name": NAME,
                "phone": PHONE,
                "text": MESSAGE,
                "consent": {
                    "accepted": True,
                    "notice_version": await notice_version(session, hub),
                },
            },
        ) as response:
            assert response.status == 201, await response.text()
        async with session.post(
            f"{hub.url}/api/advisor/logout",
            headers={"Authorization": f"Bearer {advisor.token}"},
        ) as response:
            assert response.status == 204
    finally:
        hub.terminate()
    text = log.read_text("utf-8", errors="replace")
    assert "DEBUG" in text or "INFO" in text, "the hub logged nothing: the test sees nothing"
    assert '"GET /transcript' in text  # the access log is there, without its query
    found = [secret for secret in secrets if secret.casefold() in text.casefold()]
    assert found == [], f"in the log: {found}"
    assert "Traceback" not in text


async def notice_version(session: aiohttp.ClientSession, hub: HubProcess) -> str:
    async with session.get(f"{hub.url}/api/status") as response:
        return str((await response.json())["notice_version"])


async def test_a_malformed_request_is_one_line_without_its_contents(tmp_path: Path) -> None:
    """aiohttp refuses what it cannot parse itself; the log says so in one line, without the
    request (its query may hold a token) and without a traceback."""
    import asyncio

    log = tmp_path / "hub.log"
    hub = HubProcess(tmp_path, log_level="info", log_file=log)
    await hub.start()
    token = "secret-token-in-a-broken-request-line"
    try:
        for raw in (
            f"GET /transcript?token={token} HTTP/1.1 extra\r\nHost: x\r\n\r\n".encode(),
            f"GET /x?token={token} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n".encode(),
        ):
            reader, writer = await asyncio.open_connection("127.0.0.1", hub.port)
            writer.write(raw)
            answer = await reader.read(200)
            assert answer.split(b" ", 2)[1] == b"400", answer
            writer.close()
    finally:
        hub.terminate()
    text = log.read_text("utf-8")
    assert token not in text and "Traceback" not in text
    assert text.count("refused a malformed request") == 2
