"""A booking's page: what, when, its history, and what the viewer may do with it (cancel, approve,
reject, add to a calendar)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.bookings import bp
from app.bookings.booking_words import (
    HOLDING_VALUES,
    StatusView,
    booking_quantity,
    booking_when,
    moment,
    status_view,
)
from app.bookings.calendar_file import booking_calendar_file
from app.bookings.console import get_booking, list_history, manages_booking, may_decide, may_see_booking
from app.bookings.console_forms import ApproveForm, CancelForm, RejectForm
from app.bookings.models import Booking
from app.bookings.placing import cancel_booking, decide_pending
from app.db import transaction, utcnow
from app.domain.bookings import BookingStatus
from app.domain.errors import DomainError
from app.extensions import db
from app.messages import MESSAGES, message_for
from app.urls import safe_local_path


@dataclass(frozen=True)
class HistoryRow:
    when: str
    who: str
    before: StatusView | None  # None: the booking was made
    after: StatusView
    reason: str


def _user() -> object:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def visible_booking(booking_id: int) -> Booking:
    """The booking if the signed-in user may see it; 404 otherwise, so nothing is revealed."""
    booking = get_booking(booking_id)
    if booking is None or not may_see_booking(current_user, booking):
        abort(404)
    return booking


def back_to(default: str) -> str:
    """The form's `next` when it is a path on this site, else `default`."""
    target = request.form.get("next", "")
    return safe_local_path(target, default)


def _history(booking: Booking) -> list[HistoryRow]:
    zone = booking.resource.timezone
    events = list_history(booking)
    rows = []
    if not events or events[0].from_status is not None:
        # Bookings written before their history was kept: the making is known from the row itself.
        made_as = events[0].from_status if events else booking.status
        rows.append(HistoryRow(moment(booking.created_at, zone), booking.user.name, None, status_view(made_as), ""))
    for event in events:
        rows.append(
            HistoryRow(
                moment(event.at, zone),
                event.actor.name if event.actor is not None else _("Linli (automatic)"),
                status_view(event.from_status) if event.from_status is not None else None,
                status_view(event.to_status),
                # Steps Linli takes itself record a message code (waitlist_promoted, checkin_closed).
                message_for(event.reason) if event.reason in MESSAGES else event.reason,
            )
        )
    return rows


def _series_url(booking: Booking) -> str | None:
    """Where the booking's series is listed, when a page for it exists."""
    if booking.series_id is None:
        return None
    views = current_app.view_functions
    if "bookings.series" in views:
        return url_for("bookings.series", series_id=booking.series_id)
    if "bookings.mine" in views:
        return url_for("bookings.mine", series=booking.series_id)
    return None


@bp.route("/<int:booking_id>")
@login_required
def detail(booking_id: int) -> Response:
    booking = visible_booking(booking_id)
    resource = booking.resource
    now = utcnow()
    is_booker = booking.user_id == current_user.id
    managing = not is_booker and manages_booking(current_user, booking)
    holding = booking.status in HOLDING_VALUES
    deadline = booking.start - timedelta(minutes=resource.cancel_before_minutes)
    pending = booking.status == BookingStatus.PENDING.value
    html = render_template(
        "bookings/booking.html",
        booking=booking,
        resource=resource,
        status=status_view(booking.status),
        when=booking_when(booking),
        quantity=booking_quantity(booking),
        history=_history(booking),
        is_booker=is_booker,
        managing=managing,
        may_cancel=holding and (managing or (is_booker and now <= deadline)),
        too_late=holding and is_booker and not managing and now > deadline,
        deadline=moment(deadline, resource.timezone),
        may_decide=pending and booking.start > now and may_decide(current_user, booking),
        undecided_past=pending and booking.start <= now,
        series_url=_series_url(booking),
        mine_url=url_for("bookings.mine") if "bookings.mine" in current_app.view_functions else None,
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _form_problem(form: CancelForm | ApproveForm | RejectForm) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors) or message_for("invalid")


@bp.route("/<int:booking_id>/cancel", methods=["POST"])
@login_required
def cancel(booking_id: int) -> Response:
    """The booker until the resource's deadline; the unit's or the owner's managers at any time, with a
    reason that reaches the booker."""
    booking = visible_booking(booking_id)
    back = back_to(url_for("bookings.detail", booking_id=booking_id))
    form = CancelForm()
    if not form.validate_on_submit():
        flash(_form_problem(form), "danger")
        return redirect(back)
    managing = booking.user_id != current_user.id and manages_booking(current_user, booking)
    reason = (form.reason.data or "").strip()
    if managing and not reason:
        flash(_("Give a reason: the booker reads it."), "danger")
        return redirect(back)
    actor = _user()
    db.session.commit()  # what was read ends before the locked write
    try:
        with transaction(db.session, write_lock=True):
            locked = db.session.get(Booking, booking_id)
            assert locked is not None
            cancel_booking(locked, actor=actor, reason=reason, now=utcnow(), as_manager=managing)  # type: ignore[arg-type]
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        if managing:
            flash(_("The booking is cancelled; the booker is told why."), "success")
        else:
            flash(_("Your booking is cancelled."), "success")
    return redirect(back)


def _decide(booking_id: int, *, approve: bool) -> Response:
    booking = visible_booking(booking_id)
    if not may_decide(current_user, booking):
        abort(403)
    back = back_to(url_for("bookings.detail", booking_id=booking_id))
    form: ApproveForm | RejectForm = ApproveForm() if approve else RejectForm()
    if not form.validate_on_submit():
        flash(_form_problem(form), "danger")
        return redirect(back)
    reason = "" if approve else (form.reason.data or "").strip()  # type: ignore[union-attr]
    booker, resource_name, when = booking.user.name, booking.resource.name, booking_when(booking)
    actor = _user()
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            locked = db.session.get(Booking, booking_id)
            assert locked is not None
            decide_pending(locked, approve=approve, actor=actor, reason=reason, now=utcnow())  # type: ignore[arg-type]
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        values = {"name": booker, "resource": resource_name, "when": when}
        if approve:
            flash(_("Approved: %(name)s's booking of %(resource)s on %(when)s. They are told.", **values), "success")
        else:
            flash(
                _("Rejected: %(name)s's booking of %(resource)s on %(when)s. They are told why.", **values), "success"
            )
    return redirect(back)


@bp.route("/<int:booking_id>/approve", methods=["POST"])
@login_required
def approve(booking_id: int) -> Response:
    return _decide(booking_id, approve=True)


@bp.route("/<int:booking_id>/reject", methods=["POST"])
@login_required
def reject(booking_id: int) -> Response:
    return _decide(booking_id, approve=False)


def booking_url(booking: Booking) -> str:
    """The booking page's full address (PUBLIC_BASE_URL when set, as the QR codes do)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for("bookings.detail", booking_id=booking.id)
    return url_for("bookings.detail", booking_id=booking.id, _external=True)


@bp.route("/<int:booking_id>.ics")
@login_required
def booking_ics(booking_id: int) -> Response:
    """The booking as one calendar event, for the phone's calendar."""
    booking = visible_booking(booking_id)
    response = make_response(booking_calendar_file(booking, booking_url(booking)))
    response.mimetype = "text/calendar"
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = f'inline; filename="booking-{booking.id}.ics"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
