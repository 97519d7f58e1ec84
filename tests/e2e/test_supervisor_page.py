"""The supervisor page (issue 19) in real Chromium against a real hub: a team lead signs in and
watches a customer join and be taken; an advisor-only account is told it has no access (and
the API answers 403); an admin adds an account, assigns a role and sees it in the audit log;
the board says plainly when it is no longer live and comes back by itself; German and English;
axe clean; the sign-in works with the keyboard alone; the board under a scripted load fits
each screen (screenshots with E2E_SCREENSHOTS)."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest_asyncio
from playwright.async_api import Locator, Page, WebSocketRoute, expect

from advisor_app.core.session import AdvisorSession
from tests.e2e.axe import assert_axe_clean, with_axe
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import (
    assert_accessible,
    has_horizontal_scroll,
    join,
    take_customer,
    visible_strings,
)
from tests.support.browser import Screenshots
from tests.support.clients import AdvisorClient, CustomerClient
from tests.support.hub import NOTICE_VERSION, PASSWORD, RunningHub, add_advisor, running_hub

pytestmark = E2E

# The board follows the hub within a second (the hub pushes ≤ 250 ms after a change).
LIVE_MS = 1000
SIZES = [(1280, 720), (1366, 768), (1920, 1080), (390, 844)]


@pytest_asyncio.fixture(loop_scope="session")
async def hub(tmp_path: Path) -> AsyncIterator[RunningHub]:
    """The usual hub (advisors anna and ben) with a team lead (sara) and an admin (adam)."""
    await add_advisor(tmp_path, "sara", "Sara Vogt", roles=frozenset({"supervisor"}))
    await add_advisor(tmp_path, "adam", "Adam Kaiser", roles=frozenset({"admin", "supervisor"}))
    async with running_hub(tmp_path, wrap_up_seconds=600) as running:
        yield running


def board_url(hub: RunningHub) -> str:
    return f"{hub.url}/supervisor/"


def signin_form(page: Page) -> Locator:
    return page.locator("#signin-form")


async def sign_in(page: Page, hub: RunningHub, username: str) -> None:
    await page.goto(board_url(hub))
    form = signin_form(page)
    await form.get_by_label("Benutzername").fill(username)
    await form.get_by_label("Passwort").fill(PASSWORD)
    await form.get_by_role("button", name="Anmelden").click()


async def expect_board(page: Page) -> None:
    await expect(page.get_by_role("heading", name="Live-Übersicht", level=1)).to_be_visible()
    await expect(page.locator("#board-open")).not_to_have_attribute("data-state", "unknown")


def advisor_row(page: Page, name: str) -> Locator:
    return page.locator("#advisors-body tr", has_text=name)


async def test_a_team_lead_sees_a_customer_join_and_be_taken(
    hub: RunningHub, advisor: AdvisorSession, new_page: PageFactory
) -> None:
    board = await new_page()
    await with_axe(board)
    await sign_in(board, hub, "sara")
    await expect_board(board)
    await expect(board.locator("#queue-empty")).to_have_text("Niemand wartet.")
    await expect(advisor_row(board, "Anna Berger")).to_contain_text("Frei")
    await expect(board.locator("#tile-waiting-value")).to_have_text("0")
    # A team lead has no administration.
    await expect(board.get_by_role("link", name="Verwaltung")).to_have_count(0)

    customer = await new_page()
    await join(customer, hub.url)
    rows = board.locator("#queue-body tr")
    await expect(rows).to_have_count(1, timeout=LIVE_MS)
    await expect(rows.first).to_contain_text("Video")
    await expect(board.locator("#tile-waiting-value")).to_have_text("1", timeout=LIVE_MS)
    # No phone number and no name on the board.
    board_text = await board.locator("main").inner_text()
    assert "1234567" not in board_text and "Mustermann" not in board_text
    # The waiting time ticks on in the page between the hub's summaries.
    wait = rows.first.locator("td").nth(1)
    first = await wait.inner_text()
    assert re.fullmatch(r"\d+:\d\d", first), first
    await expect(wait).not_to_have_text(first, timeout=2500)
    await assert_axe_clean(board, "the board")

    await take_customer(advisor)
    await expect(board.locator("#queue-empty")).to_be_visible(timeout=LIVE_MS)
    await expect(advisor_row(board, "Anna Berger")).to_contain_text("Im Gespräch", timeout=LIVE_MS)
    await expect(board.locator("#tile-answered-value")).to_have_text("1 / 0", timeout=LIVE_MS)
    await expect(board.locator("#tile-waiting-value")).to_have_text("0")


async def test_an_advisor_account_has_no_access(hub: RunningHub, new_page: PageFactory) -> None:
    page = await new_page()
    await with_axe(page)
    await sign_in(page, hub, "ben")
    await expect(page.get_by_role("heading", name="Kein Zugriff", level=1)).to_be_focused()
    await expect(page.locator("#denied-text")).to_contain_text("Ben Schulz")
    await expect(page.locator("#nav")).to_be_hidden()
    await expect(page.locator("#view-board")).to_be_hidden()
    await assert_axe_clean(page, "no access")
    # The API says the same to the account's token.
    async with aiohttp.ClientSession() as session:
        ben = AdvisorClient(session, hub.url, "ben")
        await ben.login()
        headers = {"Authorization": f"Bearer {ben.token}"}
        for path in ("/api/supervisor/summary", "/api/admin/accounts"):
            async with session.get(f"{hub.url}{path}", headers=headers) as response:
                assert response.status == 403, path
    await page.get_by_role("button", name="Mit einem anderen Konto anmelden").click()
    await expect(signin_form(page).get_by_label("Benutzername")).to_be_visible()


async def test_keyboard_only_sign_in(hub: RunningHub, new_page: PageFactory) -> None:
    page = await new_page()
    await page.goto(board_url(hub))
    await expect(signin_form(page).get_by_label("Benutzername")).to_be_visible()
    for _ in range(6):
        await page.keyboard.press("Tab")
        if await page.evaluate("() => document.activeElement.id") == "signin-username":
            break
    await expect(signin_form(page).get_by_label("Benutzername")).to_be_focused()
    await page.keyboard.type("sara")
    await page.keyboard.press("Tab")
    await expect(signin_form(page).get_by_label("Passwort")).to_be_focused()
    await page.keyboard.type("wrong password")
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("alert")).to_have_text("Benutzername oder Passwort ist falsch.")
    await expect(signin_form(page).get_by_label("Passwort")).to_be_focused()
    await page.keyboard.type(PASSWORD)
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Live-Übersicht", level=1)).to_be_focused()
    # The sections and the sign-out are reachable by keyboard too.
    await page.get_by_role("link", name="Auswertung").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Auswertung", level=1)).to_be_focused()
    await page.get_by_role("button", name="Abmelden").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#signin-note")).to_have_text("Sie haben sich abgemeldet.")
    await page.reload()
    await expect(signin_form(page).get_by_label("Benutzername")).to_be_visible()


async def test_an_admin_adds_an_account_assigns_a_role_and_sees_the_audit_log(
    hub: RunningHub, new_page: PageFactory
) -> None:
    page = await new_page()
    await with_axe(page)
    await assert_axe_clean_after_load(page, hub)
    await sign_in(page, hub, "adam")
    await expect_board(page)
    await page.get_by_role("link", name="Verwaltung").click()
    await expect(page.get_by_role("heading", name="Verwaltung", level=1)).to_be_focused()
    accounts = page.locator("#accounts-body")
    await expect(accounts.locator("tr")).to_have_count(4)

    add = page.locator("#add-form")
    await add.get_by_label("Benutzername").fill("clara")
    await add.get_by_label("Angezeigter Name").fill("Clara Wagner")
    await add.get_by_label("Passwort").fill("short")
    await add.get_by_role("button", name="Konto anlegen").click()
    await expect(page.locator("#add-error")).to_have_text(
        "Das Passwort muss mindestens 10 Zeichen haben."
    )
    await add.get_by_label("Passwort").fill(PASSWORD)
    await add.get_by_label("Teamleitung").check()
    await add.get_by_role("button", name="Konto anlegen").click()
    await expect(page.locator("#add-done")).to_have_text("Das Konto „clara“ wurde angelegt.")
    clara = accounts.locator("tr", has_text="clara")
    await expect(clara).to_contain_text("Beratung, Teamleitung")
    await expect(clara).to_contain_text("aktiv")
    # The same name again: the hub's 409 in the page's words.
    await add.get_by_label("Benutzername").fill("clara")
    await add.get_by_label("Angezeigter Name").fill("Clara Zwei")
    await add.get_by_label("Passwort").fill(PASSWORD)
    await add.get_by_role("button", name="Konto anlegen").click()
    await expect(page.locator("#add-error")).to_have_text(
        "Den Benutzernamen „clara“ gibt es schon. Bitte wählen Sie einen anderen."
    )

    # Ben becomes a team lead too.
    await page.get_by_role("button", name="Konto ben bearbeiten").click()
    editor = page.locator("#editor")
    await expect(editor.get_by_role("heading", name="Konto „ben“ bearbeiten")).to_be_focused()
    await editor.get_by_label("Teamleitung").check()
    await editor.get_by_role("button", name="Rollen speichern").click()
    await expect(page.locator("#editor-done")).to_have_text(
        "Die Rollen von „ben“ wurden gespeichert."
    )
    await expect(accounts.locator("tr", has_text="ben")).to_contain_text("Beratung, Teamleitung")
    audit = page.locator("#audit-body tr")
    await expect(audit.first).to_contain_text("Rollen jetzt: Beratung, Teamleitung")
    await expect(audit.first).to_contain_text("adam")
    await expect(audit.first).to_contain_text("ben")
    await expect(audit.nth(1)).to_contain_text("Konto angelegt")
    await expect(audit.nth(1)).to_contain_text("clara (Beratung, Teamleitung)")
    await assert_axe_clean(page, "the administration")

    # Disabling asks first; cancelling changes nothing.
    await editor.get_by_role("button", name="Konto sperren").click()
    dialog = page.get_by_role("dialog", name="Konto „ben“ sperren?")
    await expect(dialog).to_be_visible()
    await assert_axe_clean(page, "the confirmation")
    await dialog.get_by_role("button", name="Abbrechen").click()
    await expect(dialog).to_be_hidden()
    await expect(accounts.locator("tr", has_text="ben")).to_contain_text("aktiv")
    await editor.get_by_role("button", name="Konto sperren").click()
    await dialog.get_by_role("button", name="Sperren").click()
    await expect(accounts.locator("tr", has_text="ben")).to_contain_text("gesperrt")
    await expect(audit.first).to_contain_text("Konto gesperrt")

    # An admin cannot take the admin role from themselves: the hub refuses, the page says why.
    await page.get_by_role("button", name="Konto adam bearbeiten").click()
    await editor.get_by_label("Verwaltung").uncheck()
    await editor.get_by_role("button", name="Rollen speichern").click()
    await page.get_by_role("dialog").get_by_role("button", name="Rollen ändern").click()
    await expect(page.locator("#editor-error")).to_contain_text(
        "Ihr eigenes Konto können Sie weder sperren noch ihm die Rolle Verwaltung nehmen."
    )

    # What the confirmation promised: the disabled account cannot sign in.
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"{hub.url}/api/advisor/login", json={"username": "ben", "password": PASSWORD}
        ) as response,
    ):
        assert response.status == 401


async def assert_axe_clean_after_load(page: Page, hub: RunningHub) -> None:
    """The sign-in view, as it first appears."""
    await page.goto(board_url(hub))
    await expect(signin_form(page).get_by_label("Benutzername")).to_be_visible()
    await assert_axe_clean(page, "the sign-in")
    await assert_accessible(page, "the sign-in")


async def test_the_board_says_when_it_is_stale_and_comes_back(
    hub: RunningHub, new_page: PageFactory
) -> None:
    page = await new_page()
    await sign_in(page, hub, "sara")
    await expect_board(page)
    await hub.stop()
    banner = page.locator("#stale")
    await expect(banner).to_be_visible()
    # The banner names the time of the last board that arrived (one may have come between
    # reading a time and the stop, so the time is read once the link is down).
    stamp = (await page.locator("#board-asof").inner_text()).removeprefix("Stand ")
    assert re.fullmatch(r"\d\d:\d\d:\d\d", stamp), stamp
    await expect(banner).to_contain_text(f"Verbindung unterbrochen – Stand {stamp}")
    await expect(page.locator("#board")).to_have_class(re.compile("is-stale"))
    await hub.start()
    await expect(banner).to_be_hidden(timeout=20_000)
    await expect(page.locator("#board")).not_to_have_class(re.compile("is-stale"))
    await expect(page.locator("#announcer")).to_have_text("Verbindung wiederhergestellt.")


async def test_a_board_stale_before_its_socket_opened_says_when_it_is_live(
    hub: RunningHub, new_page: PageFactory
) -> None:
    """The board comes from the REST summary first; when the socket's first try fails the
    banner and the announcement say it is stale, and the next try says it is live again."""
    page = await new_page()
    tries = 0

    def first_fails(socket: WebSocketRoute) -> None:
        nonlocal tries
        tries += 1
        if tries == 1:
            asyncio.get_running_loop().create_task(socket.close())
        else:
            socket.connect_to_server()

    await page.route_web_socket(re.compile(r"/ws/supervisor$"), first_fails)
    await sign_in(page, hub, "sara")
    await expect_board(page)
    await expect(page.locator("#announcer")).to_have_text("Verbindung wiederhergestellt.")
    assert tries == 2
    await expect(page.locator("#stale")).to_be_hidden()
    await expect(page.locator("#board")).not_to_have_class(re.compile("is-stale"))


async def test_english_throughout(hub: RunningHub, new_page: PageFactory) -> None:
    page = await new_page()
    await page.goto(board_url(hub))
    await expect(signin_form(page).get_by_label("Benutzername")).to_be_visible()
    await page.get_by_role("button", name="Switch the page to English").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await signin_form(page).get_by_label("User name").fill("adam")
    await signin_form(page).get_by_label("Password").fill(PASSWORD)
    await signin_form(page).get_by_role("button", name="Sign in").click()
    await expect(page.get_by_role("heading", name="Live board", level=1)).to_be_visible()
    await expect(page.locator("#board-open")).not_to_have_attribute("data-state", "unknown")
    await expect(page.get_by_role("heading", name="Queue")).to_be_visible()
    await expect(page.locator("#queue-empty")).to_have_text("Nobody is waiting.")
    english = await visible_strings(page, skip_lang="de")
    german_looking = sorted(t for t in english if re.search(r"[äöüÄÖÜß„]", t))
    assert not german_looking, german_looking
    await page.get_by_role("link", name="Administration").click()
    await expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
    await expect(page.locator("#accounts-body tr")).to_have_count(4)
    english = await visible_strings(page, skip_lang="de")
    german_looking = sorted(t for t in english if re.search(r"[äöüÄÖÜß„]", t))
    assert not german_looking, german_looking
    add = page.locator("#add-form")
    await add.get_by_label("User name").fill("anna")
    await add.get_by_label("Display name").fill("Anna Again")
    await add.get_by_label("Password").fill(PASSWORD)
    await add.get_by_role("button", name="Add account").click()
    await expect(page.locator("#add-error")).to_have_text(
        "The user name “anna” is taken. Please choose another one."
    )
    # The choice of language survives a reload; the sign-in too (this tab's session).
    await page.reload()
    await expect(page.get_by_role("heading", name="Administration", level=1)).to_be_visible()
    await page.get_by_role("link", name="Reports").click()
    await expect(page.get_by_role("heading", name="Reports", level=1)).to_be_visible()
    await expect(page.locator("#figures-table")).to_contain_text("Average wait")


async def test_days_and_weeks_with_csv(hub: RunningHub, new_page: PageFactory) -> None:
    async with aiohttp.ClientSession() as session:
        customer = CustomerClient(session, hub.url)
        await customer.join()
    page = await new_page()
    await with_axe(page)
    await sign_in(page, hub, "sara")
    await expect_board(page)
    await page.get_by_role("link", name="Auswertung").click()
    table = page.locator("#figures-table")
    await expect(table.locator("tbody tr")).to_have_count(14)
    await expect(table.locator("tbody tr").last).to_contain_text("1")  # today: one offered
    query = page.locator("#figures-form")
    await query.get_by_label("Kalenderwochen").check()
    await page.get_by_role("button", name="Anzeigen").click()
    await expect(table.locator("tbody th").first).to_contain_text("KW ")
    await assert_axe_clean(page, "the figures")
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Als CSV herunterladen").click()
    download = await waiting.value
    assert re.fullmatch(
        r"figures-\d{4}-\d\d-\d\d-\d{4}-\d\d-\d\d-week\.csv", download.suggested_filename
    )
    text = await asyncio.to_thread(Path(await download.path()).read_text, "utf-8")
    assert text.splitlines()[0] == (
        "period,offered,answered,abandoned,wait_average_seconds,wait_p90_seconds,"
        "service_level,handling_average_seconds"
    )
    # From after To: said before the hub is asked.
    await query.get_by_label("Von").fill("2026-12-10")
    await query.get_by_label("Bis").fill("2026-12-01")
    await page.get_by_role("button", name="Anzeigen").click()
    await expect(page.locator("#figures-error")).to_have_text(
        "„Bis“ liegt vor „Von“. Bitte tauschen Sie die Daten."
    )


class MovableClock:
    """The hub's clock, moved on between the scripted events (waits of minutes, at once)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


