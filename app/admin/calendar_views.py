"""Admins' pages for the official workday calendar: the year, one day's override, importing a year's arrangement."""

from __future__ import annotations

import calendar as calendar_module
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.accounts.auth import admin_required
from app.admin import bp
from app.admin.forms import CalendarDayForm, CalendarImportForm, ClearCalendarDayForm, ConfirmCalendarImportForm
from app.db import transaction, utcnow
from app.domain.holiday_files import (
    NAME_MAX,
    FileProblem,
    HolidayFileError,
    ParsedDay,
    decode_text,
    parse_holiday_csv,
    parse_holiday_ics,
)
from app.domain.workdays import DaySource
from app.extensions import db
from app.messages import message_for
from app.workdays.services import (
    clear_manual_day,
    get_day_sources,
    import_days,
    preview_import,
    set_manual_day,
    year_view,
)

SIGNING_SALT = "calendar-import"
# The preview's confirmation is good for an hour; after that the file is checked again.
CONFIRM_MAX_AGE = 3600
FIRST_YEAR, LAST_YEAR = 1950, 2100

SOURCE_LABELS = {
    DaySource.MANUAL: _l("set by an administrator"),
    DaySource.IMPORT: _l("imported"),
    DaySource.PACKAGE: _l("built in (chinesecalendar)"),
}

# The file's problems, by the codes app.domain.holiday_files raises.
FILE_MESSAGES = {
    "not_a_calendar": _l("This file is not an iCalendar (.ics) file."),
    "incomplete_calendar": _l("The calendar file stops before its end (END:VCALENDAR): download it again."),
    "spreadsheet_not_csv": _l("This is an Excel workbook, not a CSV file. Save it as CSV (UTF-8) and upload that."),
    "not_text": _l("This file is not a CSV text file. Save it as CSV (UTF-8) and upload that."),
    "not_csv": _l("The file cannot be read as CSV."),
    "empty_file": _l("The file lists no days."),
    "too_many_days": _l("The file lists too many days: import a few years at a time."),
    "missing_columns": _l("The first line must name the columns date and workday (or 日期 and 上班)."),
    "file_has_problems": _l("The file has problems; nothing was imported. Correct them and upload it again."),
}
PROBLEM_MESSAGES = {
    "missing_column": _l("the column %(value)s is missing"),
    "invalid_rule": _l("the repeat rule (RRULE) “%(value)s” cannot be read"),
    "too_many_occurrences": _l("the event “%(value)s” repeats too many times to import"),
    "too_complex": _l("the repeating event “%(value)s” and those after it take too long to work out: split the file"),
    "unknown_timezone": _l("the time zone “%(value)s” is not known (use a name such as Asia/Shanghai)"),
    "missing_start": _l("the event “%(value)s” has no start date (DTSTART)"),
    "timed_event": _l("the event “%(value)s” has a time of day: holidays must be all-day events"),
    "invalid_date": _l("“%(value)s” is not a date (use YYYY-MM-DD)"),
    "invalid_duration": _l("the duration “%(value)s” is not a number of days"),
    "end_before_start": _l("the event “%(value)s” ends before it starts"),
    "event_too_long": _l("the event “%(value)s” is longer than 31 days"),
    "invalid_workday": _l("“%(value)s” is neither workday nor rest day (use 上班 or 休息, true or false)"),
    "name_too_long": _l("the name is longer than 100 characters"),
    "conflicting_day": _l("%(value)s is listed both as a workday and as a rest day"),
}


def _today() -> date:
    return datetime.now(ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])).date()


def file_message(code: str) -> str:
    message = FILE_MESSAGES.get(code)
    return str(message) if message is not None else message_for(code)


def problem_message(problem: FileProblem) -> str:
    template = PROBLEM_MESSAGES.get(problem.code)
    text = str(template) % {"value": problem.value or _("(blank)")} if template else message_for(problem.code)
    if problem.line is None:
        return text
    return _("Line %(line)s: %(problem)s", line=problem.line, problem=text)


# --- the year ----------------------------------------------------------------


def _weekday_names() -> list[tuple[str, str]]:
    monday = date(2024, 1, 1)
    return [
        (format_date(monday.replace(day=n), "EEEEEE"), format_date(monday.replace(day=n), "EEEE")) for n in range(1, 8)
    ]


@bp.route("/calendar")
@admin_required
def calendar() -> str:
    raw = request.args.get("year")
    if raw is None or raw == "":
        year = _today().year
    elif raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR:
        year = int(raw)
    else:
        abort(404)
    view = year_view(year)
    by_day = {d.day: d for d in view.days}
    months = [
        {
            "name": format_date(date(year, month, 1), "LLLL"),
            "number": month,
            "weeks": [
                [by_day[d] if d.month == month else None for d in week]
                for week in calendar_module.Calendar(firstweekday=0).monthdatescalendar(year, month)
            ],
        }
        for month in range(1, 13)
    ]
    return render_template(
        "admin/calendar.html",
        view=view,
        year=year,
        months=months,
        weekdays=_weekday_names(),
        today=_today(),
        source_labels=SOURCE_LABELS,
        first_year=FIRST_YEAR,
        last_year=LAST_YEAR,
    )


# --- one day -----------------------------------------------------------------


def _parse_day(text: str) -> date | None:
    if len(text) != 10:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


