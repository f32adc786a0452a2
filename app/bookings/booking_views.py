"""Booking from the web: the form (from a cell of the week), a series' preview and its page, and "my bookings"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.access.wording import describe_span, hours_range
from app.bookings import bp
from app.bookings.booking_forms import BookingForm
from app.bookings.booking_words import booking_quantity, booking_when, clock_span, status_view
from app.bookings.console import manages_booking, may_see_booking
from app.bookings.mine import get_series, list_my_bookings, may_see_series
from app.bookings.models import Booking
from app.bookings.placing import Placement, place_booking
from app.bookings.series import (
    Occurrence,
    OnConflict,
    SeriesConflictError,
    cancel_rest_of_series,
    list_series_bookings,
    place_series,
    plan_series,
)
from app.bookings.services import get_resource_with_owner
from app.bookings.views import day_label, reason_text
from app.bookings.waitlist import list_waiting
from app.db import transaction, utcnow
from app.directory.models import Resource
from app.domain.bookings import HOLDING, BookingStatus
from app.domain.errors import DomainError
from app.domain.recurrence import WORKDAYS, Recurrence, every_workday, parse_rrule
from app.extensions import db
from app.messages import message_for
from app.organisations.models import Organisation
from app.organisations.services import is_manager, list_units_user_may_act_for
from app.workdays.services import calendar_between

# Reasons that are about the times asked for: shown under the time fields.
TIME_CODES = frozenset(
    {"invalid_time", "in_past", "not_yet_released", "too_far_ahead", "too_short", "too_long", "misaligned"}
)


@dataclass(frozen=True)
class OccurrenceRow:
    day: str
    time: str
    ok: bool
    reason: str


@dataclass(frozen=True)
class DayNote:
    day: str
    name: str
    workday: bool  # True: a make-up workday on a weekend (included); False: a holiday on a weekday (skipped)


def _local(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone)


def _span(form: BookingForm, zone: ZoneInfo) -> tuple[datetime, datetime]:
    start = _local(form.day.data, form.start.data, zone)
    # 00:00 as the end means the midnight that ends the day.
    end_day = form.day.data + timedelta(days=1) if form.end.data == time(0) else form.day.data
    return start, _local(end_day, form.end.data, zone)


def _recurrence(form: BookingForm) -> Recurrence | None:
    until = form.until.data
    if form.repeat.data == "workdays":
        return every_workday(until=until)
    if form.repeat.data == "daily":
        return parse_rrule(f"FREQ=DAILY;UNTIL={until:%Y%m%d}")
    if form.repeat.data == "weekly":
        return parse_rrule(f"FREQ=WEEKLY;BYDAY={','.join(form.weekdays.data)};UNTIL={until:%Y%m%d}")
    return None


def _prefill(form: BookingForm, resource: Resource, zone: ZoneInfo) -> None:
    """From the week's cell: its start, and the shortest booking the place allows."""
    raw = request.args.get("start", "")
    try:
        start = datetime.fromisoformat(raw).replace(tzinfo=zone) if raw else None
    except ValueError:
        start = None
    if start is None:
        return
    end = start + timedelta(minutes=resource.min_minutes)
    form.day.data = start.date()
    form.start.data = start.time()
    form.end.data = end.time() if end.date() == start.date() or end.time() == time(0) else time(0)


def _rows(plan: list[Occurrence], resource: Resource, zone: ZoneInfo) -> list[OccurrenceRow]:
    rows = []
    for occurrence in plan:
        local = occurrence.start.astimezone(zone)
        ok = occurrence.code is None
        rows.append(
            OccurrenceRow(
                day_label(local.date()),
                _hours(occurrence.start.astimezone(zone), occurrence.end.astimezone(zone)),
                ok,
                "" if ok else reason_text(occurrence.code, resource, ()),
            )
        )
    return rows


def _hours(start: datetime, end: datetime) -> str:
    start_minutes = start.hour * 60 + start.minute
    end_minutes = end.hour * 60 + end.minute if end.date() == start.date() else 24 * 60
    return hours_range(start_minutes, end_minutes)


def _day_notes(first: date, last: date) -> list[DayNote]:
    """The days an every-working-day series treats differently from Monday to Friday."""
    notes = []
    for day, entry in sorted(calendar_between(first, last).items()):
        if entry.workday != (day.weekday() < 5):
            notes.append(DayNote(day_label(day), entry.name, entry.workday))
    return notes


