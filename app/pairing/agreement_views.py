"""Co-building agreement pages (共建协议): each side's list, drafting with items, signing, progress, printing."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from app.audit.services import list_entries
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.pairing import AgreementStatus, Side
from app.extensions import db
from app.forms import choices, show_domain_error
from app.messages import message_for
from app.organisations.services import get_organisation, list_managed_organisations
from app.pairing import bp
from app.pairing.figures import pairing_figures
from app.pairing.forms import ActionForm, AgreementForm, ItemForm, NewAgreementForm, ProgressForm
from app.pairing.labels import (
    AGREEMENT_STATUS_LABELS,
    AUDIT_ACTION_LABELS,
    BADGE_CLASSES,
    ITEM_STATUS_LABELS,
    RESPONSIBLE_LABELS,
    SIDE_LABELS,
    TIE_STATUS_LABELS,
)
from app.pairing.models import Agreement, AgreementItem
from app.pairing.pages import local_today, managed_org, readable_org, signed_in_user
from app.pairing.services import (
    AUDIT_SUBJECT,
    PAIRED_KINDS,
    add_item,
    draft_agreement,
    edit_agreement,
    edit_item,
    end_agreement,
    get_agreement,
    get_agreement_locked,
    get_item,
    item_counts,
    list_agreement_years,
    list_agreements,
    list_pending_signatures,
    manages,
    may_see_agreement,
    partners_of,
    record_progress,
    remove_item,
    send_back,
    sides_managed,
    sign_agreement,
    withdraw_agreement,
)


def _visible_agreement(agreement_id: int) -> Agreement:
    agreement = get_agreement(agreement_id)
    if agreement is None:
        abort(404)
    if not may_see_agreement(signed_in_user(), agreement):
        abort(403)
    return agreement


def _acting_agreement(agreement_id: int) -> Agreement:
    """The agreement, for a change: managers of one of its sides only (admins read, they do not act)."""
    agreement = _visible_agreement(agreement_id)
    if not sides_managed(signed_in_user(), agreement):
        abort(403)
    return agreement


def _locked(agreement_id: int) -> Agreement:
    agreement = get_agreement_locked(agreement_id)
    if agreement is None:  # removed meanwhile (its organisation deleted)
        abort(404)
    return agreement


def _item_or_404(agreement: Agreement, item_id: int) -> AgreementItem:
    item = get_item(agreement, item_id)
    if item is None:
        abort(404)
    return item


def _to_agreement(agreement_id: int, anchor: str = "") -> Response:
    return redirect(url_for("pairing.agreement", agreement_id=agreement_id) + (f"#{anchor}" if anchor else ""))


# --- lists --------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index() -> str:
    """The organisations the user manages, and agreements waiting for their signature."""
    user = signed_in_user()
    orgs = [o for o in list_managed_organisations(user) if o.kind in PAIRED_KINDS]
    return render_template("pairing/index.html", orgs=orgs, waiting=list_pending_signatures(user))


@bp.route("/<org_code>")
@login_required
def agreements(org_code: str) -> str:
    """One side's agreements, a year at a time (or all years), with the year's figures."""
    org = readable_org(org_code)
    today = local_today()
    raw_year = request.args.get("year", str(today.year))
    year = int(raw_year) if raw_year.isdigit() and len(raw_year) == 4 else None
    status = request.args.get("status", "")
    if status not in AGREEMENT_STATUS_LABELS:
        status = ""
    rows = list_agreements(org, year=year, status=status or None)
    years = sorted({*list_agreement_years(org), today.year}, reverse=True)
    shown_year = year or today.year
    return render_template(
        "pairing/agreements.html",
        org=org,
        agreements=rows,
        counts=item_counts(rows),
        year=year,
        years=years,
        status=status,
        figures=pairing_figures([org.id], shown_year)[org.id],
        figures_year=shown_year,
        may_act=manages(signed_in_user(), org),
    )


# --- drafting ----------------------------------------------------------------------------


@bp.route("/<org_code>/agreements/new", methods=["GET", "POST"])
@login_required
def new_agreement(org_code: str) -> str | Response | tuple[str, int]:
    org = managed_org(org_code)
    partners = partners_of(org)
    form = NewAgreementForm()
    form.partner.choices = choices((p.code, f"{p.name} ({p.code})") for p in partners)
    if request.method == "GET":
        form.year.data = local_today().year
        form.title.data = _("Co-building agreement %(year)s", year=form.year.data)
        if request.args.get("partner"):
            form.partner.data = request.args["partner"]
    if form.validate_on_submit():
        partner = get_organisation(form.partner.data or "")
        if partner is None:
            form.partner.errors = [message_for("unit_not_registered")]
        else:
            try:
                with transaction(db.session, write_lock=True):
                    agreement = draft_agreement(
                        org,
                        partner,
                        year=form.year.data,
                        title=form.title.data or "",
                        body=form.body.data or "",
                        by=signed_in_user(),
                        now=utcnow(),
                    )
            except DomainError as error:
                if error.code == "forbidden":
                    abort(403)
                show_domain_error(form, error)
            else:
                flash(_("The draft is saved. Add its items, then sign it."), "success")
                return redirect(url_for("pairing.agreement", agreement_id=agreement.id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("pairing/agreement_form.html", form=form, org=org, partners=partners, agreement=None), status


@bp.route("/agreements/<int:agreement_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agreement_text(agreement_id: int) -> str | Response | tuple[str, int]:
    agreement = _acting_agreement(agreement_id)
    form = AgreementForm(obj=agreement)
    if form.validate_on_submit():
        try:
            with transaction(db.session, write_lock=True):
                edit_agreement(
                    _locked(agreement_id),
                    year=form.year.data,
                    title=form.title.data or "",
                    body=form.body.data or "",
                    by=signed_in_user(),
                    now=utcnow(),
                )
        except DomainError as error:
            if error.code == "not_editable":
                flash(message_for(error.code), "danger")
                return _to_agreement(agreement_id)
            show_domain_error(form, error)
        else:
            flash(_("The draft is saved."), "success")
            return _to_agreement(agreement_id)
    elif request.method == "GET" and agreement.status != AgreementStatus.DRAFT.value:
        flash(message_for("not_editable"), "danger")
        return _to_agreement(agreement_id)
    status = 400 if form.errors or form.form_errors else 200
    return render_template(
        "pairing/agreement_form.html", form=form, org=None, partners=None, agreement=agreement
    ), status


# --- the agreement ----------------------------------------------------------------------------


def _agreement_page(agreement: Agreement, *, item_form: ItemForm | None = None, status: int = 200) -> tuple[str, int]:
    user = signed_in_user()
    sides = sides_managed(user, agreement)
    return (
        render_template(
            "pairing/agreement.html",
            agreement=agreement,
            sides=sides,
            home=next((agreement.unit if s is Side.UNIT else agreement.community for s in sides), None),
            item_form=item_form or ItemForm(formdata=None),
            progress_form=ProgressForm(formdata=None),
            action_form=ActionForm(formdata=None),
            entries=list_entries(AUDIT_SUBJECT, agreement.id) if sides or user.is_admin else [],
            action_labels=AUDIT_ACTION_LABELS,
        ),
        status,
    )


@bp.route("/agreements/<int:agreement_id>")
@login_required
def agreement(agreement_id: int) -> tuple[str, int]:
    """The agreement with its items and signatures; printed, it is the signed copy."""
    return _agreement_page(_visible_agreement(agreement_id))


def _item_fields(form: ItemForm) -> dict[str, Any]:
    """What an item form says, as adding and editing an item take it."""
    return {
        "what": form.what.data or "",
        "responsible": form.responsible.data or "",
        "person": form.person.data or "",
        "due_on": form.due_on.data,
    }


@bp.route("/agreements/<int:agreement_id>/items", methods=["POST"])
@login_required
def add_agreement_item(agreement_id: int) -> Response | tuple[str, int]:
    agreement = _acting_agreement(agreement_id)
    form = ItemForm()
    if form.validate_on_submit():
        try:
            with transaction(db.session, write_lock=True):
                add_item(
                    _locked(agreement_id),
                    **_item_fields(form),
                    by=signed_in_user(),
                    now=utcnow(),
                )
        except DomainError as error:
            if error.code == "not_editable":
                flash(message_for(error.code), "danger")
                return _to_agreement(agreement_id)
            show_domain_error(form, error)
        else:
            flash(_("The item is added."), "success")
            return _to_agreement(agreement_id, "items")
    db.session.refresh(agreement)
    return _agreement_page(agreement, item_form=form, status=400)


@bp.route("/agreements/<int:agreement_id>/items/<int:item_id>/edit", methods=["GET", "POST"])
@login_required
def edit_agreement_item(agreement_id: int, item_id: int) -> str | Response | tuple[str, int]:
    agreement = _acting_agreement(agreement_id)
    item = _item_or_404(agreement, item_id)
    if agreement.status != AgreementStatus.DRAFT.value:
        flash(message_for("not_editable"), "danger")
        return _to_agreement(agreement_id)
    form = ItemForm(obj=item)
    form.submit.label.text = _("Save the item")
    if form.validate_on_submit():
        try:
            with transaction(db.session, write_lock=True):
                locked = _locked(agreement_id)
                edit_item(
                    _item_or_404(locked, item_id),
                    **_item_fields(form),
                    by=signed_in_user(),
                    now=utcnow(),
                )
        except DomainError as error:
            if error.code == "not_editable":
                flash(message_for(error.code), "danger")
                return _to_agreement(agreement_id)
            show_domain_error(form, error)
        else:
            flash(_("The item is saved."), "success")
            return _to_agreement(agreement_id, "items")
    status = 400 if form.errors or form.form_errors else 200
    return render_template("pairing/item_form.html", form=form, agreement=agreement, item=item), status


def _act(agreement_id: int, run: Any, done: str, anchor: str = "") -> Response:
    """A button's change under the write lock: refusals are flashed, `forbidden` is 403."""
    _acting_agreement(agreement_id)
    if not ActionForm().validate_on_submit():
        flash(message_for("csrf_failed"), "danger")
        return _to_agreement(agreement_id)
    try:
        with transaction(db.session, write_lock=True):
            run(_locked(agreement_id))
    except DomainError as error:
        if error.code == "forbidden":
            abort(403)
        flash(message_for(error.code), "danger")
    else:
        flash(done, "success")
    return _to_agreement(agreement_id, anchor)


