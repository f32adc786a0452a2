"""Registration pages (双报到) for everyone: a resident registers (by the community's QR code too), a unit's
manager applies, a community's managers work through the roster, receipts are shown and printed."""

from __future__ import annotations

import io
from typing import Any
from zoneinfo import ZoneInfo

import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, RegistrationKind
from app.domain.resources import DEFAULT_TIMEZONE
from app.extensions import db
from app.forms import choices, show_domain_error
from app.messages import message_for
from app.organisations import bp
from app.organisations.labels import REGISTRATION_KIND_LABELS, STATUS_LABELS
from app.organisations.models import Organisation, Registration
from app.organisations.registration_forms import (
    AcknowledgeForm,
    ConfirmRosterImportForm,
    DeclineForm,
    ResidenceForm,
    RosterImportForm,
    UnitApplicationForm,
    WithdrawForm,
)
from app.organisations.registrations import (
    RosterFilters,
    acknowledge_many,
    apply_for_unit,
    count_pending,
    decline_registration,
    find_communities,
    get_registration_locked,
    is_registrant,
    list_active_units,
    list_all_roster,
    list_managed_communities,
    list_managed_units,
    list_roster,
    may_manage_community,
    may_see_registration,
    register_residence,
    roster_counts,
    withdraw_registration,
)
from app.organisations.roster import IMPORT_COLUMNS, MemberSheet, export_roster, parse_members, save_members
from app.organisations.services import current_residence, get_organisation, get_registration, list_user_registrations
from app.queries import page_number

# As the resources' posters (app.directory.media_views): a full QR code at level M, never Micro QR.
QR_ERROR_LEVEL = "m"
QR_BORDER = 4
ROSTER_PAGE = 50
ROSTER_SIGNING_SALT = "roster-import"


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _community_or_404(code: str) -> Organisation:
    org = get_organisation(code)
    if org is None or org.kind != OrgKind.COMMUNITY.value:
        abort(404)
    return org


def _managed_community(code: str) -> Organisation:
    community = _community_or_404(code)
    if not may_manage_community(_user(), community):
        abort(403)
    return community


