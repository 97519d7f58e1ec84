"""The supervisor's and the admin's HTTP endpoints (issue 19): ``/api/supervisor/...`` (the
board, the day and week figures, as JSON or CSV) and ``/api/admin/...`` (accounts, the audit
log). Each checks the login's role (403 without it); the board's live socket is in
websockets.py."""

from __future__ import annotations

from datetime import date, timedelta

from aiohttp import web

from advisor_app.hub.api import hub_of, json_response, path_id, read_body, signed_in_account
from advisor_app.hub.figures import RANGE_DAYS_MAX, as_csv, day_bounds, period_rows
from advisor_app.hub.roles import BOARD_ROLES, require
from advisor_app.hub.storage import AdvisorRecord
from advisor_app.protocol import supervisor as api
from advisor_app.protocol.codec import Decoder
from advisor_app.protocol.errors import ErrorCode, ProtocolError

routes = web.RouteTableDef()

_new_account: Decoder[api.NewAccount] = Decoder(api.NewAccount)
_account_change: Decoder[api.AccountChange] = Decoder(api.AccountChange)
_new_password: Decoder[api.NewPassword] = Decoder(api.NewPassword)


async def _board_reader(request: web.Request) -> AdvisorRecord:
    return require(await signed_in_account(request), *BOARD_ROLES)


async def _admin(request: web.Request) -> AdvisorRecord:
    return require(await signed_in_account(request), "admin")


def _day(request: web.Request, name: str) -> date:
    text = request.query.get(name)
    if text is None:
        raise ProtocolError(ErrorCode.INVALID, f"{name} is missing (YYYY-MM-DD)", f"$.{name}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ProtocolError(
            ErrorCode.INVALID, f"{name} must be a day as YYYY-MM-DD", f"$.{name}"
        ) from None


@routes.get("/api/supervisor/summary")
async def summary(request: web.Request) -> web.Response:
    await _board_reader(request)
    return json_response(await hub_of(request).board.summary())


@routes.get("/api/supervisor/figures")
async def figures(request: web.Request) -> web.Response:
    """The figures per day or ISO week from ``from`` to ``to`` (inclusive, at most a year),
    as JSON or (``format=csv``) as a CSV file."""
    await _board_reader(request)
    hub = hub_of(request)
    first, last = _day(request, "from"), _day(request, "to")
    if last < first:
        raise ProtocolError(ErrorCode.INVALID, "to must not be before from", "$.to")
    if (last - first).days + 1 > RANGE_DAYS_MAX:
        raise ProtocolError(
            ErrorCode.INVALID, f"the range may have at most {RANGE_DAYS_MAX} days", "$.to"
        )
    by = request.query.get("by", "day")
    if by not in ("day", "week"):
        raise ProtocolError(ErrorCode.INVALID, "by must be day or week", "$.by")
    output = request.query.get("format", "json")
    if output not in ("json", "csv"):
        raise ProtocolError(ErrorCode.INVALID, "format must be json or csv", "$.format")
    zone = hub.hours.zone
    start = day_bounds(first, zone)[0]
    end = day_bounds(last + timedelta(days=1), zone)[0]
    facts = await hub.storage.queue_facts(start, end)
    rows = period_rows(
        facts, first, last, "day" if by == "day" else "week", zone, hub.board.target()
    )
    if output == "csv":
        return web.Response(
            text=as_csv(rows),
            content_type="text/csv",
            charset="utf-8",
            headers={
                "Cache-Control": "no-store",
                "Content-Disposition": f'attachment; filename="figures-{first}-{last}-{by}.csv"',
            },
        )
    return json_response(api.FiguresResponse(by="day" if by == "day" else "week", rows=rows))


@routes.get("/api/admin/accounts")
async def accounts(request: web.Request) -> web.Response:
    await _admin(request)
    return json_response(await hub_of(request).admin.accounts())


@routes.post("/api/admin/accounts")
async def add_account(request: web.Request) -> web.Response:
    actor = await _admin(request)
    body = await read_body(request, _new_account)
    return json_response(await hub_of(request).admin.add(actor, body), status=201)


@routes.patch("/api/admin/accounts/{advisor_id}")
async def change_account(request: web.Request) -> web.Response:
    actor = await _admin(request)
    advisor_id = path_id(request, "advisor_id")
    body = await read_body(request, _account_change)
    return json_response(await hub_of(request).admin.change(actor, advisor_id, body))


@routes.post("/api/admin/accounts/{advisor_id}/password")
async def reset_password(request: web.Request) -> web.Response:
    actor = await _admin(request)
    advisor_id = path_id(request, "advisor_id")
    body = await read_body(request, _new_password)
    await hub_of(request).admin.reset_password(actor, advisor_id, body)
    return web.Response(status=204)


def _whole(request: web.Request, name: str, default: int | None) -> int | None:
    text = request.query.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 16):
        raise ProtocolError(ErrorCode.INVALID, f"{name} must be a whole number", f"$.{name}")
    return int(text)


@routes.get("/api/admin/audit")
async def audit(request: web.Request) -> web.Response:
    await _admin(request)
    limit = _whole(request, "limit", 100) or 100
    before = _whole(request, "before", None)
    return json_response(await hub_of(request).admin.audit(limit, before))
