"""Pages of the ties between people: cross-appointed committee members (兼职委员) and help pairs (帮扶对子)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.accounts.services import get_user_by_code, get_user_by_login
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.logins import parse_login
from app.domain.organisations import OrgKind
from app.extensions import db
from app.forms import choices, show_domain_error
from app.messages import message_for
from app.organisations.services import get_organisation
from app.pairing import bp
from app.pairing.appointments import appoint, end_appointment, get_appointment, list_appointments, list_lent
from app.pairing.forms import ActionForm, AppointmentForm, HelpPairForm
from app.pairing.help_pairs import end_pair, get_pair, list_candidates, list_pairs, pair_up
from app.pairing.pages import managed_org, readable_org, signed_in_user
from app.pairing.services import manages, partners_of


def _person(raw: str, form: Any, field: str) -> User | None:
    """The user a phone number or email names; the refusal goes under `field`."""
    try:
        user = get_user_by_login(parse_login(raw))
    except DomainError as error:
        getattr(form, field).errors = [message_for(error.code)]
        return None
    if user is None or not user.active:
        getattr(form, field).errors = [message_for("user_not_found")]
        return None
    return user


# --- cross-appointed committee members -------------------------------------------------------


@bp.route("/<org_code>/committee", methods=["GET", "POST"])
@login_required
def appointments(org_code: str) -> str | Response | tuple[str, int]:
    """The organisation's committee members from its partners; its managers appoint more."""
    org = readable_org(org_code)
    may_act = manages(signed_in_user(), org)
    if request.method == "POST" and not may_act:
        abort(403)
    partners = partners_of(org)
    form = AppointmentForm()
    form.from_org.choices = choices((p.code, f"{p.name} ({p.code})") for p in partners)
    if form.validate_on_submit():
        sending = get_organisation(form.from_org.data or "")
        person = _person(form.person.data or "", form, "person")
        if sending is None:
            form.from_org.errors = [message_for("unit_not_registered")]
        elif person is not None:
            try:
                with transaction(db.session, write_lock=True):
                    appoint(
                        org,
                        sending,
                        person,
                        role_title=form.role_title.data or "",
                        term_start=form.term_start.data,
                        term_end=form.term_end.data,
                        by=signed_in_user(),
                        now=utcnow(),
                    )
            except DomainError as error:
                show_domain_error(form, error)
            else:
                flash(_("%(name)s is appointed.", name=person.name), "success")
                return redirect(url_for("pairing.appointments", org_code=org.code))
    status = 400 if form.errors or form.form_errors else 200
    return (
        render_template(
            "pairing/appointments.html",
            org=org,
            form=form,
            partners=partners,
            received=list_appointments(org),
            lent=list_lent(org),
            may_act=may_act,
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.route("/<org_code>/committee/<int:appointment_id>/end", methods=["POST"])
@login_required
def end_committee_appointment(org_code: str, appointment_id: int) -> Response:
    org = managed_org(org_code)
    appointment = get_appointment(appointment_id)
    if appointment is None or appointment.to_org_id != org.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            with transaction(db.session, write_lock=True):
                end_appointment(appointment, by=signed_in_user(), now=utcnow())
        except DomainError as error:
            flash(message_for(error.code), "danger")
        else:
            flash(_("The appointment is ended."), "success")
    else:
        flash(message_for("csrf_failed"), "danger")
    return redirect(url_for("pairing.appointments", org_code=org.code))


# --- help pairs ----------------------------------------------------------------------------------


def _community(code: str, *, acting: bool) -> Any:
    org = managed_org(code) if acting else readable_org(code)
    if org.kind != OrgKind.COMMUNITY.value:
        abort(404)  # help pairs are a community's
    return org


@bp.route("/<org_code>/help-pairs", methods=["GET", "POST"])
@login_required
def help_pairs(org_code: str) -> str | Response | tuple[str, int]:
    community = _community(org_code, acting=request.method == "POST")
    candidates = list_candidates(community)
    form = HelpPairForm()
    form.member.choices = choices(
        (
            c.key,
            f"{c.user.name} · {c.via_unit.name}" if c.via_unit else f"{c.user.name} · {_('party member living here')}",
        )
        for c in candidates
    )
    if form.validate_on_submit():
        code, _bar, unit_code = (form.member.data or "").partition("|")
        member = get_user_by_code(code) if code else None
        via_unit = get_organisation(unit_code) if unit_code else None
        resident = _person(form.resident.data or "", form, "resident")
        if member is None or (unit_code and via_unit is None):
            form.member.errors = [message_for("not_a_party_member")]
        elif resident is not None:
            try:
                with transaction(db.session, write_lock=True):
                    pair_up(
                        community,
                        member,
                        resident,
                        via_unit=via_unit,
                        note=form.note.data or "",
                        by=signed_in_user(),
                        now=utcnow(),
                    )
            except DomainError as error:
                show_domain_error(form, error)
            else:
                flash(
                    _("%(member)s and %(resident)s are paired.", member=member.name, resident=resident.name), "success"
                )
                return redirect(url_for("pairing.help_pairs", org_code=community.code))
    status = 400 if form.errors or form.form_errors else 200
    return (
        render_template(
            "pairing/help_pairs.html",
            org=community,
            form=form,
            candidates=candidates,
            pairs=list_pairs(community),
            may_act=manages(signed_in_user(), community),
            action_form=ActionForm(formdata=None),
        ),
        status,
    )


@bp.route("/<org_code>/help-pairs/<int:pair_id>/end", methods=["POST"])
@login_required
def end_help_pair(org_code: str, pair_id: int) -> Response:
    community = _community(org_code, acting=True)
    pair = get_pair(pair_id)
    if pair is None or pair.community_id != community.id:
        abort(404)
    if ActionForm().validate_on_submit():
        try:
            with transaction(db.session, write_lock=True):
                end_pair(pair, by=signed_in_user(), now=utcnow())
        except DomainError as error:
            flash(message_for(error.code), "danger")
        else:
            flash(_("The help pair is ended."), "success")
    else:
        flash(message_for("csrf_failed"), "danger")
    return redirect(url_for("pairing.help_pairs", org_code=community.code))
