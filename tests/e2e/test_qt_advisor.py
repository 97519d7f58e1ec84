"""The milestone: the real Qt workstation (offscreen, its own process) and a customer in
Chromium hold a consultation through a real hub: picture and sound both ways, chat both ways,
a shared page marked with the mouse in the Qt canvas and shown in place in the page, the
customer ends it."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from playwright.async_api import expect

from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.docview import IMAGE_LOADED, marks_in_place
from tests.e2e.journey import chat_texts, expect_step, join, send_chat, step
from tests.support.browser import INBOUND_STATS_SCRIPT, until_async
from tests.support.hub import PASSWORD, RunningHub

pytestmark = E2E


class AdvisorProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.reports: list[dict[str, Any]] = []

    async def expect(self, key: str, seconds: float = 60) -> dict[str, Any]:
        assert self.process.stdout is not None
        async with asyncio.timeout(seconds):
            while True:
                for report in self.reports:
                    if key in report:
                        return report
                line = await self.process.stdout.readline()
                if not line:
                    raise AssertionError(f"the workstation stopped before {key!r}: {self.reports}")
                try:
                    report = json.loads(line)
                except ValueError:
                    continue
                assert "error" not in report, report
                self.reports.append(report)


async def test_qt_workstation_and_chromium_customer_end_to_end(
    hub: RunningHub, new_page: PageFactory
) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.support.qt_advisor", hub.url, "anna", PASSWORD,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )  # fmt: skip
    advisor = AdvisorProcess(process)
    try:
        await advisor.expect("ready")
        page = await new_page()
        await join(page, hub.url, name="Erika Mustermann")
        taken = await advisor.expect("taken")
        assert taken["taken"] == "Erika Mustermann"
        await expect_step(page, "session")

        # Picture and sound both ways: drawn in the Qt window, decoded in the page.
        media = await advisor.expect("media")
        assert media["frames_shown"] >= 15

        async def page_receives() -> bool:
            stats = await page.evaluate(INBOUND_STATS_SCRIPT)
            return bool(
                stats
                and stats.get("audio", {}).get("packets", 0) > 20
                and stats.get("video", {}).get("frames", 0) > 10
            )

        await until_async(page_receives, what="the workstation's picture and sound in the page")

        # Chat both ways.
        await send_chat(page, "Hallo aus dem Browser")
        received = await advisor.expect("chat_received")
        assert "Hallo aus dem Browser" in received["chat_received"]
        await expect(chat_texts(page)).to_contain_text(["Guten Tag aus der Beratung"])

        # The advisor marks the shared sheet with the mouse; the page shows each mark in place.
        marked = await advisor.expect("marked")
        assert sorted(marked["marked"]) == ["PinMark", "StrokeMark"]
        session = step(page, "session")
        await expect(session.locator(".docview__image")).to_be_visible()
        await until_async(lambda: page.evaluate(IMAGE_LOADED), what="the page image")
        await marks_in_place(page)
        await expect(session.locator(".docview [aria-live]")).to_contain_text(
            "Markierung 1: Zinssatz"
        )

        # The customer ends; the workstation shows it.
        await page.get_by_role("button", name="Beratung beenden").click()
        await page.get_by_role("button", name="Ja, beenden").click()
        await expect_step(page, "end")
        ended = await advisor.expect("ended")
        assert ended["phase_text"] == "The customer has ended the consultation."
        assert await asyncio.wait_for(process.wait(), 30) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
