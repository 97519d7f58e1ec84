"""/licenses: the project's licence, where its source is, and the third-party notices of what
the hub runs. The AGPL (§ 13) asks a program that people use over a network to offer them its
source: customers reach this page from the customer page's footer."""

from __future__ import annotations

from aiohttp import web

from advisor_app import __version__
from advisor_app.hub.keys import HUB
from advisor_app.paths import resources_dir

routes = web.RouteTableDef()

NOTICES = "THIRD-PARTY-NOTICES-hub.txt"


def licence_text(source_url: str, contact: str) -> str:
    notices = resources_dir() / "licenses" / NOTICES
    source = source_url or (
        f"ask the operator of this service ({contact})" if contact else "ask the operator"
    )
    head = (
        f"Videoberatung (advisor-app) {__version__}\n"
        "Licence: GNU Affero General Public License, version 3 or later (AGPL-3.0-or-later).\n"
        f"Source code of this version: {source}\n\n"
    )
    try:
        return head + notices.read_text("utf-8")
    except OSError:
        return head + "(The third-party notices are missing from this installation.)\n"


@routes.get("/licenses")
async def licences(request: web.Request) -> web.Response:
    settings = request.app[HUB].settings
    text = licence_text(settings.source_url, settings.bank_contact)
    return web.Response(text=text, content_type="text/plain", charset="utf-8")
