"""The websocket endpoints: ``/ws/customer``, ``/ws/advisor`` and ``/ws/supervisor``.

A socket's first message must be ``hello`` with a token; after that, every message is decoded
into its protocol type and handed to the Hub. An invalid message gets an ``error`` naming the
field and the connection stays up.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSCloseCode, WSMsgType, web

from advisor_app.hub.accounts import token_hash
from advisor_app.hub.connections import Connection, SocketRole
from advisor_app.hub.keys import HUB
from advisor_app.hub.roles import BOARD_ROLES, require
from advisor_app.hub.security import origin_allowed
from advisor_app.hub.service import Hub
from advisor_app.hub.storage import AdvisorRecord, CustomerRecord
from advisor_app.hub.storage.base import StorageFull
from advisor_app.protocol import PROTOCOL_VERSION, ws
from advisor_app.protocol.codec import (
    Decoder,
    advisor_decoder,
    customer_decoder,
    ref_of,
    supervisor_decoder,
)
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)

Handler = Callable[[Any], Awaitable[None]]

HELLO_TIMEOUT = 10.0
HEARTBEAT = 20.0


def _decode(decoder: Decoder[Any], data: str | bytes, limit: int) -> Any:
    size = len(data) if isinstance(data, bytes) or len(data) * 4 <= limit else len(data.encode())
    if size > limit:
        raise ProtocolError(ErrorCode.TOO_LARGE, f"a message may have at most {limit} bytes")
    return decoder.decode(data)


def _error(error: ProtocolError, ref: str | None) -> ws.ErrorMessage:
    return ws.ErrorMessage(
        code=error.code.value,
        message=error.message,
        field=error.field,
        reason=error.reason,
        ref=ref,
    )


async def _open(request: web.Request, role: SocketRole) -> tuple[web.WebSocketResponse, Connection]:
    hub = request.app[HUB]
    if not origin_allowed(request, hub.settings.public_origins, hub.settings.trust_forwarded_for):
        hub.metrics.rejected.labels(ErrorCode.FORBIDDEN.value).inc()
        raise web.HTTPForbidden(
            text='{"error": {"code": "forbidden", "message": "websockets from other origins '
            'are refused"}}',
            content_type="application/json",
        )
    # The hard limit is four times the protocol's: a frame between the two gets a
    # too_large error and the socket stays up; only beyond it does the socket close (1009).
    # No permessage-deflate: the hub's messages are small JSON, and compressing each of a
    # fan-out's thousands of frames costs more CPU than the bytes it saves.
    socket = web.WebSocketResponse(
        heartbeat=HEARTBEAT, max_msg_size=4 * hub.settings.max_message_bytes, compress=False
    )
    await socket.prepare(request)
    hub.metrics.websockets.labels(role).inc()
    connection = Connection(socket, role, request.transport)
    hub.arrivals.opened(connection)
    return socket, connection


async def _hello(
    socket: web.WebSocketResponse, connection: Connection, decoder: Decoder[Any], limit: int
) -> ws.Hello | None:
    """Wait for a valid hello; tell the client what is wrong until it sends one."""
    try:
        async with asyncio.timeout(HELLO_TIMEOUT):
            async for frame in socket:
                if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                    break
                try:
                    message = _decode(decoder, frame.data, limit)
                except ProtocolError as error:
                    connection.send(_error(error, ref_of(frame.data)))
                    continue
                if isinstance(message, ws.Hello):
                    return message
                connection.send(
                    _error(
                        ProtocolError(ErrorCode.UNAUTHORIZED, "send hello with your token first"),
                        message.ref,
                    )
                )
    except TimeoutError:
        connection.send(
            _error(ProtocolError(ErrorCode.UNAUTHORIZED, "no hello within 10 seconds"), None)
        )
    return None


async def _run(
    request: web.Request,
    role: SocketRole,
    decoder: Decoder[Any],
    identify: Callable[[Hub, Connection, ws.Hello], Awaitable[Handler]],
) -> web.WebSocketResponse:
    """Open, identify by hello, serve messages until the socket closes, then clean up."""
    hub = request.app[HUB]
    socket, connection = await _open(request, role)
    try:
        hello = await _hello(socket, connection, decoder, hub.settings.max_message_bytes)
        if hello is None:
            return socket
        try:
            handle = await identify(hub, connection, hello)
        except ProtocolError as error:
            connection.send(_error(error, hello.ref))
            return socket
        except Exception:
            logger.exception("identifying a %s failed", role)
            failure = ProtocolError(ErrorCode.INTERNAL, "the hub could not take this hello")
            connection.send(_error(failure, hello.ref))
            return socket
        await _serve(hub, socket, connection, decoder, handle)
    finally:
        await hub.arrivals.closed(connection)
        await connection.close()
        if not socket.closed:
            await socket.close(code=WSCloseCode.POLICY_VIOLATION, message=b"not identified")
        hub.metrics.websockets.labels(role).dec()
    return socket


def _check_version(hello: ws.Hello) -> None:
    if hello.protocol != PROTOCOL_VERSION:
        raise ProtocolError(
            ErrorCode.INVALID,
            f"this hub speaks protocol version {PROTOCOL_VERSION}, not {hello.protocol}: "
            "update the app or reload the page",
            "$.protocol",
        )


async def _identify_customer(hub: Hub, connection: Connection, hello: ws.Hello) -> Handler:
    _check_version(hello)
    customer = await hub.arrivals.customer_hello(connection, hello.token)
    return lambda message: _customer_message(hub, connection, customer, message)


async def _identify_advisor(hub: Hub, connection: Connection, hello: ws.Hello) -> Handler:
    _check_version(hello)
    advisor = await hub.arrivals.advisor_hello(connection, hello.token)
    return lambda message: _advisor_message(hub, connection, advisor, message)


# A login without the role to watch the board: the socket closes with this (no retry helps).
FORBIDDEN_CLOSE_CODE = 4403


async def _identify_supervisor(hub: Hub, connection: Connection, hello: ws.Hello) -> Handler:
    """A login with the supervisor or admin role: welcomed with the board, then pushed it
    whenever it changes. Without the role: ``forbidden``, closed with 4403."""
    _check_version(hello)
    account = await hub.logins.advisor_for(hello.token)
    try:
        require(account, *BOARD_ROLES)
    except ProtocolError as error:
        connection.send(_error(error, hello.ref))
        await connection.close()
        await connection.ws.close(code=FORBIDDEN_CLOSE_CODE, message=b"forbidden")
        raise
    connection.token_hash = token_hash(hello.token)
    connection.send(await hub.board.summary())
    hub.board.watch(connection)
    return lambda message: _supervisor_message(hub, connection, message)


async def _supervisor_message(hub: Hub, connection: Connection, message: Any) -> None:
    match message:
        case ws.Ping():
            connection.send(ws.Pong(ref=message.ref))
        case ws.Hello():
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "hello was sent already")
        case _:
            raise ProtocolError(
                ErrorCode.UNKNOWN_TYPE, "supervisors cannot send this message type", "$.type"
            )


async def supervisor_socket(request: web.Request) -> web.WebSocketResponse:
    # The board forgets a closed socket at its next push.
    return await _run(request, "supervisor", supervisor_decoder, _identify_supervisor)


async def customer_socket(request: web.Request) -> web.WebSocketResponse:
    return await _run(request, "customer", customer_decoder, _identify_customer)


async def advisor_socket(request: web.Request) -> web.WebSocketResponse:
    return await _run(request, "advisor", advisor_decoder, _identify_advisor)


async def _serve(
    hub: Hub,
    socket: web.WebSocketResponse,
    connection: Connection,
    decoder: Decoder[Any],
    handle: Handler,
) -> None:
    async for frame in socket:
        if frame.type == WSMsgType.ERROR:
            logger.info("websocket error: %s", socket.exception())
            break
        if frame.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
            continue
        ref = None
        try:
            message = _decode(decoder, frame.data, hub.settings.max_message_bytes)
            ref = message.ref
            await handle(message)
        except ProtocolError as error:
            hub.metrics.rejected.labels(error.code.value).inc()
            connection.send(_error(error, ref if ref is not None else ref_of(frame.data)))
        except StorageFull as full:
            refusal = hub.storage_full(full)
            connection.send(_error(refusal, ref if ref is not None else ref_of(frame.data)))
        except Exception:
            # A bug or a storage failure: say so and keep the connection (the client may retry).
            logger.exception("handling a %s message failed", connection.role)
            failure = ProtocolError(ErrorCode.INTERNAL, "the hub could not handle this message")
            connection.send(_error(failure, ref if ref is not None else ref_of(frame.data)))


async def _customer_message(
    hub: Hub, connection: Connection, customer: CustomerRecord, message: Any
) -> None:
    assert connection.subject_id is not None
    customer_id = connection.subject_id
    match message:
        case ws.Ping():
            connection.send(ws.Pong(ref=message.ref))
        case ws.Hello():
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "hello was sent already")
        case ws.Leave():
            await hub.queue.leave(customer)
        case ws.Signal():
            await hub.consultations.relay_signal("customer", customer_id, message)
        case ws.ChatSend():
            await hub.consultations.chat(connection, "customer", customer.name, message)
        case ws.ChatHistoryRequest():
            connection.send(await hub.consultations.chat_history("customer", customer_id, message))
        case ws.End():
            await hub.consultations.end("customer", customer_id, message.consultation_id)
        case ws.RecordingConsentSend():
            await hub.recording.answer(customer_id, message)
        case _:
            raise ProtocolError(
                ErrorCode.UNKNOWN_TYPE, "customers cannot send this message type", "$.type"
            )


async def _advisor_message(
    hub: Hub, connection: Connection, advisor: AdvisorRecord, message: Any
) -> None:
    advisor_id = advisor.advisor_id
    match message:
        case ws.Ping():
            connection.send(ws.Pong(ref=message.ref))
        case ws.Hello():
            raise ProtocolError(ErrorCode.NOT_ALLOWED, "hello was sent already")
        case ws.SetPresence():
            if message.presence != "away" and not advisor.has("advisor"):
                raise ProtocolError(
                    ErrorCode.FORBIDDEN,
                    "this account has no advisor role: it stays away",
                    "$.presence",
                )
            await hub.presence.choose(advisor_id, message.presence)
        case ws.TakeNext():
            await hub.consultations.take(advisor, None, message.ref)
        case ws.Take():
            await hub.consultations.take(advisor, message.customer_id, message.ref)
        case ws.Signal():
            await hub.consultations.relay_signal("advisor", advisor_id, message)
        case ws.ChatSend():
            await hub.consultations.chat(connection, "advisor", advisor.display_name, message)
        case ws.ChatHistoryRequest():
            connection.send(await hub.consultations.chat_history("advisor", advisor_id, message))
        case ws.End():
            await hub.consultations.end("advisor", advisor_id, message.consultation_id)
        case ws.RecordingRequest():
            await hub.recording.request(advisor_id, message.consultation_id)
        case ws.RecordingStop():
            await hub.recording.stop(advisor_id, message.consultation_id)
        case _:
            raise ProtocolError(
                ErrorCode.UNKNOWN_TYPE, "advisors cannot send this message type", "$.type"
            )
