"""Access windows: who (an audience) may book on which days between which local times."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from app.domain.errors import DomainError
from app.domain.intervals import Interval
from app.domain.workdays import DayEntry, is_workday

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
UTC = ZoneInfo("UTC")


class Audience(StrEnum):
    PUBLIC = "public"  # any signed-in user
    RESIDENTS = "residents"  # registered residents of the resource's communities
    REGISTERED_UNITS = "registered_units"  # acting for a unit registered with the owner community
    OWNER_MEMBERS = "owner_members"  # members of the owning organisation
    PARTY_MEMBERS = "party_members"  # registered in-service party members of those communities


class DayRule(StrEnum):
    ALL = "all"
    WORKDAY = "workday"  # official workdays, holidays and make-up days included
    RESTDAY = "restday"
    WEEKDAYS = "weekdays"  # the listed days of the week


@dataclass(frozen=True)
class Days:
    rule: DayRule
    weekdays: frozenset[int] = frozenset()  # 0 = Monday, for DayRule.WEEKDAYS

    def matches(self, day: date, calendar: Mapping[date, DayEntry]) -> bool:
        if self.rule is DayRule.ALL:
            return True
        if self.rule is DayRule.WORKDAY:
            return is_workday(day, calendar)
        if self.rule is DayRule.RESTDAY:
            return not is_workday(day, calendar)
        return day.weekday() in self.weekdays


def parse_days(value: object) -> Days:
    """`all`, `workday`, `restday`, or a list of `mon`…`sun` (API.md)."""
    if isinstance(value, str) and value in (DayRule.ALL, DayRule.WORKDAY, DayRule.RESTDAY):
        return Days(DayRule(value))
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) and v in WEEKDAYS for v in value):
        return Days(DayRule.WEEKDAYS, frozenset(WEEKDAYS.index(v) for v in value))
    raise DomainError("invalid_days", field="days")


def parse_clock(value: str, *, field: str) -> int:
    """Minutes after local midnight for "HH:MM"; "24:00" is the end of the day."""
    try:
        hours, minutes = value.split(":")
        if len(hours) != 2 or len(minutes) != 2:
            raise ValueError(value)
        total = int(hours) * 60 + int(minutes)
    except (AttributeError, ValueError) as exc:
        raise DomainError("invalid_time", field=field) from exc
    if int(minutes) >= 60 or not 0 <= total <= 24 * 60:
        raise DomainError("invalid_time", field=field)
    return total


@dataclass(frozen=True)
class AccessWindow:
    """Open to `audience` on `days` from `start` to `end` minutes after local midnight."""

    audience: Audience
    days: Days
    start: int
    end: int
    price: int = 0  # fen; 0 is free
    max_quantity: int | None = None
    max_minutes_per_week: int | None = None
    requires_approval: bool | None = None  # None: the resource's policy decides
    id: int | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= 24 * 60:
            raise DomainError("window_end_before_start", field="end")
        if self.max_quantity is not None and self.max_quantity < 1:
            raise DomainError("out_of_range", field="max_quantity")
        if self.max_minutes_per_week is not None and self.max_minutes_per_week < 1:
            raise DomainError("out_of_range", field="max_minutes_per_week")
        if self.price < 0:
            raise DomainError("out_of_range", field="price")


def local_days(interval: Interval, zone: ZoneInfo) -> list[date]:
    """Every local date an interval touches (a window on the day before may reach in)."""
    first = interval.start.astimezone(zone).date() - timedelta(days=1)
    last = (interval.end - timedelta(microseconds=1)).astimezone(zone).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def at_local(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The instant `minutes` after local midnight of `day`, in UTC (24:00 is next midnight).

    Wall-clock arithmetic on the naive time, then the zone: a window from 08:00
    stays at 08:00 local on a day when the clocks change.
    """
    naive = datetime.combine(day, time(0)) + timedelta(minutes=minutes)
    return naive.replace(tzinfo=zone).astimezone(UTC)


def expand(
    window: AccessWindow, days: Iterable[date], zone: ZoneInfo, calendar: Mapping[date, DayEntry]
) -> list[Interval]:
    """The window's open intervals (UTC) on the given local days."""
    return [
        Interval(at_local(day, window.start, zone), at_local(day, window.end, zone))
        for day in days
        if window.days.matches(day, calendar)
    ]


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]
