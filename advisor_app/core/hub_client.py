"""The workstation's connection to the hub: login over HTTP, then one websocket that comes
back by itself (with back-off) whenever it drops, and requests answered by ``ref``."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import logging
import random
from enum import StrEnum
from typing import Any

import aiohttp
import msgspec

from advisor_app.core.errors import Problem, UserFacingError, report
from advisor_app.observe import Event
from advisor_app.protocol import rest, ws
from advisor_app.protocol.codec import Decoder, advisor_hub_decoder, encode
from advisor_app.protocol.common import IceServer
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)

# The hub closes a socket with this code when its login was revoked or expired.
SIGNED_OUT_CLOSE_CODE = 4001

_login_decoder: Decoder[rest.LoginResponse] = Decoder(rest.LoginResponse)
_error_decoder: Decoder[rest.ErrorResponse] = Decoder(rest.ErrorResponse)
_messages_decoder: Decoder[rest.MessagesResponse] = Decoder(rest.MessagesResponse)
_minutes_decoder: Decoder[rest.MinutesSaved] = Decoder(rest.MinutesSaved)
_recording_decoder: Decoder[rest.RecordingStarted] = Decoder(rest.RecordingStarted)
_segment_decoder: Decoder[rest.SegmentState] = Decoder(rest.SegmentState)
_ice_decoder: Decoder[rest.IceServersResponse] = Decoder(rest.IceServersResponse)


# What a broken link raises: aiohttp's client errors (DNS, refused, reset, TLS, a bad
# handshake), the socket's own errors and timeouts. Anything else is a bug, not the network
# (EOFError: asyncio's IncompleteReadError, a stream cut mid-frame).
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    aiohttp.ClientError,
    OSError,
    TimeoutError,
    EOFError,
)


class LinkState(StrEnum):
    OFFLINE = "offline"  # not started, or stopped
    CONNECTING = "connecting"
    CONNECTED = "connected"  # welcome received
    RECONNECTING = "reconnecting"
    LOGGED_OUT = "logged_out"  # the hub refused the token: sign in again


class HubRequestError(UserFacingError):
    """The hub answered a request with an error message."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        problem = {
            ErrorCode.NOT_FOUND.value: Problem.NOBODY_WAITING,
            ErrorCode.CONFLICT.value: Problem.ALREADY_TAKEN,
            ErrorCode.UNAUTHORIZED.value: Problem.LOGIN_EXPIRED,
        }.get(code, Problem.HUB_REFUSED)
        super().__init__(problem, message)
        self.code = code
        self.field = field


def normalise_hub_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "https://" + url
    return url


