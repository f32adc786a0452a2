"""Check-in (from the resource's page, which its poster's QR code opens, the booking's page and my
bookings), the booking's own QR code for the staff at the gate, and the waitlist's forms."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.routing import BuildError
from werkzeug.wrappers import Response

from app.access.wording import describe_span
from app.bookings import bp
from app.bookings.attendance import check_in as check_in_booking
from app.bookings.attendance import checkin_state, list_checkin_due, may_see_booking
from app.bookings.models import Booking
from app.bookings.placing import Placement
from app.bookings.views import day_label
from app.bookings.waitlist import get_entry, may_see_entry
from app.bookings.waitlist import join_waitlist as join_line
from app.bookings.waitlist import leave_waitlist as leave_line
from app.db import transaction, utcnow
from app.directory.media_views import QR_BORDER, make_qr
from app.directory.models import Resource
from app.directory.services import get_resource
from app.domain.errors import DomainError
from app.extensions import db
from app.messages import message_for
from app.organisations.models import Organisation
from app.organisations.services import get_organisation
from app.urls import safe_local_path


def _user() -> object:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def _first_url(*candidates: tuple[str, dict[str, object]]) -> str:
    """The first of these pages that exists in this app (some are built alongside), else home."""
    for endpoint, values in candidates:
        try:
            return url_for(endpoint, **values)
        except BuildError:
            continue
    return "/"


def _back(*candidates: tuple[str, dict[str, object]]) -> str:
    """The form's `next` when it is a path on this site, else the first page of `candidates`."""
    target = request.form.get("next", "")
    safe = safe_local_path(target, "")
    return safe or _first_url(*candidates)


def _visible_booking(booking_id: int) -> Booking:
    """The booking if the signed-in user may see it; 404 otherwise, so nothing is revealed."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not may_see_booking(current_user, booking):
        abort(404)
    return booking


def _clock(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%H:%M")


# --- check-in ------------------------------------------------------------------


@dataclass(frozen=True)
class CheckinView:
    state: str  # see app.bookings.attendance.CheckinState
    opens: str  # local "HH:MM", with the day when it is not today
    closes: str
    checked_in_at: str


@bp.app_template_global("checkin_status")
def checkin_status(booking: Booking, now: datetime | None = None) -> CheckinView:
    """For templates/bookings/_checkin.html: where the booking stands on check-in, in words' parts."""
    moment = now if isinstance(now, datetime) else utcnow()
    found = checkin_state(booking, moment)
    zone = ZoneInfo(booking.resource.timezone)
    today = moment.astimezone(zone).date()

    def when(value: datetime) -> str:
        local = value.astimezone(zone)
        clock = local.strftime("%H:%M")
        return clock if local.date() == today else f"{day_label(local.date(), short=True)} {clock}"

    checked = when(booking.checked_in_at) if booking.checked_in_at is not None else ""
    return CheckinView(found.state, when(found.opens), when(found.closes), checked)


@bp.route("/<int:booking_id>/check-in", methods=["POST"])
@login_required
def check_in(booking_id: int) -> Response:
    """Check in with one tap, inside the window; back to where the button was."""
    _visible_booking(booking_id)
    db.session.commit()  # what was read ends before the locked write
    try:
        with transaction(db.session, write_lock=True):
            booking = db.session.get(Booking, booking_id)
            assert booking is not None
            check_in_booking(booking, actor=_user(), now=utcnow())  # type: ignore[arg-type]
            done_at = _clock(booking.checked_in_at, ZoneInfo(booking.resource.timezone))  # type: ignore[arg-type]
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(_("Checked in at %(time)s.", time=done_at), "success")
    return redirect(_back(("bookings.detail", {"booking_id": booking_id}), ("bookings.mine", {})))


def booking_page_url(booking_id: int) -> str:
    """The booking's page as an absolute address (PUBLIC_BASE_URL when set, as the poster's QR)."""
    path = _first_url(("bookings.detail", {"booking_id": booking_id}))
    if path == "/":  # the booking page is not in this app yet: its address is known all the same
        path = f"{request.script_root}{bp.url_prefix}/{booking_id}"
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url
    return base.rstrip("/") + path


