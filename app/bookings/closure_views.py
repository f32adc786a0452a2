"""Which bookings a closure falls on, for the manager who made it."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required

from app.access.views import managed_closure_or_abort
from app.access.wording import describe_span, unit_words
from app.bookings import bp
from app.bookings.affected import count_affected_bookings, list_affected_bookings
from app.bookings.console_forms import CancelAffectedForm
from app.directory.labels import DEFAULT_UNIT_LABELS
from app.domain.bookings import BookingStatus
from app.domain.resources import DEFAULT_TIMEZONE

# Only statuses that hold capacity show here.
STATUS_LABELS = {
    BookingStatus.PENDING.value: _l("Awaiting approval"),
    BookingStatus.CONFIRMED.value: _l("Confirmed"),
    BookingStatus.CHECKED_IN.value: _l("Checked in"),
}
SHOWN = 500


@bp.route("/closures/<int:closure_id>")
@login_required
def closure_impact(closure_id: int) -> str:
    closure = managed_closure_or_abort(closure_id)
    bookings = list_affected_bookings(closure, limit=SHOWN)
    rows = []
    for booking in bookings:
        resource = booking.resource
        label = resource.unit_label or DEFAULT_UNIT_LABELS.get(resource.kind, "")
        rows.append(
            {
                "id": booking.id,
                "resource": resource,
                "when": describe_span(booking.start, booking.end, ZoneInfo(resource.timezone)),
                "quantity": _("%(count)s %(unit)s", count=booking.quantity, unit=unit_words(label, booking.quantity)),
                "booker": booking.user.name,
                "unit": booking.on_behalf_of.name if booking.on_behalf_of is not None else None,
                "status": STATUS_LABELS.get(booking.status, booking.status),
                "status_value": booking.status,
            }
        )
    zone = closure.resource.timezone if closure.resource is not None else DEFAULT_TIMEZONE
    return render_template(
        "bookings/closure_impact.html",
        closure=closure,
        when=describe_span(closure.start, closure.end, ZoneInfo(zone)),
        rows=rows,
        total=count_affected_bookings(closure) if len(bookings) >= SHOWN else len(bookings),
        cancel_form=CancelAffectedForm(formdata=None, reason=closure.reason),
    )
