"""Admin pages for organisations, their members and registrations."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.accounts.auth import admin_required
from app.accounts.services import get_user_by_login
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.logins import parse_login
from app.domain.organisations import OrgKind
from app.extensions import db
from app.forms import choices, show_domain_error
from app.messages import message_for
from app.organisations import bp
from app.organisations.forms import (
    MembershipForm,
    OrganisationForm,
    RegistrationDecisionForm,
    RemoveMembershipForm,
    UnitRegistrationForm,
)
from app.organisations.labels import (
    KIND_LABELS,
    REGISTRATION_KIND_LABELS,
    ROLE_LABELS,
    STATUS_LABELS,
    UNIT_TYPE_LABELS,
    label,
)
from app.organisations.models import Membership, Organisation
from app.organisations.services import (
    decide_registration,
    get_organisation,
    get_registration,
    list_members,
    list_organisations,
    list_registrations,
    register_unit,
    remove_membership,
    save_organisation,
    set_membership,
)
from app.queries import page_number
from app.urls import safe_local_path

SHOWN_REGISTRATIONS = 20


def _organisation_or_404(code: str) -> Organisation:
    org = get_organisation(code)
    if org is None:
        abort(404)
    return org


@bp.route("/")
@admin_required
def index() -> str:
    kind = request.args.get("kind", "")
    if kind not in KIND_LABELS:
        kind = ""
    q = request.args.get("q", "").strip()[:100]
    page = list_organisations(kind=kind or None, q=q, page=page_number(request.args.get("page")))
    return render_template("organisations/index.html", page=page, kind=kind, q=q)


def _parent_choices() -> list[SelectChoice]:
    parents = db.session.scalars(
        select(Organisation).where(Organisation.kind != OrgKind.UNIT.value).order_by(Organisation.code)
    )
    return choices([("", _("— none —")), *((o.code, f"{o.name} ({o.code})") for o in parents)])


def _save(form: OrganisationForm, org: Organisation | None) -> Organisation | None:
    parent = get_organisation(form.parent.data) if form.parent.data else None
    if form.parent.data and parent is None:
        form.parent.errors = [_("Choose an organisation from the list.")]
        return None
    try:
        with transaction(db.session):
            return save_organisation(
                org,
                code=(form.code.data or "").strip(),
                name=form.name.data or "",
                kind=form.kind.data or "",
                unit_type=form.unit_type.data or None,
                parent=parent,
                address=form.address.data or "",
                contact_phone=form.contact_phone.data or "",
                active=bool(form.active.data),
            )
    except DomainError as error:
        show_domain_error(form, error)
        return None


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def create() -> str | Response:
    form = OrganisationForm()
    form.parent.choices = _parent_choices()
    if request.method == "GET":
        form.parent.data = request.args.get("parent", "")
        form.kind.data = request.args.get("kind", "community")
    if form.validate_on_submit():
        org = _save(form, None)
        if org is not None:
            flash(_("%(name)s is created.", name=org.name), "success")
            return redirect(url_for("organisations.show", code=org.code))
    return render_template("organisations/form.html", form=form, org=None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@admin_required
def edit(code: str) -> str | Response:
    org = _organisation_or_404(code)
    form = OrganisationForm(obj=org)
    form.parent.choices = _parent_choices()
    if request.method == "GET":
        form.parent.data = org.parent.code if org.parent else ""
        form.unit_type.data = org.unit_type or ""
    if form.validate_on_submit():
        saved = _save(form, org)
        if saved is not None:
            flash(_("%(name)s is saved.", name=saved.name), "success")
            return redirect(url_for("organisations.show", code=saved.code))
        db.session.refresh(org)
    return render_template("organisations/form.html", form=form, org=org)


@bp.route("/<code>")
@admin_required
def show(code: str) -> str:
    org = _organisation_or_404(code)
    # The newest few; the registrations page lists them all, page by page.
    registrations = (
        list_registrations(community=org, per_page=SHOWN_REGISTRATIONS)
        if org.kind == OrgKind.COMMUNITY.value
        else list_registrations(unit=org, per_page=SHOWN_REGISTRATIONS)
        if org.kind == OrgKind.UNIT.value
        else None
    )
    unit_form = UnitRegistrationForm()
    if org.kind == OrgKind.UNIT.value:
        communities = list_organisations(kind=OrgKind.COMMUNITY.value, per_page=1000).items
        unit_form.community.choices = choices((c.code, f"{c.name} ({c.code})") for c in communities)
    return render_template(
        "organisations/show.html",
        org=org,
        members=list_members(org),
        registrations=registrations.items if registrations else [],
        registrations_total=registrations.total if registrations else 0,
        membership_form=MembershipForm(),
        remove_form=RemoveMembershipForm(),
        unit_form=unit_form,
        decision_form=RegistrationDecisionForm(),
    )


@bp.route("/<code>/members", methods=["POST"])
@admin_required
def set_member(code: str) -> Response | str:
    org = _organisation_or_404(code)
    form = MembershipForm()
    if form.validate_on_submit():
        try:
            user = get_user_by_login(parse_login(form.login.data or ""))
            if user is None:
                raise DomainError("user_not_found", field="login")
            with transaction(db.session):
                set_membership(user, org, form.role.data or "")
        except DomainError as error:
            show_domain_error(form, error)
        else:
            role = label(ROLE_LABELS, form.role.data)
            flash(_("%(name)s is now %(role)s of %(org)s.", name=user.name, role=role, org=org.name), "success")
            return redirect(url_for("organisations.show", code=org.code))
    problems = " ".join(e for errs in form.errors.values() for e in errs)
    flash(_("The member was not added: %(problems)s", problems=problems), "danger")
    return redirect(url_for("organisations.show", code=org.code))


@bp.route("/<code>/members/<int:membership_id>/remove", methods=["POST"])
@admin_required
def remove_member(code: str, membership_id: int) -> Response:
    org = _organisation_or_404(code)
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.organisation_id != org.id:
        abort(404)
    if RemoveMembershipForm().validate_on_submit():
        with transaction(db.session):
            remove_membership(membership)
        flash(_("The membership is removed."), "success")
    return redirect(url_for("organisations.show", code=org.code))


@bp.route("/<code>/register", methods=["POST"])
@admin_required
def register(code: str) -> Response:
    unit = _organisation_or_404(code)
    form = UnitRegistrationForm()
    form.community.choices = []
    community = get_organisation(request.form.get("community", ""))
    if form.validate_on_submit() and community is not None:
        try:
            with transaction(db.session):
                register_unit(unit, community, applicant=current_user)
        except DomainError as error:
            flash(message_for(error.code), "danger")
        else:
            flash(_("The registration is recorded as pending."), "success")
    elif community is None:
        flash(_("Choose a community."), "danger")
    return redirect(url_for("organisations.show", code=unit.code))


@bp.route("/registrations")
@admin_required
def registrations() -> str:
    status = request.args.get("status", "")
    if status not in STATUS_LABELS:
        status = ""
    community = get_organisation(request.args.get("community", "")) if request.args.get("community") else None
    unit = get_organisation(request.args.get("unit", "")) if request.args.get("unit") else None
    page = list_registrations(
        community=community, unit=unit, status=status or None, page=page_number(request.args.get("page")), per_page=50
    )
    return render_template(
        "organisations/registrations.html",
        page=page,
        status=status,
        community=community,
        unit=unit,
        decision_form=RegistrationDecisionForm(),
    )


@bp.route("/registrations/<int:registration_id>/decide", methods=["POST"])
@admin_required
def decide(registration_id: int) -> Response:
    registration = get_registration(registration_id)
    if registration is None:
        abort(404)
    form = RegistrationDecisionForm()
    if form.validate_on_submit():
        try:
            with transaction(db.session):
                decide_registration(
                    registration, form.status.data or "", by=current_user, now=utcnow(), reason=form.reason.data or ""
                )
        except DomainError as error:
            flash(message_for(error.code), "danger")
        else:
            flash(_("The registration is now %(status)s.", status=str(STATUS_LABELS[registration.status])), "success")
    else:
        flash(_("Choose a valid status."), "danger")
    default = url_for("organisations.show", code=registration.community.code)
    return redirect(safe_local_path(request.form.get("next"), default))


@bp.app_context_processor
def _labels() -> dict[str, object]:
    return {
        "kind_labels": KIND_LABELS,
        "unit_type_labels": UNIT_TYPE_LABELS,
        "role_labels": ROLE_LABELS,
        "status_labels": STATUS_LABELS,
        "registration_kind_labels": REGISTRATION_KIND_LABELS,
    }
