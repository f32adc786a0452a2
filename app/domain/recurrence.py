"""Recurring series: the occurrences of a rule, and the decision on each of them together.

A rule is an RFC 5545 RRULE (daily or weekly, with BYDAY, INTERVAL, and COUNT or UNTIL) or
"every working day", which follows the official calendar: holidays are skipped and make-up
workdays (调休) included. Occurrences keep the first booking's local wall-clock times.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import islice
from zoneinfo import ZoneInfo

from dateutil.rrule import rrulestr

from app.domain.errors import DomainError
from app.domain.intervals import Interval
from app.domain.rules import Decision, Held, Request, ResourceRules, check_booking, minutes_by_week
from app.domain.workdays import DayEntry, is_workday

MAX_OCCURRENCES = 366
WORKDAYS = "WORKDAYS"
_FREQUENCIES = frozenset({"DAILY", "WEEKLY"})
_PARTS = frozenset({"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "WKST"})
_WEEKDAYS = frozenset({"MO", "TU", "WE", "TH", "FR", "SA", "SU"})


@dataclass(frozen=True)
class Recurrence:
    """A checked rule: `rrule` without DTSTART, or WORKDAYS with `until` or `count`."""

    rrule: str
    until: date | None = None
    count: int | None = None

    @property
    def every_workday(self) -> bool:
        return self.rrule == WORKDAYS

    def text(self) -> str:
        """How the series records its rule."""
        if not self.every_workday:
            return self.rrule
        return f"{WORKDAYS};UNTIL={self.until:%Y%m%d}" if self.until else f"{WORKDAYS};COUNT={self.count}"


def every_workday(*, until: date | None = None, count: int | None = None) -> Recurrence:
    if (until is None) == (count is None):
        raise DomainError("invalid_recurrence", field="until")
    if count is not None and not 1 <= count <= MAX_OCCURRENCES:
        raise DomainError("too_many_occurrences", field="count")
    return Recurrence(WORKDAYS, until=until, count=count)


def parse_rrule(text: str) -> Recurrence:
    """Check an RRULE's parts: only what a booking series needs, and always bounded."""
    body = text.strip().removeprefix("RRULE:").upper()
    parts: dict[str, str] = {}
    for piece in body.split(";"):
        name, sep, value = piece.partition("=")
        if not sep or not value or name not in _PARTS or name in parts:
            raise DomainError("invalid_recurrence", field="rrule")
        parts[name] = value
    if parts.get("FREQ") not in _FREQUENCIES:
        raise DomainError("invalid_recurrence", field="rrule")
    if ("COUNT" in parts) == ("UNTIL" in parts):
        raise DomainError("invalid_recurrence", field="rrule")  # bounded one way, never both
    if "BYDAY" in parts and not set(parts["BYDAY"].split(",")) <= _WEEKDAYS:
        raise DomainError("invalid_recurrence", field="rrule")
    for number in ("COUNT", "INTERVAL"):
        if number in parts and not (parts[number].isdigit() and 1 <= int(parts[number]) <= 10_000):
            raise DomainError("invalid_recurrence", field="rrule")
    if "COUNT" in parts and int(parts["COUNT"]) > MAX_OCCURRENCES:
        raise DomainError("too_many_occurrences", field="rrule")
    if "UNTIL" in parts:
        _until_day(parts["UNTIL"])
    return Recurrence(";".join(f"{k}={v}" for k, v in parts.items()))


def _until_day(value: str) -> tuple[date, time | None, bool]:
    """UNTIL as a date, or a date-time (local, or UTC with Z)."""
    try:
        if len(value) == 8:
            return datetime.strptime(value, "%Y%m%d").date(), None, False
        utc = value.endswith("Z")
        moment = datetime.strptime(value.removesuffix("Z"), "%Y%m%dT%H%M%S")
        return moment.date(), moment.time(), utc
    except ValueError:
        raise DomainError("invalid_recurrence", field="rrule") from None


