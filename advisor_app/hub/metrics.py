"""The hub's Prometheus metrics (one registry per app: no module-level state)."""

from __future__ import annotations

import contextlib
import gc
import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class HubMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.waiting = Gauge("hub_customers_waiting", "Customers waiting in the queue", registry=r)
        self.advisors = Gauge(
            "hub_advisors_connected", "Advisors connected, by presence", ["presence"], registry=r
        )
        self.consultations_active = Gauge(
            "hub_consultations_active", "Consultations in progress", registry=r
        )
        self.websockets = Gauge(
            "hub_websockets_open", "Open websockets, by role", ["role"], registry=r
        )
        self.joins = Counter("hub_joins_total", "Customers who joined the queue", registry=r)
        self.takes = Counter("hub_takes_total", "Customers taken by an advisor", registry=r)
        self.queue_exits = Counter(
            "hub_queue_exits_total", "Customers who left the queue", ["reason"], registry=r
        )
        self.chat_messages = Counter("hub_chat_messages_total", "Chat messages stored", registry=r)
        self.offline_messages = Counter(
            "hub_offline_messages_total", "Messages left for advisors", registry=r
        )
        self.rate_limited = Counter(
            "hub_rate_limited_total",
            "Requests refused for a sender's limit (join, message, chat)",
            ["what"],
            registry=r,
        )
        self.records_made = Counter(
            "hub_records_made_total", "Consultation records made (again)", registry=r
        )
        self.login_failures = Counter(
            "hub_login_failures_total", "Failed advisor logins", registry=r
        )
        self.rejected = Counter(
            "hub_rejected_messages_total", "Invalid messages and requests", ["code"], registry=r
        )
        self.take_seconds = Histogram(
            "hub_take_seconds",
            "Time to claim a customer",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1.0),
            registry=r,
        )
        self.gc_pause_seconds = Histogram(
            "hub_gc_pause_seconds",
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
