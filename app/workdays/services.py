"""The official workday calendar: seeded from chinesecalendar, imported, overridden, read as effective days.

Flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.services import record
from app.domain.holiday_files import ParsedDay
from app.domain.workdays import DayEntry, DaySource, effective_days
from app.extensions import db
from app.workdays.models import CalendarDay

# Each day has its own audit trail; its subject id is the date as YYYYMMDD (20261001),
# stable whichever source's row comes and goes.
AUDIT_SUBJECT = "calendar_day"

# chinesecalendar names its holidays in English; people here read them in Chinese.
HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
}


def package_days() -> dict[date, tuple[bool, str]]:
    """Holidays and make-up workdays (调休) the chinesecalendar package knows (2004–2026 in 1.11)."""
    from chinese_calendar import constants

    days: dict[date, tuple[bool, str]] = {}
    for day, name in constants.holidays.items():
        days[day] = (False, HOLIDAY_NAMES.get(str(name), str(name)))
    for day, name in constants.workdays.items():
        days[day] = (True, HOLIDAY_NAMES.get(str(name), str(name)) + "调休")
    return days


def seed_from_package(*, now: datetime) -> tuple[int, int]:
    """Store the package's days as the `package` source; idempotent. Returns (created, updated)."""
    existing = {
        row.day: row
        for row in db.session.scalars(select(CalendarDay).where(CalendarDay.source == DaySource.PACKAGE.value))
    }
    created = updated = 0
    for day, (workday, name) in sorted(package_days().items()):
        row = existing.get(day)
        if row is None:
            db.session.add(
                CalendarDay(day=day, workday=workday, name=name, source=DaySource.PACKAGE.value, updated_at=now)
            )
            created += 1
        elif (row.workday, row.name) != (workday, name):
            row.workday, row.name, row.updated_at = workday, name, now
            updated += 1
    db.session.flush()
    return created, updated


def calendar_between(first: date, last: date) -> dict[date, DayEntry]:
    """The effective exceptions to Monday–Friday between two dates (manual > import > package)."""
    rows = db.session.scalars(select(CalendarDay).where(CalendarDay.day >= first, CalendarDay.day <= last))
    return effective_days(DayEntry(r.day, r.workday, r.name, DaySource(r.source)) for r in rows)


def days_without_official_data(today: date, *, ahead: int = 60) -> list[date]:
    """Days in the next `ahead` whose year has no official arrangement (from the package or an
    import); Monday–Friday is assumed there. A manual override alone does not cover a year."""
    covered = years_with_official_data()
    return [today + timedelta(days=n) for n in range(ahead + 1) if (today + timedelta(days=n)).year not in covered]