def _acting(form: BookingForm, units: list[Organisation]) -> Organisation | None:
    code = form.on_behalf_of.data
    return next((u for u in units if u.code == code), None) if code else None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new() -> Response | str:
    code = request.values.get("resource", "")
    if not code:
        return redirect(url_for("bookings.find"))  # a booking starts from a place: find one first
    resource = get_resource_with_owner(code)
    if resource is None or not resource.active:
        abort(404)
    zone = ZoneInfo(resource.timezone)
    units = list_units_user_may_act_for(current_user)
    form = BookingForm()
    form.on_behalf_of.choices = [("", _("Myself")), *((u.code, u.name) for u in units)]
    if request.method == "GET":
        form.on_behalf_of.data = request.args.get("on_behalf_of", "")
        _prefill(form, resource, zone)
    refusal: str | None = None
    rows: list[OccurrenceRow] = []
    notes: list[DayNote] = []
    if form.validate_on_submit():
        start, end = _span(form, zone)
        placement = Placement(
            resource.id, start, end, form.quantity.data, _acting(form, units), form.purpose.data or ""
        )
        try:
            recurrence = _recurrence(form)
        except DomainError as error:
            form.until.errors = [*form.until.errors, message_for(error.code)]
            return _form(resource, form, refusal=None, rows=rows, notes=notes, units=units)
        if recurrence is None:
            outcome = _place_one(placement)
            if isinstance(outcome, Response):
                return outcome
            refusal = outcome
        else:
            if recurrence.every_workday and form.until.data is not None:
                notes = _day_notes(form.day.data, form.until.data)
            if form.preview.data:
                try:
                    rows = _rows(plan_series(resource, current_user, placement, recurrence, utcnow()), resource, zone)
                except DomainError as error:
                    refusal = error.code
            else:
                placed = _place_series(placement, recurrence, OnConflict(form.on_conflict.data))
                if isinstance(placed, Response):
                    return placed
                if isinstance(placed, str):
                    refusal = placed
                else:
                    refusal, rows = "conflict", _rows(placed, resource, zone)
    if refusal in TIME_CODES:
        form.start.errors = [*form.start.errors, message_for(refusal)]
    elif refusal == "quantity_exceeded":
        form.quantity.errors = [*form.quantity.errors, message_for(refusal)]
    return _form(resource, form, refusal=refusal, rows=rows, notes=notes, units=units)


def _form(
    resource: Resource,
    form: BookingForm,
    *,
    refusal: str | None,
    rows: list[OccurrenceRow],
    notes: list[DayNote],
    units: list[Organisation],
) -> str:
    waitlist_start = waitlist_end = ""
    if form.day.data is not None and form.start.data is not None and form.end.data is not None:
        start, end = _span(form, ZoneInfo(resource.timezone))
        waitlist_start, waitlist_end = start.isoformat(), end.isoformat()
    return render_template(
        "bookings/new.html",
        waitlist_start=waitlist_start,
        waitlist_end=waitlist_end,
        resource=resource,
        form=form,
        refusal=refusal,
        refusal_text=message_for(refusal) if refusal else "",
        rows=rows,
        bookable=sum(1 for r in rows if r.ok),
        notes=notes,
        units=units,
        week_link=url_for(
            "bookings.week",
            code=resource.code,
            start=form.day.data.isoformat() if form.day.data else None,
            on_behalf_of=form.on_behalf_of.data or None,
        ),
    )


def _place_one(placement: Placement) -> Response | str:
    """Book, and go to the booking; the reason's code when refused (nothing is then written)."""
    db.session.commit()  # what was read ends before the locked write
    try:
        with transaction(db.session, write_lock=True):
            booking = place_booking(current_user, placement, now=utcnow())
            booking_id, status = booking.id, booking.status
    except DomainError as refused:
        return refused.code
    if status == BookingStatus.PENDING.value:
        flash(_("Requested. The place's managers will approve or reject it; you will be told."), "info")
    else:
        flash(_("Booked."), "success")
    return redirect(url_for("bookings.detail", booking_id=booking_id))


