"""The hub's REST API described as OpenAPI 3.1 from its msgspec types, served at
/api/openapi.json, valid, and listing every route the hub serves; the websocket messages as JSON
Schema at /api/ws-schema.json, which accepts what the hub really sends and refuses junk."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import jsonschema
import msgspec
from openapi_spec_validator import validate

from advisor_app.hub.app import create_app
from advisor_app.hub.openapi import OPERATIONS
from advisor_app.protocol import ws
from tests.support.hub import RunningHub, settings_for


def served_routes(tmp_path: Path) -> set[tuple[str, str]]:
    app = create_app(settings_for(tmp_path))
    found = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if path is None or route.method in ("HEAD", "*") or path.startswith("/ws/"):
            continue  # static files (a prefix), websockets (the JSON Schema's part)
        found.add((route.method, path))
    found.discard(("GET", "/"))  # the customer page itself
    return found


def test_every_route_is_described_and_nothing_else(tmp_path: Path) -> None:
    assert served_routes(tmp_path) == set(OPERATIONS)


async def test_the_documents_are_served_and_valid(hub: RunningHub) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{hub.url}/api/openapi.json") as response:
            assert response.status == 200
            document = await response.json()
        async with session.get(f"{hub.url}/api/ws-schema.json") as response:
            assert response.status == 200
            schema = await response.json()
    validate(document)  # raises on an invalid OpenAPI 3.1 document
    join = document["paths"]["/api/customers"]["post"]
    assert join["requestBody"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/JoinRequest"
    }
    assert "phone" in document["components"]["schemas"]["JoinRequest"]["properties"]
    assert document["paths"]["/api/advisor/messages"]["get"]["security"] == [{"advisor": []}]

    jsonschema.Draft202012Validator.check_schema(schema)
    to_advisor = {**schema, **schema["properties"]["hub_to_advisor"]}
    pong = msgspec.json.decode(msgspec.json.encode(ws.Pong(ref="r1")))
    jsonschema.validate(pong, to_advisor)
    try:
        jsonschema.validate({"type": "pong", "surprise": 1, "ref": 5}, to_advisor)
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("a malformed message passed the schema")
