"""The demo inside the workstation: a hub on loopback on its own thread, with a temporary data
dir and a demo advisor, and simulated customers who join its queue."""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
from pathlib import Path

from aiohttp import web

from advisor_app.core.engine import Engine
from advisor_app.demo.__main__ import (
    DEMO_DISPLAY_NAME,
    DEMO_PASSWORD,
    DEMO_USER,
    create_demo_advisor,
    pick_port,
)
from advisor_app.demo.customer import SimulatedCustomer
from advisor_app.hub.app import create_app, web_root_problem
from advisor_app.hub.config import HubSettings
from advisor_app.hub.guard import GuardedSite, guard_limits

logger = logging.getLogger(__name__)


class DemoUnavailable(RuntimeError):
    """The demo's hub cannot serve customers from this installation (its page is missing)."""


# The demo's made-up bank, as records and transcripts name it.
DEMO_BANK = (
    "Musterbank eG",
    "Musterstraße 1, 60311 Frankfurt am Main",
    "069 1234-0 · beratung@musterbank.example",
)


class EmbeddedDemo:
    username = DEMO_USER
    password = DEMO_PASSWORD
    display_name = DEMO_DISPLAY_NAME

    def __init__(self, preferred_port: int = 8700) -> None:
        self.data_dir = Path(tempfile.mkdtemp(prefix="videoberatung-demo-"))
        self.port = pick_port(preferred_port)
        self.engine = Engine("demo-hub").start()
        self._runner: web.AppRunner | None = None
        self.customers: list[SimulatedCustomer] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> str:
        await self.engine.call(self._start_hub())
        return self.url

    async def _start_hub(self) -> None:
        await create_demo_advisor(self.data_dir)
        settings = HubSettings(
            data_dir=self.data_dir,
            port=self.port,
            bank_name=DEMO_BANK[0],
            bank_address=DEMO_BANK[1],
            bank_contact=DEMO_BANK[2],
            # The demo's customers name no topic (not recorded); these show the recording.
            recording_policy_by_topic=("wertpapiere=mandatory", "kredit=on_request"),
        ).validate()
        # As `advisor-hub serve`: a hub without its customer page would print the address of a
        # 404 and stamp consents with a made-up notice version.
        if problem := web_root_problem(settings.web_root):
            raise DemoUnavailable(f"the demo cannot start: {problem}")
        self._runner = web.AppRunner(create_app(settings))
        await self._runner.setup()
        await GuardedSite(
            self._runner, "127.0.0.1", self.port, limits=guard_limits(settings)
        ).start()

    def start_customer(self, **choices: object) -> None:
        """A simulated customer joins the queue (a test picture, a tone, a greeting)."""

        async def join() -> None:
            customer = SimulatedCustomer(self.url, **choices)  # type: ignore[arg-type]
            self.customers.append(customer)
            await customer.start()

        self.engine.submit(join())

    def banner(self) -> str:
        return (
            "Videoberatung demo\n"
            f"  customer page (open in a browser): http://localhost:{self.port}/\n"
            f"  hub: {self.url}\n"
            f"  advisor: {self.username} / {self.password} (signed in already)\n"
            "  a simulated customer is waiting in the queue: take them with "
            "'Take next person'"
        )

    def stop(self) -> None:
        async def shutdown() -> None:
            for customer in self.customers:
                with contextlib.suppress(Exception):
                    await customer.close()
            if self._runner is not None:
                await self._runner.cleanup()

        if self.engine.running:
            with contextlib.suppress(Exception):
                self.engine.run(shutdown(), timeout=10)
            self.engine.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
