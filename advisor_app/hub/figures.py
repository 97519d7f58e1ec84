"""The queue's figures for a day or a week, from the visits' times (storage.base.QueueFact).

Pure computation; docs/protocol.md §15.3 states each definition, and these are they:

- a period is a day (or an ISO week) in the bank's time zone (``time_zone``), and a visit
  belongs to the period in which the customer joined the queue;
- offered: customers who joined; answered: of them, those an advisor took; abandoned: those
  who left or whose place expired while waiting (still waiting: neither);
- wait: join to take, of the answered; its average and its 90th percentile (nearest rank:
  the smallest wait that at least 90 % of the answered waited no longer than);
- service level: answered within the target (wait ≤ ``service_level_seconds``) divided by
  answered plus abandoned after more than ``ABANDON_GRACE_SECONDS`` (who gives up within a
  few seconds changed their mind; the bank could not have answered them);
- handling: take to end, of the answered whose consultation has ended; its average.

Everything that cannot be computed (no answered customer, say) is None, not 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from advisor_app.hub.storage.base import QueueFact
from advisor_app.protocol.supervisor import Figures, FiguresRow, Period

ABANDON_GRACE_SECONDS = 5.0
RANGE_DAYS_MAX = 366


@dataclass(frozen=True, slots=True)
class Target:
    answer_within_seconds: float
    goal: float


def percentile(values: list[float], share: float) -> float | None:
    """Nearest-rank percentile: the value at rank ceil(share × n) of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def figures(facts: Iterable[QueueFact], target: Target) -> Figures:
    offered = answered = abandoned = abandoned_late = within = 0
    waits: list[float] = []
    handling: list[float] = []
    for fact in facts:
        offered += 1
        if fact.taken_at is not None:
            answered += 1
            wait = max(0.0, fact.taken_at - fact.joined_at)
            waits.append(wait)
            if wait <= target.answer_within_seconds:
                within += 1
            if fact.ended_at is not None:
                handling.append(max(0.0, fact.ended_at - fact.taken_at))
        elif fact.left_at is not None:
            abandoned += 1
            if fact.left_at - fact.joined_at > ABANDON_GRACE_SECONDS:
                abandoned_late += 1
    counted = answered + abandoned_late
    return Figures(
        offered=offered,
        answered=answered,
        abandoned=abandoned,
        wait_average_seconds=_rounded(_mean(waits)),
        wait_p90_seconds=_rounded(percentile(waits, 0.9)),
        service_level=round(within / counted, 4) if counted else None,
        handling_average_seconds=_rounded(_mean(handling)),
    )


def _rounded(value: float | None) -> float | None:
    return round(value, 1) if value is not None else None


def day_bounds(day: date, zone: ZoneInfo) -> tuple[float, float]:
    """The day's start and the next day's, as Unix times (a day has 23 or 25 hours when the
    clocks change)."""
    start = datetime.combine(day, time.min, zone)
    end = datetime.combine(day + timedelta(days=1), time.min, zone)
    return start.timestamp(), end.timestamp()


def local_day(moment: float, zone: ZoneInfo) -> date:
    return datetime.fromtimestamp(moment, zone).date()


def iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def period_rows(
    facts: list[QueueFact],
    first: date,
    last: date,
    by: Period,
    zone: ZoneInfo,
    target: Target,
) -> list[FiguresRow]:
    """One row per day (or ISO week) from ``first`` to ``last`` (inclusive), empty ones too;
    a week at either end counts only its days within the range."""
    periods: dict[str, list[QueueFact]] = {}
    day = first
    while day <= last:
        periods.setdefault(day.isoformat() if by == "day" else iso_week(day), [])
        day += timedelta(days=1)
    for fact in facts:
        joined = local_day(fact.joined_at, zone)
        if first <= joined <= last:
            key = joined.isoformat() if by == "day" else iso_week(joined)
            periods[key].append(fact)
    rows = []
    for period, members in periods.items():
        computed = figures(members, target)
        rows.append(
            FiguresRow(
                period=period,
                offered=computed.offered,
                answered=computed.answered,
                abandoned=computed.abandoned,
                wait_average_seconds=computed.wait_average_seconds,
                wait_p90_seconds=computed.wait_p90_seconds,
                service_level=computed.service_level,
                handling_average_seconds=computed.handling_average_seconds,
            )
        )
    return rows


CSV_COLUMNS = (
    "period",
    "offered",
    "answered",
    "abandoned",
    "wait_average_seconds",
    "wait_p90_seconds",
    "service_level",
    "handling_average_seconds",
)


def as_csv(rows: list[FiguresRow]) -> str:
    """The rows as CSV (RFC 4180: comma, CRLF); an empty cell where a figure is None."""
    lines = [",".join(CSV_COLUMNS)]
    for row in rows:
        cells = []
        for name in CSV_COLUMNS:
            value = getattr(row, name)
            cells.append("" if value is None else str(value))
        lines.append(",".join(cells))
    return "\r\n".join(lines) + "\r\n"
