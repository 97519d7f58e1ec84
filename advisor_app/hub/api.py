"""The hub's HTTP endpoints under ``/api``, plus ``/transcript``, ``/healthz``, ``/metrics``."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import msgspec
from aiohttp import BodyPartReader, web
from aiohttp.typedefs import Handler
from aiohttp.web_protocol import RequestPayloadError
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from advisor_app.hub.convert import advisor_info, to_datetime
from advisor_app.hub.keys import HUB
from advisor_app.hub.record_keeping import NamedPdf
from advisor_app.hub.recordings import CHUNK_BYTES_MAX
from advisor_app.hub.security import bearer_token, client_address
from advisor_app.hub.service import Hub
from advisor_app.hub.storage import AdvisorRecord, CustomerRecord
from advisor_app.hub.storage.base import StorageFull
from advisor_app.hub.transcript import TRANSCRIPT_CSP, render_transcript_html
from advisor_app.protocol import rest
from advisor_app.protocol.codec import Decoder, encode
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.fields import ID_MAX

logger = logging.getLogger(__name__)

_STATUS_BY_CODE = {
    ErrorCode.MALFORMED: 400,
    ErrorCode.INVALID: 422,
    ErrorCode.UNKNOWN_TYPE: 400,
    ErrorCode.TOO_LARGE: 413,
    ErrorCode.CONSENT_REQUIRED: 422,
    ErrorCode.CLOSED: 409,
    ErrorCode.UNAUTHORIZED: 401,
    ErrorCode.FORBIDDEN: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.CONFLICT: 409,
    ErrorCode.RATE_LIMITED: 429,
    ErrorCode.GONE: 410,
    ErrorCode.NOT_ALLOWED: 409,
    ErrorCode.UNAVAILABLE: 503,
    ErrorCode.INTERNAL: 500,
}


def _reads_own_body(request: web.Request) -> bool:
    """Uploads a handler reads itself, in pieces and with its own limit: the pages shown
    (multipart) and recording segments (a chunk as application/octet-stream)."""
    if request.content_type == "multipart/form-data":
        return True
    return (
        request.content_type == "application/octet-stream"
        and request.method == "PUT"
        and "/recording/" in request.path
    )


_join_decoder: Decoder[rest.JoinRequest] = Decoder(rest.JoinRequest)
_message_decoder: Decoder[rest.LeaveMessageRequest] = Decoder(rest.LeaveMessageRequest)
_login_decoder: Decoder[rest.LoginRequest] = Decoder(rest.LoginRequest)
_minutes_decoder: Decoder[rest.MinutesRequest] = Decoder(rest.MinutesRequest)

routes = web.RouteTableDef()


def json_response(body: msgspec.Struct, status: int = 200) -> web.Response:
    return web.Response(
        body=encode(body),
        status=status,
        content_type="application/json",
        headers={"Cache-Control": "no-store"},
    )


def error_response(error: ProtocolError, headers: dict[str, str] | None = None) -> web.Response:
    response = json_response(
        rest.ErrorResponse(
            rest.ErrorBody(error.code.value, error.message, error.field, error.reason)
        ),
        status=_STATUS_BY_CODE[error.code],
    )
    response.headers.update(headers or {})
    return response


@web.middleware
async def protocol_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn ``ProtocolError`` into a JSON error answer with a fitting status."""
    try:
        response = await _answer(request, handler)
    except web.HTTPException as error:
        if _drop_unreadable_body(request):
            error.force_close()
        raise
    if _drop_unreadable_body(request):
        response.force_close()
    return response


