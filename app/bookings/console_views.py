"""The managers' pages: an organisation's bookings by day or week, the approval queue, and cancelling
a closure's bookings with notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.access.services import get_closure
from app.access.views import managed_closure_or_abort
from app.bookings import bp
from app.bookings.booking_words import (
    HOLDING_VALUES,
    STATUS_WORDS,
    StatusView,
    booking_quantity,
    booking_when,
    clock_span,
    status_view,
)
from app.bookings.console import (
    cancel_affected_bookings,
    list_approval_owners,
    list_console_bookings,
    list_owned_resources,
    list_pending_approvals,
)
from app.bookings.console_forms import CancelAffectedForm, ConsoleFilterForm
from app.bookings.models import Booking
from app.bookings.views import day_label
from app.db import transaction, utcnow
from app.directory.models import Resource
from app.directory.services import can_manage
from app.domain.resources import DEFAULT_TIMEZONE
from app.extensions import db
from app.forms import choices
from app.organisations.models import Organisation
from app.organisations.services import get_organisation
from app.queries import page_number

HOLDING_FILTER, ALL_FILTER = "holding", "all"
CONSOLE_LIMIT = 1000
# Days people may page to: past bookings for a few years, and well beyond any booking horizon.
FURTHEST = timedelta(days=3 * 366)


@dataclass(frozen=True)
class ConsoleRow:
    id: int
    time: str
    resource: str
    quantity: str
    booker: str
    unit: str | None
    status: StatusView
    purpose: str
    cancellable: bool


@dataclass(frozen=True)
class ConsoleDay:
    iso: str
    label: str
    rows: list[ConsoleRow]


def _zone_of(resources: list[Resource], chosen: Resource | None) -> ZoneInfo:
    """The chosen resource's zone; else the organisation's resources' zone when they share one."""
    if chosen is not None:
        return ZoneInfo(chosen.timezone)
    zones = {r.timezone for r in resources}
    return ZoneInfo(zones.pop() if len(zones) == 1 else DEFAULT_TIMEZONE)


def _here() -> str:
    """This page's own path and query, for forms to come back to."""
    return request.full_path.rstrip("?")


def _managed_organisation(org_code: str) -> Organisation:
    organisation = get_organisation(org_code)
    if organisation is None:
        abort(404)
    if not can_manage(current_user, organisation):
        abort(403)
    return organisation


