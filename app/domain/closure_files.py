"""Closures from an uploaded .ics file: each event, or each occurrence of a repeating one, in a range becomes a span.

`parse_closure_ics` reads the events of the range [now, now + horizon) (two
years unless told otherwise): an event that overlaps it is kept whole, one that
ended before `now` or starts after the range is left out and counted. Repeating
events are expanded with recurring-ical-events within the range, without the
occurrences an EXDATE removes or a STATUS:CANCELLED cancels. Times are read in
the target's zone: an all-day event closes whole local days (DTEND excluded),
a floating time is wall-clock time there, and a Google export's X-WR-TIMEZONE
is honoured first. The reason is the event's SUMMARY (else the first line of
its DESCRIPTION). A file that cannot be read whole is refused with every
problem found and the line it is on (ClosureFileError), so that an import is
all or nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from icalendar import vBroken

from app.domain.ics_uploads import (
    CalendarFileError,
    FileProblem,
    Occurrence,
    Series,
    SourceEvent,
    broken_values,
    expand,
    group_events,
    property_text,
    read_events,
)

HORIZON = timedelta(days=730)
# A closure's own limits (app.access.services checks them again when it is stored).
MAX_CLOSURE_DAYS = 366
REASON_MAX = 200
# One file, one import: more than this is a mistake (a rule repeating every day for years) or belongs in access windows.
MAX_CLOSURES = 1000
MAX_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ClosureSpan:
    """A closure to be: [start, end) as aware datetimes in the target's zone, why, and where the file says so."""

    start: datetime
    end: datetime
    reason: str
    line: int | None
    all_day: bool


@dataclass(frozen=True)
class ClosureFile:
    """What a file holds for the range [start, stop): its closures, soonest first, and how many events lie outside."""

    spans: tuple[ClosureSpan, ...]
    start: datetime
    stop: datetime
    left_out: int


class ClosureFileError(CalendarFileError):
    code = "invalid_closure_file"


def parse_closure_ics(data: bytes, *, zone: ZoneInfo, now: datetime, horizon: timedelta = HORIZON) -> ClosureFile:
    """The closures an .ics file asks for in [now, now + horizon); raises ClosureFileError with every problem found."""
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    if len(data) > MAX_FILE_BYTES:
        raise ClosureFileError("file_too_big")
    try:
        events, problems = read_events(data, zone=zone)
    except CalendarFileError as refused:
        raise ClosureFileError(refused.code, problems=refused.problems) from None
    if not events and not problems:
        raise ClosureFileError("empty_file")
    start, stop = now.astimezone(zone), (now + horizon).astimezone(zone)
    singles, repeating = group_events(events)
    found: list[ClosureSpan] = []
    left_out = 0
    for event in singles:
        if event.cancelled:
            continue
        span = _single_span(event, zone)
        if isinstance(span, FileProblem):
            problems.append(span)
        elif span.end > start and span.start < stop:
            found.append(span)
        else:
            left_out += 1
    checked = []
    for series in repeating:
        if series.master.cancelled:
            continue
        series_problems = _series_problems(series, zone)
        problems.extend(series_problems)
        if not series_problems:
            checked.append(series)
    occurrences, expansion_problems = expand(checked, start, stop)
    problems.extend(expansion_problems)
    spans, occurrence_problems, quiet = _occurrence_spans(checked, occurrences, zone, start, stop)
    problems.extend(occurrence_problems)
    found.extend(spans)
    left_out += quiet
    if problems:
        raise ClosureFileError("file_has_problems", problems=sorted(problems, key=lambda p: (p.line or 0, p.code)))
    unique = sorted(
        {(s.start, s.end, s.reason): s for s in found}.values(), key=lambda s: (s.start, s.end, s.reason, s.line or 0)
    )
    if not unique:
        raise ClosureFileError("nothing_in_range")
    if len(unique) > MAX_CLOSURES:
        raise ClosureFileError("too_many_closures")
    return ClosureFile(tuple(unique), start, stop, left_out)


# --- one event ---------------------------------------------------------------


def _single_span(event: SourceEvent, zone: ZoneInfo) -> ClosureSpan | FileProblem:
    times = _times(event, zone)
    if isinstance(times, FileProblem):
        return times
    reason = _reason(event.summary, str(event.component.get("DESCRIPTION", "")))
    if not reason:
        return FileProblem(event.line, "missing_summary")
    start, end, all_day = times
    return ClosureSpan(start, end, reason, event.line, all_day)