@bp.route("/agreements/<int:agreement_id>/items/<int:item_id>/remove", methods=["POST"])
@login_required
def remove_agreement_item(agreement_id: int, item_id: int) -> Response:
    _item_or_404(_acting_agreement(agreement_id), item_id)

    def run(agreement: Agreement) -> None:
        remove_item(_item_or_404(agreement, item_id), by=signed_in_user(), now=utcnow())

    return _act(agreement_id, run, _("The item is removed."), "items")


@bp.route("/agreements/<int:agreement_id>/items/<int:item_id>/progress", methods=["POST"])
@login_required
def item_progress(agreement_id: int, item_id: int) -> Response:
    _item_or_404(_acting_agreement(agreement_id), item_id)
    form = ProgressForm()
    if not form.validate_on_submit():
        flash(message_for("csrf_failed"), "danger")
        return _to_agreement(agreement_id)
    try:
        with transaction(db.session, write_lock=True):
            locked = _locked(agreement_id)
            record_progress(
                _item_or_404(locked, item_id),
                status=form.status.data or "",
                note=form.note.data or "",
                by=signed_in_user(),
                now=utcnow(),
            )
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(_("The progress is saved."), "success")
    return _to_agreement(agreement_id, f"item-{item_id}")


@bp.route("/agreements/<int:agreement_id>/sign", methods=["POST"])
@login_required
def sign(agreement_id: int) -> Response:
    """One tap signs for one side; each side signs once."""
    _acting_agreement(agreement_id)  # who may, before what they asked for
    try:
        side = Side(request.form.get("side", ""))
    except ValueError:
        abort(400)
    signed = {}

    def run(agreement: Agreement) -> None:
        sign_agreement(agreement, side, by=signed_in_user(), now=utcnow())
        signed["status"] = agreement.status

    response = _act(agreement_id, run, _("Signed."), "signatures")
    if signed.get("status") == AgreementStatus.SIGNED.value:
        flash(_("Both sides have signed: the agreement is in force and its content is frozen."), "success")
    elif signed:
        flash(_("The other side's managers are asked to sign it."), "info")
    return response


