"""The official workday calendar: Mon–Fri unless the calendar says otherwise."""

from datetime import date

from app.domain.workdays import DayEntry, DaySource, effective_days, is_workday


def test_weekdays_are_workdays_without_official_data():
    assert is_workday(date(2026, 11, 25), {})  # a Wednesday
    assert not is_workday(date(2026, 11, 28), {})  # a Saturday


def test_a_holiday_and_a_make_up_workday_override_the_week():
    entries = effective_days(
        [
            DayEntry(date(2026, 10, 1), False, "国庆节", DaySource.PACKAGE),
            DayEntry(date(2026, 10, 10), True, "国庆节调休", DaySource.PACKAGE),
        ]
    )
    assert not is_workday(date(2026, 10, 1), entries)  # Thursday, but a holiday
    assert is_workday(date(2026, 10, 10), entries)  # Saturday, but a make-up workday


def test_manual_beats_import_beats_package():
    day = date(2027, 1, 4)
    package = DayEntry(day, True, "", DaySource.PACKAGE)
    imported = DayEntry(day, False, "元旦", DaySource.IMPORT)
    manual = DayEntry(day, True, "照常上班", DaySource.MANUAL)
    assert effective_days([package, imported])[day] is imported
    assert effective_days([manual, package, imported])[day] is manual
    assert effective_days([imported, package])[day] is imported
