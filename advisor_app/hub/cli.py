"""``advisor-hub``: run the consultation hub and manage its accounts and data."""

from __future__ import annotations

import argparse
import asyncio
import gc
import getpass
import logging
import signal
import sys
import time
from pathlib import Path
from typing import Any, NoReturn

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from advisor_app import __version__
from advisor_app.hub import cli_records
from advisor_app.hub.accounts import PASSWORD_MIN, hash_password
from advisor_app.hub.app import create_app, open_storage, web_root_problem
from advisor_app.hub.config import ENV_PREFIX, ConfigError, HubSettings, load_settings, setting_docs
from advisor_app.hub.guard import GuardedSite, guard_limits
from advisor_app.hub.recordings import prune_files
from advisor_app.hub.roles import ACCOUNT_ROLES, parse_roles, sorted_roles
from advisor_app.hub.storage.base import DuplicateError, Storage, StorageError
from advisor_app.hub.tls import ensure_self_signed, server_context
from advisor_app.protocol.fields import clean_name

logger = logging.getLogger("advisor_app.hub")


def _settings_epilog() -> str:
    lines = ["settings (config file key / environment variable, default):"]
    for name, env, default, doc in setting_docs():
        lines.append(f"  {name} / {env} ({default})\n      {doc}")
    lines.append(f"\nThe config file may also be named by {ENV_PREFIX}CONFIG.")
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="advisor-hub",
        description="The Videoberatung consultation hub: queue, accounts, signaling, chat.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=_settings_epilog(),
    )
    parser.add_argument("--version", action="version", version=f"advisor-hub {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", type=Path, help="TOML config file (settings under [hub])")
    common.add_argument("--data-dir", type=Path, help="folder for the SQLite database")
    common.add_argument(
        "--database",
        help="postgresql:// URL of a database shared by several hub instances (default: SQLite)",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", parents=[common], help="run the hub")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default 8700)")
    serve.add_argument("--tls-cert", type=Path, help="PEM certificate chain")
    serve.add_argument("--tls-key", type=Path, help="PEM private key")
    serve.add_argument(
        "--tls-self-signed",
        action="store_true",
        default=None,
        help="make once and use a self-signed certificate in the data dir",
    )
    serve.add_argument("--log-level", help="debug, info, warning, error")

    add = commands.add_parser(
        "add-advisor",
        parents=[common],
        help="create an advisor account (password from stdin or prompted)",
    )
    add.add_argument("username")
    add.add_argument("--display-name", help="name shown to customers (default: the user name)")
    add.add_argument(
        "--role",
        dest="roles",
        action="append",
        choices=ACCOUNT_ROLES,
        help="a role of the account (repeatable: --role advisor --role supervisor); default "
        "advisor. Change them later with set-role",
    )
    add.add_argument(
        "--reset-password",
        action="store_true",
        help="set a new password for an existing account (its logins end, open ones "
        "within a minute)",
    )

    commands.add_parser("list-advisors", parents=[common], help="list the advisor accounts")
    commands.add_parser(
        "purge", parents=[common], help="delete everything older than the retention period now"
    )
    cli_records.add_commands(commands, common)
    return parser


def _read_password(username: str) -> str:
    if sys.stdin.isatty():
        first = getpass.getpass(f"Password for {username}: ")
        second = getpass.getpass("Repeat the password: ")
        if first != second:
            raise SystemExit("advisor-hub: the passwords differ; nothing was changed")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _storage_failed(error: StorageError) -> NoReturn:
    """A storage fault at start: one line saying what and what to do, exit code 2."""
    print(f"advisor-hub: {error}", file=sys.stderr)
    raise SystemExit(2)


async def _with_storage(settings: HubSettings, work: Any) -> Any:
    storage, _ = open_storage(settings)
    try:
        await storage.open()
    except StorageError as error:
        _storage_failed(error)
    try:
        return await work(storage)
    finally:
        await storage.close()


def _add_advisor(settings: HubSettings, args: argparse.Namespace) -> int:
    try:
        username = clean_name(args.username, "username")
        display_name = clean_name(args.display_name or args.username, "display_name")
    except ValueError as error:
        raise SystemExit(f"advisor-hub: {str(error).split(' - at ')[0]}") from None
    roles = parse_roles(args.roles or ["advisor"])
    password = _read_password(username)
    try:
        password_hash = hash_password(password)
    except ValueError as error:
        raise SystemExit(f"advisor-hub: {error} (at least {PASSWORD_MIN})") from None

    async def work(storage: Storage) -> int:
        if args.reset_password:
            if not await storage.set_advisor_password(username, password_hash):
                raise SystemExit(f"advisor-hub: there is no advisor {username!r}")
            print(f"new password set for {username}; existing logins were revoked")
            return 0
        try:
            await storage.add_advisor(
                username, display_name, password_hash, time.time(), roles=roles
            )
        except DuplicateError as error:
            raise SystemExit(f"advisor-hub: {error} (use --reset-password)") from None
        print(f"account {username} ({display_name}) added: {', '.join(sorted_roles(roles))}")
        return 0

    return int(asyncio.run(_with_storage(settings, work)))


