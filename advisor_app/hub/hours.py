"""Opening hours: when customers may join the queue.

Written as ``"mon-fri 08:00-18:00; sat 09:00-13:00"`` (several periods a day separated by
commas, ``"always"`` for round the clock), in the hub's time zone (Europe/Berlin by default).
Closed on the public holidays of a region (``"DE-HE"``: Germany, Hesse; the ``holidays``
package, MIT, which knows each German state's own) and on extra days the bank names; special
hours for single days (``"2026-12-24 09:00-12:00"``) replace that day's usual ones, a holiday's
too (the bank said so for that very day).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
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
        special_hours: Mapping[date, tuple[tuple[time, time], ...]] | None = None,
    ) -> None:
        self.spec = spec.strip()
        self.holiday_region = holiday_region.strip()
        self.closed_days = frozenset(closed_days)
        self.special_hours = dict(special_hours or {})
        if both := sorted(self.closed_days & self.special_hours.keys()):
            raise OpeningHoursError(
                f"{both[0].isoformat()} is both a closed day and a day with special hours"
            )
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
        if day in self.special_hours:
            return None
        if day in self.closed_days:
            return "closed"
        if self._holidays is not None and day in self._holidays:
            return str(self._holidays.get(day))
        return None

    def hours_on(self, day: date) -> tuple[tuple[time, time], ...] | None:
        """The day's opening periods (empty: closed all day); None: open round the clock."""
        if day in self.special_hours:
            return self.special_hours[day]
        if self.closed_on(day) is not None:
            return ()
        if self.always:
            return None
        return tuple(
            (period.opens, period.closes)
            for period in self.periods
            if period.weekday == day.weekday()
        )

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(self.zone)
        hours = self.hours_on(local.date())
        if hours is None:
            return True
        now = local.time()
        return any(opens <= now < closes for opens, closes in hours)

    def next_opening(self, at: datetime) -> datetime | None:
        """The next moment it opens, if it is closed at ``at``; None when open or never."""
        if self.is_open(at) or (not self.always and not self.periods and not self.special_hours):
            return None
        local = at.astimezone(self.zone)
        # Up to a year ahead: holidays and closed days may follow each other (Christmas to
        # New Year), and a closed day ends a week's periods early.
        for offset in range(366):
            day = (local + timedelta(days=offset)).date()
            hours = self.hours_on(day)
            opens = [time.min] if hours is None else [start for start, _ in hours]
            for start in sorted(datetime.combine(day, moment, self.zone) for moment in opens):
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


def parse_special_hours(text: str) -> dict[date, tuple[tuple[time, time], ...]]:
    """``"2026-12-24 09:00-12:00; 2026-12-31 09:00-11:00,12:00-13:00"``: single days with
    their own hours instead of the usual ones."""
    days: dict[date, tuple[tuple[time, time], ...]] = {}
    for part in text.split(";"):
        part = part.strip()
        if not part:
            continue
        day_text, _, ranges_text = part.partition(" ")
        try:
            day = date.fromisoformat(day_text)
        except ValueError as error:
            raise OpeningHoursError(
                f"{part!r} does not start with a day like 2026-12-24"
            ) from error
        if day in days:
            raise OpeningHoursError(f"{day_text} has special hours twice")
        if not ranges_text.strip():
            raise OpeningHoursError(f"{part!r} names a day but no hours (like 09:00-12:00)")
        ranges = []
        for range_text in ranges_text.split(","):
            opens_text, separator, closes_text = range_text.strip().partition("-")
            if not separator:
                raise OpeningHoursError(f"{range_text!r} is not a range like 09:00-12:00")
            opens, closes = _parse_time(opens_text, text), _parse_time(closes_text, text)
            if closes <= opens:
                raise OpeningHoursError(f"{range_text!r} closes before it opens")
            ranges.append((opens, closes))
        days[day] = tuple(sorted(ranges))
    return days


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