@bp.route("/<int:booking_id>/qr.svg")
@login_required
def booking_qr(booking_id: int) -> Response:
    """The booking's own QR code: it opens the booking's page, where the staff at the gate check it in."""
    booking = _visible_booking(booking_id)
    out = io.BytesIO()
    make_qr(booking_page_url(booking.id)).save(
        out,
        kind="svg",
        border=QR_BORDER,
        omitsize=True,  # a viewBox: the page sizes it
        title=_("QR code of booking %(number)s", number=booking.id),
        light="#fff",  # a white ground, so it scans on a dark screen too
        svgclass=None,
        lineclass=None,
    )
    response = Response(out.getvalue(), mimetype="image/svg+xml")
    # Only those who may see the booking get it: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def render_checkin_section(resource: Resource) -> Markup | str | None:
    """On the resource's page (which its poster's QR code opens): the signed-in user's booking here
    whose check-in window is open now, with a one-tap button. Nothing, and no query, for places
    that do not ask for check-in and for visitors who are not signed in."""
    if not resource.checkin_required or not current_user.is_authenticated:
        return None
    now = utcnow()
    due = list_checkin_due(_user(), resource, now)  # type: ignore[arg-type]
    if not due:
        return None
    zone = ZoneInfo(resource.timezone)
    rows = [{"booking": b, "start": _clock(b.start, zone), "end": _clock(b.end, zone)} for b in due]
    return render_template("bookings/_checkin_section.html", resource=resource, rows=rows, now=now)


# --- the waitlist --------------------------------------------------------------


def _aware(raw: str | None) -> datetime | None:
    if not raw or "T" not in raw.upper():
        return None
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _waitlist_placement(resource: Resource) -> Placement | str:
    """The form's request, checked for form (the engine checks the rules), or the code of what is wrong."""
    start, end = _aware(request.form.get("start")), _aware(request.form.get("end"))
    if start is None or end is None:
        return "invalid_time"
    try:
        quantity = int(request.form.get("quantity") or 1)
    except ValueError:
        return "invalid"
    if quantity < 1:
        return "invalid"
    purpose = request.form.get("purpose", "")
    if len(purpose) > 300:
        return "value_too_long"
    unit: Organisation | None = None
    acting = request.form.get("on_behalf_of", "").strip()
    if acting:
        unit = get_organisation(acting)
        if unit is None:
            return "forbidden"
    return Placement(resource.id, start, end, quantity, unit, purpose)


@bp.route("/waitlist", methods=["POST"])
@login_required
def join_waitlist() -> Response:
    """Take a place in line for a full time (form fields: resource, start, end, quantity,
    on_behalf_of, purpose)."""
    resource = get_resource(request.form.get("resource", "").strip())
    if resource is None or not resource.active:
        flash(message_for("not_found"), "danger")
        return redirect(_back(("directory.index", {})))
    page = ("directory.show", {"code": resource.code})
    placement = _waitlist_placement(resource)
    if isinstance(placement, str):
        flash(message_for(placement), "danger")
        return redirect(_back(page))
    db.session.commit()  # what was read ends before the locked write
    try:
        with transaction(db.session, write_lock=True):
            entry = join_line(_user(), placement, now=utcnow())  # type: ignore[arg-type]
            when = describe_span(entry.start, entry.end, resource.timezone)
    except DomainError as error:
        flash(message_for(error.code), "danger")
        return redirect(_back(page))
    flash(
        _(
            "You are on the waitlist for %(when)s. If a place becomes free, it is booked for you and you are told.",
            when=when,
        ),
        "success",
    )
    return redirect(_back(("bookings.mine", {}), page))


@bp.route("/waitlist/<int:entry_id>/leave", methods=["POST"])
@login_required
def leave_waitlist(entry_id: int) -> Response:
    """Give up a place in line."""
    entry = get_entry(entry_id)
    if entry is None or not may_see_entry(current_user, entry):
        abort(404)
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            found = get_entry(entry_id)
            assert found is not None
            leave_line(found, actor=_user(), now=utcnow())  # type: ignore[arg-type]
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(_("You have left the waitlist."), "success")
    return redirect(_back(("bookings.mine", {})))