@bp.route("/manage/<org_code>")
@login_required
def console(org_code: str) -> Response:
    """An organisation's bookings (or one resource's) for a day or a week, with a status filter."""
    organisation = _managed_organisation(org_code)
    resources = list_owned_resources(organisation)
    form = ConsoleFilterForm(formdata=request.args if request.args else None)
    form.resource.choices = choices([("", _("All resources")), *((r.code, r.name) for r in resources)])
    form.status.choices = choices(
        [
            (HOLDING_FILTER, _("Holding a place")),
            (ALL_FILTER, _("All")),
            *STATUS_WORDS.items(),
        ]
    )
    chosen = None
    if form.resource.data:
        chosen = next((r for r in resources if r.code == form.resource.data), None)
        if chosen is None:
            abort(404)  # not one of this organisation's resources
    status = form.status.data if form.status.data in {*STATUS_WORDS, ALL_FILTER} else HOLDING_FILTER
    form.status.data = status
    week = form.view.data == "week"
    form.view.data = "week" if week else "day"
    zone = _zone_of(resources, chosen)
    now = utcnow()
    today = now.astimezone(zone).date()
    day = form.day.data or today
    if abs(day - today) > FURTHEST:
        day = today
    form.day.data = day
    first = day - timedelta(days=day.weekday()) if week else day
    count = 7 if week else 1
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(first + timedelta(days=count), time(0), tzinfo=zone)
    statuses = None if status == ALL_FILTER else sorted(HOLDING_VALUES) if status == HOLDING_FILTER else [status]
    bookings = list_console_bookings(
        organisation, start=start, end=end, resource=chosen, statuses=statuses, limit=CONSOLE_LIMIT
    )
    days = _group(bookings, first, count, zone, now, show_resource=chosen is None)
    step = timedelta(days=count)
    keep = {"resource": chosen.code if chosen else "", "view": form.view.data, "status": status}
    keep = {k: v for k, v in keep.items() if v and not (k == "view" and v == "day") and v != HOLDING_FILTER}
    base = url_for("bookings.console", org_code=organisation.code)

    def link(moved: date) -> str:
        return f"{base}?{urlencode({**keep, 'day': moved.isoformat()})}"

    last = first + timedelta(days=count - 1)
    html = render_template(
        "bookings/console.html",
        organisation=organisation,
        chosen=chosen,
        form=form,
        days=days,
        week=week,
        total=len(bookings),
        limit=CONSOLE_LIMIT,
        range_label=day_label(first)
        if not week
        else _("%(first)s to %(last)s", first=day_label(first), last=day_label(last)),
        prev_link=link(first - step),
        next_link=link(first + step),
        today_link=link(today),
        shows_today=first <= today <= last,
        here=_here(),
        has_resources=bool(resources),
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _group(
    bookings: list[Booking], first: date, count: int, zone: ZoneInfo, now: datetime, *, show_resource: bool
) -> list[ConsoleDay]:
    """The bookings under the local day they start (one that began earlier, under the first day)."""
    by_day: dict[date, list[ConsoleRow]] = {first + timedelta(days=n): [] for n in range(count)}
    for booking in bookings:
        day = max(first, booking.start.astimezone(zone).date())
        by_day.setdefault(day, []).append(
            ConsoleRow(
                id=booking.id,
                time=clock_span(booking),
                resource=booking.resource.name if show_resource else "",
                quantity=booking_quantity(booking),
                booker=booking.user.name,
                unit=booking.on_behalf_of.name if booking.on_behalf_of is not None else None,
                status=status_view(booking.status),
                purpose=booking.purpose,
                cancellable=booking.status in HOLDING_VALUES and booking.end > now,
            )
        )
    return [ConsoleDay(d.isoformat(), day_label(d), rows) for d, rows in sorted(by_day.items())]


# --- the approval queue ---------------------------------------------------------


@dataclass(frozen=True)
class ApprovalCard:
    id: int
    resource: str
    owner: str
    when: str
    quantity: str
    booker: str
    unit: str | None
    purpose: str


@bp.route("/approvals")
@login_required
def approvals() -> Response:
    """Pending bookings of the resources the user manages (admins: all), soonest first, one tap each."""
    now = utcnow()
    owners = list_approval_owners(current_user, now=now)
    wanted = request.args.get("org", "")
    owner = next((o for o in owners if o.code == wanted), None)
    page = list_pending_approvals(current_user, now=now, owner=owner, page=page_number(request.args.get("page")))
    cards = [
        ApprovalCard(
            id=b.id,
            resource=b.resource.name,
            owner=b.resource.owner.name,
            when=booking_when(b),
            quantity=booking_quantity(b),
            booker=b.user.name,
            unit=b.on_behalf_of.name if b.on_behalf_of is not None else None,
            purpose=b.purpose,
        )
        for b in page.items
    ]
    html = render_template(
        "bookings/approvals.html",
        cards=cards,
        page=page,
        owners=owners,
        owner=owner,
        here=_here(),
    )
    response = make_response(html)
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- a closure's bookings -------------------------------------------------------


@bp.route("/closures/<int:closure_id>/cancel-affected", methods=["POST"])
@login_required
def cancel_affected(closure_id: int) -> Response:
    """Cancel every booking still holding a place in the closure, telling each booker the reason."""
    managed_closure_or_abort(closure_id)  # 404 or 403 before anything is read from the form
    back = url_for("bookings.closure_impact", closure_id=closure_id)
    form = CancelAffectedForm()
    if not form.validate_on_submit():
        flash(" ".join(str(e) for errors in form.errors.values() for e in errors), "danger")
        return redirect(back)
    actor = current_user._get_current_object()  # type: ignore[attr-defined]
    reason = (form.reason.data or "").strip()
    db.session.commit()
    with transaction(db.session, write_lock=True):
        locked_closure = get_closure(closure_id)
        assert locked_closure is not None
        cancelled = cancel_affected_bookings(locked_closure, actor=actor, reason=reason, now=utcnow())
    if cancelled:
        flash(
            ngettext(
                "%(num)d booking is cancelled; its booker is told why.",
                "%(num)d bookings are cancelled; their bookers are told why.",
                cancelled,
            ),
            "success",
        )
    else:
        flash(_("No booking needed cancelling."), "info")
    return redirect(back)
