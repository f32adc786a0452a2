"""A resource's usage on one local day: hours offered to each audience, unit-hours booked, utilisation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.domain.intervals import Interval, merge
from app.domain.rules import ResourceRules
from app.domain.windows import Audience, at_local, expand


@dataclass(frozen=True)
class Used:
    """A booking as the report counts it: its span, quantity, and whether it was a no-show."""

    start: datetime
    end: datetime
    quantity: int
    no_show: bool = False


@dataclass(frozen=True)
class DayUsage:
    offered_by_audience: dict[str, int]  # minutes open to each audience that day, closures taken out
    offered: int  # minutes open to anyone (the union)
    booked_unit_minutes: int
    no_show_unit_minutes: int
    bookings: int
    utilisation: float | None  # booked / (capacity × offered); None when nothing was offered


def subtract(intervals: Iterable[Interval], holes: Iterable[Interval]) -> list[Interval]:
    """The parts of the (merged) intervals outside every hole."""
    result: list[Interval] = []
    cuts = merge(holes)
    for part in merge(intervals):
        start = part.start
        for cut in cuts:
            if cut.end <= start or cut.start >= part.end:
                continue
            if cut.start > start:
                result.append(Interval(start, cut.start))
            start = max(start, cut.end)
        if start < part.end:
            result.append(Interval(start, part.end))
    return result


def _minutes(intervals: Iterable[Interval]) -> int:
    return sum(int(i.duration / timedelta(minutes=1)) for i in intervals)


def _clip(intervals: Iterable[Interval], day: Interval) -> list[Interval]:
    return [
        Interval(max(i.start, day.start), min(i.end, day.end))
        for i in intervals
        if i.start < day.end and day.start < i.end
    ]


def day_usage(rules: ResourceRules, day: date, used: Sequence[Used]) -> DayUsage:
    """The day's figures for one resource. `rules` must cover the day and the day before (a window
    from the evening before may run past midnight); `used` are its bookings that held or used
    capacity (confirmed, checked in, completed, no-show), of any span touching the day."""
    whole = Interval(at_local(day, 0, rules.zone), at_local(day + timedelta(days=1), 0, rules.zone))
    days = [day - timedelta(days=1), day]
    by_audience: dict[str, int] = {}
    everyone: list[Interval] = []
    for audience in Audience:
        windows = [w for w in rules.windows if w.audience == audience]
        if not windows:
            continue
        opened = [i for w in windows for i in expand(w, days, rules.zone, rules.calendar)]
        open_parts = subtract(_clip(opened, whole), rules.closures)
        by_audience[audience.value] = _minutes(open_parts)
        everyone.extend(open_parts)
    offered = _minutes(merge(everyone))
    booked = no_show = 0
    count = 0
    for booking in used:
        inside = _clip([Interval(booking.start, booking.end)], whole)
        if not inside:
            continue
        count += 1
        unit_minutes = booking.quantity * _minutes(inside)
        booked += unit_minutes
        if booking.no_show:
            no_show += unit_minutes
    utilisation = booked / (rules.capacity * offered) if offered else None
    return DayUsage(by_audience, offered, booked, no_show, count, utilisation)
