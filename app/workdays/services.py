"""The official workday calendar: seeded from chinesecalendar, read as effective days. Flush, never commit."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from app.domain.workdays import DayEntry, DaySource, effective_days
from app.extensions import db
from app.workdays.models import CalendarDay

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
    official = [DaySource.PACKAGE.value, DaySource.IMPORT.value]
    years = select(func.distinct(func.extract("year", CalendarDay.day))).where(CalendarDay.source.in_(official))
    covered = {int(year) for year in db.session.scalars(years) if year is not None}
    return [today + timedelta(days=n) for n in range(ahead + 1) if (today + timedelta(days=n)).year not in covered]
