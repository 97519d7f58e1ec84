"""The supervisor page (issue 19) from the web root's ``supervisor/`` folder: ``/supervisor/``
answers with its index.html and ``/supervisor`` redirects there (the static route serves no
folder indexes). Its scripts, styles and the shared modules of the customer page come from the
static route, with the same security headers as everything else."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from advisor_app.hub.keys import HUB

PAGE_DIR = "supervisor"
PAGE_PATH = "/supervisor/"
# The files without which the page cannot start (the rest it loads from these).
PAGE_FILES = ("index.html", "js/main.js", "supervisor.css")


def page_problem(web_root: Path) -> str | None:
    """What is missing for the supervisor page (None: nothing)."""
    for name in PAGE_FILES:
        if not (web_root / PAGE_DIR / name).is_file():
            return f"the supervisor page is missing: {web_root} has no {PAGE_DIR}/{name}"
    return None


async def _page(request: web.Request) -> web.FileResponse:
    index = request.app[HUB].settings.web_root / PAGE_DIR / "index.html"
    if not index.is_file():
        raise web.HTTPNotFound()
    # The page itself is small and changes with the hub: always fresh.
    return web.FileResponse(index, headers={"Cache-Control": "no-cache"})


async def _redirect(request: web.Request) -> web.StreamResponse:
    raise web.HTTPPermanentRedirect(PAGE_PATH)


def add_routes(router: web.UrlDispatcher) -> None:
    """Before the static route: that one would take both paths and answer 403/404."""
    router.add_get(PAGE_PATH, _page)
    router.add_get(PAGE_PATH.rstrip("/"), _redirect)
