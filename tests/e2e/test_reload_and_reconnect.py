"""A reload keeps the place in the queue (token in sessionStorage); a dropped connection comes
back by itself; a reload during the consultation brings back the chat and, through the
advisor's new offer, the media."""

from __future__ import annotations

from playwright.async_api import Page, expect

from advisor_app.core.session import Phase
from advisor_app.demo.customer import SimulatedCustomer
from tests.e2e.conftest import E2E, PageFactory
from tests.e2e.journey import chat_texts, expect_step, join, send_chat, take_customer
from tests.support.browser import INBOUND_STATS_SCRIPT, scripted_advisor, until, until_async
from tests.support.hub import RunningHub

pytestmark = E2E


async def audio_arrives(page: Page) -> bool:
    stats = await page.evaluate(INBOUND_STATS_SCRIPT)
    return bool(
        stats
        and stats.get("state") == "connected"
        and stats.get("audio", {}).get("packets", 0) > 10
    )


async def test_reload_keeps_the_place_and_the_link_comes_back(
    hub: RunningHub, new_page: PageFactory
) -> None:
    earlier = SimulatedCustomer(hub.url, name="Max Früher", mode="text", greeting=None)
    try:
        await earlier.start()
        page = await new_page()
        # Picture off both ways: sound only, to keep this test light.
        await join(page, hub.url, see_advisor=False, show_me=False)
        position = page.locator("#queue-position")
        await expect(position).to_have_text("Ihre Position in der Warteschlange: 2")
        customer_id = await page.evaluate(
            "() => JSON.parse(sessionStorage.getItem('videoberatung')).customerId"
        )

        await page.reload()
        await expect_step(page, "waiting")
        await expect(position).to_have_text("Ihre Position in der Warteschlange: 2")
        await expect(page.locator("#wait-greeting")).to_contain_text("Erika Mustermann")
        assert [c.customer_id for _, c in hub.hub.queue.entries()][1] == customer_id

        # The customer ahead leaves: the new position arrives by itself (aria-live region).
        assert hub.session is not None
        async with hub.session.delete(
            f"{hub.url}/api/customers/me", headers={"Authorization": f"Bearer {earlier.token}"}
        ) as response:
            assert response.status == 204
        await expect(position).to_have_text("Ihre Position in der Warteschlange: 1")
        await expect(page.locator("#queue-status")).to_have_attribute("aria-live", "polite")

        # The hub goes away and comes back: the page says so and reconnects by itself.
        await hub.stop()
        banner = page.locator("#conn-banner")
        await expect(banner).to_be_visible()
        await expect(banner).to_have_text("Verbindung wird wiederhergestellt …")
        await hub.start()
        await expect(banner).to_be_hidden(timeout=30_000)
        await expect(position).to_have_text("Ihre Position in der Warteschlange: 1")

        # Taken; chat; then a reload in the middle of the consultation.
        async with scripted_advisor(hub.url) as advisor:
            await take_customer(advisor)
            consultation = advisor.consultation
            assert consultation is not None
            assert consultation.info.customer is not None
            assert consultation.info.customer.customer_id == customer_id
            await expect_step(page, "session")
            await until(lambda: consultation.phase == Phase.CONNECTED, what="media")
            await until_async(lambda: audio_arrives(page), what="advisor audio in the page")
            await send_chat(page, "Vor dem Neuladen")
            # The reply after the question is stored (the chat shows the hub's order).
            await until(lambda: len(consultation.chat) == 1, what="the customer's message stored")
            await advisor.send_chat("Antwort vor dem Neuladen")
            await expect(chat_texts(page)).to_have_count(2)

            await page.reload()
            await expect_step(page, "session")
            await expect(chat_texts(page)).to_have_text(
                ["Vor dem Neuladen", "Antwort vor dem Neuladen"]
            )
            # The advisor offers anew for the new page; media flows again.
            await until_async(lambda: audio_arrives(page), what="audio after the reload")
            await until(lambda: consultation.phase == Phase.CONNECTED, what="media again")
            await send_chat(page, "Nach dem Neuladen")
            await until(lambda: len(consultation.chat) == 3, what="chat after the reload")
            await advisor.end()
            await expect_step(page, "end")
    finally:
        await earlier.close()