@bp.route("/calendar/<day>", methods=["GET", "POST"])
@admin_required
def calendar_day(day: str) -> Any:
    when = _parse_day(day)
    if when is None or not FIRST_YEAR <= when.year <= LAST_YEAR:
        abort(404)
    sources = get_day_sources(when)
    manual = sources.get(DaySource.MANUAL)
    clear_form = ClearCalendarDayForm()
    if request.method == "POST" and "remove" in request.form:
        # CSRF is checked for every POST before any view runs.
        with transaction(db.session):
            removed = clear_manual_day(when, actor=current_user._get_current_object(), now=utcnow())
        if removed:
            flash(_("The override of %(day)s is removed.", day=format_date(when, "long")), "success")
        return redirect(url_for("admin.calendar_day", day=when.isoformat()))
    effective = manual or sources.get(DaySource.IMPORT) or sources.get(DaySource.PACKAGE)
    workday = effective.workday if effective else when.weekday() < 5
    form = CalendarDayForm(data={"kind": "workday" if workday else "rest", "name": effective.name if effective else ""})
    if form.validate_on_submit():
        with transaction(db.session):
            set_manual_day(
                when,
                form.kind.data == "workday",
                (form.name.data or "")[:NAME_MAX],
                actor=current_user._get_current_object(),
                now=utcnow(),
            )
        flash(_("%(day)s is saved.", day=format_date(when, "long")), "success")
        return redirect(url_for("admin.calendar_day", day=when.isoformat()))
    status = 400 if request.method == "POST" else 200
    return (
        render_template(
            "admin/calendar_day.html",
            day=when,
            sources=sources,
            manual=manual,
            form=form,
            clear_form=clear_form,
            source_labels=SOURCE_LABELS,
            order=list(DaySource),
        ),
        status,
    )


# --- importing ---------------------------------------------------------------


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=SIGNING_SALT)


def _import_page(
    form: CalendarImportForm, *, problems: list[str] | None = None, refusal: str | None = None, status: int = 200
) -> tuple[str, int]:
    return render_template("admin/calendar_import.html", form=form, problems=problems or [], refusal=refusal), status


def read_holiday_file(filename: str, data: bytes, *, today: date | None = None) -> list[ParsedDay]:
    """The days of an uploaded .ics or .csv file; raises HolidayFileError.

    An endless repeating event in an .ics file is expanded over the years the file otherwise covers, else over
    `today`'s year and the next.
    """
    if filename.lower().endswith(".ics") or data.lstrip(b"\xef\xbb\xbf \r\n\t").upper().startswith(b"BEGIN:VCALENDAR"):
        return parse_holiday_ics(data, today=today)
    return parse_holiday_csv(decode_text(data))


def _days_from_payload(payload: Any) -> list[ParsedDay] | None:
    if (
        not isinstance(payload, dict)
        or payload.get("by") != current_user.id
        or not isinstance(payload.get("days"), list)
    ):
        return None
    days = []
    for item in payload["days"]:
        if not (isinstance(item, list) and len(item) == 3 and isinstance(item[0], str) and isinstance(item[2], str)):
            return None
        day = _parse_day(item[0])
        if day is None or item[1] not in (0, 1):
            return None
        days.append(ParsedDay(day, bool(item[1]), item[2][:NAME_MAX]))
    return days or None


@bp.route("/calendar/import", methods=["GET", "POST"])
@admin_required
def calendar_import() -> Any:
    if request.method == "POST" and "payload" in request.form:
        return _confirm_import()
    form = CalendarImportForm()
    if not form.validate_on_submit():
        return _import_page(form, status=400 if request.method == "POST" else 200)
    upload = form.file.data
    filename = upload.filename or "calendar"
    try:
        days = read_holiday_file(filename, upload.read(), today=_today())
    except HolidayFileError as error:
        form.file.errors = [file_message(error.code)]
        return _import_page(form, problems=[problem_message(p) for p in error.problems], status=400)
    rows = preview_import(days)
    payload = {
        "by": current_user.id,
        "file": filename,
        "days": [[d.day.isoformat(), int(d.workday), d.name] for d in days],
    }
    confirm_form = ConfirmCalendarImportForm(formdata=None, payload=_signer().dumps(payload))
    return render_template(
        "admin/calendar_import_preview.html",
        rows=rows,
        filename=filename,
        years=sorted({d.day.year for d in days}),
        changed=sum(1 for row in rows if row.changes),
        confirm_form=confirm_form,
        source_labels=SOURCE_LABELS,
    )


def _confirm_import() -> Any:
    form = ConfirmCalendarImportForm()
    try:
        payload = (
            _signer().loads(form.payload.data or "", max_age=CONFIRM_MAX_AGE) if form.validate_on_submit() else None
        )
    except BadSignature:
        payload = None
    days = _days_from_payload(payload)
    if days is None:
        message = _(
            "The confirmation was not accepted: it expired or its data was changed after the preview. "
            "Nothing was written; upload the file again."
        )
        return _import_page(CalendarImportForm(formdata=None), refusal=message, status=400)
    with transaction(db.session):
        counts = import_days(days, actor=current_user._get_current_object(), now=utcnow())
    flash(
        _(
            "%(file)s is imported: %(created)s days added, %(updated)s changed, %(removed)s removed, "
            "%(unchanged)s unchanged.",
            file=str(payload.get("file") or ""),
            created=counts["created"],
            updated=counts["updated"],
            removed=counts["removed"],
            unchanged=counts["unchanged"],
        ),
        "success",
    )
    return redirect(url_for("admin.calendar", year=days[0].day.year))