def join_url(community: Organisation) -> str:
    """The address the community's QR code carries (PUBLIC_BASE_URL first, as for resources' posters)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for("organisations.join", code=community.code)
    return url_for("organisations.join", code=community.code, _external=True)


# --- everyone: my registrations, registering, applying ------------------------------


@bp.route("/registrations/mine")
@login_required
def my_registrations() -> str:
    user = _user()
    q = request.args.get("q", "").strip()[:100]
    managed = list_managed_communities(user)
    registrations = list(list_user_registrations(user))
    return render_template(
        "organisations/my_registrations.html",
        residence=current_residence(user),
        personal=[r for r in registrations if r.kind == RegistrationKind.RESIDENT.value],
        unit_registrations=[r for r in registrations if r.kind == RegistrationKind.UNIT.value],
        units=list_managed_units(user),
        communities=managed,
        pending=count_pending(managed),
        q=q,
        found=find_communities(q) if q else [],
        withdraw_form=WithdrawForm(),
    )


@bp.route("/<code>/join", methods=["GET", "POST"])
@login_required
def join(code: str) -> str | Response | tuple[str, int]:
    """Register as a resident here: where the community's QR code leads."""
    community = _community_or_404(code)
    if not community.active:
        abort(404)
    user = _user()
    form = ResidenceForm()
    form.work_unit.choices = choices([("", _("— not given —")), *((u.code, u.name) for u in list_active_units())])
    residence = current_residence(user)
    if form.validate_on_submit():
        work_unit = get_organisation(form.work_unit.data) if form.work_unit.data else None
        if form.work_unit.data and (work_unit is None or work_unit.kind != OrgKind.UNIT.value):
            form.work_unit.errors = [message_for("not_a_unit")]
        else:
            try:
                with transaction(db.session, write_lock=True):
                    register_residence(
                        _user(), community, party_member=bool(form.party_member.data), work_unit=work_unit, now=utcnow()
                    )
            except DomainError as error:
                show_domain_error(form, error, fields={"community": "submit"})
            else:
                flash(
                    _("Your registration at %(name)s is sent. The community will acknowledge it.", name=community.name),
                    "success",
                )
                return redirect(url_for("organisations.my_registrations"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("organisations/join.html", community=community, form=form, residence=residence), status


@bp.route("/registrations/apply", methods=["GET", "POST"])
@login_required
def apply_unit() -> str | Response | tuple[str, int]:
    """A unit's manager applies to register the unit with one or more communities."""
    user = _user()
    units = list_managed_units(user)
    form = UnitApplicationForm()
    form.unit.choices = choices((u.code, f"{u.name} ({u.code})") for u in units)
    form.communities.choices = choices((c.code, f"{c.name} ({c.code})") for c in find_communities("", limit=1000))
    if request.method == "GET" and request.args.get("unit"):
        form.unit.data = request.args["unit"]
    if form.validate_on_submit():
        unit = get_organisation(form.unit.data or "")
        if unit is None or unit.kind != OrgKind.UNIT.value:
            form.unit.errors = [message_for("not_a_unit")]
        else:
            wanted = [get_organisation(c) for c in form.communities.data or []]
            communities = [c for c in wanted if c is not None and c.kind == OrgKind.COMMUNITY.value and c.active]
            if len(communities) != len(wanted) or not communities:
                form.communities.errors = [message_for("not_a_community")]
            else:
                try:
                    with transaction(db.session, write_lock=True):
                        apply_for_unit(unit, communities, applicant=_user())
                except DomainError as error:
                    if error.code == "forbidden":
                        abort(403)
                    show_domain_error(form, error, fields={"community": "communities", "unit": "unit"})
                else:
                    flash(
                        _(
                            "%(unit)s applied to register with %(communities)s.",
                            unit=unit.name,
                            communities="、".join(c.name for c in communities),
                        ),
                        "success",
                    )
                    return redirect(url_for("organisations.my_registrations"))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("organisations/apply.html", form=form, units=units), status


def _registration_or_404(registration_id: int) -> Registration:
    registration = get_registration(registration_id)
    if registration is None:
        abort(404)
    return registration


@bp.route("/registrations/<int:registration_id>/receipt")
@login_required
def receipt(registration_id: int) -> str:
    """The registration and, once acknowledged, its numbered receipt (回执) to print."""
    registration = _registration_or_404(registration_id)
    if not may_see_registration(_user(), registration):
        abort(403)
    return render_template("organisations/receipt.html", registration=registration)


@bp.route("/registrations/<int:registration_id>/withdraw", methods=["POST"])
@login_required
def withdraw(registration_id: int) -> Response:
    registration = _registration_or_404(registration_id)
    if not is_registrant(_user(), registration):
        abort(403)
    if WithdrawForm().validate_on_submit():
        try:
            with transaction(db.session, write_lock=True):
                locked = get_registration_locked(registration_id)
                assert locked is not None
                withdraw_registration(locked, by=_user(), now=utcnow())
        except DomainError as error:
            flash(message_for(error.code), "danger")
        else:
            flash(_("The registration is withdrawn."), "success")
    return redirect(url_for("organisations.my_registrations"))


# --- a community's managers: the roster ---------------------------------------------


def _filters() -> RosterFilters:
    status = request.args.get("status", "pending")
    kind = request.args.get("kind", "")
    return RosterFilters(
        status=status if status in STATUS_LABELS else None,
        kind=kind if kind in REGISTRATION_KIND_LABELS else None,
        party_member=request.args.get("party") == "1",
        q=request.args.get("q", "").strip()[:100],
    )


def _roster_page(
    community: Organisation, *, decline_errors: dict[int, list[str]] | None = None, status: int = 200
) -> tuple[str, int]:
    filters = _filters()
    page = list_roster(community, filters, page=page_number(request.args.get("page")), per_page=ROSTER_PAGE)
    return (
        render_template(
            "organisations/roster.html",
            community=community,
            page=page,
            filters=filters,
            status_filter=request.args.get("status", "pending"),
            counts=roster_counts(community),
            acknowledge_form=AcknowledgeForm(),
            decline_form=DeclineForm(formdata=None),
            decline_errors=decline_errors or {},
        ),
        status,
    )


@bp.route("/<code>/roster")
@login_required
def roster(code: str) -> tuple[str, int]:
    return _roster_page(_managed_community(code))


def _back_to_roster(community: Organisation) -> Response:
    return redirect(
        request.form.get("next_url")
        if _is_roster_url(request.form.get("next_url"), community)
        else url_for("organisations.roster", code=community.code)
    )


def _is_roster_url(value: str | None, community: Organisation) -> bool:
    base = url_for("organisations.roster", code=community.code)
    return bool(value) and (value == base or value.startswith(base + "?"))  # type: ignore[union-attr]


@bp.route("/<code>/roster/acknowledge", methods=["POST"])
@login_required
def roster_acknowledge(code: str) -> Response:
    """Acknowledge one registration, the chosen ones, or every pending one shown (bulk)."""
    community = _managed_community(code)
    if not AcknowledgeForm().validate_on_submit():
        flash(message_for("csrf_failed"), "danger")
        return _back_to_roster(community)
    field = "shown" if request.form.get("scope") == "all" else "registration"
    raw = request.form.getlist(field)
    if not all(value.isdigit() and len(value) < 12 for value in raw):
        abort(400)
    try:
        with transaction(db.session, write_lock=True):
            outcome = acknowledge_many(community, [int(v) for v in raw], by=_user(), now=utcnow())
    except DomainError as error:
        if error.code == "not_found":
            abort(404)
        flash(message_for(error.code), "danger")
    else:
        message = _("%(n)s acknowledged.", n=outcome.acknowledged)
        if outcome.skipped:
            message += " " + _("%(n)s were no longer pending and are left as they are.", n=outcome.skipped)
        flash(message, "success")
    return _back_to_roster(community)


@bp.route("/<code>/roster/<int:registration_id>/decline", methods=["POST"])
@login_required
def roster_decline(code: str, registration_id: int) -> Response | tuple[str, int]:
    community = _managed_community(code)
    registration = _registration_or_404(registration_id)
    if registration.community_id != community.id:
        abort(404)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            with transaction(db.session, write_lock=True):
                locked = get_registration_locked(registration_id)
                assert locked is not None
                decline_registration(locked, by=_user(), now=utcnow(), reason=form.reason.data or "")
        except DomainError as error:
            if error.field != "reason":  # decided meanwhile: its row may be gone from the queue shown
                flash(message_for(error.code), "danger")
                return _back_to_roster(community)
            form.reason.errors = [message_for(error.code)]
        else:
            flash(_("The registration is declined."), "success")
            return _back_to_roster(community)
    errors = [str(e) for e in form.reason.errors] or [str(e) for e in form.errors.get("csrf_token", [])]
    return _roster_page(community, decline_errors={registration_id: errors}, status=400)


# --- the community's registration poster ----------------------------------------------


def _make_qr(url: str) -> segno.QRCode:
    return segno.make_qr(url, error=QR_ERROR_LEVEL, boost_error=False)


@bp.route("/<code>/qr.svg")
def registration_qr(code: str) -> Response:
    community = _community_or_404(code)
    out = io.BytesIO()
    _make_qr(join_url(community)).save(
        out,
        kind="svg",
        border=QR_BORDER,
        omitsize=True,
        title=_("QR code: register at %(name)s", name=community.name),
        light="#fff",
        svgclass=None,
        lineclass=None,
    )
    response = Response(out.getvalue(), content_type="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Accept-Language")
    response.vary.add("Cookie")
    return response


@bp.route("/<code>/poster")
def registration_poster(code: str) -> str:
    """A printable poster: scan to register at this community (线上报到)."""
    community = _community_or_404(code)
    return render_template("organisations/registration_poster.html", community=community, join_url=join_url(community))


# --- the roster as CSV: export, and import members (checked first, then all or nothing) -----------


@bp.route("/<code>/roster.csv")
@login_required
def roster_export(code: str) -> Response:
    community = _managed_community(code)
    now = utcnow().astimezone(ZoneInfo(DEFAULT_TIMEZONE))
    body = "\ufeff" + export_roster(list_all_roster(community))  # the BOM: Excel then reads it as UTF-8
    return Response(
        body.encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f"attachment; filename=linli-roster-{community.code}-{now:%Y%m%d}.csv",
            "Cache-Control": "private, no-store",
        },
    )


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt=ROSTER_SIGNING_SALT)


