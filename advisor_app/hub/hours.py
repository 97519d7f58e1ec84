"""Opening hours: when customers may join the queue.

Written as ``"mon-fri 08:00-18:00; sat 09:00-13:00"`` (several periods a day separated by
commas, ``"always"`` for round the clock), in the hub's time zone (Europe/Berlin by default).
Closed on the public holidays of a region (``"DE-HE"``: Germany, Hesse; the ``holidays``
package, MIT, which knows each German state's own) and on extra days the bank names.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class OpeningHoursError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Period:
    weekday: int  # 0 = Monday
    opens: time
    closes: time


def _parse_time(text: str, spec: str) -> time:
    try:
        hours, minutes = text.split(":")
        if hours == "24" and minutes == "00":
            return time.max
        return time(int(hours), int(minutes))
    except ValueError as error:
        raise OpeningHoursError(f"{text!r} in {spec!r} is not a time like 08:30") from error


def _parse_days(text: str, spec: str) -> list[int]:
    try:
        if "-" in text:
            first, last = (DAYS.index(part) for part in text.split("-"))
            if last < first:
                raise OpeningHoursError(f"the day range {text!r} in {spec!r} runs backwards")
            return list(range(first, last + 1))
        return [DAYS.index(text)]
    except OpeningHoursError:
        raise  # a ValueError too, but already says what is wrong
    except ValueError as error:
        raise OpeningHoursError(
            f"{text!r} in {spec!r} is not a day or day range (mon, tue, ... sun; mon-fri)"
        ) from error


class OpeningHours:
    """Weekly opening periods in one time zone."""

    def __init__(
        self,
        spec: str,
        time_zone: str = "Europe/Berlin",
        *,
        holiday_region: str = "",
        closed_days: Iterable[date] = (),
    ) -> None:
        self.spec = spec.strip()
        self.holiday_region = holiday_region.strip()
        self.closed_days = frozenset(closed_days)
        self._holidays = _holidays_of(self.holiday_region)
        try:
            self.zone = ZoneInfo(time_zone)
        except (KeyError, ValueError) as error:
            raise OpeningHoursError(f"unknown time zone {time_zone!r}") from error
        self.time_zone = time_zone
        self.periods: list[Period] = []
        self.always = self.spec.lower() in ("", "always", "24/7")
        if self.always:
            return
        for part in self.spec.split(";"):
            part = part.strip().lower()
            if not part:
                continue
            days_text, _, ranges_text = part.partition(" ")
            if not ranges_text.strip():
                raise OpeningHoursError(f"{part!r} names days but no hours (like 08:00-18:00)")
            days = _parse_days(days_text, self.spec)
            for range_text in ranges_text.split(","):
                opens_text, separator, closes_text = range_text.strip().partition("-")
                if not separator:
                    raise OpeningHoursError(f"{range_text!r} is not a range like 08:00-18:00")
                opens = _parse_time(opens_text, self.spec)
                closes = _parse_time(closes_text, self.spec)
                if closes <= opens:
                    raise OpeningHoursError(f"{range_text!r} closes before it opens")
                self.periods.extend(Period(day, opens, closes) for day in days)

    def closed_on(self, day: date) -> str | None:
        """Why the whole day is closed (a holiday's name, or "closed"); None: it is not."""
        if day in self.closed_days:
            return "closed"
        if self._holidays is not None and day in self._holidays:
            return str(self._holidays.get(day))
        return None

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        if self.closed_on(local.date()) is not None:
            return False
        if self.always:
            return True
        now = local.time()
        return any(
            period.weekday == local.weekday() and period.opens <= now < period.closes
            for period in self.periods
        )

    def next_opening(self, at: datetime) -> datetime | None:
        """The next moment it opens, if it is closed at ``at``; None when open or never."""
        if self.is_open(at) or (not self.always and not self.periods):
            return None
        local = at.astimezone(self.zone)
        # Up to a year ahead: holidays and closed days may follow each other (Christmas to
        # New Year), and a closed day ends a week's periods early.
        for offset in range(366):
            day = (local + timedelta(days=offset)).date()
            if self.closed_on(day) is not None:
                continue
            if self.always:
                start = datetime.combine(day, time.min, self.zone)
                if start > local:
                    return start
                continue
            starts = sorted(
                datetime.combine(day, period.opens, self.zone)
                for period in self.periods
                if period.weekday == day.weekday()
            )
            for start in starts:
                if start > local:
                    return start
        return None


def _holidays_of(region: str) -> Any:
    """The public holidays of ``COUNTRY`` or ``COUNTRY-SUBDIVISION`` (ISO 3166), every year on
    demand; None for no region."""
    if not region:
        return None
    import holidays  # only a hub with a region needs it loaded

    country, _, subdivision = region.partition("-")
    try:
        return holidays.country_holidays(country.upper(), subdiv=subdivision.upper() or None)
    except NotImplementedError as error:
        raise OpeningHoursError(
            f"holiday_region {region!r} is not known (a country and state like DE-HE): {error}"
        ) from error


def parse_closed_days(text: str) -> list[date]:
    """``"2026-12-24, 2026-12-31"``: extra days the bank is closed."""
    days = []
    for part in text.replace(";", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            days.append(date.fromisoformat(part))
        except ValueError as error:
            raise OpeningHoursError(f"{part!r} is not a day like 2026-12-24") from error
    return days
