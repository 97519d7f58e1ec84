"""The hub's aiohttp application factory (no module-level state)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from advisor_app.hub import (
    api,
    licences,
    openapi,
    page_api,
    supervisor_api,
    supervisor_page,
    websockets,
)
from advisor_app.hub.cluster import Cluster
from advisor_app.hub.config import HubSettings
from advisor_app.hub.context import Clock
from advisor_app.hub.keys import HUB
from advisor_app.hub.recordings import prune_files
from advisor_app.hub.security import allowed_hosts_middleware, security_headers_middleware
from advisor_app.hub.service import Hub
from advisor_app.hub.storage import Storage
from advisor_app.hub.storage.base import NOBODY_PRESENT, Present
from advisor_app.hub.storage.sqlite import SQLiteStorage

logger = logging.getLogger(__name__)

DEFAULT_NOTICE_VERSION = "1"


def web_root_problem(web_root: Path) -> str | None:
    """What is missing for the hub to serve customers and team leads: the customer page, the
    notices customers consent to (whose version each consent is stamped with) and the
    supervisor page. None: nothing."""
    if not (web_root / "index.html").is_file():
        return f"the customer page is missing: {web_root} has no index.html"
    try:
        version = json.loads((web_root / "notices.json").read_text("utf-8"))["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return f"the notices are missing: {web_root / 'notices.json'} has no version"
    if not isinstance(version, str) or not version.strip():
        return f"the notices are missing: {web_root / 'notices.json'} has no version"
    return supervisor_page.page_problem(web_root)


def notice_version(web_root: Path) -> str:
    """The version of the notices in force, from ``notices.json`` beside the customer page."""
    try:
        return str(json.loads((web_root / "notices.json").read_text("utf-8"))["version"])
    except (OSError, ValueError, KeyError):
        logger.warning("no notices.json in %s: notice version %s", web_root, DEFAULT_NOTICE_VERSION)
        return DEFAULT_NOTICE_VERSION


async def purge_once(
    storage: Storage, settings: HubSettings, now: float, present: Present = NOBODY_PRESENT
) -> None:
    counts = await storage.purge(now - settings.retention_days * 86400, now, present)
    if any((counts.customers, counts.offline_messages, counts.tokens)):
        logger.info("retention purge: %s", counts)
    # The recordings' files go with their consultation (kept for recording_retention_days,
    # or under legal hold, by the purge above).
    removed = await asyncio.to_thread(
        prune_files, settings.recordings_path, await storage.recorded_consultations()
    )
    if removed:
        logger.info("retention purge: the recordings of %d consultations removed", removed)


def open_storage(settings: HubSettings) -> tuple[Storage, Cluster | None]:
    """The configured backend: SQLite alone, or PostgreSQL shared with other instances."""
    if settings.database is None:
        return SQLiteStorage(settings.database_path), None
    # Imported here: a hub on SQLite never loads asyncpg.
    from advisor_app.hub.pg_cluster import PostgresCluster
    from advisor_app.hub.storage.postgres import PostgresStorage

    storage = PostgresStorage(settings.database)
    cluster = PostgresCluster(
        storage,
        heartbeat_seconds=settings.instance_heartbeat_seconds,
        dead_after_seconds=settings.instance_dead_after_seconds,
    )
    return storage, cluster


class MalformedRequestFilter(logging.Filter):
    """aiohttp answers a request it cannot parse (a bad request line or header, a body it
    cannot decode before any route) with 400 itself, and logs it as an error with a traceback
    whose text may quote the raw request line, a token in its query included. Such a request
    is the sender's fault, not the hub's: one line at INFO, naming only the kind of fault."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        if isinstance(error, HttpProcessingError):
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.msg = "refused a malformed request (%s, HTTP %s)"
            record.args = (type(error).__name__, error.code)
            record.exc_info = record.exc_text = None
        return True


def quiet_malformed_requests() -> None:
    server_log = logging.getLogger("aiohttp.server")
    if not any(isinstance(item, MalformedRequestFilter) for item in server_log.filters):
        server_log.addFilter(MalformedRequestFilter())


def create_app(
    settings: HubSettings,
    *,
    storage: Storage | None = None,
    clock: Clock = time.time,
) -> web.Application:
    """Build the hub. Storage opens and the queue loads when the app starts."""
    quiet_malformed_requests()
    app = web.Application(
        client_max_size=settings.max_message_bytes,
        middlewares=[
            security_headers_middleware(settings.tls_enabled),
            allowed_hosts_middleware(settings.answered_hosts),
            api.protocol_errors,
        ],
    )
    cluster: Cluster | None = None
    if storage is None:
        storage, cluster = open_storage(settings)
    hub = Hub(settings, storage, notice_version(settings.web_root), clock, cluster)
    app[HUB] = hub

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        hub.metrics.watch_gc()
        await storage.open()
        await purge_once(storage, settings, clock())
        await hub.start()
        background = [
            asyncio.create_task(_purge_periodically(hub), name="retention-purge"),
            asyncio.create_task(_revalidate_periodically(hub), name="revalidate-logins"),
        ]
        yield
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
        await hub.stop()
        await storage.close()
        hub.metrics.unwatch_gc()

    app.cleanup_ctx.append(lifecycle)
    app.on_shutdown.append(_close_sockets)
    app.router.add_routes(api.routes)
    app.router.add_routes(page_api.routes)
    app.router.add_routes(supervisor_api.routes)
    app.router.add_routes(licences.routes)
    app.router.add_routes(openapi.routes)
    app.router.add_get("/ws/customer", websockets.customer_socket)
    app.router.add_get("/ws/advisor", websockets.advisor_socket)
    app.router.add_get("/ws/supervisor", websockets.supervisor_socket)
    if settings.web_root.is_dir():
        app.router.add_get("/", _index)
        supervisor_page.add_routes(app.router)
        app.router.add_static("/", settings.web_root, show_index=False, follow_symlinks=False)
    else:
        logger.warning("the customer page folder %s does not exist", settings.web_root)
    return app


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(request.app[HUB].settings.web_root / "index.html")


async def _close_sockets(app: web.Application) -> None:
    for connection in list(app[HUB].connections.all):
        await connection.ws.close(code=1001, message=b"hub shutting down")


REVALIDATE_SECONDS = 60.0


async def _revalidate_periodically(hub: Hub) -> None:
    """Logins revoked elsewhere (a password reset by the CLI) or expired end open sockets."""
    while True:
        await asyncio.sleep(REVALIDATE_SECONDS)
        try:
            await hub.close_signed_out()
        except Exception:
            logger.exception("revalidating logins failed")


async def _purge_periodically(hub: Hub) -> None:
    while True:
        await asyncio.sleep(hub.settings.purge_interval_seconds)
        try:
            connections = hub.connections
            present = Present(frozenset(connections.customers), frozenset(connections.advisors))
            await purge_once(hub.storage, hub.settings, hub.clock(), present)
        except Exception:
            logger.exception("retention purge failed")
