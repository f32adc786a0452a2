"""Official holiday arrangements from files: the holiday-cn style .ics and a plain CSV, read into days.

Both readers return one `ParsedDay` per date the file names, sorted by date, or
raise `HolidayFileError`: a whole-file refusal (`problems` empty) or every
problem found, each with the line it is on.

The .ics reader follows the holiday-cn convention: all-day VEVENTs
(``DTSTART;VALUE=DATE``) whose exclusive DTEND closes a span of days (no DTEND:
one day). A SUMMARY containing 上班 or 补班 makes those days make-up workdays;
any other marks them holidays. Names are tidied so an import reads like the
package's: markers are dropped ("国庆节假期" and "元旦（休）" become "国庆节" and
"元旦"), and a make-up workday is named after its holiday with 调休 appended
("上班(补国庆节假期)" and "国庆节 补班" both become "国庆节调休"). Timed events
are refused: an official arrangement is whole days. Repeating events are
expanded with recurring-ical-events, cancelled occurrences left out, and a
Google-style X-WR-TIMEZONE is repaired first (app.domain.ics_uploads).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from icalendar import Component, vBroken

from app.domain.ics_uploads import (
    CalendarFileError,
    FileProblem,
    Series,
    SourceEvent,
    broken_values,
    expand,
    group_events,
    property_text,
    read_events,
)

# The longest span one event may cover: the longest official holiday is 8 days;
# a longer one is a mistake in the file (or a whole-year "event").
MAX_EVENT_DAYS = 31
# A year has at most some 40 exceptions; a file may cover many years.
MAX_DAYS = 5000
NAME_MAX = 100
# A repeating event with an end is expanded wholly, within these years; an endless one over this many years.
EARLIEST_YEAR, LATEST_YEAR = 1900, 2199
ENDLESS_YEARS = 2

WORKDAY_MARKERS = ("上班", "补班")
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是", "上班", "班", "workday"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否", "休息", "休", "rest"})
HEADERS = {
    "date": "date",
    "日期": "date",
    "workday": "workday",
    "上班": "workday",
    "是否上班": "workday",
    "工作日": "workday",
    "name": "name",
    "名称": "name",
}
REQUIRED_COLUMNS = ("date", "workday")


@dataclass(frozen=True)
class ParsedDay:
    day: date
    workday: bool
    name: str


class HolidayFileError(CalendarFileError):
    """The file cannot be imported. `problems` lists each problem found (empty when the file as a whole is refused)."""

    code = "invalid_holiday_file"


__all__ = [
    "FileProblem",  # defined with the .ics reading both importers share; callers take it from here
    "HolidayFileError",
    "ParsedDay",
    "decode_text",
    "parse_csv_date",
    "parse_holiday_csv",
    "parse_holiday_ics",
    "parse_workday",
    "tidy_name",
]


# --- .ics --------------------------------------------------------------------


def parse_holiday_ics(data: bytes, *, today: date | None = None) -> list[ParsedDay]:
    """The days of a holiday-cn style calendar; raises HolidayFileError with every problem found.

    A repeating event is expanded: wholly when its rules end (COUNT or UNTIL);
    an endless one over the years the rest of the file covers, or, when it
    covers none, over `today`'s year and the next (without `today`, from the
    year the event starts), since importing a year replaces that year's import.
    """
    try:
        events, problems = read_events(data)
    except CalendarFileError as refused:
        raise HolidayFileError(refused.code, problems=refused.problems) from None
    singles, repeating = group_events(events)
    found: list[tuple[int, ParsedDay]] = []
    for event in singles:
        line = event.line or 0
        days, event_problems = _event_days(event.component, line)
        problems.extend(event_problems)
        found.extend((line, day) for day in days)
    ending: list[Series] = []
    endless: list[Series] = []
    for series in repeating:
        if series.master.cancelled:
            continue
        series_problems = [problem for event in series.events for problem in _series_event_problems(event)]
        problems.extend(series_problems)
        if not series_problems:
            (endless if series.open_ended else ending).append(series)
    if ending:
        found.extend(_expanded_days(ending, (EARLIEST_YEAR, LATEST_YEAR), problems))
    if endless:
        covered = sorted({day.day.year for _line, day in found})
        if covered:
            years = (covered[0], covered[-1])
        else:
            first = today.year if today is not None else min(_start_year(series) for series in endless)
            years = (first, first + ENDLESS_YEARS - 1)
        found.extend(_expanded_days(endless, years, problems))
    return _finish(found, problems)


def _series_event_problems(event: SourceEvent) -> list[FileProblem]:
    """A repeating event, or a changed occurrence, must be whole days like any other (a cancelled one needs no days)."""
    problems = broken_values(event)
    if not (event.cancelled and event.changes_an_occurrence):
        problems.extend(_event_days(event.component, event.line or 0)[1])
    return problems


def _start_year(series: Series) -> int:
    start = getattr(series.master.component.get("DTSTART"), "dt", None)
    return start.year if isinstance(start, date) else EARLIEST_YEAR


def _expanded_days(
    series: list[Series], years: tuple[int, int], problems: list[FileProblem]
) -> list[tuple[int, ParsedDay]]:
    """The days of the occurrences in the years (first and last included); adds the problems met to `problems`."""
    start = datetime(years[0], 1, 1, tzinfo=UTC)
    stop = datetime(years[1] + 1, 1, 1, tzinfo=UTC)
    occurrences, expansion_problems = expand(series, start, stop)
    problems.extend(expansion_problems)
    found: list[tuple[int, ParsedDay]] = []
    for occurrence in occurrences:
        first, last = occurrence.start, occurrence.end
        if isinstance(first, datetime) or isinstance(last, datetime):
            continue  # every event was checked to be whole days: nothing else is a holiday
        workday = any(marker in occurrence.summary for marker in WORKDAY_MARKERS)
        name = tidy_name(occurrence.summary, workday=workday)
        line = occurrence.line or 0
        found.extend(
            (line, ParsedDay(first + timedelta(days=n), workday, name))
            for n in range((last - first).days)
            if years[0] <= (first + timedelta(days=n)).year <= years[1]
        )
    return found


def _whole_day(value: object) -> date | None:
    """The date of a DATE property; None for a date-time (a timed event) or a broken value."""
    moment = getattr(value, "dt", None)
    if isinstance(moment, datetime) or not isinstance(moment, date):
        return None
    return moment


def _is_broken(value: object) -> bool:
    """A value icalendar could not read (it keeps it as vBroken rather than failing the file)."""
    return isinstance(value, vBroken)


def _event_days(event: Component, line: int) -> tuple[list[ParsedDay], list[FileProblem]]:
    """The days of one event (for a repeating one: of its first occurrence), or its problems."""
    summary = str(event.get("SUMMARY", "")).strip()
    label = summary or "VEVENT"
    if str(event.get("STATUS", "")).upper() == "CANCELLED":
        return [], []
    if "DTSTART" not in event:
        return [], [FileProblem(line, "missing_start", label)]
    if _is_broken(event["DTSTART"]):
        return [], [FileProblem(line, "invalid_date", property_text(event["DTSTART"]))]
    start = _whole_day(event["DTSTART"])
    if start is None:
        return [], [FileProblem(line, "timed_event", label)]
    end: date | None
    if "DTEND" in event:
        if _is_broken(event["DTEND"]):
            return [], [FileProblem(line, "invalid_date", property_text(event["DTEND"]))]
        end = _whole_day(event["DTEND"])
        if end is None:
            return [], [FileProblem(line, "timed_event", label)]
    elif "DURATION" in event:
        length = None if _is_broken(event["DURATION"]) else getattr(event["DURATION"], "dt", None)
        if not isinstance(length, timedelta) or length.seconds or length.microseconds:
            return [], [FileProblem(line, "invalid_duration", property_text(event["DURATION"]))]
        end = start + length
    else:
        end = start + timedelta(days=1)
    if end <= start:
        return [], [FileProblem(line, "end_before_start", label)]
    if (end - start).days > MAX_EVENT_DAYS:
        return [], [FileProblem(line, "event_too_long", label)]
    workday = any(marker in summary for marker in WORKDAY_MARKERS)
    name = tidy_name(summary, workday=workday)
    return [ParsedDay(start + timedelta(days=n), workday, name) for n in range((end - start).days)], []


_BRACKETS = str.maketrans({"（": "(", "）": ")", "【": "[", "】": "]", "［": "[", "］": "]"})


def tidy_name(summary: str, *, workday: bool) -> str:
    """The day's name from an event's SUMMARY, markers dropped; a make-up workday is named "<holiday>调休".

    >>> tidy_name("国庆节假期", workday=False), tidy_name("上班(补国庆节假期)", workday=True)
    ('国庆节', '国庆节调休')
    """
    name = summary.translate(_BRACKETS)
    for marker in (*WORKDAY_MARKERS, "调休", "放假", "休息"):
        name = name.replace(marker, " ")
    name = re.sub(r"[(\[]\s*(?:休|班|补)?\s*[)\]]", " ", name)  # "(休)", "[班]", "()" left by a marker
    name = re.sub(r"[()\[\]]", " ", name)
    name = " ".join(name.split())
    name = re.sub(r"^补\s*", "", name)
    name = re.sub(r"(?:\s*(?:假期|假日|休|班))+$", "", name)
    name = name.strip(" -—·:：,，")
    if workday:
        name = f"{name}调休" if name else "调休"
    return name[:NAME_MAX]


# --- CSV ---------------------------------------------------------------------


def decode_text(data: bytes) -> str:
    """The text of an uploaded file: UTF-8 (with or without BOM) or GB18030, as Excel saves CSV in China."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise HolidayFileError("spreadsheet_not_csv")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        # GB18030 decodes most bytes into something: control characters give a binary file away.
        if not any(unicodedata.category(char) == "Cc" and char not in "\t\r\n" for char in text):
            return text
    raise HolidayFileError("not_text")


