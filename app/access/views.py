"""Managers' pages for access windows and closures, and the rules section of a resource's page."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.access import bp
from app.access.forms import CLOSURE_FIELDS, WINDOW_FIELDS, ClosureForm, DeleteForm, TemplateForm, WindowForm
from app.access.models import Closure, Window
from app.access.services import (
    add_closure,
    add_window,
    apply_template,
    audiences_of,
    can_manage_closure,
    can_manage_rules,
    delete_closure,
    delete_window,
    get_closure,
    get_window,
    list_closures,
    list_organisation_closures,
    list_windows,
    requester_for,
    update_window,
)
from app.access.wording import (
    AUDIENCE_CHOICES,
    describe_days,
    describe_price,
    describe_quota,
    describe_span,
    describe_window,
    describe_windows,
    hours_range,
    unit_words,
)
from app.db import transaction, utcnow
from app.directory.labels import DEFAULT_UNIT_LABELS
from app.directory.models import Resource
from app.directory.services import can_manage, get_resource
from app.domain.errors import DomainError
from app.domain.resources import DEFAULT_TIMEZONE
from app.domain.windows import Audience
from app.domain.windows_templates import TEMPLATES
from app.extensions import db
from app.forms import show_domain_error
from app.organisations.models import Organisation
from app.organisations.services import get_organisation, list_units_user_may_act_for

# Closures that ended this long ago are still listed, so a manager sees what just happened.
RECENT = timedelta(days=30)
# The resource page lists the closures of the coming weeks.
UPCOMING = timedelta(days=60)


def unit_label_of(resource: Resource) -> str:
    return resource.unit_label or DEFAULT_UNIT_LABELS.get(resource.kind, "")


def _managed_resource(code: str) -> Resource:
    resource = get_resource(code)
    if resource is None:
        abort(404)
    if not can_manage_rules(current_user, resource):
        abort(403)
    return resource


def _managed_organisation(org_code: str) -> Organisation:
    organisation = get_organisation(org_code)
    if organisation is None:
        abort(404)
    if not can_manage(current_user, organisation):
        abort(403)
    return organisation


# --- windows -----------------------------------------------------------------


@dataclass(frozen=True)
class WindowRow:
    """One window as the rules table shows it."""

    id: int
    sentence: str
    audience: str
    days: str
    hours: str
    price: str
    max_quantity: str
    quota: str
    approval: str


def _rows(resource: Resource, windows: list[Window]) -> list[WindowRow]:
    label = unit_label_of(resource)
    rows = []
    for row in windows:
        window = row.to_domain()
        rows.append(
            WindowRow(
                id=row.id,
                sentence=describe_window(window, label),
                audience=str(AUDIENCE_CHOICES[window.audience]),
                days=describe_days(window.days),
                hours=hours_range(window.start, window.end),
                price=_("Free") if window.price == 0 else describe_price(window.price),
                max_quantity=(
                    _("%(count)s %(unit)s", count=window.max_quantity, unit=unit_words(label, window.max_quantity))
                    if window.max_quantity is not None
                    else _("Up to the capacity")
                ),
                quota=(
                    _first_upper(describe_quota(window.max_minutes_per_week, window.audience))
                    if window.max_minutes_per_week is not None
                    else _("No limit")
                ),
                approval=APPROVAL_WORDS[window.requires_approval](),
            )
        )
    return rows


APPROVAL_WORDS = {
    None: lambda: _("As the resource's booking rules say"),
    True: lambda: _("Always"),
    False: lambda: _("Never"),
}


def _first_upper(text: str) -> str:
    # A phrase from the middle of a sentence, standing alone in a table cell (no effect on Chinese).
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class TemplateOffer:
    name: str
    title: str
    adds: str
    present: bool  # every window it would add is there already


def _template_offers(resource: Resource, windows: list[Window]) -> list[TemplateOffer]:
    present = {replace(row.to_domain(), id=None) for row in windows}
    titles = {
        "units_on_workdays": _("Open to registered units on working days 08:30–17:30"),
        "residents_outside_working_hours": _("Open to residents outside working hours"),
    }
    offers = []
    for name, template in TEMPLATES.items():
        added = template.windows(resource.capacity)
        offers.append(
            TemplateOffer(
                name=name,
                title=titles.get(name, name),
                adds=_("Adds: %(windows)s.", windows=describe_windows(added, unit_label_of(resource))),
                present=all(w in present for w in added),
            )
        )
    return offers


def capacity_words(resource: Resource) -> str:
    return _("%(count)s %(unit)s", count=resource.capacity, unit=unit_words(unit_label_of(resource), resource.capacity))


def _render_rules(resource: Resource, form: WindowForm) -> str:
    windows = list_windows(resource)
    return render_template(
        "access/rules.html",
        capacity_words=capacity_words(resource),
        resource=resource,
        rows=_rows(resource, windows),
        form=form,
        offers=_template_offers(resource, windows),
    )


def _save_window(form: WindowForm, resource: Resource, row: Window | None) -> Window | None:
    try:
        window = form.to_window()
        with transaction(db.session):
            if row is None:
                return add_window(resource, window, actor=current_user, now=utcnow())
            return update_window(row, window, actor=current_user, now=utcnow())
    except DomainError as error:
        show_domain_error(form, error, fields=WINDOW_FIELDS)
        return None


@bp.route("/<code>/rules", methods=["GET", "POST"])
@login_required
def rules(code: str) -> str | Response:
    resource = _managed_resource(code)
    form = WindowForm()
    if form.validate_on_submit():
        row = _save_window(form, resource, None)
        if row is not None:
            flash(
                _("Window added: %(rule)s", rule=describe_window(row.to_domain(), unit_label_of(resource))), "success"
            )
            return redirect(url_for("access.rules", code=resource.code))
    return _render_rules(resource, form)


@bp.route("/<code>/rules/template", methods=["POST"])
@login_required
def apply_rules_template(code: str) -> Response:
    resource = _managed_resource(code)
    name = request.form.get("template", "")
    if name not in TEMPLATES:
        abort(400)
    if TemplateForm().validate_on_submit():
        with transaction(db.session):
            added = apply_template(resource, name, actor=current_user, now=utcnow())
        if added:
            label = unit_label_of(resource)
            flash(
                _("Added: %(windows)s", windows=describe_windows([row.to_domain() for row in added], label)),
                "success",
            )
        else:
            flash(_("Nothing was added: these windows are there already."), "info")
    return redirect(url_for("access.rules", code=resource.code))


@bp.route("/<code>/rules/<int:window_id>", methods=["GET", "POST"])
@login_required
def edit_window(code: str, window_id: int) -> str | Response:
    resource = _managed_resource(code)
    row = get_window(resource, window_id)
    if row is None:
        abort(404)
    form = WindowForm()
    form.submit.label.text = _("Save the window")
    if request.method == "GET":
        form.fill_from(row)
    if form.validate_on_submit():
        saved = _save_window(form, resource, row)
        if saved is not None:
            flash(
                _("Window saved: %(rule)s", rule=describe_window(saved.to_domain(), unit_label_of(resource))), "success"
            )
            return redirect(url_for("access.rules", code=resource.code))
    return render_template(
        "access/window.html",
        resource=resource,
        form=form,
        window_id=window_id,
        capacity_words=capacity_words(resource),
    )


@bp.route("/<code>/rules/<int:window_id>/delete", methods=["POST"])
@login_required
def remove_window(code: str, window_id: int) -> Response:
    resource = _managed_resource(code)
    row = get_window(resource, window_id)
    if row is None:
        abort(404)
    if DeleteForm().validate_on_submit():
        sentence = describe_window(row.to_domain(), unit_label_of(resource))
        with transaction(db.session):
            delete_window(row, actor=current_user, now=utcnow())
        flash(_("Window deleted: %(rule)s", rule=sentence), "success")
    return redirect(url_for("access.rules", code=resource.code))


# --- closures ----------------------------------------------------------------


@dataclass(frozen=True)
class ClosureRow:
    id: int
    when: str
    reason: str
    organisation: str | None  # the organisation, when it closes all of its resources
    own: bool  # the page's own closure, which it may delete
    past: bool


def _closure_rows(closures: list[Closure], zone: ZoneInfo, now: datetime, *, own: str) -> list[ClosureRow]:
    return [
        ClosureRow(
            id=c.id,
            when=describe_span(c.start, c.end, zone),
            reason=c.reason,
            organisation=c.organisation.name if c.organisation is not None else None,
            own=(c.resource_id is not None) == (own == "resource"),
            past=c.end <= now,
        )
        for c in closures
    ]


def _save_closure(
    form: ClosureForm, zone: ZoneInfo, *, resource: Resource | None = None, organisation: Organisation | None = None
) -> Closure | None:
    try:
        start, end = form.span(zone)
        with transaction(db.session):
            return add_closure(
                resource=resource,
                organisation=organisation,
                start=start,
                end=end,
                reason=form.reason.data or "",
                actor=current_user,
                now=utcnow(),
            )
    except DomainError as error:
        show_domain_error(form, error, fields=CLOSURE_FIELDS)
        return None


@bp.route("/<code>/closures", methods=["GET", "POST"])
@login_required
def closures(code: str) -> str | Response:
    resource = _managed_resource(code)
    zone = ZoneInfo(resource.timezone)
    form = ClosureForm()
    if form.validate_on_submit():
        closure = _save_closure(form, zone, resource=resource)
        if closure is not None:
            flash(_("%(name)s is closed: %(when)s.", name=resource.name, when=_closure_when(closure, zone)), "success")
            return redirect(url_for("bookings.closure_impact", closure_id=closure.id))
    now = utcnow()
    rows = _closure_rows(list_closures(resource, ending_after=now - RECENT), zone, now, own="resource")
    return render_template(
        "access/closures.html",
        heading=_("Closures of %(name)s", name=resource.name),
        resource=resource,
        organisation=None,
        rows=rows,
        form=form,
        zone=resource.timezone,
    )


@bp.route("/org/<org_code>/closures", methods=["GET", "POST"])
@login_required
def org_closures(org_code: str) -> str | Response:
    organisation = _managed_organisation(org_code)
    zone_name = _organisation_zone(organisation)
    zone = ZoneInfo(zone_name)
    form = ClosureForm()
    if form.validate_on_submit():
        closure = _save_closure(form, zone, organisation=organisation)
        if closure is not None:
            flash(
                _(
                    "Every resource of %(name)s is closed: %(when)s.",
                    name=organisation.name,
                    when=_closure_when(closure, zone),
                ),
                "success",
            )
            return redirect(url_for("bookings.closure_impact", closure_id=closure.id))
    now = utcnow()
    rows = _closure_rows(list_organisation_closures(organisation, ending_after=now - RECENT), zone, now, own="org")
    return render_template(
        "access/closures.html",
        heading=_("Closures of every resource of %(name)s", name=organisation.name),
        resource=None,
        organisation=organisation,
        resources=_organisation_resources(organisation),
        rows=rows,
        form=form,
        zone=zone_name,
    )


def managed_closure_or_abort(closure_id: int) -> Closure:
    """The closure, for those who may manage it: 404 when there is none, 403 for anyone else."""
    closure = get_closure(closure_id)
    if closure is None:
        abort(404)
    if not can_manage_closure(current_user, closure):
        abort(403)
    return closure


@bp.route("/closures/<int:closure_id>/delete", methods=["POST"])
@login_required
def remove_closure(closure_id: int) -> Response:
    closure = managed_closure_or_abort(closure_id)
    if closure.resource is not None:
        back = url_for("access.closures", code=closure.resource.code)
    else:
        assert closure.organisation is not None
        back = url_for("access.org_closures", org_code=closure.organisation.code)
    if DeleteForm().validate_on_submit():
        reason = closure.reason
        with transaction(db.session):
            delete_closure(closure, actor=current_user, now=utcnow())
        flash(
            _("The closure “%(reason)s” is deleted: bookings may be made in that time again.", reason=reason), "success"
        )
    return redirect(back)


def _closure_when(closure: Closure, zone: ZoneInfo) -> str:
    return describe_span(closure.start, closure.end, zone)


def _organisation_resources(organisation: Organisation) -> list[Resource]:
    return list(
        db.session.scalars(select(Resource).where(Resource.owner_id == organisation.id).order_by(Resource.code))
    )


def _organisation_zone(organisation: Organisation) -> str:
    """The zone an organisation's closure is entered in: its resources' zone when they share one."""
    zones = set(db.session.scalars(select(Resource.timezone).where(Resource.owner_id == organisation.id).distinct()))
    return zones.pop() if len(zones) == 1 else DEFAULT_TIMEZONE


# --- the resource page's section ---------------------------------------------


@dataclass(frozen=True)
class SectionWindow:
    sentence: str
    open_to_you: bool
    open_for: list[str]  # units the user may book for, when the window admits them as that unit


def render_rules_section(resource: Resource) -> Markup:
    """Who may book, and when: the windows in plain words, which are open to the viewer, closures ahead."""
    label = unit_label_of(resource)
    windows = [row.to_domain() for row in list_windows(resource)]
    signed_in = bool(current_user.is_authenticated)
    own: frozenset[Audience] = frozenset()
    as_unit: list[tuple[str, frozenset[Audience]]] = []
    if signed_in and windows:
        own = audiences_of(requester_for(current_user), resource)
        wanted = {w.audience for w in windows} - own
        if wanted:
            for unit in list_units_user_may_act_for(current_user):
                as_unit.append((unit.name, audiences_of(requester_for(current_user, acting_for=unit), resource)))
    items = [
        SectionWindow(
            sentence=describe_window(window, label),
            open_to_you=window.audience in own,
            open_for=[name for name, audiences in as_unit if window.audience in audiences],
        )
        for window in windows
    ]
    now = utcnow()
    zone = ZoneInfo(resource.timezone)
    upcoming = [
        (describe_span(c.start, c.end, zone), c.reason, c.organisation.name if c.organisation is not None else None)
        for c in list_closures(resource, ending_after=now)
        if c.start < now + UPCOMING
    ]
    return Markup(
        render_template(
            "access/_rules_section.html",
            resource=resource,
            items=items,
            signed_in=signed_in,
            upcoming=upcoming,
            managing=signed_in and can_manage_rules(current_user, resource),
        )
    )