async def _answer(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        if request.body_exists and not _reads_own_body(request):
            # Every body but an upload is read whole (up to client_max_size) before the
            # handler: a broken or oversize one is answered as such on every route, and
            # nothing is left for aiohttp to drain after the answer. Handlers get it cached.
            await request.read()
        return await handler(request)
    except ProtocolError as error:
        request.app[HUB].metrics.rejected.labels(error.code.value).inc()
        headers = {}
        if (retry := getattr(error, "retry_after", None)) is not None:
            headers["Retry-After"] = str(int(retry) + 1)
        return error_response(error, headers)
    except web.HTTPRequestEntityTooLarge:
        return error_response(ProtocolError(ErrorCode.TOO_LARGE, "the request body is too large"))
    except StorageFull as error:
        return error_response(request.app[HUB].storage_full(error), {"Retry-After": "60"})
    except RequestPayloadError as error:
        # A body aiohttp could not decode: broken gzip or deflate, broken chunks.
        request.app[HUB].metrics.rejected.labels(ErrorCode.MALFORMED.value).inc()
        text = str(error).strip()
        reason = text.splitlines()[-1].strip() if text else "it is broken"
        return error_response(
            ProtocolError(ErrorCode.MALFORMED, f"the request body could not be read: {reason}")
        )
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("%s %s failed", request.method, request.path)
        return error_response(ProtocolError(ErrorCode.INTERNAL, "the hub could not do this"))


def _drop_unreadable_body(request: web.Request) -> bool:
    """Whether the request's body turned out unreadable (read or not by the handler).

    The rest of such a body cannot become readable: it is marked as ended so aiohttp does
    not drain it after the answer (and log the same error again as unhandled), and the
    connection closes after the answer, since its parser cannot go on.
    """
    content = request.content
    if content.is_eof() or not isinstance(content.exception(), RequestPayloadError):
        return False
    content.feed_eof()
    return True


async def read_body[T](request: web.Request, decoder: Decoder[T]) -> T:
    """The JSON body as ``decoder``'s type, or ``malformed``/``invalid`` naming the field."""
    if request.content_type != "application/json":
        raise ProtocolError(ErrorCode.MALFORMED, "send the body as application/json")
    return decoder.decode(await request.read())


def hub_of(request: web.Request) -> Hub:
    """The hub serving this request."""
    return request.app[HUB]


async def _customer(request: web.Request) -> CustomerRecord:
    token = bearer_token(request) or request.query.get("token")
    if not token:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "the customer token is missing")
    return await hub_of(request).customer_for(token)


async def signed_in_account(request: web.Request) -> AdvisorRecord:
    """The account of the request's bearer token (any role), or ``unauthorized``."""
    token = bearer_token(request)
    if not token:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "sign in first (Authorization: Bearer ...)")
    return await hub_of(request).logins.advisor_for(token)


# --- public ---


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    registry = hub_of(request).metrics.registry
    response = web.Response(body=generate_latest(registry))
    response.headers["Content-Type"] = CONTENT_TYPE_LATEST
    return response


@routes.get("/.well-known/security.txt")
async def security_txt(request: web.Request) -> web.Response:
    """RFC 9116: where to report a security problem (the bank's contact, from the settings)."""
    hub = hub_of(request)
    contact = hub.settings.security_contact
    if not contact:
        raise ProtocolError(ErrorCode.NOT_FOUND, "no security contact is configured")
    expires = to_datetime(hub.clock() + 365 * 86400).strftime("%Y-%m-%dT%H:%M:%SZ")
    text = f"Contact: {contact}\nExpires: {expires}\nPreferred-Languages: de, en\n"
    return web.Response(text=text, content_type="text/plain", charset="utf-8")


@routes.get("/readyz")
async def readyz(request: web.Request) -> web.Response:
    """Readiness: whether the hub can store what it is sent (a full disk says no), for a load
    balancer to send people elsewhere. /healthz only says the process answers."""
    problem = await hub_of(request).not_ready()
    if problem is not None:
        return web.json_response({"status": "not ready", "reason": problem}, status=503)
    return web.json_response({"status": "ready"})


@routes.get("/api/status")
async def status(request: web.Request) -> web.Response:
    return json_response(hub_of(request).status())


# --- customers ---


@routes.post("/api/customers")
async def join(request: web.Request) -> web.Response:
    body = await read_body(request, _join_decoder)
    hub = hub_of(request)
    address = client_address(request, hub.settings.trust_forwarded_for)
    return json_response(await hub.queue.join(body, address), status=201)


