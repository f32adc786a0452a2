"""API v1 members (API.md "Members and evaluations"): registrations (双报到) and their decisions."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from app.api import bp
from app.api.auth import api_user, token_required
from app.api.paging import page_args
from app.api.serialise import registration_json
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus
from app.extensions import db
from app.organisations.models import Organisation, Registration
from app.organisations.registrations import (
    acknowledge_registration,
    apply_for_unit,
    decline_registration,
    get_registration_locked,
    list_registrations_for,
    register_residence,
    withdraw_registration,
)
from app.organisations.services import get_organisation
from app.problems import problem

# The HTTP status of each refusal; any other code is bad input (422).
STATUS_OF = {
    "forbidden": 403,
    "not_found": 404,
    "already_registered": 409,
    "registration_not_pending": 409,
    "not_withdrawable": 409,
    "already_claimed": 409,
    "capacity_exceeded": 409,
    "not_claimable": 409,
}


def refusal(error: DomainError) -> Response:
    extra = {"field": error.field} if error.field else {}
    return problem(STATUS_OF.get(error.code, 422), error.code, **extra)


def _body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def _org(code: Any, kind: OrgKind) -> Organisation | None:
    org = get_organisation(code) if isinstance(code, str) and code else None
    return org if org is not None and org.kind == kind.value and org.active else None


@bp.route("/registrations", methods=["POST"])
@token_required
def create_registration() -> Response | tuple[Response, int]:
    """A pending registration: of a unit the caller manages, or of the caller's residence."""
    body = _body()
    if body is None:
        return problem(400, "invalid_json")
    community = _org(body.get("community"), OrgKind.COMMUNITY)
    if community is None:
        return problem(422, "not_a_community", field="community")
    kind = body.get("kind")
    party_member = body.get("party_member", False)
    if kind == RegistrationKind.UNIT.value:
        unit = _org(body.get("unit"), OrgKind.UNIT)
        if unit is None:
            return problem(422, "not_a_unit", field="unit")
    elif kind == RegistrationKind.RESIDENT.value:
        if not isinstance(party_member, bool):
            return problem(422, "invalid", field="party_member", detail="party_member: true or false")
        work_unit = None
        if body.get("work_unit") is not None:
            work_unit = _org(body.get("work_unit"), OrgKind.UNIT)
            if work_unit is None:
                return problem(422, "not_a_unit", field="work_unit")
    else:
        return problem(422, "invalid_kind", field="kind", detail='kind: "resident" or "unit"')
    caller = api_user()
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            if kind == RegistrationKind.UNIT.value:
                [registration] = apply_for_unit(unit, [community], applicant=caller)
            else:
                registration = register_residence(
                    caller, community, party_member=party_member, work_unit=work_unit, now=utcnow()
                )
            answer = registration_json(registration)
    except DomainError as error:
        return refusal(error)
    return jsonify(answer), 201


@bp.route("/registrations")
@token_required
def registrations() -> Response:
    """A community's registrations for its managers; anyone else's own (and their units')."""
    paging = page_args()
    if isinstance(paging, Response):
        return paging
    page, per_page = paging
    community = None
    if request.args.get("community"):
        community = _org(request.args["community"], OrgKind.COMMUNITY)
        if community is None:
            return problem(422, "invalid_filter", detail=f"community: {request.args['community']!r} is not known")
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in RegistrationStatus}:
        return problem(422, "invalid_filter", detail=f"status: one of {[s.value for s in RegistrationStatus]}")
    found = list_registrations_for(api_user(), community=community, status=status, page=page, per_page=per_page)
    response = jsonify(
        items=[registration_json(r) for r in found.items], total=found.total, page=found.page, per_page=found.per_page
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _decide(registration_id: int, decide: Any) -> Response:
    caller = api_user()
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            registration: Registration | None = get_registration_locked(registration_id)
            if registration is None:
                raise DomainError("not_found")
            decide(registration, caller)
            answer = registration_json(registration)
    except DomainError as error:
        return refusal(error)
    return jsonify(answer)


@bp.route("/registrations/<int:registration_id>/acknowledge", methods=["POST"])
@token_required
def acknowledge(registration_id: int) -> Response:
    return _decide(registration_id, lambda r, by: acknowledge_registration(r, by=by, now=utcnow()))


@bp.route("/registrations/<int:registration_id>/decline", methods=["POST"])
@token_required
def decline(registration_id: int) -> Response:
    body = _body() or {}
    reason = body.get("reason", "")
    if not isinstance(reason, str):
        return problem(422, "decline_reason_required", field="reason")
    return _decide(registration_id, lambda r, by: decline_registration(r, by=by, now=utcnow(), reason=reason))


@bp.route("/registrations/<int:registration_id>/withdraw", methods=["POST"])
@token_required
def withdraw(registration_id: int) -> Response:
    return _decide(registration_id, lambda r, by: withdraw_registration(r, by=by, now=utcnow()))
