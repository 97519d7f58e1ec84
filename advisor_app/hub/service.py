"""The hub: its parts, built once and started and stopped together.

Each part owns one thing (see their modules): ``queue`` the waiting customers, their grace
periods and the position fan-out; ``presence`` the advisors' presence here and over every
instance; ``consultations`` the take, relay, chat, end and transcript; ``records`` the PDFs;
``inbox`` the written messages; ``logins`` signing in and out; ``arrivals`` the sockets'
welcomes and goodbyes; ``cluster_sync`` what other instances did. The websocket and HTTP
handlers decode, call one of these and encode; the hub itself answers only for readiness and
status.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from datetime import UTC, datetime
from datetime import time as dt_time

from advisor_app.hub.accounts import Accounts
from advisor_app.hub.admin import Admin
from advisor_app.hub.arrivals import Arrivals
from advisor_app.hub.cluster import Cluster, SoloCluster
from advisor_app.hub.cluster_sync import ClusterSync
from advisor_app.hub.config import HubSettings
from advisor_app.hub.connections import ConnectionRegistry
from advisor_app.hub.consultations import Consultations
from advisor_app.hub.context import Clock, HubContext
from advisor_app.hub.convert import to_datetime
from advisor_app.hub.inbox import Inbox
from advisor_app.hub.logins import Logins
from advisor_app.hub.metrics import HubMetrics
from advisor_app.hub.presence import AdvisorPresence
from advisor_app.hub.queue import Queue
from advisor_app.hub.record_keeping import RecordKeeping
from advisor_app.hub.recording_consent import RecordingConsents
from advisor_app.hub.recordings import Recordings
from advisor_app.hub.senders import SenderLimits
from advisor_app.hub.storage import CustomerRecord, Storage
from advisor_app.hub.storage.base import LoginLimits, StorageError
from advisor_app.hub.supervision import Board
from advisor_app.protocol import rest
from advisor_app.protocol.common import IceServer
from advisor_app.protocol.errors import ErrorCode, ProtocolError

logger = logging.getLogger(__name__)

__all__ = ["Clock", "Hub"]

STORAGE_FULL_MEMORY = 30.0  # seconds a refused write keeps the hub "not ready"
FREE_DISK_MIN = 64 * 2**20  # bytes free on the SQLite data folder's disk to be "ready"


def _hhmm(moment: dt_time) -> str:
    return "24:00" if moment == dt_time.max else moment.strftime("%H:%M")


def _utc(moment: datetime | None) -> datetime | None:
    return moment.astimezone(UTC) if moment is not None else None


class Hub:
    """Builds the parts and runs their life cycle; storage holds the truth. Owns only the
    readiness (a storage that refused a write) and the status it reports."""

    def __init__(
        self,
        settings: HubSettings,
        storage: Storage,
        notice_version: str,
        clock: Clock = time.time,
        cluster: Cluster | None = None,
    ) -> None:
        self.settings = settings
        self.storage = storage
        self.cluster = cluster or SoloCluster()
        self.notice_version = notice_version
        self.clock = clock
        self.hours = settings.hours()
        self.metrics = HubMetrics()
        self.connections = ConnectionRegistry(forward=self.cluster.forward)
        self.metrics.customers_here.set_function(lambda: len(self.connections.customers))
        self.context = HubContext(
            settings, storage, clock, self.metrics, self.connections, self.cluster
        )
        senders = SenderLimits(self.context)
        self.accounts = Accounts(
            storage,
            senders.keys,
            token_lifetime=settings.token_lifetime_hours * 3600,
            limits=LoginLimits(
                window=settings.login_window_seconds,
                per_pair=settings.login_failures_per_account,
                per_address=settings.login_failures_per_address,
                per_account=settings.login_failures_per_account_elsewhere,
            ),
        )
        self.logins = Logins(self.context, self.accounts)
        self.queue = Queue(
            self.context, self.hours, senders, notice_version, lambda: self.presence.counts()
        )
        self.presence = AdvisorPresence(self.context, on_change=self._presence_changed)
        self.records = RecordKeeping(self.context)
        self.recordings = Recordings(self.context, self.records)
        self.consultations = Consultations(self.context, self.queue, self.presence, self.records)
        self.recording = RecordingConsents(self.context, self.records, notice_version)
        self.inbox = Inbox(self.context, senders, notice_version)
        self.arrivals = Arrivals(
            self.context, self.logins, self.queue, self.presence, self.consultations, self.inbox
        )
        self.cluster_sync = ClusterSync(
            self.context,
            self.queue,
            self.presence,
            self.consultations,
            self.arrivals,
            self._close_signed_out_heard,
        )
        self.board = Board(
            self.context,
            self.queue,
            self.hours,
            lambda: self.cluster.presences(self.presence.here().items()),
        )
        self.connections.on_advisors_told = self.board.changed
        self.queue.on_change = self.board.changed
        self.admin = Admin(self.context, self.logins, self.board.changed)
        self._storage_full_at = float("-inf")

    def _presence_changed(self) -> None:
        """Presence or a consultation (here or elsewhere) changed: places, estimates, board."""
        self.queue.positions_changed()
        self.board.changed()

    async def _close_signed_out_heard(self, token_hash: str | None) -> None:
        """Another instance ended logins: one token's, or accounts' (None)."""
        await self.logins.close_signed_out(token_hash, tell_others=False)
        if token_hash is None:
            self.board.changed()

    # --- life cycle ---

    async def start(self) -> None:
        if not self.settings.bank_name:
            logger.warning(
                "bank_name is not set: records and transcripts name no bank (set bank_name, "
                "bank_address and bank_contact in the config file)"
            )
        # Listen before loading, so that nothing changed in between goes unheard; what is
        # heard is applied after the load (re-reading is idempotent).
        await self.cluster.start(self.cluster_sync)
        await self.queue.load()
        self.board.start()
        self.cluster_sync.loaded()

    async def stop(self) -> None:
        await self.board.stop()
        await self.queue.stop()
        await self.cluster.stop()
        self.records.stop()

    # --- storage faults and readiness ---

    def storage_full(self, error: StorageError) -> ProtocolError:
        """A write the storage refused for want of space: remembered for /readyz, logged
        (once a minute: the error names a file, nothing personal), told as 'unavailable'."""
        now = self.clock()
        if now - self._storage_full_at > 60:
            logger.error("the storage refused a write: %s", error)
        self._storage_full_at = now
        self.metrics.rejected.labels(ErrorCode.UNAVAILABLE.value).inc()
        return ProtocolError(
            ErrorCode.UNAVAILABLE,
            "the hub cannot store anything right now (its storage is full); try again later",
        )

    async def not_ready(self) -> str | None:
        """Why the hub should get no new visitors now, or None."""
        if self.clock() - self._storage_full_at < STORAGE_FULL_MEMORY:
            return "the storage refused a write for want of space"
        if self.settings.database is None:
            free = (await asyncio.to_thread(shutil.disk_usage, self.settings.data_dir)).free
            if free < FREE_DISK_MIN:
                return f"the data folder's disk has {free // 2**20} MiB free"
        return None

    # --- status ---

    def is_open(self) -> bool:
        return self.hours.is_open(to_datetime(self.clock()))

    def status(self) -> rest.Status:
        now = to_datetime(self.clock())
        staffed, available = self.presence.counts()
        waiting = len(self.queue)
        rules = self.settings.recording_rules()
        return rest.Status(
            open=self.hours.is_open(now),
            advisor_available=available > waiting,
            advisors_available=available,
            advisors_online=staffed,
            waiting=waiting,
            estimated_wait_seconds=self.queue.estimate_for(waiting + 1),
            time_zone=self.hours.time_zone,
            opening_hours=[
                rest.OpeningPeriod(p.weekday, _hhmm(p.opens), _hhmm(p.closes))
                for p in self.hours.periods
            ],
            always_open=self.hours.always,
            next_opening=_utc(self.hours.next_opening(now)),
            notice_version=self.notice_version,
            recording=rules.default,
            recording_by_topic=dict(rules.by_topic),
            recording_retention_days=self.settings.recording_retention_days,
        )

    def ice_servers(self, identity: str) -> list[IceServer]:
        return self.context.ice_servers(identity)

    # --- logins ---

    async def customer_for(self, token: str) -> CustomerRecord:
        """The customer of a token, or ``unauthorized``."""
        return await self.arrivals.customer_for(token)

    async def close_signed_out(
        self, only_token_hash: str | None = None, *, tell_others: bool = True
    ) -> int:
        """Close websockets whose login ended (see ``logins.Logins.close_signed_out``)."""
        return await self.logins.close_signed_out(only_token_hash, tell_others=tell_others)
