"""``advisor-hub`` commands for proving consultations (issue 18): ``verify`` a record,
``legal-hold`` a consultation, ``set-role`` of an account, and the ``audit`` log."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from advisor_app.hub.app import open_storage
from advisor_app.hub.config import HubSettings
from advisor_app.hub.record_keeping import consultation_by_reference
from advisor_app.hub.record_signing import (
    RecordUnreadable,
    SigningError,
    Verdict,
    check_record,
    compare_with_database,
    load_identity,
    own_certificate,
)
from advisor_app.hub.recording_verify import (
    WEBM_MAGIC,
    RecordingVerdict,
    check_recording,
    check_with_record,
)
from advisor_app.hub.roles import ACCOUNT_ROLES, parse_roles, roles_action, sorted_roles
from advisor_app.hub.storage.base import Storage, StorageError
from advisor_app.protocol.common import AccountRole
from advisor_app.protocol.errors import ProtocolError

COMMANDS = ("verify", "legal-hold", "set-role", "audit")


def add_commands(
    commands: argparse._SubParsersAction[argparse.ArgumentParser],
    common: argparse.ArgumentParser,
) -> None:
    verify = commands.add_parser(
        "verify",
        parents=[common],
        help="check a consultation record: its signature, its sealed events and, on the hub "
        "host, the database (exit 0 valid, 1 tampered, 2 usage)",
    )
    verify.add_argument(
        "file",
        type=Path,
        help="the record (a PDF), or a recording: one segment or a whole part (WebM); a "
        "recording is checked against the database (on the hub's host) or --record",
    )
    verify.add_argument(
        "--record",
        type=Path,
        help="check a recording against this signed record of its consultation (made after "
        "the recording's last segment arrived), off the hub's host",
    )

    hold = commands.add_parser(
        "legal-hold",
        parents=[common],
        help="keep a consultation past every retention period (--on) or release it (--off)",
    )
    hold.add_argument("reference", help="the consultation's reference, e.g. VB-20261203-000042")
    switch = hold.add_mutually_exclusive_group(required=True)
    switch.add_argument("--on", dest="hold", action="store_true", default=None)
    switch.add_argument("--off", dest="hold", action="store_false")

    role = commands.add_parser(
        "set-role",
        parents=[common],
        help="give an account exactly these roles (advisor takes customers, supervisor watches "
        "the board, admin manages accounts, compliance reads any record); when one is taken "
        "away its logins end",
    )
    role.add_argument("username")
    role.add_argument("roles", nargs="+", choices=ACCOUNT_ROLES, metavar="ROLE")

    audit = commands.add_parser(
        "audit", parents=[common], help="list who read which record, and legal holds"
    )
    audit.add_argument("--limit", type=int, default=200, help="newest entries (default 200)")


def run(settings: HubSettings, args: argparse.Namespace) -> int:
    if args.command == "verify":
        return _verify(settings, args.file, args.record)
    if args.command == "legal-hold":
        return _legal_hold(settings, args.reference, bool(args.hold))
    if args.command == "set-role":
        return _set_roles(settings, args.username, parse_roles(args.roles))
    if args.command == "audit":
        return _audit(settings, args.limit)
    return 2


def _with_storage[T](settings: HubSettings, work: Callable[[Storage], Awaitable[T]]) -> T:
    async def run() -> T:
        storage, _ = open_storage(settings)
        try:
            await storage.open()
        except StorageError as error:
            print(f"advisor-hub: {error}", file=sys.stderr)
            raise SystemExit(2) from None
        try:
            return await work(storage)
        finally:
            await storage.close()

    return asyncio.run(run())


def _operator() -> str:
    """Who ran a command, for the audit log."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _legal_hold(settings: HubSettings, reference: str, on: bool) -> int:
    async def work(storage: Storage) -> int:
        try:
            record = await consultation_by_reference(storage, reference)
        except ProtocolError as error:
            print(f"advisor-hub: {error.message}", file=sys.stderr)
            return 2
        await storage.set_legal_hold(record.consultation_id, on)
        now = time.time()
        await storage.add_audit(
            _operator(),
            "legal_hold.on" if on else "legal_hold.off",
            reference.strip(),
            now,
            now + settings.audit_retention_days * 86400,
        )
        if on:
            print(f"legal hold on {reference.strip()}: the purge keeps it until it is released")
        else:
            print(f"legal hold off {reference.strip()}: its retention period applies again")
        return 0

    return _with_storage(settings, work)


def _set_roles(settings: HubSettings, username: str, roles: frozenset[AccountRole]) -> int:
    async def work(storage: Storage) -> int:
        if not await storage.set_roles(username, roles):
            print(f"advisor-hub: there is no account {username!r}", file=sys.stderr)
            return 2
        now = time.time()
        names = " and ".join(sorted_roles(roles))
        await storage.add_audit(
            _operator(),
            roles_action(roles),
            username,
            now,
            now + settings.audit_retention_days * 86400,
        )
        print(f"{username} is now a{'n' if names[0] in 'aeiou' else ''} {names} account")
        return 0

    return _with_storage(settings, work)


