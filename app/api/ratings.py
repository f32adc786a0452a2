"""API v1 ratings (API.md "Members and evaluations"): rate a completed booking, change it for a week,
read it, and a resource's ratings with their average and count."""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify, request
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.api import bp
from app.api.auth import api_user, token_required
from app.api.paging import page_args
from app.api.serialise import rfc3339
from app.api.views import _optional_caller, _private
from app.bookings.console import may_see_booking
from app.bookings.models import Booking
from app.db import transaction, utcnow
from app.directory.services import can_manage, get_resource
from app.domain.errors import DomainError
from app.domain.ratings import editable_until, mask_name
from app.extensions import db
from app.problems import problem
from app.ratings.models import Rating
from app.ratings.services import (
    edit_rating,
    get_rating,
    get_rating_of_booking,
    list_ratings,
    rate_booking,
    summarise_resource,
)

# The HTTP status of each refusal; any other code is bad input (422).
STATUS_OF = {
    "forbidden": 403,
    "not_found": 404,
    "not_completed": 409,
    "already_rated": 409,
    "edit_window_closed": 409,
}
# Averages in answers: two decimals (pages show one).
PLACES = 2


def _refusal(error: DomainError) -> Response:
    extra = {"field": error.field} if error.field else {}
    return problem(STATUS_OF.get(error.code, 422), error.code, **extra)


def _number(value: Decimal | None) -> float | None:
    return float(value) if value is not None else None


def rating_json(rating: Rating, *, own: bool = False, moderator: bool = False) -> dict[str, Any]:
    """A rating as everyone sees it (the rater's name masked); `own` adds what its booker needs
    (the booking, until when it may change), `moderator` whether and why it is hidden."""
    zone = ZoneInfo(rating.resource.timezone)
    answer: dict[str, Any] = {
        "id": rating.id,
        "scores": rating.scores.as_dict(),
        "overall": rating.scores.overall,
        "comment": rating.comment,
        "by": mask_name(rating.user.name),
        "reply": {"text": rating.reply, "at": rfc3339(rating.replied_at, zone)} if rating.reply else None,
        "created_at": rfc3339(rating.created_at, zone),
        "updated_at": rfc3339(rating.updated_at, zone),
    }
    if own:
        answer["booking"] = rating.booking_id
        answer["resource"] = rating.resource.code
        answer["editable_until"] = rfc3339(editable_until(rating.created_at), zone)
        answer["hidden"] = rating.hidden
    if moderator:
        answer["hidden"] = rating.hidden
        answer["hidden_reason"] = rating.hidden_reason or None
    return answer


def _body() -> dict[str, Any] | Response:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "invalid_json")
    comment = body.get("comment", "")
    if comment is not None and not isinstance(comment, str):
        return problem(422, "invalid", field="comment", detail="comment: text, or null")
    return body


def _own_booking(booking_id: int, caller: User) -> Booking | Response:
    """The booking when the caller booked it: 404 when they may not see it (as GET /bookings/{id}
    answers), 403 `forbidden` when they see it but did not book it."""
    booking = db.session.get(Booking, booking_id)
    if booking is None or not may_see_booking(caller, booking):
        return problem(404, "not_found")
    if booking.user_id != caller.id:
        return problem(403, "forbidden", detail="only the booker rates a booking")
    return booking


@bp.route("/bookings/<int:booking_id>/rating", methods=["POST"])
@token_required
def create_rating(booking_id: int) -> Response | tuple[Response, int]:
    """The booker rates a completed booking, once."""
    caller = api_user()
    booking = _own_booking(booking_id, caller)
    if isinstance(booking, Response):
        return booking
    body = _body()
    if isinstance(body, Response):
        return body
    db.session.commit()  # what was read ends before the locked write
    try:
        with transaction(db.session, write_lock=True):
            fresh = db.session.get(Booking, booking_id)
            assert fresh is not None
            rating = rate_booking(fresh, caller, scores=body.get("scores"), comment=body.get("comment"), now=utcnow())
            answer = rating_json(rating, own=True)
    except DomainError as error:
        return _refusal(error)
    return jsonify(answer), 201


@bp.route("/bookings/<int:booking_id>/rating", methods=["PUT"])
@token_required
def change_rating(booking_id: int) -> Response:
    """The booker changes the rating within seven days of giving it: the whole rating is sent again."""
    caller = api_user()
    booking = _own_booking(booking_id, caller)
    if isinstance(booking, Response):
        return booking
    body = _body()
    if isinstance(body, Response):
        return body
    existing = get_rating_of_booking(booking.id)
    if existing is None:
        return problem(404, "not_found", detail="this booking has no rating yet: POST one")
    rating_id = existing.id
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            locked = get_rating(rating_id, lock=True)
            assert locked is not None
            rating = edit_rating(locked, caller, scores=body.get("scores"), comment=body.get("comment"), now=utcnow())
            answer = rating_json(rating, own=True)
    except DomainError as error:
        return _refusal(error)
    return jsonify(answer)


@bp.route("/bookings/<int:booking_id>/rating")
@token_required
def booking_rating(booking_id: int) -> Response:
    """A booking's rating, for whoever may see the booking (404 when it has none)."""
    caller = api_user()
    booking = db.session.get(Booking, booking_id)
    if booking is None or not may_see_booking(caller, booking):
        return problem(404, "not_found")
    rating = get_rating_of_booking(booking.id)
    if rating is None:
        return problem(404, "not_found", detail="this booking has no rating")
    own = rating.user_id == caller.id
    return _private(jsonify(rating_json(rating, own=own, moderator=bool(caller.is_admin))))


@bp.route("/resources/<code>/ratings")
def resource_ratings(code: str) -> Response:
    """Public: a resource's visible ratings, newest first, with their average and count; with an
    administrator's token the hidden ones too, marked."""
    paging = page_args()
    if isinstance(paging, Response):
        return paging
    page, per_page = paging
    caller = _optional_caller()
    if isinstance(caller, Response):
        return caller
    resource = get_resource(code)
    if resource is None or (not resource.active and not (caller is not None and can_manage(caller, resource.owner))):
        return problem(404, "not_found")
    moderator = bool(caller is not None and caller.is_admin)
    summary = summarise_resource(resource, places=PLACES)
    found = list_ratings(resource, include_hidden=moderator, page=page, per_page=per_page)
    response = jsonify(
        average=_number(summary.average),
        count=summary.count,
        dimensions={name: _number(value) for name, value in summary.dimensions.items()},
        distribution={str(score): n for score, n in summary.distribution.items()},
        items=[rating_json(r, moderator=moderator) for r in found.items],
        total=found.total,
        page=found.page,
        per_page=found.per_page,
    )
    return _private(response) if caller is not None else response