def parse_holiday_csv(text: str) -> list[ParsedDay]:
    """The days of a CSV with the columns date, workday and name (or 日期, 上班, 名称), in any order.

    Dates are YYYY-MM-DD (also YYYY/M/D and YYYYMMDD); workday is one of
    true/false, 1/0, yes/no, 是/否, 上班/休息; name may be blank. Blank lines
    and unknown columns are passed over. Raises HolidayFileError listing every
    bad row by its line number.
    """
    try:
        records = list(_numbered_rows(text.removeprefix("\ufeff")))
    except csv.Error:
        raise HolidayFileError("not_csv") from None
    records = [(number, row) for number, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise HolidayFileError("empty_file")
    header_line, header = records[0]
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        key = HEADERS.get(cell.strip().lower())
        if key is not None and key not in columns:
            columns[key] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise HolidayFileError(
            "missing_columns", problems=[FileProblem(header_line, "missing_column", name) for name in missing]
        )
    problems: list[FileProblem] = []
    found: list[tuple[int, ParsedDay]] = []
    for number, row in records[1:]:
        values = {key: row[index].strip() if index < len(row) else "" for key, index in columns.items()}
        day = parse_csv_date(values["date"])
        workday = parse_workday(values["workday"])
        name = values.get("name", "")
        row_problems: list[FileProblem] = []
        if day is None:
            row_problems.append(FileProblem(number, "invalid_date", values["date"]))
        if workday is None:
            row_problems.append(FileProblem(number, "invalid_workday", values["workday"]))
        if len(name) > NAME_MAX:
            row_problems.append(FileProblem(number, "name_too_long", name[:20] + "…"))
        if row_problems or day is None or workday is None:
            problems.extend(row_problems)
            continue
        found.append((number, ParsedDay(day, workday, name)))
    return _finish(found, problems)


def _numbered_rows(text: str) -> Iterable[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    for row in reader:
        yield start, row
        start = reader.line_num + 1


def parse_csv_date(value: str) -> date | None:
    match = re.fullmatch(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", value) or re.fullmatch(r"(\d{4})(\d{2})(\d{2})", value)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def parse_workday(value: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


# --- both --------------------------------------------------------------------


def _finish(found: list[tuple[int, ParsedDay]], problems: list[FileProblem]) -> list[ParsedDay]:
    """Merge the days found: a date named twice must say the same (the first name counts)."""
    chosen: dict[date, tuple[int, ParsedDay]] = {}
    for line, parsed in found:
        first = chosen.get(parsed.day)
        if first is None:
            chosen[parsed.day] = (line, parsed)
        elif first[1].workday != parsed.workday:
            problems.append(FileProblem(line, "conflicting_day", parsed.day.isoformat()))
    if problems:
        raise HolidayFileError("file_has_problems", problems=sorted(problems, key=lambda p: (p.line or 0, p.code)))
    if not chosen:
        raise HolidayFileError("empty_file")
    if len(chosen) > MAX_DAYS:
        raise HolidayFileError("too_many_days")
    return [parsed for _line, parsed in sorted(chosen.values(), key=lambda item: item[1].day)]