@routes.delete("/api/customers/me")
async def leave(request: web.Request) -> web.Response:
    customer = await _customer(request)
    await hub_of(request).queue.leave(customer)
    return web.Response(status=204)


@routes.get("/api/customers/me/ice-servers")
async def customer_ice_servers(request: web.Request) -> web.Response:
    customer = await _customer(request)
    servers = hub_of(request).ice_servers(f"c{customer.customer_id}")
    return json_response(rest.IceServersResponse(ice_servers=servers))


@routes.get("/api/customers/me/transcript")
async def transcript_json(request: web.Request) -> web.Response:
    customer = await _customer(request)
    return json_response(await hub_of(request).consultations.transcript(customer))


@routes.get("/transcript")
async def transcript_html(request: web.Request) -> web.Response:
    """Print-friendly page; the token may come as ``?token=`` so a browser can open it."""
    hub = hub_of(request)
    customer = await _customer(request)
    transcript = await hub.consultations.transcript(customer)
    html = render_transcript_html(transcript)
    response = web.Response(text=html, content_type="text/html", charset="utf-8")
    response.headers["Content-Security-Policy"] = TRANSCRIPT_CSP
    response.headers["Cache-Control"] = "no-store"
    return response


SHOWN_PAGES_BYTES_MAX = 40 * 1024 * 1024
MANIFEST_BYTES_MAX = 256 * 1024


def path_id(request: web.Request, name: str) -> int:
    """An id from the URL path: ASCII digits, 1 to ID_MAX, as ids in messages (anything
    else, a huge number among them, is ``invalid`` naming it, never a database overflow)."""
    text = request.match_info[name]
    if not (text.isascii() and text.isdigit() and len(text) <= 16) or not (
        1 <= int(text) <= ID_MAX
    ):
        raise ProtocolError(
            ErrorCode.INVALID, f"{name} must be a whole number from 1 to {ID_MAX}", f"$.{name}"
        )
    return int(text)


def _consultation_id(request: web.Request) -> int:
    return path_id(request, "consultation_id")


async def _part(part: Any, limit: int, what: str) -> bytes:
    body = bytearray()
    while block := await part.read_chunk(65536):
        body += block
        if len(body) > limit:
            raise ProtocolError(ErrorCode.TOO_LARGE, f"{what} may have at most {limit} bytes")
    return bytes(body)


@routes.put("/api/advisor/consultations/{consultation_id}/shown-pages")
async def upload_shown_pages(request: web.Request) -> web.Response:
    """The pages the advisor showed, marks burned in: multipart/form-data with a ``manifest``
    part (JSON, rest.ShownPages) and, unless it lists none, a ``pages`` part (a PDF with one
    page per entry). The hub makes the record again with them."""
    hub = hub_of(request)
    advisor = await signed_in_account(request)
    consultation_id = _consultation_id(request)
    await hub.records.may_store_pages(advisor.advisor_id, consultation_id)
    if request.content_type != "multipart/form-data":
        raise ProtocolError(
            ErrorCode.MALFORMED, "send multipart/form-data with a manifest and a pages part"
        )
    if (request.content_length or 0) > SHOWN_PAGES_BYTES_MAX + MANIFEST_BYTES_MAX:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"the pages may have at most {SHOWN_PAGES_BYTES_MAX} bytes"
        )
    manifest: bytes | None = None
    pdf = b""
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise ProtocolError(ErrorCode.MALFORMED, "nested multipart is not accepted")
            if part.name == "manifest":
                manifest = await _part(part, MANIFEST_BYTES_MAX, "the manifest")
            elif part.name == "pages":
                pdf = await _part(part, SHOWN_PAGES_BYTES_MAX, "the pages")
                if not pdf.startswith(b"%PDF-"):
                    raise ProtocolError(ErrorCode.MALFORMED, "the pages are not a PDF", "pages")
            else:
                raise ProtocolError(ErrorCode.MALFORMED, f"unexpected part {part.name!r}")
    except (ValueError, AssertionError) as error:  # aiohttp's word for a broken multipart body
        raise ProtocolError(
            ErrorCode.MALFORMED, f"not a readable multipart body ({error})"
        ) from None
    if manifest is None:
        raise ProtocolError(ErrorCode.MALFORMED, "the manifest part is missing", "manifest")
    await hub.records.store_shown_pages(advisor.advisor_id, consultation_id, pdf, manifest)
    return web.Response(status=204)