def _times(event: SourceEvent, zone: ZoneInfo) -> tuple[datetime, datetime, bool] | FileProblem:
    """[start, end) of the event in the zone, and whether it is all-day; or what is wrong with them."""
    component = event.component
    if "DTSTART" not in component:
        return FileProblem(event.line, "missing_start", event.label)
    first = _moment(component["DTSTART"])
    if first is None:
        return FileProblem(event.line_of("DTSTART"), "invalid_date", property_text(component["DTSTART"]))
    last: date | datetime
    if "DTEND" in component:
        end_name = "DTEND"
        found = _moment(component["DTEND"])
        if found is None:
            return FileProblem(event.line_of("DTEND"), "invalid_date", property_text(component["DTEND"]))
        last = found
    elif "DURATION" in component:
        end_name = "DURATION"
        length = None if isinstance(component["DURATION"], vBroken) else getattr(component["DURATION"], "dt", None)
        if not isinstance(length, timedelta):
            return FileProblem(event.line_of("DURATION"), "invalid_duration", property_text(component["DURATION"]))
        if not isinstance(first, datetime) and (length.seconds or length.microseconds):
            first = _aware(first, zone)  # an all-day start with a duration in hours starts at midnight
        last = first + length
    elif isinstance(first, datetime):
        # RFC 5545 makes it end as it starts: no time at all to close.
        return FileProblem(event.line_of("DTSTART"), "missing_end", event.label)
    else:
        end_name, last = "DTSTART", first + timedelta(days=1)
    start, end = _aware(first, zone), _aware(last, zone)
    if end <= start:
        return FileProblem(event.line_of(end_name), "end_before_start", event.label)
    if end - start > timedelta(days=MAX_CLOSURE_DAYS):
        return FileProblem(event.line_of(end_name), "event_too_long", event.label)
    all_day = not isinstance(first, datetime) and not isinstance(last, datetime)
    return start, end, all_day


def _moment(value: object) -> date | datetime | None:
    moment = None if isinstance(value, vBroken) else getattr(value, "dt", None)
    return moment if isinstance(moment, date) else None


def _aware(moment: date | datetime, zone: ZoneInfo) -> datetime:
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time(), tzinfo=zone)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def _reason(summary: str, description: str) -> str:
    """The SUMMARY, else the DESCRIPTION's first line, on one line and cut to what a closure holds."""
    text = summary or next((line for line in description.splitlines() if line.strip()), "")
    return " ".join(text.split())[:REASON_MAX]


# --- repeating events --------------------------------------------------------


def _series_problems(series: Series, zone: ZoneInfo) -> list[FileProblem]:
    """What is wrong with a repeating event or its changed occurrences (a cancelled one needs only RECURRENCE-ID)."""
    problems = []
    for event in series.events:
        problems.extend(broken_values(event))
        if event.cancelled and event.changes_an_occurrence:
            continue
        times = _times(event, zone)
        if isinstance(times, FileProblem):
            problems.append(times)
        elif not _reason(event.summary, str(event.component.get("DESCRIPTION", ""))):
            problems.append(FileProblem(event.line, "missing_summary"))
    return problems


def _occurrence_spans(
    series: Sequence[Series], occurrences: Sequence[Occurrence], zone: ZoneInfo, start: datetime, stop: datetime
) -> tuple[list[ClosureSpan], list[FileProblem], int]:
    """The spans of the occurrences in [start, stop), the series with too many, and how many series have none there."""
    master_of = {event.line: one.master for one in series for event in one.events}
    spans = []
    per_series: Counter[int | None] = Counter()
    for occurrence in occurrences:
        first, last = _aware(occurrence.start, zone), _aware(occurrence.end, zone)
        if not (last > start and first < stop):
            continue
        master = master_of.get(occurrence.line)
        per_series[master.line if master is not None else occurrence.line] += 1
        all_day = not isinstance(occurrence.start, datetime) and not isinstance(occurrence.end, datetime)
        spans.append(
            ClosureSpan(first, last, _reason(occurrence.summary, occurrence.description), occurrence.line, all_day)
        )
    problems = [
        FileProblem(one.master.line_of("RRULE"), "too_many_occurrences", one.master.label)
        for one in series
        if per_series[one.master.line] > MAX_CLOSURES
    ]
    quiet = sum(1 for one in series if per_series[one.master.line] == 0)
    return spans, problems, quiet