class HubClient:
    """Owns the HTTP session and the advisor websocket; emits every hub message."""

    BACKOFF_FIRST = 0.25
    BACKOFF_MAX = 10.0

    def __init__(self, hub_url: str, *, ssl: Any = True) -> None:
        self.hub_url = normalise_hub_url(hub_url)
        self._ssl = ssl
        self._session: aiohttp.ClientSession | None = None
        self._socket: aiohttp.ClientWebSocketResponse | None = None
        self._runner: asyncio.Task[None] | None = None
        self._token: str | None = None
        self._refs = itertools.count(1)
        self._waiting: dict[str, asyncio.Future[Any]] = {}
        self.state = LinkState.OFFLINE
        self.state_changed: Event[LinkState] = Event()
        self.message_received: Event[Any] = Event()
        self.connected_once = asyncio.Event()

    @property
    def token(self) -> str | None:
        return self._token

    @property
    def ws_url(self) -> str:
        return self.hub_url.replace("http", "ws", 1) + "/ws/advisor"

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=15))
        return self._session

    # --- HTTP ---

    async def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        auth: bool = True,
        content_type: str = "application/json",
    ) -> bytes:
        headers = {"Authorization": f"Bearer {self._token}"} if auth and self._token else {}
        data: bytes | aiohttp.FormData | None
        if isinstance(body, bytes | aiohttp.FormData):
            data = body
        else:
            data = msgspec.json.encode(body) if body is not None else None
        if isinstance(data, bytes):
            headers["Content-Type"] = content_type
        try:
            async with self._http().request(
                method, self.hub_url + path, data=data, headers=headers, ssl=self._ssl
            ) as response:
                payload = await response.read()
                if response.status >= 400:
                    self._raise_for(response.status, payload)
                return payload
        except aiohttp.ClientError as error:
            raise UserFacingError(Problem.HUB_UNREACHABLE, str(error)) from error
        except TimeoutError as error:
            raise UserFacingError(Problem.HUB_UNREACHABLE, "no answer within 15 s") from error

    @staticmethod
    def _raise_for(status: int, payload: bytes) -> None:
        try:
            error = _error_decoder.decode(payload).error
        except ProtocolError:
            raise UserFacingError(Problem.HUB_REFUSED, f"HTTP {status}") from None
        if error.code == ErrorCode.RATE_LIMITED:
            raise UserFacingError(Problem.RATE_LIMITED, error.message)
        if error.code == ErrorCode.UNAUTHORIZED:
            raise UserFacingError(Problem.WRONG_CREDENTIALS, error.message)
        raise HubRequestError(error.code, error.message, error.field)

    async def login(self, username: str, password: str) -> rest.LoginResponse:
        payload = await self._call(
            "POST",
            "/api/advisor/login",
            rest.LoginRequest(username=username, password=password),
            auth=False,
        )
        result = _login_decoder.decode(payload)
        self._token = result.token
        return result

    def use_token(self, token: str) -> None:
        """Sign in with a token kept from before (stay signed in)."""
        self._token = token

    async def logout(self) -> None:
        if self._token is not None:
            with contextlib.suppress(UserFacingError):
                await self._call("POST", "/api/advisor/logout")
        self._token = None

    async def offline_messages(self, include_done: bool = False) -> list[Any]:
        query = "?state=all" if include_done else ""
        payload = await self._call("GET", f"/api/advisor/messages{query}")
        return list(_messages_decoder.decode(payload).messages)

    async def ice_servers(self) -> list[IceServer]:
        """The hub's STUN/TURN servers with fresh TURN credentials (for the system check; a
        consultation brings its own)."""
        payload = await self._call("GET", "/api/advisor/ice-servers")
        return list(_ice_decoder.decode(payload).ice_servers)

    async def upload_shown_pages(
        self, consultation_id: int, pdf: bytes, manifest: rest.ShownPages
    ) -> None:
        """The pages shown in a consultation, for its record (the hub makes it again)."""
        form = aiohttp.FormData()
        form.add_field(
            "manifest", msgspec.json.encode(manifest).decode(), content_type="application/json"
        )
        if manifest.pages:
            form.add_field(
                "pages", io.BytesIO(pdf), content_type="application/pdf", filename="shown-pages.pdf"
            )
        await self._call("PUT", f"/api/advisor/consultations/{consultation_id}/shown-pages", form)

    async def record(self, consultation_id: int) -> bytes:
        """The record as the hub stored it for the customer (a PDF)."""
        return await self._call("GET", f"/api/advisor/consultations/{consultation_id}/record")

    # --- recordings (issue 18; see core/recording.py) ---

    async def start_recording(self, consultation_id: int) -> rest.RecordingStarted:
        """A new part of the consultation's recording and its key (held in memory only)."""
        payload = await self._call(
            "POST", f"/api/advisor/consultations/{consultation_id}/recording"
        )
        return _recording_decoder.decode(payload)

    @staticmethod
    def _segment_path(consultation_id: int, part: int, seq: int) -> str:
        return f"/api/advisor/consultations/{consultation_id}/recording/{part}/segments/{seq}"

    async def segment_state(self, consultation_id: int, part: int, seq: int) -> rest.SegmentState:
        payload = await self._call("GET", self._segment_path(consultation_id, part, seq))
        return _segment_decoder.decode(payload)

    async def upload_segment_chunk(
        self,
        consultation_id: int,
        part: int,
        seq: int,
        *,
        offset: int,
        total: int,
        sha256: str,
        chunk: bytes,
    ) -> rest.SegmentState:
        query = f"?offset={offset}&total={total}&sha256={sha256}"
        payload = await self._call(
            "PUT",
            self._segment_path(consultation_id, part, seq) + query,
            chunk,
            content_type="application/octet-stream",
        )
        return _segment_decoder.decode(payload)

    async def mark_message_done(self, message_id: int) -> None:
        await self._call("POST", f"/api/advisor/messages/{message_id}/done")

    async def save_minutes(self, consultation_id: int, text: str) -> rest.MinutesSaved:
        """The written minutes of a consultation that was not recorded (each save replaces
        them; the hub seals them and puts them in the record)."""
        payload = await self._call(
            "PUT",
            f"/api/advisor/consultations/{consultation_id}/minutes",
            rest.MinutesRequest(text=text),
        )
        return _minutes_decoder.decode(payload)

    # --- websocket ---

    def start(self) -> None:
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run(), name="hub-link")

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        if self._socket is not None:
            await self._socket.close()
            self._socket = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        self._fail_waiting(UserFacingError(Problem.NOT_CONNECTED))
        self._set_state(LinkState.OFFLINE)

    def _set_state(self, state: LinkState) -> None:
        if state != self.state:
            self.state = state
            self.state_changed.emit(state)

    async def _run(self) -> None:
        delay = self.BACKOFF_FIRST
        first = True
        while True:
            self._set_state(LinkState.CONNECTING if first else LinkState.RECONNECTING)
            try:
                welcomed = await self._connect_and_serve()
            except asyncio.CancelledError:
                raise
            except _LoggedOut:
                self._set_state(LinkState.LOGGED_OUT)
                return
            except NETWORK_ERRORS as error:  # the link broke: try again
                logger.info("hub connection lost: %s: %s", type(error).__name__, error)
                welcomed = False
            except Exception as error:
                # A bug (ours, or a library's): reported with its traceback, then the link is
                # tried again as after a network error: the workstation must not go offline.
                report(error)
                welcomed = False
            self._fail_waiting(UserFacingError(Problem.NOT_CONNECTED))
            first = False
            if welcomed:
                delay = self.BACKOFF_FIRST
            self._set_state(LinkState.RECONNECTING)
            await asyncio.sleep(delay * (0.8 + 0.4 * random.random()))
            delay = min(delay * 2, self.BACKOFF_MAX)

    async def _connect_and_serve(self) -> bool:
        welcomed = False
        async with self._http().ws_connect(
            self.ws_url, heartbeat=20, ssl=self._ssl, timeout=aiohttp.ClientWSTimeout(ws_close=5)
        ) as socket:
            self._socket = socket
            await socket.send_bytes(encode(ws.Hello(token=self._token or "")))
            async for frame in socket:
                if frame.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
                    break
                try:
                    message = advisor_hub_decoder.decode(frame.data)
                except ProtocolError as error:
                    logger.warning("ignoring a message from the hub: %s", error)
                    continue
                if isinstance(message, ws.AdvisorWelcome):
                    welcomed = True
                    self._set_state(LinkState.CONNECTED)
                    self.connected_once.set()
                elif (
                    isinstance(message, ws.ErrorMessage)
                    and not welcomed
                    and message.code == ErrorCode.UNAUTHORIZED
                ):
                    raise _LoggedOut(message.message)
                self._resolve(message)
                self.message_received.emit(message)
        self._socket = None
        if socket.close_code == SIGNED_OUT_CLOSE_CODE:
            raise _LoggedOut("the hub ended this login")
        return welcomed

    def _resolve(self, message: Any) -> None:
        ref = getattr(message, "ref", None)
        if ref is None:
            return
        future = self._waiting.pop(ref, None)
        if future is None or future.done():
            return
        if isinstance(message, ws.ErrorMessage):
            future.set_exception(HubRequestError(message.code, message.message, message.field))
        else:
            future.set_result(message)

    def _fail_waiting(self, error: Exception) -> None:
        waiting, self._waiting = self._waiting, {}
        for future in waiting.values():
            if not future.done():
                future.set_exception(error)

    async def send(self, message: msgspec.Struct) -> None:
        """Send now; raises NOT_CONNECTED while the link is down."""
        socket = self._socket
        if socket is None or socket.closed or self.state != LinkState.CONNECTED:
            raise UserFacingError(Problem.NOT_CONNECTED)
        await socket.send_bytes(encode(message))

    async def request(self, message: Any, wait: float = 10.0) -> Any:
        """Send with a fresh ``ref`` and wait for the reply (or error) that carries it."""
        ref = f"r{next(self._refs)}"
        message.ref = ref
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiting[ref] = future
        try:
            await self.send(message)
            async with asyncio.timeout(wait):
                return await future
        finally:
            self._waiting.pop(ref, None)


class _LoggedOut(Exception):
    pass
