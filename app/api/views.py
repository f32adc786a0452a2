"""API v1 endpoints: tokens, /me, the directory with what is free or open to the caller, availability, OpenAPI."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, jsonify, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.access.services import requester_for
from app.accounts.models import User
from app.accounts.services import authenticate, get_api_token, issue_api_token, revoke_api_token
from app.accounts.throttle import signin_per_account, signin_per_address
from app.api import bp
from app.api.auth import api_token, api_user, bearer_value, note_token_use, token_required
from app.api.openapi import openapi_document
from app.api.paging import page_args
from app.api.serialise import availability_json, me_json, resource_json, rfc3339, user_summary
from app.bookings.availability import get_availability, list_bookable, list_open_to, list_published_rules
from app.bookings.services import get_resources, list_candidates
from app.db import transaction, utcnow
from app.directory.models import Resource
from app.directory.services import get_resource, search_resources
from app.domain.organisations import OrgKind
from app.domain.resources import ResourceKind
from app.extensions import db
from app.organisations.models import Organisation
from app.organisations.services import current_residence, get_organisation, list_memberships, list_user_registrations
from app.problems import problem

# Availability answers at most this many days at once (API.md).
MAX_AVAILABILITY_DAYS = 62
# "Free between" spans at most this long: no booking is longer (the policy's maximum is 31 days).
MAX_FREE_SPAN = timedelta(days=31)


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


def _optional_caller() -> User | Response | None:
    """The token's user when one is sent (a bad one is 401); None for anonymous callers."""
    if not request.headers.get("Authorization"):
        return None
    now = utcnow()
    token = get_api_token(bearer_value(), now=now)
    if token is None:
        return problem(401, "unauthorized")
    note_token_use(token, now=now)
    return token.user


def _acting_for(caller: User | None) -> Organisation | Response | None:
    """The organisation named by `on_behalf_of`, if any; acting for one needs a token."""
    code = request.args.get("on_behalf_of")
    if not code:
        return None
    if caller is None:
        return problem(401, "unauthorized")
    org = get_organisation(code)
    if org is None:
        return problem(422, "invalid_filter", detail=f"on_behalf_of: {code!r} is not a known organisation")
    return org


def _instant(name: str) -> datetime | Response:
    raw = request.args.get(name, "")
    # An unencoded "+" of the offset arrives as a space.
    raw = raw.strip().replace(" ", "+")
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        value = None
    if value is None or value.tzinfo is None or "T" not in raw.upper():
        return problem(
            422,
            "invalid_filter",
            detail=f"{name}: give an RFC 3339 time with an offset, e.g. 2026-12-01T08:30:00+08:00",
        )
    return value


def _personal_filters(caller: User | None) -> dict[str, Any] | Response | None:
    """`open_to_me`, `free_from`/`free_to`/`quantity` and `on_behalf_of`, checked; None when none is asked."""
    open_to_me = request.args.get("open_to_me", "")
    if open_to_me not in ("", "0", "1", "true", "false"):
        return problem(422, "invalid_filter", detail="open_to_me: use 1 or 0")
    wants_open = open_to_me in ("1", "true")
    wants_free = "free_from" in request.args or "free_to" in request.args
    if not wants_open and not wants_free and "on_behalf_of" not in request.args:
        return None
    if caller is None:
        return problem(401, "unauthorized", detail=_("Sign in first: what is open or free depends on who asks."))
    acting = _acting_for(caller)
    if isinstance(acting, Response):
        return acting
    filters: dict[str, Any] = {"open": wants_open, "acting": acting, "span": None, "quantity": 1}
    if wants_free:
        start, end = _instant("free_from"), _instant("free_to")
        if isinstance(start, Response):
            return start
        if isinstance(end, Response):
            return end
        if end <= start:
            return problem(422, "invalid_filter", detail="free_to must be after free_from")
        if end - start > MAX_FREE_SPAN:
            return problem(422, "range_too_long", detail=_("Ask for at most %(days)s days at a time.", days=31))
        filters["span"] = (start, end)
    raw_quantity = request.args.get("quantity", "1")
    if not raw_quantity.isdigit() or not 1 <= int(raw_quantity) <= 100_000:
        return problem(422, "invalid_filter", detail="quantity: a whole number of at least 1")
    filters["quantity"] = int(raw_quantity)
    return filters


def _resources_json(items: list[Resource]) -> list[dict[str, Any]]:
    rules = list_published_rules(items, utcnow())
    return [
        resource_json(r, external_url=_external_url, windows=rules[r.id][0], closures=rules[r.id][1]) for r in items
    ]


def _private(response: Response) -> Response:
    # Answers that depend on who asks are never stored by shared caches.
    response.headers["Cache-Control"] = "private, max-age=0"
    response.vary.add("Authorization")
    return response


@bp.route("/resources")
def resources() -> Response:
    """The directory: public, like the directory pages; what is open or free needs a token."""
    paging = page_args()
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
    caller = _optional_caller()
    if isinstance(caller, Response):
        return caller
    filters = _personal_filters(caller)
    if isinstance(filters, Response):
        return filters
    q = request.args.get("q", "")[:100]
    if filters is None:
        found = search_resources(q=q, kind=kind, area=area, page=page, per_page=per_page)
        return jsonify(items=_resources_json(found.items), total=found.total, page=found.page, per_page=found.per_page)
    now = utcnow()
    requester = requester_for(caller, acting_for=filters["acting"])
    candidates = list_candidates(q=q, kind=kind, area=area)
    if filters["open"]:
        candidates = list_open_to(requester, now, candidates)
    if filters["span"] is not None:
        start, end = filters["span"]
        candidates = list_bookable(requester, start, end, filters["quantity"], now, candidates=candidates)
    items = get_resources([c.id for c in candidates[(page - 1) * per_page : page * per_page]])
    return _private(jsonify(items=_resources_json(items), total=len(candidates), page=page, per_page=per_page))


@bp.route("/resources/<code>")
def resource(code: str) -> Response:
    found = get_resource(code)
    if found is None or not found.active:
        return problem(404, "not_found")
    return jsonify(_resources_json([found])[0])


def _day(name: str, default: date) -> date | Response:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        if len(raw) != 10:
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except ValueError:
        return problem(422, "invalid_filter", detail=f"{name}: give a date as YYYY-MM-DD")


@bp.route("/resources/<code>/availability")
def resource_availability(code: str) -> Response:
    """The slot grid of the days asked: free units, and whether the caller may book each slot."""
    caller = _optional_caller()
    if isinstance(caller, Response):
        return caller
    found = get_resource(code)
    if found is None or not found.active:
        return problem(404, "not_found")
    acting = _acting_for(caller)
    if isinstance(acting, Response):
        return acting
    now = utcnow()
    today = now.astimezone(ZoneInfo(found.timezone)).date()
    first = _day("from", today)
    if isinstance(first, Response):
        return first
    last = _day("to", first)
    if isinstance(last, Response):
        return last
    if last < first:
        return problem(422, "invalid_filter", detail="to must not be before from")
    if (last - first).days + 1 > MAX_AVAILABILITY_DAYS:
        return problem(
            422, "range_too_long", detail=_("Ask for at most %(days)s days at a time.", days=MAX_AVAILABILITY_DAYS)
        )
    slots = get_availability(found, requester_for(caller, acting_for=acting), first, last, now)
    if caller is None:
        # Anonymous callers see what is free; booking needs a token first, as POST /bookings would say.
        slots = [replace(s, bookable=False, reason="unauthorized") for s in slots]
    return _private(jsonify(availability_json(found, slots)))


@bp.route("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document())
