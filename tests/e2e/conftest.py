"""Real Chromium (fake camera and microphone) against a real hub on loopback.

One browser serves the whole e2e session (each test gets fresh contexts); the tests and their
hubs run on the session's event loop, which the browser is bound to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
import pytest_asyncio
from playwright.async_api import Browser, BrowserContext, Page, Playwright, async_playwright

from advisor_app.core.session import AdvisorSession
from tests.support.browser import (
    CHROMIUM,
    COUNTING_SCRIPT,
    GRANTING_ARGS,
    Screenshots,
    scripted_advisor,
)
from tests.support.hub import RunningHub, running_hub

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}

PageFactory = Callable[..., Awaitable[Page]]
CONSOLE_PROBLEMS = ("Content Security Policy", "missing translation")


# Every e2e module sets ``pytestmark = E2E``: its tests run on the browser's loop.
E2E = [pytest.mark.asyncio(loop_scope="session"), pytest.mark.slow]


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def playwright() -> AsyncIterator[Playwright]:
    async with async_playwright() as running:
        yield running


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser(playwright: Playwright) -> AsyncIterator[Browser]:
    launched = await playwright.chromium.launch(
        executable_path=CHROMIUM, args=GRANTING_ARGS, headless=True
    )
    yield launched
    await launched.close()


@pytest_asyncio.fixture(loop_scope="session")
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """A real hub on a loopback port with advisors anna and ben (none signed in)."""
    async with running_hub(tmp_path) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def advisor(hub: RunningHub) -> AsyncIterator[AdvisorSession]:
    """Anna, signed in and available, with a test picture and a tone."""
    async with scripted_advisor(hub.url, "anna") as session:
        yield session


@pytest_asyncio.fixture(loop_scope="session")
async def new_page(browser: Browser) -> AsyncIterator[PageFactory]:
    """Open pages in fresh contexts (own sessionStorage). Script errors in the page, a breach
    of the Content-Security-Policy and a missing translation fail the test."""
    contexts: list[BrowserContext] = []
    errors: list[str] = []

    async def make(viewport: dict[str, int] | None = None, on: Browser | None = None) -> Page:
        context = await (on or browser).new_context(
            viewport=viewport or DESKTOP, locale="de-DE", timezone_id="Europe/Berlin"
        )
        await context.add_init_script(COUNTING_SCRIPT)
        contexts.append(context)
        page = await context.new_page()
        page.set_default_timeout(20_000)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on(
            "console",
            lambda message: (
                errors.append(message.text)
                if any(bad in message.text for bad in CONSOLE_PROBLEMS)
                else None
            ),
        )
        return page

    yield make
    for context in contexts:
        await context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture(scope="session")
def screenshots() -> Screenshots:
    return Screenshots()
