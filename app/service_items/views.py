"""Service item pages (双领办): an organisation's items, publishing, an item with its claims, my claims."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.access.wording import describe_span
from app.accounts.models import User
from app.bookings.booking_words import moment
from app.db import transaction, utcnow
from app.directory.media_forms import photo_max_bytes
from app.directory.photos import process_upload
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind
from app.domain.resources import DEFAULT_TIMEZONE
from app.domain.service_items import ITEM_MOVES, ClaimStatus, ItemStatus, kinds_for, places_left
from app.extensions import db
from app.forms import choices, show_domain_error
from app.messages import message_for
from app.organisations.models import Organisation
from app.organisations.registrations import find_communities
from app.organisations.services import get_organisation
from app.queries import page_number
from app.service_items import bp
from app.service_items.forms import ClaimForm, CompleteForm, ItemStatusForm, PublishForm, WithdrawClaimForm
from app.service_items.labels import (
    CLAIM_STATUS_LABELS,
    ITEM_STATUS_LABELS,
    KIND_LABELS,
    MOVE_LABELS,
    WHO_CLAIMS,
    badge,
)
from app.service_items.labels import claimant_name as claimant_name_of
from app.service_items.models import ServiceItem
from app.service_items.services import (
    PUBLISHING_KINDS,
    ItemFields,
    claim_item,
    claim_options,
    complete_claim,
    count_live,
    get_claim,
    get_item,
    is_claimant,
    list_item_claims,
    list_items,
    list_live_claims,
    list_my_claims,
    list_publishing_orgs,
    list_related_orgs,
    live_claims_of,
    may_manage_item,
    may_publish_for,
    move_item,
    publish_item,
    withdraw_claim,
)

ZONE = ZoneInfo(DEFAULT_TIMEZONE)
PER_PAGE = 20


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _org_or_404(org_code: str) -> Organisation:
    org = get_organisation(org_code)
    if org is None or org.kind not in PUBLISHING_KINDS:
        abort(404)
    return org


def _item_or_404(item_id: int) -> ServiceItem:
    item = get_item(item_id)
    if item is None:
        abort(404)
    return item


def item_when(item: ServiceItem) -> str:
    return describe_span(item.start, item.end, ZONE)


def _words() -> dict[str, Any]:
    """What every service item page uses to say things."""
    return {
        "kind_labels": KIND_LABELS,
        "item_status_labels": ITEM_STATUS_LABELS,
        "claim_status_labels": CLAIM_STATUS_LABELS,
        "badge": badge,
        "move_labels": MOVE_LABELS,
        "item_when": item_when,
        "moment": lambda at: moment(at, DEFAULT_TIMEZONE),
    }


# --- lists ----------------------------------------------------------------------------------


@bp.route("/")
@login_required
def index() -> str:
    """Where to find items: the user's communities and units, the ones they publish for, a search."""
    user = _user()
    q = request.args.get("q", "").strip()[:100]
    return render_template(
        "service_items/index.html",
        related=list_related_orgs(user),
        publishing=list_publishing_orgs(user),
        q=q,
        found=find_communities(q) if q else [],
        **_words(),
    )


