"""Closed on the bank's public holidays (its German state's, from the holidays package) and on
days it names: the queue refuses joins, the start page is told when it opens again, over HTTP
on a real hub whose clock stands at Christmas."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from advisor_app.hub.config import ConfigError, load_settings
from advisor_app.hub.hours import OpeningHours, OpeningHoursError, parse_special_hours
from tests.hub.test_messages import FixedClock, get_status
from tests.support.clients import join_body
from tests.support.hub import RunningHub, add_advisor, settings_for

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_state_holiday_closes_and_the_next_opening_skips_it() -> None:
    hesse = OpeningHours("mon-fri 08:00-18:00", holiday_region="DE-HE")
    bavaria = OpeningHours("mon-fri 08:00-18:00", holiday_region="DE-BY")
    corpus_christi = datetime(2026, 6, 4, 10, 0, tzinfo=BERLIN)  # Hesse and Bavaria
    epiphany = datetime(2026, 1, 6, 10, 0, tzinfo=BERLIN)  # Bavaria, not Hesse
    assert not hesse.is_open(corpus_christi) and not bavaria.is_open(corpus_christi)
    assert hesse.is_open(epiphany) and not bavaria.is_open(epiphany)
    assert hesse.closed_on(date(2026, 12, 25)) == "Erster Weihnachtstag"
    # Thursday 24 December after hours: Friday 25 and Saturday 26 are holidays, then Sunday.
    christmas_eve = datetime(2026, 12, 24, 18, 30, tzinfo=BERLIN)
    assert hesse.next_opening(christmas_eve) == datetime(2026, 12, 28, 8, 0, tzinfo=BERLIN)
    named = OpeningHours(
        "mon-fri 08:00-18:00", holiday_region="DE-HE", closed_days=[date(2026, 12, 28)]
    )
    assert named.next_opening(christmas_eve) == datetime(2026, 12, 29, 8, 0, tzinfo=BERLIN)
    plain = OpeningHours("mon-fri 08:00-18:00")
    assert plain.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN))  # no region: open


def test_an_unknown_region_or_day_is_one_clear_configuration_error(tmp_path: Path) -> None:
    with pytest.raises(OpeningHoursError, match="holiday_region 'DE-XX' is not known"):
        OpeningHours("always", holiday_region="DE-XX")
    config = tmp_path / "hub.toml"
    config.write_text('closed_days = "2026-12-24, Heiligabend"\n', "utf-8")
    with pytest.raises(ConfigError, match="'Heiligabend' is not a day like 2026-12-24"):
        load_settings(config, overrides={"data_dir": tmp_path})


def test_special_hours_replace_a_days_usual_hours_and_a_holidays_closing() -> None:
    special = parse_special_hours("2026-12-24 09:00-12:00; 2026-12-26 10:00-11:00,14:00-15:00")
    hours = OpeningHours("mon-fri 08:00-18:00", holiday_region="DE-HE", special_hours=special)
    assert hours.is_open(datetime(2026, 12, 24, 11, 59, tzinfo=BERLIN))
    assert not hours.is_open(datetime(2026, 12, 24, 12, 0, tzinfo=BERLIN))  # usually till 18
    assert not hours.is_open(datetime(2026, 12, 24, 8, 30, tzinfo=BERLIN))  # usually from 8
    # Saturday 26 December, a holiday in Hesse: open in its two periods only.
    assert hours.closed_on(date(2026, 12, 26)) is None
    assert hours.is_open(datetime(2026, 12, 26, 14, 30, tzinfo=BERLIN))
    assert not hours.is_open(datetime(2026, 12, 26, 12, 0, tzinfo=BERLIN))
    after_noon = datetime(2026, 12, 24, 12, 30, tzinfo=BERLIN)
    assert hours.next_opening(after_noon) == datetime(2026, 12, 26, 10, 0, tzinfo=BERLIN)
    between = datetime(2026, 12, 26, 11, 30, tzinfo=BERLIN)
    assert hours.next_opening(between) == datetime(2026, 12, 26, 14, 0, tzinfo=BERLIN)
    # Round the clock except one short day.
    always = OpeningHours("always", special_hours=parse_special_hours("2026-12-31 09:00-13:00"))
    assert not always.is_open(datetime(2026, 12, 31, 14, 0, tzinfo=BERLIN))
    assert always.next_opening(datetime(2026, 12, 31, 14, 0, tzinfo=BERLIN)) == datetime(
        2027, 1, 1, 0, 0, tzinfo=BERLIN
    )


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "24.12.2026 09:00-12:00",
            "special_hours: '24.12.2026 09:00-12:00' does not start with a day like 2026-12-24",
        ),
        ("2026-12-24", "special_hours: '2026-12-24' names a day but no hours (like 09:00-12:00)"),
        ("2026-12-24 12:00-09:00", "special_hours: '12:00-09:00' closes before it opens"),
        (
            "2026-12-24 09:00-12:00; 2026-12-24 14:00-15:00",
            "special_hours: 2026-12-24 has special hours twice",
        ),
    ],
)
def test_bad_special_hours_are_one_clear_configuration_error(
    tmp_path: Path, value: str, message: str
) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(f'special_hours = "{value}"\n', "utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(config, overrides={"data_dir": tmp_path})
    assert str(caught.value) == message


def test_a_day_both_closed_and_with_special_hours_is_refused(tmp_path: Path) -> None:
    config = tmp_path / "hub.toml"
    config.write_text(
        'closed_days = "2026-12-24"\nspecial_hours = "2026-12-24 09:00-12:00"\n', "utf-8"
    )
    with pytest.raises(ConfigError, match="2026-12-24 is both a closed day and a day with"):
        load_settings(config, overrides={"data_dir": tmp_path})


async def test_special_hours_reach_the_customer_page_s_next_opening(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    """A real hub on Christmas Day: Sunday 27 December opens 10-14 by special hours, so the
    page's "wieder für Sie da" names that, not Monday."""
    await add_advisor(tmp_path, "anna", "Anna Berger")
    clock = FixedClock(datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN))
    settings = settings_for(
        tmp_path,
        opening_hours="mon-fri 08:00-18:00",
        holiday_region="DE-HE",
        special_hours="2026-12-27 10:00-14:00",
    )
    hub = RunningHub(settings, clock=clock)
    await hub.start()
    try:
        status = await get_status(session, hub)
        assert status["open"] is False
        assert datetime.fromisoformat(status["next_opening"]) == datetime(
            2026, 12, 27, 10, 0, tzinfo=BERLIN
        )
        clock.now = datetime(2026, 12, 27, 10, 30, tzinfo=BERLIN).timestamp()
        assert (await get_status(session, hub))["open"] is True
        async with session.post(f"{hub.url}/api/customers", json=join_body()) as response:
            assert response.status == 201
    finally:
        await hub.close()


async def test_the_queue_is_closed_at_christmas_and_says_when_it_opens(
    tmp_path: Path, session: aiohttp.ClientSession
) -> None:
    await add_advisor(tmp_path, "anna", "Anna Berger")
    clock = FixedClock(datetime(2026, 12, 25, 10, 0, tzinfo=BERLIN))  # a Friday, a holiday
    settings = settings_for(tmp_path, opening_hours="mon-fri 08:00-18:00", holiday_region="DE-HE")
    hub = RunningHub(settings, clock=clock)
    await hub.start()
    try:
        status = await get_status(session, hub)
        assert status["open"] is False
        assert datetime.fromisoformat(status["next_opening"]) == datetime(
            2026, 12, 28, 8, 0, tzinfo=BERLIN
        )
        async with session.post(f"{hub.url}/api/customers", json=join_body()) as response:
            assert response.status == 409
            assert (await response.json())["error"]["code"] == "closed"
        clock.now = datetime(2026, 12, 28, 8, 0, tzinfo=BERLIN).timestamp()
        assert (await get_status(session, hub))["open"] is True
    finally:
        await hub.close()