def _list_advisors(settings: HubSettings) -> int:
    async def work(storage: Storage) -> int:
        advisors = await storage.advisors()
        for advisor in advisors:
            created = time.strftime("%Y-%m-%d", time.localtime(advisor.created_at))
            roles = ",".join(sorted_roles(advisor.roles))
            disabled = "\tdisabled" if advisor.disabled else ""
            print(f"{advisor.username}\t{advisor.display_name}\t{roles}\tsince {created}{disabled}")
        if not advisors:
            print("no advisors yet: add one with advisor-hub add-advisor USER", file=sys.stderr)
        return 0

    return int(asyncio.run(_with_storage(settings, work)))


def _purge(settings: HubSettings) -> int:
    async def work(storage: Storage) -> int:
        now = time.time()
        counts = await storage.purge(now - settings.retention_days * 86400, now)
        recordings = prune_files(settings.recordings_path, await storage.recorded_consultations())
        print(
            f"purged {counts.customers} customers, {counts.consultations} consultations, "
            f"{counts.chat_messages} chat messages, {counts.offline_messages} messages, "
            f"{counts.tokens} expired logins (retention {settings.retention_days:g} days), "
            f"the recordings of {recordings} consultations"
        )
        return 0

    return int(asyncio.run(_with_storage(settings, work)))


class AccessLogger(AbstractAccessLogger):
    """Logs the path without its query: a transcript link carries the customer's token."""

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.3f',
            request.remote,
            request.method,
            request.path,
            response.status,
            response.body_length,
            time,
        )


def serve(settings: HubSettings, *, print_url: bool = True) -> None:
    if problem := web_root_problem(settings.web_root):
        # Serving without them would answer customers with 404 and stamp consents with a
        # notice version nobody showed them.
        raise ConfigError(f"{problem} (reinstall advisor-app, or set web_root)")
    ssl_context = None
    cert, key = settings.tls_cert, settings.tls_key
    if settings.tls_self_signed:
        cert, key = ensure_self_signed(settings.data_dir)
    if cert is not None and key is not None:
        ssl_context = server_context(cert, key)
    scheme = "https" if ssl_context else "http"
    host = "localhost" if settings.host in ("127.0.0.1", "::1") else settings.host
    if print_url:
        print(
            f"advisor-hub {__version__}: customer page at {scheme}://{host}:{settings.port}/",
            flush=True,
        )
    try:
        _run_app(settings, ssl_context)
    except StorageError as error:
        _storage_failed(error)


def _run_app(settings: HubSettings, ssl_context: Any) -> None:
    app = create_app(settings)
    # What the imports made (phone number metadata, aiohttp, msgspec …) lives as long as the
    # process: out of the cycle collector's sight, it no longer lengthens every full pass
    # (about 60 ms of each here) while thousands of sockets wait.
    gc.collect()
    gc.freeze()
    asyncio.run(_serve(app, settings, ssl_context))


async def _serve(app: web.Application, settings: HubSettings, ssl_context: Any) -> None:
    """Serve until SIGINT or SIGTERM, every connection through the guard (hub/guard.py)."""
    runner = web.AppRunner(
        app, access_log_class=AccessLogger, shutdown_timeout=5, handle_signals=False
    )
    await runner.setup()
    try:
        site = GuardedSite(
            runner,
            settings.host,
            settings.port,
            ssl_context=ssl_context,
            limits=guard_limits(settings),
        )
        await site.start()
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stopping.set)
        await stopping.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {
        key: value
        for key, value in vars(args).items()
        if key in HubSettings.__dataclass_fields__ and value is not None
    }
    try:
        settings = load_settings(args.config, overrides=overrides)
    except ConfigError as error:
        print(f"advisor-hub: {error}", file=sys.stderr)
        return 2
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if args.command == "serve":
        try:
            serve(settings)
        except ConfigError as error:
            print(f"advisor-hub: {error}", file=sys.stderr)
            return 2
        return 0
    if args.command == "add-advisor":
        return _add_advisor(settings, args)
    if args.command == "list-advisors":
        return _list_advisors(settings)
    if args.command == "purge":
        return _purge(settings)
    if args.command in cli_records.COMMANDS:
        return cli_records.run(settings, args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
