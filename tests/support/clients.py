"""Minimal protocol clients for tests: a customer and an advisor over real HTTP/websockets."""

from __future__ import annotations

import asyncio
import itertools
from typing import Any

import aiohttp

from tests.support.hub import NOTICE_VERSION, PASSWORD

_ids = itertools.count(1)


def join_body(
    name: str = "Erika Mustermann", phone: str = "030 1234567", **changes: Any
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": name,
        "phone": phone,
        "consent": {"accepted": True, "notice_version": NOTICE_VERSION},
        "mode": "av",
        "see_advisor": True,
        "show_me": True,
    }
    body.update(changes)
    return body


class Socket:
    """A websocket whose incoming messages can be awaited by type."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.received: list[dict[str, Any]] = []
        self._unread: list[dict[str, Any]] = []
        self._arrived = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for frame in self.ws:
            if frame.type == aiohttp.WSMsgType.TEXT:
                message = frame.json()
                self.received.append(message)
                self._unread.append(message)
                self._arrived.set()
        self._arrived.set()

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send_json(message)

    async def send_raw(self, text: str) -> None:
        await self.ws.send_str(text)

    async def expect(self, kind: str, timeout: float = 5.0, **fields: Any) -> dict[str, Any]:
        """The next unread message of type ``kind`` (matching ``fields``); earlier others stay."""
        async with asyncio.timeout(timeout):
            while True:
                for index, message in enumerate(self._unread):
                    if message.get("type") == kind and all(
                        message.get(key) == value for key, value in fields.items()
                    ):
                        del self._unread[index]
                        return message
                if self.ws.closed and self._reader.done():
                    raise ConnectionError(f"closed while waiting for {kind}: {self._unread}")
                self._arrived.clear()
                await self._arrived.wait()

    async def request(
        self, message: dict[str, Any], *kinds: str, timeout: float = 5.0
    ) -> dict[str, Any]:
        """Send ``message`` with a fresh ``ref``; the first reply carrying that ref.

        ``kinds`` limits the reply types (``error`` is always accepted).
        """
        ref = f"req-{next(_ids)}"
        await self.send({**message, "ref": ref})
        wanted = {*kinds, "error"} if kinds else None
        async with asyncio.timeout(timeout):
            while True:
                for index, candidate in enumerate(self._unread):
                    if candidate.get("ref") == ref and (
                        wanted is None or candidate.get("type") in wanted
                    ):
                        del self._unread[index]
                        return candidate
                if self.ws.closed and self._reader.done():
                    raise ConnectionError(f"closed while waiting for a reply to {message}")
                self._arrived.clear()
                await self._arrived.wait()

    def unread(self, kind: str | None = None) -> list[dict[str, Any]]:
        return [m for m in self._unread if kind is None or m.get("type") == kind]

    async def reply(self, ref: str) -> dict[str, Any]:
        """The next unread message carrying ``ref``, whatever its type."""
        async with asyncio.timeout(5):
            while True:
                for index, message in enumerate(self._unread):
                    if message.get("ref") == ref:
                        del self._unread[index]
                        return message
                if self.ws.closed and self._reader.done():
                    raise ConnectionError(f"closed while waiting for ref {ref}: {self._unread}")
                self._arrived.clear()
                await self._arrived.wait()

    async def ping(self) -> None:
        """A round trip through the hub: proves the socket is up and, since the hub writes
        each socket in order, that everything it queued for us before the pong has arrived."""
        pong = await self.request({"type": "ping"}, "pong")
        assert pong["type"] == "pong", pong

    async def closed(self) -> int | None:
        """Wait until the hub closes the socket; its close code."""
        async with asyncio.timeout(5):
            await self._reader
        return self.ws.close_code

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


class CustomerClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str) -> None:
        self.session = session
        self.base_url = base_url
        self.token: str | None = None
        self.customer_id: int | None = None
        self.joined: dict[str, Any] = {}
        self.socket: Socket | None = None

    async def join(self, **body: Any) -> dict[str, Any]:
        async with self.session.post(f"{self.base_url}/api/customers", json=join_body(**body)) as r:
            data = await r.json()
            assert r.status == 201, data
        self.token = data["token"]
        self.customer_id = data["customer_id"]
        self.joined = data
        return data

    async def connect(self) -> dict[str, Any]:
        ws_url = self.base_url.replace("http", "ws", 1) + "/ws/customer"
        self.socket = Socket(await self.session.ws_connect(ws_url))
        await self.socket.send({"type": "hello", "token": self.token})
        return await self.socket.expect("welcome")

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


class AdvisorClient:
    def __init__(self, session: aiohttp.ClientSession, base_url: str, username: str) -> None:
        self.session = session
        self.base_url = base_url
        self.username = username
        self.token: str | None = None
        self.socket: Socket | None = None

    async def login(self, password: str = PASSWORD) -> dict[str, Any]:
        async with self.session.post(
            f"{self.base_url}/api/advisor/login",
            json={"username": self.username, "password": password},
        ) as r:
            data = await r.json()
            assert r.status == 200, data
        self.token = data["token"]
        return data

    async def connect(self) -> dict[str, Any]:
        ws_url = self.base_url.replace("http", "ws", 1) + "/ws/advisor"
        self.socket = Socket(await self.session.ws_connect(ws_url))
        await self.socket.send({"type": "hello", "token": self.token})
        return await self.socket.expect("welcome")

    async def take(self, customer_id: int | None = None) -> dict[str, Any]:
        """Take next (or a chosen customer); returns the ``taken`` or ``error`` reply."""
        assert self.socket is not None
        ref = f"take-{next(_ids)}"
        message: dict[str, Any] = {"type": "take.next", "ref": ref}
        if customer_id is not None:
            message = {"type": "take", "customer_id": customer_id, "ref": ref}
        await self.socket.send(message)
        async with asyncio.timeout(10):
            while True:
                for kind in ("taken", "error"):
                    for candidate in self.socket.unread(kind):
                        if candidate.get("ref") == ref:
                            return await self.socket.expect(kind, ref=ref)
                self.socket._arrived.clear()
                await self.socket._arrived.wait()

    async def close(self) -> None:
        if self.socket is not None:
            await self.socket.close()


async def open_socket(
    session: aiohttp.ClientSession, base_url: str, role: str, **kwargs: Any
) -> Socket:
    """A websocket to ``/ws/customer`` or ``/ws/advisor`` without a hello yet."""
    ws_url = base_url.replace("http", "ws", 1) + f"/ws/{role}"
    return Socket(await session.ws_connect(ws_url, **kwargs))


async def hello(socket: Socket, token: str | None) -> dict[str, Any]:
    """Send hello; the ``welcome`` or the ``error`` it caused (the welcome carries no ref)."""
    ref = f"hello-{next(_ids)}"
    await socket.send({"type": "hello", "token": token, "ref": ref})
    async with asyncio.timeout(5):
        while True:
            for message in socket.unread():
                if message.get("type") == "welcome" or message.get("ref") == ref:
                    socket._unread.remove(message)
                    return message
            if socket.ws.closed and socket._reader.done():
                raise ConnectionError(f"closed while waiting for welcome: {socket.unread()}")
            socket._arrived.clear()
            await socket._arrived.wait()


async def leave_message(hub_url: str, name: str, text: str, token: str | None = None) -> None:
    """A written message, as the customer page leaves it (with ``token``: after leaving the
    queue, as a waiting customer who gives up does)."""
    async with aiohttp.ClientSession() as http:
        if token is not None:  # leaves the queue first, as the customer page does
            headers = {"Authorization": f"Bearer {token}"}
            async with http.delete(f"{hub_url}/api/customers/me", headers=headers) as response:
                assert response.status < 300, await response.text()
        async with http.get(f"{hub_url}/api/status") as response:
            notice = (await response.json())["notice_version"]
        body = {
            "name": name,
            "phone": "+49 30 1234567",
            "text": text,
            "consent": {"accepted": True, "notice_version": notice},
        }
        async with http.post(f"{hub_url}/api/messages", json=body) as response:
            assert response.status == 201, await response.text()