QUEUE = [  # mode, topic, language; minutes waited so far
    ("av", "baufinanzierung", "de", 6.5),
    ("av", "girokonto", "de", 5.0),
    ("text", "wertpapiere", "en", 4.2),
    ("av", "", "de", 3.1),
    ("av", "kreditkarte", "de", 2.0),
    ("text", "altersvorsorge", "de", 1.2),
    ("av", "baufinanzierung", "en", 0.6),
    ("av", "", "de", 0.1),
]


async def scripted_load(
    running: RunningHub, clock: MovableClock, session: aiohttp.ClientSession
) -> list[object]:
    """Eight waiting customers; Anna in a consultation, Carl in wrap-up, Dora away, Ben free,
    Eva (new) signed out; one customer answered and ended, one gave up, three messages: a
    morning's figures."""
    url = running.url
    advisors = {}
    for name in ("anna", "ben", "carl", "dora"):
        client = AdvisorClient(session, url, name)
        await client.login()
        await client.connect()
        advisors[name] = client
    await advisors["dora"].socket.send({"type": "presence.set", "presence": "away"})  # type: ignore[union-attr]
    kept: list[object] = list(advisors.values())

    async def customer(**body: object) -> CustomerClient:
        client = CustomerClient(session, url)
        await client.join(**body)
        await client.connect()
        kept.append(client)
        return client

    for text in (
        "Bitte um Rückruf zur Baufinanzierung.",
        "Frage zu meiner Kreditkarte.",
        "Termin?",
    ):
        body = {
            "name": "Max Muster",
            "phone": "030 7654321",
            "text": text,
            "consent": {"accepted": True, "notice_version": NOTICE_VERSION},
        }
        async with session.post(f"{url}/api/messages", json=body) as response:
            assert response.status == 201, await response.text()
    await customer(topic="girokonto")
    clock.offset += 45
    taken = await advisors["carl"].take()
    clock.offset += 7 * 60
    await advisors["carl"].socket.send(  # type: ignore[union-attr]
        {"type": "end", "consultation_id": taken["consultation"]["consultation_id"]}
    )
    gone = await customer()
    clock.offset += 90
    async with session.delete(
        f"{url}/api/customers/me", headers={"Authorization": f"Bearer {gone.token}"}
    ) as response:
        assert response.status in (200, 204)
    await customer(topic="wertpapiere", mode="text")
    clock.offset += 30
    await advisors["anna"].take()
    for index, (mode, topic, language, minutes) in enumerate(QUEUE):
        await customer(mode=mode, topic=topic, language=language)
        later = QUEUE[index + 1][3] if index + 1 < len(QUEUE) else 0.0
        clock.offset += (minutes - later) * 60
    # The admin's morning: a new colleague (not signed in yet), Ben also a team lead.
    admin = AdvisorClient(session, url, "adam")
    await admin.login()
    headers = {"Authorization": f"Bearer {admin.token}"}
    new = {"username": "eva", "display_name": "Eva Richter", "password": PASSWORD}
    async with session.post(
        f"{url}/api/admin/accounts", json={**new, "roles": ["advisor"]}, headers=headers
    ) as response:
        assert response.status == 201, await response.text()
    ben = next(a for a in (await admin_accounts(session, url, headers)) if a["username"] == "ben")
    async with session.patch(
        f"{url}/api/admin/accounts/{ben['advisor_id']}",
        json={"roles": ["advisor", "supervisor"]},
        headers=headers,
    ) as response:
        assert response.status == 200, await response.text()
    return kept


