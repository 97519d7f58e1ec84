"""The consultation record: only the consultation's advisor stores it, only its customer gets it."""

from __future__ import annotations

import aiohttp

from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import RunningHub

PDF = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"


async def consultation(
    hub: RunningHub, session: aiohttp.ClientSession
) -> tuple[AdvisorClient, CustomerClient, int]:
    advisor = AdvisorClient(session, hub.url, "anna")
    await advisor.login()
    await advisor.connect()
    customer = CustomerClient(session, hub.url)
    await customer.join(mode="text")
    await customer.connect()
    taken = await advisor.take()
    return advisor, customer, taken["consultation"]["consultation_id"]


async def put(
    session: aiohttp.ClientSession,
    url: str,
    token: str | None,
    body: bytes,
    kind: str = "application/pdf",
) -> aiohttp.ClientResponse:
    headers = {"Content-Type": kind}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    async with session.put(url, data=body, headers=headers) as response:
        await response.read()
        return response


async def test_the_advisor_stores_it_and_only_its_customer_downloads_it(
    hub: RunningHub, session: aiohttp.ClientSession
) -> None:
    advisor, customer, consultation_id = await consultation(hub, session)
    url = f"{hub.url}/api/advisor/consultations/{consultation_id}/record"
    me = {"Authorization": f"Bearer {customer.token}"}
    async with session.get(f"{hub.url}/api/customers/me/record", headers=me) as response:
        assert response.status == 404
    response = await put(session, url, advisor.token, PDF)
    assert response.status == 204
    assert customer.socket is not None
    ready = await customer.socket.expect("record.ready")
    assert ready["consultation_id"] == consultation_id
    async with session.get(f"{hub.url}/api/customers/me/record", headers=me) as response:
        assert response.status == 200
        assert await response.read() == PDF
        assert "attachment" in response.headers["Content-Disposition"]

    # Another customer has no record; another advisor cannot store one here.
    other = CustomerClient(session, hub.url)
    await other.join()
    async with session.get(
        f"{hub.url}/api/customers/me/record", headers={"Authorization": f"Bearer {other.token}"}
    ) as response:
        assert response.status == 404
    ben = AdvisorClient(session, hub.url, "ben")
    await ben.login()
    response = await put(session, url, ben.token, b"%PDF-1.7 forged")
    assert response.status == 403
    async with session.get(f"{hub.url}/api/customers/me/record", headers=me) as response:
        assert await response.read() == PDF  # what was stored stays stored


async def test_bad_records_are_refused(hub: RunningHub, session: aiohttp.ClientSession) -> None:
    advisor, _, consultation_id = await consultation(hub, session)
    url = f"{hub.url}/api/advisor/consultations/{consultation_id}/record"
    assert (await put(session, url, None, PDF)).status == 401
    assert (await put(session, url, advisor.token, b"<html>not a pdf</html>")).status == 400
    assert (await put(session, url, advisor.token, PDF, "application/json")).status == 400
    assert (
        await put(session, url, advisor.token, b"%PDF-" + b"0" * (41 * 1024 * 1024))
    ).status == 413
    bad_id = f"{hub.url}/api/advisor/consultations/abc/record"
    assert (await put(session, bad_id, advisor.token, PDF)).status == 422
