"""The hub's Prometheus metrics (one registry per app: no module-level state). Every name
starts with advisor_hub_: a bank's Prometheus scrapes many services, and "hub_" says nothing
there. advisor_hub_build_info says which version runs.

With several instances, a gauge says in its name what it counts: ``advisor_hub_instance_…``
what this instance holds (sum them over instances), ``advisor_hub_cluster_…`` what every
instance sees alike (the whole queue: take one instance's value, or max, never the sum).
Counters (``…_total``) count what this instance did: sum them."""

from __future__ import annotations

import contextlib
import gc
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from advisor_app import __version__


class HubMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.build = Info("advisor_hub_build", "The hub's version", registry=r)
        self.build.info({"version": __version__})
        self.waiting = Gauge(
            "advisor_hub_cluster_customers_waiting",
            "Customers waiting in the queue, over all instances (the same on each: do not sum)",
            registry=r,
        )
        self.cluster_advisors = Gauge(
            "advisor_hub_cluster_advisors_connected",
            "Advisors connected to any instance, by presence (the same on each: do not sum)",
            ["presence"],
            registry=r,
        )
        self.customers_here = Gauge(
            "advisor_hub_instance_customers_connected",
            "Customers with a websocket on this instance (waiting or in a consultation)",
            registry=r,
        )
        self.advisors = Gauge(
            "advisor_hub_instance_advisors_connected",
            "Advisors with a websocket on this instance, by presence",
            ["presence"],
            registry=r,
        )
        self.consultations_active = Gauge(
            "advisor_hub_instance_consultations_active",
            "Consultations in progress taken on this instance",
            registry=r,
        )
        self.websockets = Gauge(
            "advisor_hub_instance_websockets_open",
            "Open websockets on this instance, by role",
            ["role"],
            registry=r,
        )
        self.joins = Counter(
            "advisor_hub_joins_total", "Customers who joined the queue", registry=r
        )
        self.takes = Counter("advisor_hub_takes_total", "Customers taken by an advisor", registry=r)
        self.queue_exits = Counter(
            "advisor_hub_queue_exits_total", "Customers who left the queue", ["reason"], registry=r
        )
        self.chat_messages = Counter(
            "advisor_hub_chat_messages_total", "Chat messages stored", registry=r
        )
        self.offline_messages = Counter(
            "advisor_hub_offline_messages_total", "Messages left for advisors", registry=r
        )
        self.rate_limited = Counter(
            "advisor_hub_rate_limited_total",
            "Requests refused for a sender's limit (join, message, chat)",
            ["what"],
            registry=r,
        )
        self.records_made = Counter(
            "advisor_hub_records_made_total", "Consultation records made (again)", registry=r
        )
        self.login_failures = Counter(
            "advisor_hub_login_failures_total", "Failed advisor logins", registry=r
        )
        self.rejected = Counter(
            "advisor_hub_rejected_messages_total",
            "Invalid messages and requests",
            ["code"],
            registry=r,
        )
        self.take_seconds = Histogram(
            "advisor_hub_take_seconds",
            "Time to claim a customer",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.board_seconds = Histogram(
            "advisor_hub_instance_board_build_seconds",
            "Time to build the supervisors' board for one push",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.gc_pause_seconds = Histogram(
            "advisor_hub_gc_pause_seconds",
            "Pauses of Python's cycle collector, by generation (a full pass stalls every socket)",
            ["generation"],
            buckets=(0.001, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1.0),
            registry=r,
        )
        self._gc_started = 0.0

    def watch_gc(self) -> None:
        gc.callbacks.append(self._on_gc)

    def unwatch_gc(self) -> None:
        with contextlib.suppress(ValueError):
            gc.callbacks.remove(self._on_gc)

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            elapsed = time.perf_counter() - self._gc_started
            self.gc_pause_seconds.labels(str(info["generation"])).observe(elapsed)