@bp.route("/agreements/<int:agreement_id>/send-back", methods=["POST"])
@login_required
def send_back_agreement(agreement_id: int) -> Response:
    return _act(
        agreement_id,
        lambda a: send_back(a, by=signed_in_user(), now=utcnow()),
        _("The agreement is a draft again; its signature is cleared."),
    )


@bp.route("/agreements/<int:agreement_id>/withdraw", methods=["POST"])
@login_required
def withdraw(agreement_id: int) -> Response:
    return _act(
        agreement_id,
        lambda a: withdraw_agreement(a, by=signed_in_user(), now=utcnow()),
        _("The agreement is withdrawn."),
    )


@bp.route("/agreements/<int:agreement_id>/end", methods=["POST"])
@login_required
def end(agreement_id: int) -> Response:
    return _act(
        agreement_id, lambda a: end_agreement(a, by=signed_in_user(), now=utcnow()), _("The agreement is ended.")
    )


@bp.context_processor
def _words() -> dict[str, object]:
    return {
        "agreement_status_labels": AGREEMENT_STATUS_LABELS,
        "item_status_labels": ITEM_STATUS_LABELS,
        "tie_status_labels": TIE_STATUS_LABELS,
        "responsible_labels": RESPONSIBLE_LABELS,
        "side_labels": SIDE_LABELS,
        "badge_classes": BADGE_CLASSES,
    }
