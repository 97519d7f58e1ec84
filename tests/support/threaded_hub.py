"""A real hub on its own engine thread, for tests whose own thread runs Qt (qasync)."""

from __future__ import annotations

import contextlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from advisor_app.core.engine import Engine
from advisor_app.demo.customer import SimulatedCustomer
from tests.support.hub import RunningHub, add_advisor, settings_for


class ThreadedHub:
    def __init__(self, data_dir: Path, **settings: Any) -> None:
        self.data_dir = data_dir
        self.engine = Engine("test-hub").start()
        self.running = RunningHub(settings_for(data_dir, **settings))
        self.customers: list[SimulatedCustomer] = []

    @property
    def url(self) -> str:
        return self.running.url

    def run[T](self, work: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        return self.engine.run(work, timeout)

    def start(self, advisors: tuple[str, ...] = ("anna", "ben")) -> ThreadedHub:
        for name in advisors:
            self.run(add_advisor(self.data_dir, name, f"{name.title()} Beispiel"))
        self.run(self.running.start())
        return self

    def restart(self) -> None:
        self.run(self.running.restart())

    def stop_hub(self) -> None:
        self.run(self.running.stop())

    def start_hub(self) -> None:
        self.run(self.running.start())

    def customer(self, **choices: Any) -> SimulatedCustomer:
        """A simulated customer (aiortc) on the hub's thread, joined and connected."""
        customer = SimulatedCustomer(self.url, **choices)
        self.customers.append(customer)
        self.run(customer.start())
        return customer

    def close(self) -> None:
        for customer in self.customers:
            with contextlib.suppress(Exception):
                self.run(customer.close(), timeout=10)
        self.run(self.running.close())
        self.engine.stop()