async def admin_accounts(
    session: aiohttp.ClientSession, url: str, headers: dict[str, str]
) -> list[dict[str, object]]:
    async with session.get(f"{url}/api/admin/accounts", headers=headers) as response:
        assert response.status == 200
        accounts: list[dict[str, object]] = (await response.json())["accounts"]
        return accounts


async def test_the_board_under_a_scripted_load_fits_every_screen(
    tmp_path: Path, new_page: PageFactory, screenshots: Screenshots
) -> None:
    for username, display_name in (("carl", "Carl Neumann"), ("dora", "Dora Öztürk")):
        await add_advisor(tmp_path, username, display_name)
    await add_advisor(tmp_path, "adam", "Adam Kaiser", roles=frozenset({"admin", "supervisor"}))
    clock = MovableClock()
    async with running_hub(tmp_path, wrap_up_seconds=900) as running:
        running.clock = clock
        await running.restart()  # the app takes its clock when it is made
        async with aiohttp.ClientSession() as session:
            kept = await scripted_load(running, clock, session)
            assert kept
            for lang in ("de", "en"):
                for width, height in SIZES:
                    page = await new_page(viewport={"width": width, "height": height})
                    await with_axe(page)
                    await sign_in(page, running, "adam")
                    await expect_board(page)
                    if lang == "en":
                        await page.get_by_role("button", name="Switch the page to English").click()
                    await expect(page.locator("#queue-body tr")).to_have_count(8)
                    await expect(page.locator("#tile-messages-value")).to_have_text("3")
                    states = page.locator("#advisors-body")
                    await expect(states.locator("tr", has_text="Anna Berger")).to_have_attribute(
                        "data-state", "in_consultation"
                    )
                    await expect(states.locator("tr", has_text="Ben Schulz")).to_have_attribute(
                        "data-state", "available"
                    )
                    await expect(states.locator("tr", has_text="Carl Neumann")).to_have_attribute(
                        "data-state", "wrap_up"
                    )
                    await expect(states.locator("tr", has_text="Dora Öztürk")).to_have_attribute(
                        "data-state", "away"
                    )
                    await expect(states.locator("tr", has_text="Eva Richter")).to_have_attribute(
                        "data-state", "offline"
                    )
                    await expect(page.locator("#tile-longest-value")).to_have_text(
                        re.compile(r"^(6:[3-5]\d|[7-9]:\d\d)$")
                    )
                    assert not await has_horizontal_scroll(page), (lang, width)
                    if (width, lang) == (1280, "de"):
                        await assert_axe_clean(page, "the board under load")
                        await assert_accessible(page, "the board under load")
                    await screenshots.take(
                        page, f"supervisor-{lang}-{width}x{height}", full_page=False
                    )
                    await screenshots.take(page, f"supervisor-{lang}-{width}x{height}-full")
                    if width in (1280, 390):
                        await page.locator("#nav").get_by_role("link").nth(2).click()
                        await expect(page.locator("#accounts-body tr")).to_have_count(6)
                        await expect(page.locator("#audit-body tr")).to_have_count(2)
                        await screenshots.take(page, f"supervisor-admin-{lang}-{width}x{height}")
                    await page.context.close()