def _import_page(
    community: Organisation, form: RosterImportForm, *, refusal: str | None = None, status: int = 200
) -> tuple[str, int]:
    return (
        render_template(
            "organisations/roster_import.html",
            community=community,
            form=form,
            columns=IMPORT_COLUMNS,
            refusal=refusal,
            sheet=None,
            confirm_form=None,
        ),
        status,
    )


def _import_preview(
    community: Organisation,
    sheet: MemberSheet,
    filename: str,
    confirm_form: ConfirmRosterImportForm | None,
    *,
    status: int = 200,
) -> tuple[str, int]:
    return (
        render_template(
            "organisations/roster_import.html",
            community=community,
            form=None,
            columns=IMPORT_COLUMNS,
            refusal=None,
            sheet=sheet,
            filename=filename,
            confirm_form=confirm_form,
        ),
        status,
    )


class _ImportRefused(Exception):  # noqa: N818 - carries the sheet out of the rolled-back transaction
    def __init__(self, sheet: MemberSheet) -> None:
        self.sheet = sheet


@bp.route("/<code>/roster/import", methods=["GET", "POST"])
@login_required
def roster_import(code: str) -> Any:
    community = _managed_community(code)
    if request.method == "POST" and "payload" in request.form:
        return _confirm_import(community)
    form = RosterImportForm()
    if not form.validate_on_submit():
        return _import_page(community, form, status=400 if request.method == "POST" else 200)
    # The directory's reader of uploaded CSV (UTF-8, BOM, GBK), imported here rather than above: the
    # directory stands on a floor above organisations, and imports it.
    from app.directory.spreadsheet import SheetRefused, decode

    upload = form.file.data
    filename = upload.filename or "members.csv"
    try:
        text = decode(upload.read())
    except SheetRefused as refused:
        form.file.errors = [refused.message]
        return _import_page(community, form, status=400)
    sheet = parse_members(text, community)
    confirm_form = None
    if sheet.ok:
        payload = {"file": filename, "text": text, "by": _user().id, "community": community.code}
        confirm_form = ConfirmRosterImportForm(formdata=None, payload=_signer().dumps(payload))
    return _import_preview(community, sheet, filename, confirm_form, status=200 if sheet.ok else 400)


