"""Reading an uploaded .ics file: its events with the lines they are on, times repaired, repeats expanded in a range.

Shared by the workday calendar's import (app.domain.holiday_files) and the
closures' (app.domain.closure_files). `read_events` parses the file with
icalendar, brings Google-style ``X-WR-TIMEZONE`` calendars into RFC 5545 form
with x-wr-timezone and, when given a zone, puts floating times in it.
`group_events` sets one-off events apart from repeating ones (a master with
RRULE or RDATE and the changed occurrences sharing its UID), and `expand` lists
a repeating event's occurrences in a range with recurring-ical-events, dropping
cancelled ones (EXDATE, and STATUS:CANCELLED on the series or on a changed
occurrence: the library keeps those, so they are filtered here).
"""

from __future__ import annotations

import re
import time as clock
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import recurring_ical_events  # type: ignore[import-untyped]
import x_wr_timezone  # type: ignore[import-untyped]
from dateutil.rrule import rrulestr
from icalendar import Calendar, Component, vBroken

from app.domain.errors import DomainError

# The rule steps one file may ask for, from each repeating event's first start to the end of the range:
# a daily rule begun in 1900 fits, an hourly one begun in 1990 does not.
MAX_RULE_STEPS = 50_000
# A rule that can never match (FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30) makes dateutil search up to the year 9999, some
# seconds of work that no step count sees; past this much time, the remaining repeating events are not worked out.
MAX_EXPANSION_SECONDS = 2.0
# Where each occurrence came from, carried on the copies the recurrence engine makes.
LINE_PROPERTY = "X-LINLI-SOURCE-LINE"
TIME_PROPERTIES = ("DTSTART", "DTEND", "RECURRENCE-ID", "EXDATE", "RDATE")

_NAME = re.compile(r"[A-Za-z0-9-]+")
_UNTIL_IN_UTC = re.compile(r"(UNTIL=\d{8}(?:T\d{6})?)Z")
_NEGATIVE_COUNT = re.compile(r"COUNT=-\d+;?")


@dataclass(frozen=True)
class FileProblem:
    """One problem in a file: the line it is on (None: the file as a whole), a stable code, the value at fault."""

    line: int | None
    code: str
    value: str = ""


class CalendarFileError(DomainError):
    """The file cannot be imported. `problems` lists each problem found (empty when the file as a whole is refused)."""

    code = "invalid_calendar_file"

    def __init__(self, code: str | None = None, *, problems: Iterable[FileProblem] = (), detail: str = "") -> None:
        super().__init__(code, field="file", detail=detail)
        self.problems = tuple(problems)


@dataclass(frozen=True)
class SourceEvent:
    """A VEVENT of the file: the line of its BEGIN (None when it cannot be told) and of each of its properties."""

    component: Component
    line: int | None
    property_lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, name: str) -> int | None:
        """The line of the property (its first line, when folded), else the event's."""
        return self.property_lines.get(name, self.line)

    @property
    def summary(self) -> str:
        return " ".join(str(self.component.get("SUMMARY", "")).split())

    @property
    def label(self) -> str:
        """How a problem names the event: its title, or VEVENT."""
        return self.summary or "VEVENT"

    @property
    def uid(self) -> str | None:
        uid = self.component.get("UID")
        return str(uid) if uid is not None else None

    @property
    def cancelled(self) -> bool:
        return str(self.component.get("STATUS", "")).upper() == "CANCELLED"

    @property
    def repeats(self) -> bool:
        return "RECURRENCE-ID" not in self.component and ("RRULE" in self.component or "RDATE" in self.component)

    @property
    def changes_an_occurrence(self) -> bool:
        return "RECURRENCE-ID" in self.component

    @property
    def open_ended(self) -> bool:
        """A rule with neither COUNT nor UNTIL: it repeats for ever."""
        return any(
            isinstance(rule, dict) and "COUNT" not in rule and "UNTIL" not in rule
            for rule in as_list(self.component.get("RRULE"))
        )


