"""Directory pages: browse and search (public), resource pages, managers' pages."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.audit.services import list_entries
from app.db import transaction, utcnow
from app.directory import bp
from app.directory.forms import ActiveForm, ResourceForm
from app.directory.labels import AUDIT_ACTION_LABELS, FIELD_LABELS, KIND_ICONS, KIND_LABELS
from app.directory.media_forms import PhotoForm
from app.directory.models import Resource
from app.directory.sections import format_audit_value, render_resource_sections
from app.directory.services import (
    AUDIT_SUBJECT,
    ResourceFields,
    can_manage,
    get_resource,
    list_areas,
    list_owned_resources,
    list_possible_owners,
    save_resource,
    search_resources,
    set_active,
)
from app.domain.errors import DomainError
from app.domain.resources import Policy, normalise_tags
from app.extensions import db
from app.forms import choices, show_domain_error
from app.organisations.services import get_organisation, manages_any_organisation
from app.queries import page_number
from app.read_only import reads_only

PER_PAGE = 20


@bp.app_context_processor
def _directory_labels() -> dict[str, object]:
    return {
        "resource_kind_labels": KIND_LABELS,
        "resource_kind_icons": KIND_ICONS,
        "audit_action_labels": AUDIT_ACTION_LABELS,
        "resource_field_labels": FIELD_LABELS,
        "audit_value": format_audit_value,
        "manages_resources": current_user.is_authenticated
        and (current_user.is_admin or manages_any_organisation(current_user)),
    }


def _resource_or_404(code: str, *, manage: bool = False) -> Resource:
    resource = get_resource(code)
    if resource is None:
        abort(404)
    managing = can_manage(current_user, resource.owner)
    if manage and not managing:
        abort(403 if current_user.is_authenticated else 404)
    if not resource.active and not managing:
        abort(404)
    return resource


@bp.route("/")
@reads_only  # read far more than anything else
def index() -> str:
    q = request.args.get("q", "").strip()[:100]
    kind = request.args.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    area_code = request.args.get("area", "")
    area = get_organisation(area_code) if area_code else None
    page = search_resources(
        q=q, kind=kind or None, area=area, page=page_number(request.args.get("page")), per_page=PER_PAGE
    )
    return render_template("directory/index.html", page=page, q=q, kind=kind, area=area, areas=list_areas())


@bp.route("/mine")
@login_required
def mine() -> str:
    owners = list_possible_owners(current_user) if not current_user.is_admin else []
    return render_template(
        "directory/mine.html", owners=owners, resources=list_owned_resources(owners), is_admin=current_user.is_admin
    )


def _fields(form: ResourceForm) -> ResourceFields:
    owner = get_organisation(form.owner.data or "")
    if owner is None or not can_manage(current_user, owner):
        raise DomainError("invalid_owner", field="owner")
    return ResourceFields(
        code=(form.code.data or "").strip(),
        owner=owner,
        name=form.name.data or "",
        kind=form.kind.data or "",
        capacity=form.capacity.data or 0,
        unit_label=form.unit_label.data or "",
        address=form.address.data or "",
        latitude=form.latitude.data,
        longitude=form.longitude.data,
        description=form.description.data or "",
        amenities=tuple(normalise_tags(form.amenities.data or "")),
        timezone=(form.timezone.data or "").strip(),
        active=bool(form.active.data),
        policy=Policy(
            slot_minutes=form.slot_minutes.data or 0,
            min_minutes=form.min_minutes.data or 0,
            max_minutes=form.max_minutes.data or 0,
            book_ahead_days=form.book_ahead_days.data or 0,
            release_time=form.release_time.data,
            buffer_minutes=form.buffer_minutes.data or 0,
            requires_approval=bool(form.requires_approval.data),
            checkin_required=bool(form.checkin_required.data),
            checkin_grace_minutes=form.checkin_grace_minutes.data or 0,
            cancel_before_minutes=form.cancel_before_minutes.data or 0,
        ),
    )


def _owner_choices(form: ResourceForm, resource: Resource | None) -> None:
    owners = list_possible_owners(current_user)
    if resource is not None and resource.owner not in owners:
        owners = [resource.owner, *owners]
    if not owners:
        abort(403)
    form.owner.choices = choices((o.code, f"{o.name} ({o.code})") for o in owners)


def _save(form: ResourceForm, resource: Resource | None) -> Resource | None:
    try:
        with transaction(db.session):
            return save_resource(resource, _fields(form), actor=current_user, now=utcnow())
    except DomainError as error:
        show_domain_error(form, error)
        return None


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create() -> str | Response:
    form = ResourceForm()
    _owner_choices(form, None)
    if request.method == "GET" and request.args.get("owner"):
        form.owner.data = request.args["owner"]
    if form.validate_on_submit():
        resource = _save(form, None)
        if resource is not None:
            flash(_("%(name)s is in the directory.", name=resource.name), "success")
            return redirect(url_for("directory.manage", code=resource.code))
    return render_template("directory/form.html", form=form, resource=None)


@bp.route("/<code>/edit", methods=["GET", "POST"])
@login_required
def edit(code: str) -> str | Response:
    resource = _resource_or_404(code, manage=True)
    form = ResourceForm(obj=resource)
    _owner_choices(form, resource)
    if request.method == "GET":
        form.owner.data = resource.owner.code
        form.amenities.data = "、".join(resource.amenities or [])
    if form.validate_on_submit():
        saved = _save(form, resource)
        if saved is not None:
            flash(_("%(name)s is saved.", name=saved.name), "success")
            return redirect(url_for("directory.manage", code=saved.code))
        db.session.refresh(resource)
    return render_template("directory/form.html", form=form, resource=resource)


@bp.route("/<code>/manage")
@login_required
def manage(code: str) -> str:
    resource = _resource_or_404(code, manage=True)
    photo_form = PhotoForm()
    return render_template(
        "directory/manage.html",
        resource=resource,
        entries=list_entries(AUDIT_SUBJECT, resource.id),
        active_form=ActiveForm(),
        photo_form=photo_form,
    )


@bp.route("/<code>/active", methods=["POST"])
@login_required
def toggle_active(code: str) -> Response:
    resource = _resource_or_404(code, manage=True)
    if ActiveForm().validate_on_submit():
        with transaction(db.session):
            set_active(resource, not resource.active, actor=current_user, now=utcnow())
        if resource.active:
            flash(_("%(name)s is listed again and can be booked.", name=resource.name), "success")
        else:
            flash(_("%(name)s is hidden from the directory and cannot be booked.", name=resource.name), "success")
    return redirect(url_for("directory.manage", code=resource.code))


@bp.route("/<code>")
@reads_only
def show(code: str) -> str:
    resource = _resource_or_404(code)
    return render_template(
        "directory/show.html",
        resource=resource,
        managing=can_manage(current_user, resource.owner),
        sections=render_resource_sections(resource),
    )