async def test_a_board_whose_sign_in_ends_goes_back_to_the_sign_in(
    hub: RunningHub, new_page: PageFactory
) -> None:
    page = await new_page()
    await sign_in(page, hub, "sara")
    await expect_board(page)
    async with aiohttp.ClientSession() as session:
        admin = AdvisorClient(session, hub.url, "adam")
        await admin.login()
        headers = {"Authorization": f"Bearer {admin.token}"}
        sara = next(
            a for a in await admin_accounts(session, hub.url, headers) if a["username"] == "sara"
        )
        async with session.post(
            f"{hub.url}/api/admin/accounts/{sara['advisor_id']}/password",
            json={"password": "a new password 2026"},
            headers=headers,
        ) as response:
            assert response.status == 204
    await expect(page.locator("#signin-note")).to_have_text(
        "Ihre Anmeldung ist abgelaufen oder wurde beendet. Bitte melden Sie sich erneut an."
    )
    await expect(page.locator("#nav")).to_be_hidden()
    await expect(page.locator("#stale")).to_be_hidden()


async def test_the_audit_log_pages_back(hub: RunningHub, new_page: PageFactory) -> None:
    async with aiohttp.ClientSession() as session:
        admin = AdvisorClient(session, hub.url, "adam")
        await admin.login()
        headers = {"Authorization": f"Bearer {admin.token}"}
        anna = next(
            a for a in await admin_accounts(session, hub.url, headers) if a["username"] == "anna"
        )
        for number in range(51):  # one more than a page
            async with session.patch(
                f"{hub.url}/api/admin/accounts/{anna['advisor_id']}",
                json={"display_name": f"Anna Berger {number}"},
                headers=headers,
            ) as response:
                assert response.status == 200
    page = await new_page()
    await sign_in(page, hub, "adam")
    await expect_board(page)
    await page.get_by_role("link", name="Verwaltung").click()
    rows = page.locator("#audit-body tr")
    await expect(rows).to_have_count(50)
    await expect(rows.first).to_contain_text("anna: Anna Berger 50")  # newest first
    await expect(page.locator("#audit-end")).to_be_hidden()
    await page.get_by_role("button", name="Ältere Einträge laden").click()
    await expect(rows).to_have_count(51)
    await expect(rows.last).to_contain_text("anna: Anna Berger 0")
    await expect(page.locator("#audit-end")).to_have_text("Keine älteren Einträge.")
    await expect(page.get_by_role("button", name="Ältere Einträge laden")).to_be_hidden()


async def test_names_only_when_the_hub_allows_and_never_a_phone_number(
    tmp_path: Path, new_page: PageFactory
) -> None:
    await add_advisor(tmp_path, "sara", "Sara Vogt", roles=frozenset({"supervisor"}))
    async with (
        running_hub(tmp_path, supervisor_sees_customer_names=True) as running,
        aiohttp.ClientSession() as session,
    ):
        customer = CustomerClient(session, running.url)
        await customer.join(name="Erika Mustermann", phone="030 1234567")
        page = await new_page()
        await sign_in(page, running, "sara")
        await expect_board(page)
        await expect(page.locator("#queue-name-head")).to_be_visible()
        await expect(page.locator("#queue-body tr").first).to_contain_text("Erika Mustermann")
        assert "1234567" not in await page.locator("main").inner_text()