def _audit(settings: HubSettings, limit: int) -> int:
    async def work(storage: Storage) -> int:
        entries = await storage.audit(max(1, limit))
        for entry in entries:
            when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(entry.at))
            print(f"{when}\t{entry.account}\t{entry.action}\t{entry.subject}")
        if not entries:
            print("the audit log is empty", file=sys.stderr)
        return 0

    return _with_storage(settings, work)


def _trusted(settings: HubSettings) -> list[bytes]:
    """The certificates this hub signs with, if this is the hub's host."""
    if settings.record_signing_pkcs12 is not None:
        try:
            return [load_identity(settings).certificate]
        except SigningError as error:
            print(f"advisor-hub: {error}", file=sys.stderr)
            return []
    own = own_certificate(settings.data_dir)
    return [own] if own is not None else []


def _on_hub_host(settings: HubSettings) -> bool:
    return settings.database is not None or settings.database_path.is_file()


def _verify(settings: HubSettings, path: Path, record: Path | None = None) -> int:
    try:
        data = path.read_bytes()
    except OSError as error:
        print(f"advisor-hub verify: cannot read {path}: {error.strerror}", file=sys.stderr)
        return 2
    if not data.startswith(b"%PDF-"):
        if record is not None:
            return _verify_recording_with_record(settings, path, data, record)
        return _verify_recording(settings, path, data)
    # pyHanko logs a certificate it cannot chain to a trusted root (ours is self-signed) as a
    # warning with a traceback; the verdict's lines say what matters about the certificate.
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        verdict = check_record(data, _trusted(settings))
    except RecordUnreadable as error:
        print(f"advisor-hub verify: {path}: {error}", file=sys.stderr)
        return 2
    if verdict.valid:
        if _on_hub_host(settings):
            _with_storage(settings, lambda storage: _compare(storage, verdict))
        else:
            verdict.lines.append(
                "Database: not on the hub's host (no database here): not compared."
            )
    for line in verdict.lines:
        print(line)
    if verdict.failure is not None:
        print(f"NOT VALID: {verdict.failure}.")
        return 1
    print(f"VALID: {path.name} is the hub's record of {verdict.reference}, unchanged.")
    return 0


def _verify_recording_with_record(
    settings: HubSettings, path: Path, data: bytes, record: Path
) -> int:
    try:
        pdf = record.read_bytes()
    except OSError as error:
        print(f"advisor-hub verify: cannot read {record}: {error.strerror}", file=sys.stderr)
        return 2
    logging.getLogger("pyhanko").setLevel(logging.CRITICAL)
    try:
        signed = check_record(pdf, _trusted(settings))
    except RecordUnreadable as error:
        print(f"advisor-hub verify: {record}: {error}", file=sys.stderr)
        return 2
    for line in signed.lines:
        print(line)
    if signed.failure is not None:
        print(f"NOT VALID: the record {record.name}: {signed.failure}.")
        return 1
    return _report_recording(path, data, check_with_record(signed.events, signed.reference, data))


def _verify_recording(settings: HubSettings, path: Path, data: bytes) -> int:
    if not _on_hub_host(settings):
        print(
            f"advisor-hub verify: {path} is not a PDF; a recording is checked against the hub's "
            "database: run this on the hub's host",
            file=sys.stderr,
        )
        return 2
    verdict = _with_storage(settings, lambda storage: check_recording(storage, data))
    return _report_recording(path, data, verdict)


def _report_recording(path: Path, data: bytes, verdict: RecordingVerdict) -> int:
    for line in verdict.lines:
        print(line)
    if not verdict.found:
        if not data.startswith(WEBM_MAGIC):
            print(f"advisor-hub verify: {path}: not a PDF, nor a recording", file=sys.stderr)
            return 2
        print(
            f"NOT VALID: {path.name} is no recording or segment this hub sealed "
            "(changed, or from elsewhere)."
        )
        return 1
    if verdict.failure is not None:
        print(f"NOT VALID: {verdict.failure}.")
        return 1
    print(f"VALID: {path.name} is a recording this hub sealed, unchanged.")
    return 0


async def _compare(storage: Storage, verdict: Verdict) -> Any:
    try:
        record = await consultation_by_reference(storage, verdict.reference)
    except ProtocolError:
        verdict.lines.append(
            f"Database: holds no consultation {verdict.reference} (purged after its "
            "retention period?): not compared."
        )
        return
    compare_with_database(
        verdict,
        await storage.events(record.consultation_id),
        record.chain_head,
        await storage.chat_since(record.consultation_id, 0),
    )
