"""The hub's REST API as OpenAPI 3.1 (``GET /api/openapi.json``) and its websocket messages as
JSON Schema (``GET /api/ws-schema.json``), generated from the msgspec types the hub decodes and
encodes: the description cannot drift from the code. Every route the hub serves is listed in
``OPERATIONS`` (a test compares them with the app's router)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import msgspec
from aiohttp import web

from advisor_app import __version__
from advisor_app.protocol import rest, supervisor, ws

routes = web.RouteTableDef()

Who = Literal["anyone", "customer", "advisor", "compliance", "supervisor", "admin"]
JSON = "application/json"


@dataclass(frozen=True)
class Operation:
    summary: str
    who: Who = "anyone"
    request: type | None = None  # a msgspec type, as JSON
    response: type | None = None  # a msgspec type, as JSON
    response_type: str = JSON  # another media type (PDF, text) when response is None
    status: int = 200
    request_type: str = JSON


OPERATIONS: dict[tuple[str, str], Operation] = {
    ("GET", "/healthz"): Operation("The process answers.", response_type="application/json"),
    ("GET", "/readyz"): Operation(
        "Ready for traffic (storage writable, listener up); 503 when not.",
        response_type="application/json",
    ),
    ("GET", "/metrics"): Operation(
        "Prometheus metrics (restricted to the operators' networks by the proxy).",
        response_type="text/plain",
    ),
    ("GET", "/.well-known/security.txt"): Operation(
        "Where to report a security problem (RFC 9116).", response_type="text/plain"
    ),
    ("GET", "/licenses"): Operation(
        "The licence, where the source is, the third-party notices.", response_type="text/plain"
    ),
    ("GET", "/supervisor/"): Operation(
        "The supervisor page (live board, figures, administration).", response_type="text/html"
    ),
    ("GET", "/supervisor"): Operation(
        "Redirects to /supervisor/.", response_type="text/plain", status=308
    ),
    ("GET", "/api/openapi.json"): Operation("This description.", response_type=JSON),
    ("GET", "/api/ws-schema.json"): Operation(
        "The websocket messages as JSON Schema.", response_type=JSON
    ),
    ("GET", "/api/status"): Operation("What the start page shows.", response=rest.Status),
    ("GET", "/api/fields"): Operation(
        "The limits of every field the page sends.", response=rest.FieldsResponse
    ),
    ("GET", "/api/bank"): Operation("The bank's identity for the page.", response=rest.BankPage),
    ("GET", "/api/bank/logo"): Operation("The bank's logo.", response_type="image/*"),
    ("POST", "/api/customers/check"): Operation(
        "Check a join's or message's fields without joining.",
        request=rest.CheckRequest,
        response=rest.CheckResponse,
    ),
    ("POST", "/api/customers"): Operation(
        "Join the queue.", request=rest.JoinRequest, response=rest.JoinResponse, status=201
    ),
    ("DELETE", "/api/customers/me"): Operation("Leave the queue.", who="customer", status=204),
    ("GET", "/api/customers/me/ice-servers"): Operation(
        "TURN/STUN servers for the call.", who="customer", response=rest.IceServersResponse
    ),
    ("GET", "/api/customers/me/transcript"): Operation(
        "The consultation's written record.", who="customer", response=rest.Transcript
    ),
    ("GET", "/api/customers/me/record"): Operation(
        "The consultation's record (PDF).", who="customer", response_type="application/pdf"
    ),
    ("GET", "/api/customers/me/record/ready"): Operation(
        "Whether the record can be downloaded.", who="customer", response=rest.RecordReady
    ),
    ("GET", "/api/customers/me/transcript.pdf"): Operation(
        "The chat as PDF.", who="customer", response_type="application/pdf"
    ),
    ("GET", "/transcript"): Operation(
        "The printable transcript page.", who="customer", response_type="text/html"
    ),
    ("POST", "/api/messages"): Operation(
        "Leave a written message.",
        request=rest.LeaveMessageRequest,
        response=rest.LeaveMessageResponse,
        status=201,
    ),
    ("POST", "/api/advisor/login"): Operation(
        "Sign in.", request=rest.LoginRequest, response=rest.LoginResponse
    ),
    ("POST", "/api/advisor/logout"): Operation("Sign out.", who="advisor", status=204),
    ("GET", "/api/advisor/ice-servers"): Operation(
        "TURN/STUN servers for the call.", who="advisor", response=rest.IceServersResponse
    ),
    ("GET", "/api/advisor/messages"): Operation(
        "The written messages.", who="advisor", response=rest.MessagesResponse
    ),
    ("POST", "/api/advisor/messages/{message_id}/done"): Operation(
        "Mark a written message done.", who="advisor"
    ),
    ("PUT", "/api/advisor/consultations/{consultation_id}/shown-pages"): Operation(
        "The pages shown, for the record (multipart: a JSON manifest and a PDF).",
        who="advisor",
        request_type="multipart/form-data",
        status=204,
    ),
    ("PUT", "/api/advisor/consultations/{consultation_id}/minutes"): Operation(
        "The advisor's written minutes where nothing was recorded (sealed, in the record).",
        who="advisor",
        request=rest.MinutesRequest,
        response=rest.MinutesSaved,
    ),
    ("GET", "/api/advisor/consultations/{consultation_id}/record"): Operation(
        "The consultation's record (PDF).", who="advisor", response_type="application/pdf"
    ),
    ("POST", "/api/advisor/consultations/{consultation_id}/recording"): Operation(
        "Start a part of the running consultation's recording: its number and key "
        "(only where the recording policy is not off).",
        who="advisor",
        response=rest.RecordingStarted,
        status=201,
    ),
    ("GET", "/api/advisor/consultations/{consultation_id}/recording/{part}/segments/{seq}"): (
        Operation(
            "What the hub holds of a segment (bytes received, or complete with its sha256).",
            who="advisor",
            response=rest.SegmentState,
        )
    ),
    ("PUT", "/api/advisor/consultations/{consultation_id}/recording/{part}/segments/{seq}"): (
        Operation(
            "A chunk of a sealed segment at ?offset= of &total= bytes with &sha256=; the last "
            "chunk completes it (checked, opened, sealed in the chain).",
            who="advisor",
            request_type="application/octet-stream",
            response=rest.SegmentState,
        )
    ),
    ("GET", "/api/compliance/consultations/{reference}/recording"): Operation(
        "A consultation's recorded segments and their hashes (each access is logged).",
        who="compliance",
        response=rest.RecordingParts,
    ),
    ("GET", "/api/compliance/consultations/{reference}/recording/{part}"): Operation(
        "One part of a consultation's recording as a WebM file (each access is logged).",
        who="compliance",
        response_type="video/webm",
    ),
    ("GET", "/api/compliance/consultations/{reference}/record"): Operation(
        "A consultation's record for compliance (each access is logged).",
        who="compliance",
        response_type="application/pdf",
    ),
    ("GET", "/api/supervisor/summary"): Operation(
        "The supervisor's board: queue, advisors' states, today's figures (docs/protocol.md "
        "§15); live on /ws/supervisor.",
        who="supervisor",
        response=supervisor.Summary,
    ),
    ("GET", "/api/supervisor/figures"): Operation(
        "Figures per day or ISO week (?from=YYYY-MM-DD&to=YYYY-MM-DD&by=day|week); "
        "&format=csv: the same as a CSV file.",
        who="supervisor",
        response=supervisor.FiguresResponse,
    ),
    ("GET", "/api/admin/accounts"): Operation(
        "Every account with its roles.", who="admin", response=supervisor.AccountsResponse
    ),
    ("POST", "/api/admin/accounts"): Operation(
        "Add an account (audited).",
        who="admin",
        request=supervisor.NewAccount,
        response=supervisor.Account,
        status=201,
    ),
    ("PATCH", "/api/admin/accounts/{advisor_id}"): Operation(
        "Change an account's display name, roles or disabled (audited; taking a role away or "
        "disabling ends its logins).",
        who="admin",
        request=supervisor.AccountChange,
        response=supervisor.Account,
    ),
    ("POST", "/api/admin/accounts/{advisor_id}/password"): Operation(
        "Set a new password (audited; ends the account's logins).",
        who="admin",
        request=supervisor.NewPassword,
        status=204,
    ),
    ("GET", "/api/admin/audit"): Operation(
        "The audit log, newest first (?limit=100&before=<id>).",
        who="admin",
        response=supervisor.AuditResponse,
    ),
}

# The websocket messages each side may send and receive (protocol/ws.py's unions).
WS_MESSAGES: dict[str, Any] = {
    "customer_to_hub": ws.CustomerMessage,
    "hub_to_customer": ws.HubMessage,
    "advisor_to_hub": ws.AdvisorMessage,
    "hub_to_advisor": ws.AdvisorHubMessage,
    "supervisor_to_hub": supervisor.SupervisorMessage,
    "hub_to_supervisor": supervisor.SupervisorHubMessage,
}


def _schema(types: list[Any]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    schemas, components = msgspec.json.schema_components(
        types, ref_template="#/components/schemas/{name}"
    )
    return list(schemas), dict(components)


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document."""
    bodies = sorted(
        {t for op in OPERATIONS.values() for t in (op.request, op.response) if t is not None},
        key=lambda t: t.__name__,
    )
    refs, components = _schema([*bodies, rest.ErrorResponse])
    ref_of = dict(zip([*bodies, rest.ErrorResponse], refs, strict=True))
    paths: dict[str, dict[str, Any]] = {}
    for (method, path), op in OPERATIONS.items():
        operation: dict[str, Any] = {"summary": op.summary, "responses": {}}
        if op.who != "anyone":
            operation["security"] = [{op.who: []}]
        parameters = [
            {"name": part[1:-1], "in": "path", "required": True, "schema": {"type": "string"}}
            for part in path.split("/")
            if part.startswith("{")
        ]
        if parameters:
            operation["parameters"] = parameters
        if op.request is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {JSON: {"schema": ref_of[op.request]}},
            }
        elif op.request_type != JSON:
            operation["requestBody"] = {"required": True, "content": {op.request_type: {}}}
        if op.status == 204:
            operation["responses"]["204"] = {"description": "Done; no body."}
        elif op.response is not None:
            operation["responses"][str(op.status)] = {
                "description": "OK",
                "content": {JSON: {"schema": ref_of[op.response]}},
            }
        else:
            operation["responses"][str(op.status)] = {
                "description": "OK",
                "content": {op.response_type: {}},
            }
        operation["responses"]["default"] = {
            "description": "An error: a code for machines, a field and a reason where one "
            "field is at fault (docs/protocol.md §3).",
            "content": {JSON: {"schema": ref_of[rest.ErrorResponse]}},
        }
        paths.setdefault(path, {})[method.lower()] = operation
    bearer = {"type": "http", "scheme": "bearer"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Videoberatung hub",
            "version": __version__,
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
            "description": "The consultation hub's REST API; the websocket messages are in "
            "/api/ws-schema.json. docs/protocol.md explains both.",
        },
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "customer": {**bearer, "description": "The token a join answers with."},
                "advisor": {**bearer, "description": "The token a login answers with."},
                "compliance": {**bearer, "description": "A login with the compliance role."},
                "supervisor": {
                    **bearer,
                    "description": "A login with the supervisor or the admin role.",
                },
                "admin": {**bearer, "description": "A login with the admin role."},
            },
        },
    }


def ws_schema() -> dict[str, Any]:
    """Each direction's messages as a JSON Schema (2020-12) with shared definitions."""
    names = list(WS_MESSAGES)
    schemas, components = msgspec.json.schema_components(
        [WS_MESSAGES[name] for name in names], ref_template="#/$defs/{name}"
    )
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Videoberatung hub websocket messages",
        "properties": dict(zip(names, schemas, strict=True)),
        "$defs": components,
    }


@routes.get("/api/openapi.json")
async def openapi_document(request: web.Request) -> web.Response:
    return web.json_response(openapi())


@routes.get("/api/ws-schema.json")
async def ws_schema_document(request: web.Request) -> web.Response:
    return web.json_response(ws_schema())