def _confirm_import(community: Organisation) -> Any:
    form = ConfirmRosterImportForm()
    try:
        payload = _signer().loads(form.payload.data or "") if form.validate_on_submit() else None
    except BadSignature:
        payload = None
    if (
        not isinstance(payload, dict)
        or payload.get("by") != _user().id
        or payload.get("community") != community.code
        or not isinstance(payload.get("text"), str)
    ):
        message = _("The confirmation was not accepted: its data was changed after the preview. Nothing was written.")
        return _import_page(community, RosterImportForm(formdata=None), refusal=message, status=400)
    filename = str(payload.get("file") or "")
    try:
        with transaction(db.session, write_lock=True):
            locked = get_organisation(community.code)
            assert locked is not None
            # Checked again: people may have registered elsewhere since the preview.
            sheet = parse_members(payload["text"], locked)
            if not sheet.ok:
                raise _ImportRefused(sheet)
            counts = save_members(sheet, locked, actor=_user(), now=utcnow())
    except _ImportRefused as refused:
        flash(_("Registrations changed since the preview; nothing was written. See the problems below."), "danger")
        return _import_preview(community, refused.sheet, filename, None, status=409)
    flash(
        _(
            "%(file)s is imported: %(created)s registered, %(acknowledged)s acknowledged, %(unchanged)s unchanged.",
            file=filename,
            created=counts["created"],
            acknowledged=counts["acknowledged"],
            unchanged=counts["unchanged"],
        ),
        "success",
    )
    return redirect(url_for("organisations.roster", code=community.code, status="acknowledged"))
