"""The hub's limits as a customer meets them in Chromium: a refused join and a chat written
too fast each get a plain sentence (German, then English after the switch), and the text
written is kept in the input."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest_asyncio
from playwright.async_api import expect

from advisor_app.core.session import AdvisorSession
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import (
    choose_connection,
    expect_step,
    fill_form,
    join,
    open_start,
    run_check,
    send_chat,
    step,
    take_customer,
)
from tests.support.browser import until
from tests.support.hub import RunningHub, add_advisor, settings_for

pytestmark = E2E


@pytest_asyncio.fixture(loop_scope="session")
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """A hub that takes two joins from one address and three chat messages a minute."""
    await add_advisor(tmp_path, "anna", "Anna Berger")
    running = RunningHub(
        settings_for(tmp_path, grace_seconds=60, joins_per_address=2, chat_messages_per_minute=3)
    )
    await running.start()
    yield running
    await running.close()


async def test_a_chat_written_too_fast_is_held_back_with_a_plain_sentence(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    page = await new_page()
    await join(page, hub.url, mode="text")
    await take_customer(advisor)
    await expect_step(page, "session")
    consultation = advisor.consultation
    assert consultation is not None
    for number in range(3):
        await send_chat(page, f"Frage {number + 1}")
    await until(lambda: len(consultation.chat) == 3, what="three messages at the advisor")
    await send_chat(page, "Noch eine Frage")
    error = page.locator("#chat-error")
    await expect(error).to_contain_text("Sie haben in kurzer Zeit sehr viel geschrieben")
    await expect(page.locator("#chat-input")).to_have_value("Noch eine Frage")
    await page.get_by_role("button", name="English").click()
    await expect(error).to_contain_text("You have written a lot in a short time")
    assert len(consultation.chat) == 3  # nothing refused reached the advisor


async def test_a_join_past_the_addresses_limit_says_so(
    hub: RunningHub, new_page: PageFactory
) -> None:
    for _ in range(2):
        await join(await new_page(), hub.url, mode="text")
    page = await new_page()
    await open_start(page, hub.url)
    await run_check(page)
    await fill_form(page)
    await choose_connection(page, "text")
    alert = step(page, "mode").locator("#mode-error")
    await expect(alert).to_contain_text("Zu viele Versuche in kurzer Zeit")
    await expect(step(page, "mode")).to_be_visible()
