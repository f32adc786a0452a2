"""API v1 service items (双领办, API.md "Members and evaluations"): list, publish, claim, withdraw, complete."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from werkzeug.wrappers import Response

from app.api import bp
from app.api.auth import api_user, token_required
from app.api.bookings import _time as offset_time
from app.api.members import STATUS_OF as MEMBER_STATUS_OF
from app.api.members import _body as json_body
from app.api.paging import page_args
from app.api.serialise import rfc3339
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind
from app.domain.service_items import ItemKind, ItemStatus
from app.extensions import db
from app.organisations.models import Organisation
from app.organisations.services import get_organisation
from app.problems import problem
from app.queries import paginate
from app.service_items.models import ServiceClaim, ServiceItem
from app.service_items.services import (
    PUBLISHING_KINDS,
    ItemFields,
    claim_item,
    complete_claim,
    count_live,
    get_item,
    item_claims_query,
    list_items,
    move_item,
    publish_item,
    withdraw_claim,
)

# The HTTP status of each refusal; any other code is bad input (422).
STATUS_OF = {
    **MEMBER_STATUS_OF,
    "not_registered": 403,
    "claim_not_withdrawable": 409,
    "not_completable": 409,
    "item_not_movable": 409,
}


def refusal(error: DomainError) -> Response:
    extra = {"field": error.field} if error.field else {}
    return problem(STATUS_OF.get(error.code, 422), error.code, **extra)


def item_json(item: ServiceItem, claimed: int) -> dict[str, Any]:
    """An item as API.md describes it; `claimed` counts its live claims (claimed or completed)."""
    return {
        "id": item.id,
        "org": item.org.code,
        "kind": item.kind,
        "title": item.title,
        "description": item.description,
        "place": item.place,
        "start": rfc3339(item.start),
        "end": rfc3339(item.end),
        "places": item.places,
        "claimed": claimed,
        "status": item.status,
        "created_at": rfc3339(item.created_at),
    }


def claim_json(claim: ServiceClaim) -> dict[str, Any]:
    return {
        "id": claim.id,
        "item": claim.item_id,
        "user": claim.user.code,
        "on_behalf_of": claim.on_behalf_of.code if claim.on_behalf_of is not None else None,
        "status": claim.status,
        "hours": float(claim.hours) if claim.hours is not None else None,
        "note": claim.note or None,
        "photo": url_for("service_items.photo", claim_id=claim.id, _external=True) if claim.has_photo else None,
        "created_at": rfc3339(claim.created_at),
        "completed_at": rfc3339(claim.completed_at),
    }


def _one_item_json(item_id: int) -> dict[str, Any]:
    item = get_item(item_id)
    assert item is not None
    return item_json(item, count_live([item.id])[item.id])


def _org(code: Any, kinds: tuple[str, ...]) -> Organisation | None:
    org = get_organisation(code) if isinstance(code, str) and code else None
    return org if org is not None and org.kind in kinds and org.active else None


@bp.route("/service-items")
@token_required
def service_items() -> Response:
    """Published items: a community's (its own and its registered units'), one organisation's own, or all."""
    paging = page_args()
    if isinstance(paging, Response):
        return paging
    page, per_page = paging
    community = org = None
    if request.args.get("community"):
        community = _org(request.args["community"], (OrgKind.COMMUNITY.value,))
        if community is None:
            return problem(422, "invalid_filter", detail=f"community: {request.args['community']!r} is not known")
    if request.args.get("org"):
        org = _org(request.args["org"], PUBLISHING_KINDS)
        if org is None:
            return problem(422, "invalid_filter", detail=f"org: {request.args['org']!r} is not known")
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in ItemStatus}:
        return problem(422, "invalid_filter", detail=f"status: one of {[s.value for s in ItemStatus]}")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in {k.value for k in ItemKind}:
        return problem(422, "invalid_filter", detail=f"kind: one of {[k.value for k in ItemKind]}")
    found = list_items(community=community, org=org, status=status, kind=kind, page=page, per_page=per_page)
    live = count_live(i.id for i in found.items)
    response = jsonify(
        items=[item_json(i, live[i.id]) for i in found.items], total=found.total, page=found.page, per_page=per_page
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@bp.route("/service-items", methods=["POST"])
@token_required
def publish_service_item() -> Response | tuple[Response, int]:
    """A community's or a unit's manager publishes an item (a need, a support item by default)."""
    body = json_body()
    if body is None:
        return problem(400, "invalid_json")
    org = _org(body.get("org"), PUBLISHING_KINDS)
    if org is None:
        return problem(422, "invalid_owner", field="org")
    start, end = offset_time(body, "start"), offset_time(body, "end")
    if start is None or end is None:
        return problem(422, "invalid_time", detail="start and end: RFC 3339 times with an offset")
    places = _int(body.get("places"))
    if places is None:
        return problem(422, "places_out_of_range", field="places")
    texts = {name: body.get(name, "") for name in ("title", "description", "place")}
    kind = body.get("kind")
    if not all(isinstance(v, str) for v in texts.values()) or not isinstance(kind, str | None):
        return problem(422, "invalid", detail="title, description, place and kind: text")
    fields = ItemFields(start=start, end=end, places=places, kind=kind, **texts)
    caller = api_user()
    try:
        with transaction(db.session):
            item_id = publish_item(org, fields, by=caller, now=utcnow()).id
    except DomainError as error:
        return refusal(error)
    return jsonify(_one_item_json(item_id)), 201


@bp.route("/service-items/<int:item_id>")
@token_required
def service_item(item_id: int) -> Response:
    item = get_item(item_id)
    if item is None:
        return problem(404, "not_found")
    return jsonify(item_json(item, count_live([item.id])[item.id]))


@bp.route("/service-items/<int:item_id>/claims")
@token_required
def service_item_claims(item_id: int) -> Response:
    """The item's claims: all of them for its publisher's managers; the caller's own (and their organisations')
    for anyone else."""
    item = get_item(item_id)
    if item is None:
        return problem(404, "not_found")
    paging = page_args()
    if isinstance(paging, Response):
        return paging
    page, per_page = paging
    found = paginate(db.session, item_claims_query(item, api_user()), page=page, per_page=per_page)
    response = jsonify(items=[claim_json(c) for c in found.items], total=found.total, page=page, per_page=per_page)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/service-items/<int:item_id>/claim", methods=["POST"])
@token_required
def claim_service_item(item_id: int) -> Response | tuple[Response, int]:
    """Claim for the caller (`on_behalf_of` null or absent) or for a unit or community they manage."""
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        return problem(400, "invalid_json")
    code = body.get("on_behalf_of")
    org = None
    if code is not None:
        org = get_organisation(code) if isinstance(code, str) and code else None
        if org is None:
            return problem(422, "invalid_owner", field="on_behalf_of")
    caller = api_user()
    try:
        with transaction(db.session, write_lock=True):
            claim = claim_item(item_id, caller, on_behalf_of=org, now=utcnow())
            answer = claim_json(claim)
    except DomainError as error:
        return refusal(error)
    return jsonify(answer), 201


def _claim_id(body: dict[str, Any] | None) -> int | Response:
    claim_id = _int((body or {}).get("claim"))
    if claim_id is None:
        return problem(422, "invalid", field="claim", detail="claim: the claim's id")
    return claim_id


@bp.route("/service-items/<int:item_id>/withdraw", methods=["POST"])
@token_required
def withdraw_service_claim(item_id: int) -> Response:
    """The claimant (or a manager of the organisation claimed for) withdraws a claim not yet completed."""
    claim_id = _claim_id(json_body())
    if isinstance(claim_id, Response):
        return claim_id
    caller = api_user()
    try:
        with transaction(db.session, write_lock=True):
            claim = db.session.get(ServiceClaim, claim_id)
            if claim is None or claim.item_id != item_id:
                raise DomainError("not_found", field="claim")
            answer = claim_json(withdraw_claim(claim_id, by=caller, now=utcnow()))
    except DomainError as error:
        return refusal(error)
    return jsonify(answer)


@bp.route("/service-items/<int:item_id>/complete", methods=["POST"])
@token_required
def complete_service_item(item_id: int) -> Response:
    """The publisher's managers record a claim's completion: `{"claim", "hours", "note"}`."""
    body = json_body()
    claim_id = _claim_id(body)
    if isinstance(claim_id, Response):
        return claim_id
    assert body is not None
    note = body.get("note", "")
    if not isinstance(note, str):
        return problem(422, "note_required", field="note")
    caller = api_user()
    try:
        with transaction(db.session, write_lock=True):
            claim = complete_claim(item_id, claim_id, by=caller, hours=body.get("hours"), note=note, now=utcnow())
            answer = claim_json(claim)
    except DomainError as error:
        return refusal(error)
    return jsonify(answer)


@bp.route("/service-items/<int:item_id>/status", methods=["POST"])
@token_required
def service_item_status(item_id: int) -> Response:
    """The publisher's managers close the item to claims, open it again, or cancel it."""
    body = json_body() or {}
    try:
        new = ItemStatus(body.get("status"))
    except ValueError:
        return problem(422, "invalid_status", field="status", detail=f"status: one of {[s.value for s in ItemStatus]}")
    caller = api_user()
    try:
        with transaction(db.session, write_lock=True):
            move_item(item_id, new, by=caller, now=utcnow())
    except DomainError as error:
        return refusal(error)
    return jsonify(_one_item_json(item_id))
