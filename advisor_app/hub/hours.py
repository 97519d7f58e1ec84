"""Opening hours: when customers may join the queue.

Written as ``"mon-fri 08:00-18:00; sat 09:00-13:00"`` (several periods a day separated by
commas, ``"always"`` for round the clock), in the hub's time zone (Europe/Berlin by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
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

    def __init__(self, spec: str, time_zone: str = "Europe/Berlin") -> None:
        self.spec = spec.strip()
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

    def is_open(self, at: datetime) -> bool:
        if self.always:
            return True
        local = at.astimezone(self.zone)
        now = local.time()
        return any(
            period.weekday == local.weekday() and period.opens <= now < period.closes
            for period in self.periods
        )

    def next_opening(self, at: datetime) -> datetime | None:
        """The next moment it opens, if it is closed at ``at``; None when open or never."""
        if self.always or not self.periods or self.is_open(at):
            return None
        local = at.astimezone(self.zone)
        for offset in range(8):
            day = (local + timedelta(days=offset)).date()
            starts = sorted(
                datetime.combine(day, period.opens, self.zone)
                for period in self.periods
                if period.weekday == day.weekday()
            )
            for start in starts:
                if start > local:
                    return start
        return None
