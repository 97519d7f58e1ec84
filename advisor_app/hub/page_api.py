"""Endpoints the customer page asks before it acts: the field limits, a check of the form
before the camera is opened, and who the bank is.

They change nothing in the hub: the check runs the join's own validators (``fields.py``)
so that a form the join would refuse is refused while the customer is still on it.
"""

from __future__ import annotations

from aiohttp import web

from advisor_app.hub.api import json_response
from advisor_app.hub.config import LOGO_TYPES
from advisor_app.hub.keys import HUB
from advisor_app.hub.security import bearer_token
from advisor_app.protocol import rest
from advisor_app.protocol.codec import Decoder
from advisor_app.protocol.errors import ErrorCode, ProtocolError
from advisor_app.protocol.fields import (
    MESSAGE_TEXT_MAX,
    FieldReason,
    clean_name,
    clean_phone,
    clean_text,
    limits,
    reason_of,
)

routes = web.RouteTableDef()

_check_decoder: Decoder[rest.CheckRequest] = Decoder(rest.CheckRequest)


@routes.get("/api/fields")
async def fields(request: web.Request) -> web.Response:
    """The limits the page checks before sending, from the one place the hub keeps them."""
    return json_response(
        rest.FieldsResponse(limits=limits(), reasons=[reason.value for reason in FieldReason])
    )


def _problem(error: ValueError) -> FieldReason:
    message = str(error).split(" - at `", 1)[0]
    return reason_of(message) or FieldReason.NOT_A_NUMBER


@routes.post("/api/customers/check")
async def check(request: web.Request) -> web.Response:
    """Check the join's (or a written message's) fields without joining: 200 with a reason
    per refused field, and the phone number as the hub will store it."""
    if request.content_type != "application/json":
        raise ProtocolError(ErrorCode.MALFORMED, "send the body as application/json")
    body = _check_decoder.decode(await request.read())
    refused: dict[str, str] = {}
    phone: str | None = None
    if body.name is not None:
        try:
            clean_name(body.name)
        except ValueError as error:
            refused["$.name"] = _problem(error).value
    if body.phone is not None:
        try:
            phone = clean_phone(body.phone)
        except ValueError as error:
            refused["$.phone"] = _problem(error).value
    if body.text is not None:
        try:
            clean_text(body.text, "text", MESSAGE_TEXT_MAX)
        except ValueError as error:
            refused["$.text"] = _problem(error).value
    return json_response(rest.CheckResponse(ok=not refused, refused=refused, phone=phone))


@routes.get("/api/customers/me/record/ready")
async def record_ready(request: web.Request) -> web.Response:
    """Whether the consultation's record is there yet: 200 either way, so that the end
    screen's looking for it does not fill the browser's console with 404s."""
    token = bearer_token(request)
    if not token:
        raise ProtocolError(ErrorCode.UNAUTHORIZED, "the customer token is missing")
    hub = request.app[HUB]
    customer = await hub.customer_for(token)
    consultation = await hub.storage.consultation_of_customer(customer.customer_id)
    ready = (
        consultation is not None
        and await hub.storage.record(consultation.consultation_id) is not None
    )
    return json_response(rest.RecordReady(ready=ready))


@routes.get("/api/bank")
async def bank(request: web.Request) -> web.Response:
    """Who the customer is talking to: the page's head, footer and notices."""
    settings = request.app[HUB].settings
    return json_response(
        rest.BankPage(
            name=settings.bank_name,
            address=settings.bank_address,
            contact=settings.bank_contact,
            hotline=settings.bank_hotline,
            logo="/api/bank/logo" if settings.bank_logo is not None else "",
            imprint_url=settings.imprint_url,
            privacy_url=settings.privacy_url,
            controller=settings.data_controller
            or ", ".join(part for part in (settings.bank_name, settings.bank_address) if part),
            data_protection_contact=settings.data_protection_contact,
            retention_days=settings.retention_days,
            time_zone=settings.time_zone,
            recording_retention_years=round(settings.recording_retention_days / 365.25, 1),
        )
    )


@routes.get("/api/bank/logo")
async def bank_logo(request: web.Request) -> web.Response:
    path = request.app[HUB].settings.bank_logo
    if path is None or not path.is_file():
        raise ProtocolError(ErrorCode.NOT_FOUND, "no logo is configured")
    return web.Response(
        body=path.read_bytes(),
        content_type=LOGO_TYPES[path.suffix.lower()],
        headers={"Cache-Control": "public, max-age=3600"},
    )