def _pdf(pdf: NamedPdf) -> web.Response:
    return web.Response(
        body=pdf.data,
        content_type="application/pdf",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{pdf.filename}"',
        },
    )


@routes.put("/api/advisor/consultations/{consultation_id}/minutes")
async def save_minutes(request: web.Request) -> web.Response:
    """The advisor's written minutes of a consultation that was not recorded; each save
    replaces the text, is sealed into the consultation's events and goes into the record."""
    hub = hub_of(request)
    advisor = await signed_in_account(request)
    consultation_id = _consultation_id(request)
    body = await read_body(request, _minutes_decoder)
    saved = await hub.recording.save_minutes(advisor.advisor_id, consultation_id, body)
    return json_response(saved)


@routes.get("/api/advisor/consultations/{consultation_id}/record")
async def advisor_record(request: web.Request) -> web.Response:
    """The record as stored for the customer; only for the consultation's own advisor."""
    advisor = await signed_in_account(request)
    consultation_id = _consultation_id(request)
    return _pdf(await hub_of(request).records.advisor_record(advisor.advisor_id, consultation_id))


@routes.get("/api/compliance/consultations/{reference}/record")
async def compliance_record(request: web.Request) -> web.Response:
    """Any consultation's record, for compliance accounts only; each request is audited."""
    account = await signed_in_account(request)
    reference = request.match_info["reference"]
    return _pdf(await hub_of(request).records.compliance_record(account, reference))


# --- recordings (issue 18 item 3; see recordings.py) ---


def _part_number(request: web.Request) -> int:
    return path_id(request, "part")


def _query_int(request: web.Request, name: str) -> int:
    text = request.query.get(name, "")
    if not (text.isascii() and text.isdigit() and len(text) <= 12):
        raise ProtocolError(ErrorCode.INVALID, f"{name} must be a whole number", name)
    return int(text)


@routes.post("/api/advisor/consultations/{consultation_id}/recording")
async def start_recording(request: web.Request) -> web.Response:
    """A new part of the running consultation's recording, and its key."""
    advisor = await signed_in_account(request)
    started = await hub_of(request).recordings.start(advisor.advisor_id, _consultation_id(request))
    return json_response(started, status=201)


@routes.get("/api/advisor/consultations/{consultation_id}/recording/{part}/segments/{seq}")
async def segment_state(request: web.Request) -> web.Response:
    """What the hub holds of a segment: where an upload goes on."""
    advisor = await signed_in_account(request)
    state = await hub_of(request).recordings.segment_state(
        advisor.advisor_id,
        _consultation_id(request),
        _part_number(request),
        path_id(request, "seq"),
    )
    return json_response(state)


@routes.put("/api/advisor/consultations/{consultation_id}/recording/{part}/segments/{seq}")
async def upload_segment(request: web.Request) -> web.Response:
    """A chunk of a sealed segment (application/octet-stream) at ``?offset=`` of ``&total=``
    bytes whose sha256 is ``&sha256=``; the last chunk completes it (checked, opened, sealed)."""
    hub = hub_of(request)
    advisor = await signed_in_account(request)
    consultation_id, part = _consultation_id(request), _part_number(request)
    seq = path_id(request, "seq")
    await hub.recordings.may_upload(advisor.advisor_id, consultation_id, part)
    if request.content_type != "application/octet-stream":
        raise ProtocolError(ErrorCode.MALFORMED, "send the chunk as application/octet-stream")
    if (request.content_length or 0) > CHUNK_BYTES_MAX:
        raise ProtocolError(
            ErrorCode.TOO_LARGE, f"a chunk may have at most {CHUNK_BYTES_MAX} bytes"
        )
    chunk = bytearray()
    while block := await request.content.read(65536):
        chunk += block
        if len(chunk) > CHUNK_BYTES_MAX:
            raise ProtocolError(
                ErrorCode.TOO_LARGE, f"a chunk may have at most {CHUNK_BYTES_MAX} bytes"
            )
    state = await hub.recordings.receive(
        advisor.advisor_id,
        consultation_id,
        part,
        seq,
        offset=_query_int(request, "offset"),
        total=_query_int(request, "total"),
        sha256=request.query.get("sha256", ""),
        chunk=bytes(chunk),
    )
    return json_response(state)