@bp.route("/mine")
@login_required
def mine() -> Response:
    """The user's claims and their organisations' claims, with what became of them."""
    status = request.args.get("status", "")
    found = list_my_claims(
        _user(), status=status if status in CLAIM_STATUS_LABELS else None, page=page_number(request.args.get("page"))
    )
    response = make_response(
        render_template(
            "service_items/mine.html",
            page=found,
            status=status if status in CLAIM_STATUS_LABELS else "",
            **_words(),
        )
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/org/<org_code>")
@login_required
def listing(org_code: str) -> str:
    """A community's items (its own and its registered units') or a unit's own, by status and kind."""
    org = _org_or_404(org_code)
    status = request.args.get("status", ItemStatus.OPEN.value)
    if status != "all" and status not in ITEM_STATUS_LABELS:
        status = ItemStatus.OPEN.value
    kind = request.args.get("kind", "")
    kind = kind if kind in KIND_LABELS else ""
    community = org if org.kind == OrgKind.COMMUNITY.value else None
    found = list_items(
        community=community,
        org=None if community is not None else org,
        status=None if status == "all" else status,
        kind=kind or None,
        page=page_number(request.args.get("page")),
        per_page=PER_PAGE,
    )
    live = count_live(i.id for i in found.items)
    return render_template(
        "service_items/listing.html",
        org=org,
        page=found,
        status=status,
        kind=kind,
        left={i.id: places_left(i.places, live[i.id]) for i in found.items},
        may_publish=may_publish_for(_user(), org),
        **_words(),
    )


# --- publishing ---------------------------------------------------------------------------


@bp.route("/org/<org_code>/new", methods=["GET", "POST"])
@login_required
def publish(org_code: str) -> str | Response | tuple[str, int]:
    org = _org_or_404(org_code)
    if not may_publish_for(_user(), org):
        abort(403)
    form = PublishForm()
    form.kind.choices = choices((k.value, KIND_LABELS[k.value]) for k in kinds_for(org.kind))
    if form.validate_on_submit():
        assert form.start.data is not None and form.end.data is not None
        fields = ItemFields(
            title=form.title.data or "",
            description=form.description.data or "",
            place=form.place.data or "",
            start=form.start.data.replace(tzinfo=ZONE),
            end=form.end.data.replace(tzinfo=ZONE),
            places=form.places.data or 0,
            kind=form.kind.data or None,
        )
        try:
            with transaction(db.session):
                item_id = publish_item(org, fields, by=_user(), now=utcnow()).id
        except DomainError as error:
            if error.code == "forbidden":
                abort(403)
            show_domain_error(form, error, fields={"org": "kind"})
        else:
            flash(_("The item is published: registered units and residents may claim it now."), "success")
            return redirect(url_for("service_items.detail", item_id=item_id))
    status = 400 if form.errors or form.form_errors else 200
    return render_template("service_items/publish.html", org=org, form=form), status


# --- one item -------------------------------------------------------------------------------


def _item_page(item: ServiceItem, *, failed: tuple[int, CompleteForm] | None = None, status: int = 200) -> Response:
    user, now = _user(), utcnow()
    manages = may_manage_item(user, item)
    claims = list_item_claims(item, user) if manages else list_live_claims(item)
    live = count_live([item.id])[item.id]
    mine = live_claims_of(user, item)
    mine_ids = {c.id for c in mine}
    held_for = {c.on_behalf_of_id for c in mine}
    options = [o for o in claim_options(user, item, now=now) if (o.id if o is not None else None) not in held_for]
    claim_form = ClaimForm(formdata=None)
    claim_form.on_behalf_of.choices = choices(("", _("Myself")) if o is None else (o.code, o.name) for o in options)
    complete_forms = {}
    if manages:
        complete_forms = {
            c.id: CompleteForm(formdata=None, prefix=f"claim-{c.id}")
            for c in claims
            if c.status == ClaimStatus.CLAIMED.value
        }
        if failed is not None:
            complete_forms[failed[0]] = failed[1]
    # The publisher's buttons: close (or open again) first, cancel last.
    moves = [new for new in ItemStatus if manages and (ItemStatus(item.status), new) in ITEM_MOVES]
    response = make_response(
        render_template(
            "service_items/detail.html",
            item=item,
            manages=manages,
            claims=claims,
            live=live,
            left=places_left(item.places, live),
            over=item.end <= now,
            mine=mine,
            mine_ids=mine_ids,
            options=options,
            who_claims=WHO_CLAIMS[item.kind],
            claim_form=claim_form,
            complete_forms=complete_forms,
            moves=moves,
            claimant_name=lambda c: claimant_name_of(c, full=manages or c.id in mine_ids),
            **_words(),
        ),
        status,
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/<int:item_id>")
@login_required
def detail(item_id: int) -> Response:
    return _item_page(_item_or_404(item_id))


def _back(item_id: int) -> Response:
    return redirect(url_for("service_items.detail", item_id=item_id))


@bp.route("/<int:item_id>/claim", methods=["POST"])
@login_required
def claim(item_id: int) -> Response:
    item = _item_or_404(item_id)
    form = ClaimForm()
    if not form.validate_on_submit():
        flash(message_for("csrf_failed"), "danger")
        return _back(item.id)
    org = None
    if form.on_behalf_of.data:
        org = get_organisation(form.on_behalf_of.data)
        if org is None:
            flash(message_for("invalid_owner"), "danger")
            return _back(item.id)
    try:
        with transaction(db.session, write_lock=True):
            claim_item(item_id, _user(), on_behalf_of=org, now=utcnow())
    except DomainError as error:
        if error.code == "forbidden":
            abort(403)
        flash(message_for(error.code), "danger")
    else:
        if org is None:
            flash(_("You have claimed it. The publisher is told."), "success")
        else:
            flash(_("%(org)s has claimed it. The publisher is told.", org=org.name), "success")
    return _back(item_id)


@bp.route("/claims/<int:claim_id>/withdraw", methods=["POST"])
@login_required
def withdraw(claim_id: int) -> Response:
    found = get_claim(claim_id)
    if found is None:
        abort(404)
    if not is_claimant(_user(), found):
        abort(403)
    item_id = found.item_id
    if WithdrawClaimForm().validate_on_submit():
        try:
            with transaction(db.session, write_lock=True):
                withdraw_claim(claim_id, by=_user(), now=utcnow())
        except DomainError as error:
            flash(message_for(error.code), "danger")
        else:
            flash(_("The claim is withdrawn: its place is free again."), "success")
    else:
        flash(message_for("csrf_failed"), "danger")
    if request.form.get("next") == "mine":
        return redirect(url_for("service_items.mine"))
    return _back(item_id)


@bp.route("/<int:item_id>/status", methods=["POST"])
@login_required
def change_status(item_id: int) -> Response:
    """Its publisher closes the item to claims, opens it again, or cancels it."""
    item = _item_or_404(item_id)
    if not may_manage_item(_user(), item):
        abort(403)
    form = ItemStatusForm()
    if not form.validate_on_submit():
        flash(message_for("csrf_failed"), "danger")
        return _back(item_id)
    try:
        new = ItemStatus(form.status.data)
    except ValueError:
        abort(400)
    try:
        with transaction(db.session, write_lock=True):
            move_item(item_id, new, by=_user(), now=utcnow())
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(_("The item is now: %(status)s.", status=ITEM_STATUS_LABELS[new.value]), "success")
    return _back(item_id)


@bp.route("/<int:item_id>/claims/<int:claim_id>/complete", methods=["POST"])
@login_required
def complete(item_id: int, claim_id: int) -> Response:
    """Its publisher records a claim as completed: hours, a note, a photo if there is one."""
    item = _item_or_404(item_id)
    if not may_manage_item(_user(), item):
        abort(403)
    found = get_claim(claim_id)
    if found is None or found.item_id != item.id:
        abort(404)
    form = CompleteForm(prefix=f"claim-{claim_id}")
    if form.validate_on_submit():
        upload = form.photo.data
        try:
            # Decoded before the transaction: the slow part holds no lock.
            photo = process_upload(upload.read(), max_bytes=photo_max_bytes()) if upload else None
            with transaction(db.session, write_lock=True):
                complete_claim(
                    item_id,
                    claim_id,
                    by=_user(),
                    hours=form.hours.data or "",
                    note=form.note.data or "",
                    photo=photo,
                    now=utcnow(),
                )
        except DomainError as error:
            if error.field not in ("hours", "note", "photo"):
                flash(message_for(error.code), "danger")
                return _back(item_id)
            show_domain_error(form, error)
        else:
            flash(_("The completion is recorded. The claimant is told."), "success")
            return _back(item_id)
    return _item_page(_item_or_404(item_id), failed=(claim_id, form), status=400)


def _claim_photo(claim_id: int, *, thumbnail: bool) -> Response:
    found = get_claim(claim_id)
    if found is None or not found.has_photo:
        abort(404)
    user = _user()
    if not (may_manage_item(user, found.item) or is_claimant(user, found)):
        abort(403)
    data = found.photo_thumbnail if thumbnail else found.photo
    response = Response(data, mimetype="image/jpeg")
    # Seen by the publisher and the claimant only: no shared cache may keep it.
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


@bp.route("/claims/<int:claim_id>/photo.jpg")
@login_required
def photo(claim_id: int) -> Response:
    return _claim_photo(claim_id, thumbnail=False)


@bp.route("/claims/<int:claim_id>/thumb.jpg")
@login_required
def photo_thumbnail(claim_id: int) -> Response:
    return _claim_photo(claim_id, thumbnail=True)