@dataclass(frozen=True)
class Series:
    """A repeating event and the changed occurrences that share its UID, in file order."""

    events: tuple[SourceEvent, ...]

    @property
    def master(self) -> SourceEvent:
        return next(event for event in self.events if event.repeats)

    @property
    def open_ended(self) -> bool:
        return any(event.open_ended for event in self.events if event.repeats)


@dataclass(frozen=True)
class Occurrence:
    """One occurrence of a repeating event, as the file's times give it (dates for all-day events)."""

    line: int | None  # where its event (or its changed occurrence) begins in the file
    start: date | datetime
    end: date | datetime
    summary: str
    description: str


# --- reading -----------------------------------------------------------------


def read_events(data: bytes, *, zone: tzinfo | None = None) -> tuple[list[SourceEvent], list[FileProblem]]:
    """The file's VEVENTs in file order, with the problems of their time zones.

    X-WR-TIMEZONE is applied first (Google writes times in UTC or floating and
    names the calendar's zone there); then floating times are put in `zone`, if
    given. An event naming a TZID that neither the file nor the tz database
    defines is left out and reported. Raises CalendarFileError for a file that
    is no calendar.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CalendarFileError("not_a_calendar") from None
    if text.lstrip().upper().startswith("BEGIN:VCALENDAR") and "END:VCALENDAR" not in text.upper():
        raise CalendarFileError("incomplete_calendar")
    try:
        calendar = Calendar.from_ical(text)
    except (ValueError, IndexError, KeyError):
        raise CalendarFileError("not_a_calendar") from None
    if not isinstance(calendar, Calendar) or calendar.name != "VCALENDAR":
        raise CalendarFileError("not_a_calendar")
    calendar_lines, places = _scan(text)
    problems: list[FileProblem] = []
    # icalendar reads a time whose TZID it cannot resolve as floating: find those before floating times get a zone.
    unknown = {index: found for index, event in enumerate(_vevents(calendar)) if (found := _unknown_tzid(event))}
    if "X-WR-TIMEZONE" in calendar:
        name = str(calendar["X-WR-TIMEZONE"]).strip()
        try:
            calendar = x_wr_timezone.to_standard(calendar, timezone=ZoneInfo(name))
        except (ValueError, KeyError):  # ZoneInfoNotFoundError is a KeyError
            problem = FileProblem(calendar_lines.get("X-WR-TIMEZONE"), "unknown_timezone", name)
            raise CalendarFileError("file_has_problems", problems=[problem]) from None
    if zone is not None:
        calendar = _FloatingTimes(zone).walk(calendar)
    events = []
    for index, component in enumerate(_vevents(calendar)):
        line, properties = places[index] if index < len(places) else (None, {})
        event = SourceEvent(component, line, properties)
        if index in unknown:
            name, tzid = unknown[index]
            problems.append(FileProblem(event.line_of(name), "unknown_timezone", tzid))
            continue
        events.append(event)
    return events, problems


def _vevents(calendar: Component) -> list[Component]:
    return [component for component in calendar.subcomponents if component.name == "VEVENT"]


def _scan(text: str) -> tuple[dict[str, int], list[tuple[int, dict[str, int]]]]:
    """Where things are, as icalendar keeps no line numbers: the calendar's properties, and each top-level
    VEVENT's BEGIN line and properties (first line of each), in file order."""
    calendar_lines: dict[str, int] = {}
    events: list[tuple[int, dict[str, int]]] = []
    stack: list[str] = []
    for number, raw in enumerate(re.split(r"\r\n|\n|\r", text), start=1):
        if not raw.strip() or raw[0] in " \t":  # a folded line continues the one before
            continue
        match = _NAME.match(raw.strip())
        if match is None:
            continue
        name, rest = match.group().upper(), raw.strip()[match.end() :]
        if name in ("BEGIN", "END") and rest.startswith(":"):
            if name == "END":
                if stack:
                    stack.pop()
                continue
            stack.append(rest[1:].strip().upper())
            if stack == ["VCALENDAR", "VEVENT"]:
                events.append((number, {}))
        elif len(stack) == 1:
            calendar_lines.setdefault(name, number)
        elif stack == ["VCALENDAR", "VEVENT"] and events:
            events[-1][1].setdefault(name, number)
    return calendar_lines, events