@routes.get("/api/compliance/consultations/{reference}/recording")
async def compliance_recording_parts(request: web.Request) -> web.Response:
    """A consultation's recorded segments and their hashes; compliance only, audited."""
    account = await signed_in_account(request)
    reference = request.match_info["reference"]
    return json_response(await hub_of(request).recordings.parts(account, reference))


@routes.get("/api/compliance/consultations/{reference}/recording/{part}")
async def compliance_recording(request: web.Request) -> web.StreamResponse:
    """One part of a consultation's recording as a WebM file; compliance only, audited."""
    account = await signed_in_account(request)
    reference = request.match_info["reference"]
    name, files = await hub_of(request).recordings.part_files(
        account, reference, _part_number(request)
    )
    response = web.StreamResponse(
        headers={
            "Content-Type": "video/webm",
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="{name}"',
        }
    )
    response.content_length = sum(path.stat().st_size for path in files)
    await response.prepare(request)
    for path in files:
        with path.open("rb") as file:
            while block := await asyncio.to_thread(file.read, 1 << 20):
                await response.write(block)
    await response.write_eof()
    return response


@routes.get("/api/customers/me/record")
async def download_record(request: web.Request) -> web.Response:
    customer = await _customer(request)
    return _pdf(await hub_of(request).records.customer_record(customer))


@routes.get("/api/customers/me/transcript.pdf")
async def transcript_pdf(request: web.Request) -> web.Response:
    """The written conversation alone, as in the record (for a customer who wants only it)."""
    customer = await _customer(request)
    return _pdf(await hub_of(request).records.transcript_pdf(customer))


@routes.post("/api/messages")
async def leave_message(request: web.Request) -> web.Response:
    body = await read_body(request, _message_decoder)
    hub = hub_of(request)
    address = client_address(request, hub.settings.trust_forwarded_for)
    return json_response(await hub.inbox.leave(body, address), status=201)


# --- advisors ---


@routes.post("/api/advisor/login")
async def login(request: web.Request) -> web.Response:
    hub = hub_of(request)
    body = await read_body(request, _login_decoder)
    address = client_address(request, hub.settings.trust_forwarded_for)
    result = await hub.logins.login(body.username, body.password, address)
    advisor = result.advisor
    return json_response(
        rest.LoginResponse(
            token=result.token,
            expires_at=to_datetime(result.expires_at),
            advisor=advisor_info(advisor),
        )
    )


@routes.post("/api/advisor/logout")
async def logout(request: web.Request) -> web.Response:
    token = bearer_token(request)
    if token:
        await hub_of(request).logins.logout(token)
    return web.Response(status=204)


@routes.get("/api/advisor/ice-servers")
async def advisor_ice_servers(request: web.Request) -> web.Response:
    advisor = await signed_in_account(request)
    servers = hub_of(request).ice_servers(f"a{advisor.advisor_id}")
    return json_response(rest.IceServersResponse(ice_servers=servers))


@routes.get("/api/advisor/messages")
async def list_messages(request: web.Request) -> web.Response:
    await signed_in_account(request)
    include_done = request.query.get("state", "open") == "all"
    return json_response(await hub_of(request).inbox.messages(include_done))


@routes.post("/api/advisor/messages/{message_id}/done")
async def mark_message_done(request: web.Request) -> web.Response:
    advisor = await signed_in_account(request)
    hub = hub_of(request)
    message_id = path_id(request, "message_id")
    done = await hub.inbox.mark_done(message_id, advisor)
    hub.board.changed()  # one open message fewer (other instances' boards: at their refresh)
    return json_response(done)