def _place_series(
    placement: Placement, recurrence: Recurrence, on_conflict: OnConflict
) -> Response | list[Occurrence] | str:
    """Book the series and go to its page; the clashes when it was refused as a whole."""
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            placed = place_series(current_user, placement, recurrence, on_conflict=on_conflict, now=utcnow())
            series_id, booked, skipped = placed.series.id, len(placed.bookings), len(placed.skipped)
    except SeriesConflictError as clash:
        return clash.clashes
    except DomainError as refused:
        return refused.code
    booked_text = ngettext("Booked %(num)s time.", "Booked %(num)s times.", booked)
    if skipped:
        booked_text += " " + ngettext(
            "%(num)s time could not be booked and was skipped.",
            "%(num)s times could not be booked and were skipped.",
            skipped,
        )
    flash(booked_text, "success" if not skipped else "warning")
    return redirect(url_for("bookings.series", series_id=series_id))


@bp.route("/series/<int:series_id>")
@login_required
def series(series_id: int) -> str:
    """A series' bookings, each with its status, and cancelling the rest of it from any one."""
    found = get_series(series_id)
    bookings = list_series_bookings(series_id) if found is not None else []
    if found is None or not may_see_series(current_user, found, bookings):
        abort(404)
    resource = found.resource
    zone = ZoneInfo(resource.timezone)
    now = utcnow()
    notes: list[DayNote] = []
    if found.rule.startswith(WORKDAYS) and bookings:
        notes = _day_notes(found.starts_on, max(b.start for b in bookings).astimezone(zone).date())
    holding = {s.value for s in HOLDING}
    return render_template(
        "bookings/series.html",
        series=found,
        resource=resource,
        rows=[
            {
                "booking": b,
                "day": day_label(b.start.astimezone(zone).date()),
                "time": clock_span(b),
                "status": status_view(b.status),
                "cancellable": b.status in holding and b.start > now,
            }
            for b in bookings
        ],
        notes=notes,
        quantity=booking_quantity(bookings[0]) if bookings else "",
        managing=bool(bookings) and current_user.id != found.user_id and manages_booking(current_user, bookings[0]),
    )


@bp.route("/<int:booking_id>/cancel-rest", methods=["POST"])
@login_required
def cancel_rest(booking_id: int) -> Response:
    """Cancel this occurrence and the rest of its series (the booker; or its managers, with a reason)."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.series_id is None or not may_see_booking(current_user, booking):
        abort(404)
    series_id = booking.series_id
    managing = booking.user_id != current_user.id and manages_booking(current_user, booking)
    reason = request.form.get("reason", "").strip()[:300]
    if managing and not reason:
        flash(message_for("reason_required"), "danger")
        return redirect(url_for("bookings.series", series_id=series_id))
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            booking = db.session.get(Booking, booking_id)
            assert booking is not None
            cancelled = cancel_rest_of_series(
                booking, actor=current_user, reason=reason, now=utcnow(), as_manager=managing
            )
            count = len(cancelled)
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(ngettext("Cancelled %(num)s booking.", "Cancelled %(num)s bookings.", count), "success")
    return redirect(url_for("bookings.series", series_id=series_id))


@bp.route("/mine")
@login_required
def mine() -> str:
    """My bookings, upcoming or past; or a unit's, for its managers; and my places in waiting lines."""
    past = request.args.get("show") == "past"
    managed = [u for u in list_units_user_may_act_for(current_user) if is_manager(current_user, u)]
    unit = next((u for u in managed if u.code == request.args.get("for")), None)
    now = utcnow()
    page = list_my_bookings(current_user, now=now, past=past, unit=unit, page=request.args.get("page", 1, type=int))
    holding = {s.value for s in HOLDING}
    rows = [
        {
            "booking": b,
            "when": booking_when(b),
            "quantity": booking_quantity(b),
            "status": status_view(b.status),
            "cancellable": not past and b.status in holding and b.start > now,
            "mine": b.user_id == current_user.id,
        }
        for b in page.items
    ]
    return render_template(
        "bookings/mine.html",
        rows=rows,
        page=page,
        past=past,
        unit=unit,
        managed=managed,
        waiting=[] if past or unit is not None else list_waiting(current_user, now=now),
        waiting_when=lambda w: describe_span(w.start, w.end, ZoneInfo(w.resource.timezone)),
        now=now,
    )