def _with_utc_until(rule: str, zone: ZoneInfo) -> str:
    """dateutil wants UNTIL in UTC when DTSTART has a zone: a date means to the end of that local day."""
    parts = dict(piece.split("=", 1) for piece in rule.split(";"))
    if "UNTIL" in parts:
        day, clock, utc = _until_day(parts["UNTIL"])
        if not utc:
            local = datetime.combine(day, clock or time(23, 59, 59), tzinfo=zone)
            parts["UNTIL"] = local.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{k}={v}" for k, v in parts.items())


def occurrences(
    recurrence: Recurrence,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    calendar: Mapping[date, DayEntry],
) -> list[Interval]:
    """Each occurrence as [start, end), the first at `start`; DomainError("too_many_occurrences")
    past MAX_OCCURRENCES. `calendar` must cover the days the rule can reach (for WORKDAYS)."""
    local_start = start.astimezone(zone)
    wall_length = end.astimezone(zone).replace(tzinfo=None) - local_start.replace(tzinfo=None)
    if recurrence.every_workday:
        days = _workdays(local_start.date(), recurrence, calendar)
    else:
        rule = rrulestr(_with_utc_until(recurrence.rrule, zone), dtstart=local_start)
        days = [moment.date() for moment in islice(rule, MAX_OCCURRENCES + 1)]
    if len(days) > MAX_OCCURRENCES:
        raise DomainError("too_many_occurrences", field="rrule")
    clock = local_start.time()
    result = []
    for day in days:
        wall = datetime.combine(day, clock)
        first = wall.replace(tzinfo=zone).astimezone(start.tzinfo)
        last = (wall + wall_length).replace(tzinfo=zone).astimezone(start.tzinfo)
        result.append(Interval(first, last))
    return result


def _workdays(first: date, recurrence: Recurrence, calendar: Mapping[date, DayEntry]) -> list[date]:
    days: list[date] = []
    day = first
    stop = recurrence.until or first + timedelta(days=3 * MAX_OCCURRENCES)
    while day <= stop and len(days) <= MAX_OCCURRENCES:
        if is_workday(day, calendar):
            days.append(day)
            if recurrence.count is not None and len(days) == recurrence.count:
                break
        day += timedelta(days=1)
    return days


def last_day_reached(recurrence: Recurrence, first: date) -> date:
    """A day no occurrence goes beyond, for reading the calendar the rule needs."""
    if recurrence.until is not None:
        return recurrence.until
    if recurrence.every_workday:
        return first + timedelta(days=3 * MAX_OCCURRENCES)
    return first + timedelta(days=7 * 10_000)  # bounded again by MAX_OCCURRENCES when expanded


def decide_series(
    spans: Sequence[Interval],
    template: Request,
    rules: ResourceRules,
    held: Sequence[Held],
    now: datetime,
    week_minutes_used: Mapping[date, int],
) -> list[Decision]:
    """The decision on each occurrence in turn, as if the ones allowed before it were booked:
    they hold capacity and count against the week's quota like any other booking."""
    holding = sorted(held, key=lambda h: (h.start, h.end))
    starts = [h.start for h in holding]
    used = dict(week_minutes_used)
    buffer = timedelta(minutes=rules.policy.buffer_minutes)
    longest = max((h.end - h.start for h in holding), default=timedelta(0))
    longest = max(longest, max((s.end - s.start for s in spans), default=timedelta(0)))
    decisions = []
    for span in spans:
        # Only bookings that can come near this occurrence matter to it.
        nearby = holding[bisect_left(starts, span.start - buffer - longest) : bisect_left(starts, span.end + buffer)]
        request = Request(
            span.start, span.end, template.quantity, template.audiences, template.allowed_to_act, template.quota_key
        )
        decision = check_booking(request, rules, nearby, now, week_minutes_used=used)
        decisions.append(decision)
        if decision.allowed:
            booked = Held(span.start, span.end, template.quantity)
            position = bisect_left(starts, booked.start)
            starts.insert(position, booked.start)
            holding.insert(position, booked)
            for monday, minutes in minutes_by_week(span, rules.zone).items():
                used[monday] = used.get(monday, 0) + minutes * template.quantity
    return decisions