def audit_subject_id(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def years_with_official_data() -> set[int]:
    """The years for which the package or an import holds the official arrangement."""
    official = [DaySource.PACKAGE.value, DaySource.IMPORT.value]
    years = select(func.distinct(func.extract("year", CalendarDay.day))).where(CalendarDay.source.in_(official))
    return {int(year) for year in db.session.scalars(years) if year is not None}


# --- reading -----------------------------------------------------------------


@dataclass(frozen=True)
class DayView:
    """One day as the calendar has it: its source is None where Monday–Friday is simply assumed."""

    day: date
    workday: bool
    name: str = ""
    source: DaySource | None = None

    @property
    def differs_from_week(self) -> bool:
        """A holiday on a weekday or a make-up workday at the weekend."""
        return self.workday != (self.day.weekday() < 5)


def day_view(day: date, exceptions: dict[date, DayEntry]) -> DayView:
    entry = exceptions.get(day)
    if entry is None:
        return DayView(day, day.weekday() < 5)
    return DayView(day, entry.workday, entry.name, entry.source)


@dataclass(frozen=True)
class YearView:
    year: int
    days: list[DayView]
    has_official_data: bool

    @property
    def exceptions(self) -> list[DayView]:
        """The days some source has a word on (a weekday holiday, a weekend workday, an override)."""
        return [day for day in self.days if day.source is not None]


def year_view(year: int) -> YearView:
    """Every day of a year with its effective workday, name and source, and whether the year is official."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    exceptions = calendar_between(first, last)
    days = [day_view(first + timedelta(days=n), exceptions) for n in range((last - first).days + 1)]
    return YearView(year, days, year in years_with_official_data())


def get_day_sources(day: date) -> dict[DaySource, DayEntry]:
    """What each source says about one day."""
    rows = db.session.scalars(select(CalendarDay).where(CalendarDay.day == day))
    return {DaySource(r.source): DayEntry(r.day, r.workday, r.name, DaySource(r.source)) for r in rows}


def _audit_view(entry: DayEntry | DayView | None) -> dict[str, Any]:
    if entry is None:
        return {"workday": None, "name": None}
    return {"workday": entry.workday, "name": entry.name}


def _changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {key: [before[key], after[key]] for key in after if before[key] != after[key]}


# --- manual overrides --------------------------------------------------------


def _manual_row(day: date) -> CalendarDay | None:
    return db.session.scalar(
        select(CalendarDay).where(CalendarDay.day == day, CalendarDay.source == DaySource.MANUAL.value)
    )


def set_manual_day(day: date, workday: bool, name: str, *, actor: User | None, now: datetime) -> CalendarDay:
    """Override a day as a workday or a rest day; it beats any import and the package."""
    name = name.strip()[:100]
    row = _manual_row(day)
    before = _audit_view(None if row is None else DayEntry(row.day, row.workday, row.name, DaySource.MANUAL))
    if row is None:
        row = CalendarDay(day=day, source=DaySource.MANUAL.value)
        db.session.add(row)
    row.workday, row.name, row.updated_at = workday, name, now
    row.updated_by_id = actor.id if actor is not None else None
    db.session.flush()
    changes = _changes(before, {"workday": workday, "name": name})
    if changes:
        record(AUDIT_SUBJECT, audit_subject_id(day), "override_set", actor=actor, changes=changes, now=now)
    return row


def clear_manual_day(day: date, *, actor: User | None, now: datetime) -> bool:
    """Remove a day's override, so an import's or the package's word (or Monday–Friday) applies again.

    Returns whether there was one.
    """
    row = _manual_row(day)
    if row is None:
        return False
    before = _audit_view(DayEntry(row.day, row.workday, row.name, DaySource.MANUAL))
    db.session.delete(row)
    db.session.flush()
    changes = _changes(before, _audit_view(None))
    record(AUDIT_SUBJECT, audit_subject_id(day), "override_cleared", actor=actor, changes=changes, now=now)
    return True


# --- imports -----------------------------------------------------------------
#
# An imported file is the official arrangement of every year it names: importing
# it replaces that year's earlier import, so a day the new file no longer lists
# (a holiday the State Council moved) loses its imported word. Years the file
# does not touch keep theirs. Importing the same file again changes nothing.


@dataclass(frozen=True)
class ImportRow:
    """One day an import touches: how the calendar has it now and after the import."""

    day: date
    current: DayView
    new: DayView
    in_file: bool  # False: an earlier import's day that this file drops

    @property
    def changes(self) -> bool:
        return (self.current.workday, self.current.name) != (self.new.workday, self.new.name)

    @property
    def kept_by_override(self) -> bool:
        return self.new.source is DaySource.MANUAL


def _years(days: Sequence[ParsedDay]) -> set[int]:
    return {parsed.day.year for parsed in days}


def _rows_in_years(years: set[int]) -> list[CalendarDay]:
    if not years:
        return []
    rows = db.session.scalars(
        select(CalendarDay).where(
            CalendarDay.day >= date(min(years), 1, 1), CalendarDay.day <= date(max(years), 12, 31)
        )
    )
    return [row for row in rows if row.day.year in years]


def preview_import(days: Sequence[ParsedDay]) -> list[ImportRow]:
    """What importing these days would do, day by day, in date order; writes nothing."""
    years = _years(days)
    rows = _rows_in_years(years)
    entries = [DayEntry(r.day, r.workday, r.name, DaySource(r.source)) for r in rows]
    kept = [e for e in entries if e.source is not DaySource.IMPORT]
    incoming = [DayEntry(p.day, p.workday, p.name, DaySource.IMPORT) for p in days]
    current, after = effective_days(entries), effective_days(kept + incoming)
    in_file = {p.day for p in days}
    dropped = {e.day for e in entries if e.source is DaySource.IMPORT} - in_file
    return [
        ImportRow(day, day_view(day, current), day_view(day, after), day in in_file)
        for day in sorted(in_file | dropped)
    ]


def import_days(days: Sequence[ParsedDay], *, actor: User | None, now: datetime) -> dict[str, int]:
    """Store the days as the `import` source, replacing the earlier import of each year they cover.

    Idempotent. Returns the counts of days created, updated, unchanged and removed.
    """
    years = _years(days)
    existing = {r.day: r for r in _rows_in_years(years) if r.source == DaySource.IMPORT.value}
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    actor_id = actor.id if actor is not None else None
    for parsed in days:
        row = existing.pop(parsed.day, None)
        after = {"workday": parsed.workday, "name": parsed.name[:100]}
        if row is None:
            db.session.add(
                CalendarDay(
                    day=parsed.day, source=DaySource.IMPORT.value, updated_at=now, updated_by_id=actor_id, **after
                )
            )
            action, changes = "import_created", _changes(_audit_view(None), after)
        else:
            changes = _changes({"workday": row.workday, "name": row.name}, after)
            if not changes:
                counts["unchanged"] += 1
                continue
            row.workday, row.name, row.updated_at, row.updated_by_id = parsed.workday, after["name"], now, actor_id
            action = "import_updated"
        counts[action.removeprefix("import_")] += 1
        record(AUDIT_SUBJECT, audit_subject_id(parsed.day), action, actor=actor, changes=changes, now=now)
    for row in existing.values():
        changes = _changes({"workday": row.workday, "name": row.name}, _audit_view(None))
        db.session.delete(row)
        counts["removed"] += 1
        record(AUDIT_SUBJECT, audit_subject_id(row.day), "import_removed", actor=actor, changes=changes, now=now)
    db.session.flush()
    return counts