def as_list(value: object) -> list[object]:
    """A property's values: icalendar gives a list when the property is repeated, else the one value."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _moments(value: object) -> list[object]:
    """The dates or date-times of a property value (one, or a list as EXDATE and RDATE hold)."""
    moments: list[object] = []
    for item in as_list(value):
        dts = getattr(item, "dts", None)
        if dts is not None:
            moments.extend(getattr(one, "dt", None) for one in dts)
        else:
            moments.append(getattr(item, "dt", None))
    return moments


def _unknown_tzid(event: Component) -> tuple[str, str] | None:
    """(property, TZID) of the first time that names a zone icalendar could not find, if any."""
    for name in TIME_PROPERTIES:
        for item in as_list(event.get(name)):
            tzid = getattr(item, "params", {}).get("TZID")
            if tzid and any(isinstance(m, datetime) and m.tzinfo is None for m in _moments(item)):
                return name, str(tzid)
    return None


class _FloatingTimes(x_wr_timezone.CalendarWalker):  # type: ignore[misc]
    """Puts floating date-times in a zone and leaves every other value as it is (x-wr-timezone's walker)."""

    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone

    def walk_value_datetime(self, dt: datetime) -> datetime:
        return dt.replace(tzinfo=self.zone) if dt.tzinfo is None else dt


# --- grouping ----------------------------------------------------------------


def group_events(events: Sequence[SourceEvent]) -> tuple[list[SourceEvent], list[Series]]:
    """One-off events, and the repeating ones with their changed occurrences (by UID), each in file order.

    A changed occurrence whose series is not in the file stands on its own, as a one-off event.
    """
    repeating: dict[str, list[SourceEvent]] = {}
    for index, event in enumerate(events):
        if event.repeats:
            # Without a UID nothing can refer to the event: it is a series of its own.
            repeating.setdefault(event.uid if event.uid is not None else f"\x00{index}", []).append(event)
    singles = []
    for event in events:
        if event.changes_an_occurrence and event.uid in repeating:
            repeating[event.uid].append(event)
        elif not event.repeats:
            singles.append(event)
    series = [Series(tuple(sorted(members, key=lambda e: e.line or 0))) for members in repeating.values()]
    return singles, sorted(series, key=lambda s: s.master.line or 0)


def broken_values(event: SourceEvent) -> list[FileProblem]:
    """The repeat properties of an event that icalendar could not read: a rule, or a date of EXDATE, RDATE or
    RECURRENCE-ID (a one-off event's DTSTART, DTEND and DURATION are the reader's to check)."""
    problems = []
    for name, code in (("RRULE", "invalid_rule"), ("EXDATE", "invalid_date"), ("RDATE", "invalid_date")):
        for value in as_list(event.component.get(name)):
            if isinstance(value, vBroken):
                problems.append(FileProblem(event.line_of(name), code, property_text(value)))
    recurrence_id = event.component.get("RECURRENCE-ID")
    if recurrence_id is not None and not isinstance(getattr(recurrence_id, "dt", None), date):
        problems.append(FileProblem(event.line_of("RECURRENCE-ID"), "invalid_date", property_text(recurrence_id)))
    return problems


# --- expanding ---------------------------------------------------------------


def expand(series: Sequence[Series], start: datetime, stop: datetime) -> tuple[list[Occurrence], list[FileProblem]]:
    """The occurrences of each series that overlap [start, stop) (aware datetimes), cancelled ones left out.

    The events must have been checked by the reader (a DTSTART, an end after
    it). A rule that would take more than MAX_RULE_STEPS steps, all rules
    together, to reach `stop` is reported as too_many_occurrences rather than
    worked out; a broken rule as invalid_rule.
    """
    occurrences: list[Occurrence] = []
    problems: list[FileProblem] = []
    budget = MAX_RULE_STEPS
    began = clock.monotonic()
    for one in series:
        master = one.master
        if master.cancelled:
            continue
        if clock.monotonic() - began > MAX_EXPANSION_SECONDS:
            problems.append(FileProblem(master.line_of("RRULE"), "too_complex", master.label))
            break
        unreadable = FileProblem(master.line_of("RRULE"), "invalid_rule", property_text(master.component.get("RRULE")))
        try:
            steps = _rule_steps(master.component, stop, budget)
        except (ValueError, TypeError, OverflowError):
            problems.append(unreadable)
            continue
        if steps is None:
            problems.append(FileProblem(master.line_of("RRULE"), "too_many_occurrences", master.label))
            continue
        if clock.monotonic() - began > MAX_EXPANSION_SECONDS:
            # Counting alone took this long: the engine would take as long again.
            problems.append(FileProblem(master.line_of("RRULE"), "too_complex", master.label))
            break
        budget -= steps
        try:
            found = recurring_ical_events.of(_calendar_of(one)).between(start, stop)
        except (ValueError, TypeError, OverflowError):  # InvalidCalendar and BadRuleStringFormat are ValueErrors
            problems.append(unreadable)
            continue
        for component in found:
            if str(component.get("STATUS", "")).upper() == "CANCELLED":
                continue
            occurrences.append(
                Occurrence(
                    line=int(str(component[LINE_PROPERTY])) or None,
                    start=component["DTSTART"].dt,
                    end=component["DTEND"].dt,
                    summary=" ".join(str(component.get("SUMMARY", "")).split()),
                    description=str(component.get("DESCRIPTION", "")).strip(),
                )
            )
    return occurrences, problems


def _calendar_of(series: Series) -> Calendar:
    calendar = Calendar()
    for event in series.events:
        copy = event.component.copy()
        copy.add(LINE_PROPERTY, str(event.line or 0))
        if "DTSTART" not in copy and event.cancelled:
            # A cancelled occurrence needs no times of its own; the engine wants a start to match it by.
            copy.add("DTSTART", getattr(event.component["RECURRENCE-ID"], "dt", None))
        calendar.add_component(copy)
    return calendar


def _rule_steps(event: Component, stop: datetime, budget: int) -> int | None:
    """How many times the event's rules fire from its start until `stop`; None when more than `budget`.

    Counted with dateutil on wall-clock times, as an upper bound of the work the
    recurrence engine will do. Raises ValueError for a rule dateutil refuses.
    """
    first = getattr(event["DTSTART"], "dt", None)
    if not isinstance(first, date):
        raise ValueError("no start to repeat from")
    begin = first if isinstance(first, datetime) else datetime.combine(first, time())
    end = (stop.astimezone(begin.tzinfo) if begin.tzinfo is not None else stop).replace(tzinfo=None)
    end += timedelta(days=1)
    begin = begin.replace(tzinfo=None)
    # DTSTART is the first occurrence whether or not the rule matches it; RDATEs are counted whatever their date.
    steps = len(_moments(event.get("RDATE"))) + (1 if begin < end else 0)
    for rule in as_list(event.get("RRULE")):
        if isinstance(rule, vBroken):
            raise ValueError(str(rule))
        text = _UNTIL_IN_UTC.sub(r"\1", property_text(rule))
        for moment in rrulestr(_NEGATIVE_COUNT.sub("", text), dtstart=begin):
            if moment >= end:
                break
            steps += 1
            if steps > budget:
                return None
    return steps


def property_text(value: object) -> str:
    """A property's text as the file wrote it."""
    if isinstance(value, list):
        return ", ".join(property_text(item) for item in value)
    raw = value.to_ical() if hasattr(value, "to_ical") else value
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw or "")
