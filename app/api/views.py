"""API v1 endpoints of the foundation: tokens, /me and the OpenAPI document."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, request, url_for
from werkzeug.wrappers import Response

from app.accounts.services import authenticate, issue_api_token, revoke_api_token
from app.accounts.throttle import signin_per_account, signin_per_address
from app.api import bp
from app.api.auth import api_token, api_user, token_required
from app.api.openapi import openapi_document
from app.api.serialise import me_json, resource_json, rfc3339, user_summary
from app.db import transaction, utcnow
from app.directory.services import get_resource, search_resources
from app.domain.organisations import OrgKind
from app.domain.resources import ResourceKind
from app.extensions import db
from app.organisations.services import current_residence, get_organisation, list_memberships, list_user_registrations
from app.problems import problem

MAX_PER_PAGE = 100


def json_body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


@bp.route("/auth/token", methods=["POST"])
@signin_per_account
@signin_per_address
def create_token() -> Response | tuple[Response, int]:
    body = json_body()
    if body is None:
        return problem(400, "invalid_json")
    login, password = body.get("login"), body.get("password")
    if not isinstance(login, str) or not isinstance(password, str) or not login or not password:
        return problem(422, "bad_credentials", errors={"login": "required", "password": "required"})
    now = utcnow()
    with transaction(db.session):
        user = authenticate(login, password, now)
        if user is None:
            return problem(401, "bad_credentials")
        label = str(body.get("label", "") or request.headers.get("User-Agent", ""))[:100]
        raw, token = issue_api_token(user, now=now, ttl=current_app.config["API_TOKEN_TTL"], label=label)
        expires_at = token.expires_at
    return jsonify(token=raw, token_type="Bearer", expires_at=rfc3339(expires_at), user=user_summary(user)), 200


@bp.route("/auth/token", methods=["DELETE"])
@token_required
def delete_token() -> tuple[str, int]:
    with transaction(db.session):
        revoke_api_token(api_token(), now=utcnow())
    return "", 204


@bp.route("/me")
@token_required
def me() -> Response:
    user = api_user()
    return jsonify(me_json(user, current_residence(user), list_memberships(user), list(list_user_registrations(user))))


def _external_url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


def _list_args() -> tuple[int, int] | Response:
    try:
        page = int(request.args.get("page", "1"))
        per_page = int(request.args.get("per_page", "20"))
    except ValueError:
        return problem(422, "invalid_filter", detail="page and per_page must be whole numbers")
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        return problem(422, "invalid_filter", detail=f"page >= 1 and 1 <= per_page <= {MAX_PER_PAGE}")
    return page, per_page


@bp.route("/resources")
def resources() -> Response:
    """The directory: public, like the directory pages."""
    paging = _list_args()
    if isinstance(paging, Response):
        return paging
    page, per_page = paging
    kind = request.args.get("kind") or None
    if kind is not None and kind not in {k.value for k in ResourceKind}:
        return problem(422, "invalid_filter", detail=f"kind: {kind!r} is not a resource kind")
    area = None
    if request.args.get("community"):
        area = get_organisation(request.args["community"])
        if area is None or area.kind == OrgKind.UNIT.value:
            return problem(422, "invalid_filter", detail=f"community: {request.args['community']!r} is not known")
    found = search_resources(q=request.args.get("q", "")[:100], kind=kind, area=area, page=page, per_page=per_page)
    return jsonify(
        items=[resource_json(r, external_url=_external_url) for r in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )


@bp.route("/resources/<code>")
def resource(code: str) -> Response:
    found = get_resource(code)
    if found is None or not found.active:
        return problem(404, "not_found")
    return jsonify(resource_json(found, external_url=_external_url))


@bp.route("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())
