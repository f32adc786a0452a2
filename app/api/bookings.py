"""API v1 bookings: place one, list and read the caller's, cancel (API.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import jsonify, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.api import bp
from app.api.auth import api_user, token_required
from app.api.paging import page_args
from app.api.serialise import booking_json
from app.bookings.idempotency import MAX_KEY_LENGTH, Remembered, find_answer, fingerprint, remember_answer
from app.bookings.models import Booking
from app.bookings.placing import Placement, cancel_booking, decide_pending, place_booking
from app.db import transaction, utcnow
from app.directory.services import can_manage, get_resource
from app.domain.bookings import BookingStatus
from app.domain.errors import DomainError
from app.extensions import db
from app.organisations.models import Organisation
from app.organisations.services import get_organisation, is_manager
from app.problems import problem

# API.md's HTTP status for each reason a booking is refused.
STATUS_OF = {
    "outside_window": 403,
    "not_eligible": 403,
    "forbidden": 403,
    "closed": 409,
    "capacity_exceeded": 409,
    "quota_exceeded": 409,
    "conflict": 409,
    "not_cancellable": 409,
    "too_late_to_cancel": 409,
    "not_pending": 409,
    "not_found": 404,
}


def _refusal(code: str) -> Response:
    return problem(STATUS_OF.get(code, 422), code)


def _time(body: dict[str, Any], name: str) -> datetime | None:
    raw = body.get(name)
    if not isinstance(raw, str) or "T" not in raw.upper():
        return None
    try:
        value = datetime.fromisoformat(raw)
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _placement(body: dict[str, Any], caller: User) -> Placement | Response:
    """The request's fields, checked for form; the rules are the engine's."""
    code = body.get("resource")
    resource = get_resource(code) if isinstance(code, str) else None
    if resource is None or not resource.active:
        return problem(404, "not_found", detail=f"resource: {code!r} is not a bookable resource")
    start, end = _time(body, "start"), _time(body, "end")
    if start is None or end is None:
        return problem(422, "invalid_time", detail="start and end: RFC 3339 times with an offset")
    quantity = body.get("quantity", 1)
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        return problem(422, "invalid_time", detail="quantity: a whole number of at least 1")
    purpose = body.get("purpose", "")
    if not isinstance(purpose, str) or len(purpose) > 300:
        return problem(422, "value_too_long", detail="purpose: text of at most 300 characters")
    unit: Organisation | None = None
    acting = body.get("on_behalf_of")
    if acting is not None:
        unit = get_organisation(acting) if isinstance(acting, str) else None
        if unit is None:
            return problem(403, "forbidden", detail=f"on_behalf_of: {acting!r} is not a unit you belong to")
    if body.get("recurrence") is not None:
        return problem(422, "recurrence_not_supported")
    return Placement(resource.id, start, end, quantity, unit, purpose)


@bp.route("/bookings", methods=["POST"])
@token_required
def create_booking() -> Response | tuple[Response, int]:
    """Place a booking: the engine decides under the resource's lock; nothing is written on refusal.
    With an Idempotency-Key, the same key and body get the first answer again."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "invalid_json")
    caller = api_user()
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > MAX_KEY_LENGTH:
        return problem(422, "invalid_idempotency_key", detail=f"Idempotency-Key: at most {MAX_KEY_LENGTH} characters")
    print_ = fingerprint(body)
    placement = _placement(body, caller)
    if isinstance(placement, Response):
        return placement
    db.session.commit()  # what was read (and the token's note of use) ends before the locked write
    earlier: Remembered | None = None
    try:
        with transaction(db.session, write_lock=True):
            earlier = find_answer(caller.id, key) if key else None
            if earlier is None:
                booking = place_booking(caller, placement, now=utcnow())
                answer = booking_json(booking)
                if key:
                    remember_answer(caller.id, key, print_, 201, answer, now=utcnow())
    except DomainError as refused:
        return _refusal(refused.code)  # raised inside the transaction, which rolled back: nothing is kept
    except IntegrityError:
        # A twin request with the same key committed first (PostgreSQL runs them side by side).
        db.session.rollback()
        earlier = find_answer(caller.id, key) if key else None
        if earlier is None:
            raise
        return _replay(earlier, print_)
    if earlier is not None:
        return _replay(earlier, print_)
    return jsonify(answer), 201


def _replay(earlier: Remembered, print_: str) -> Response | tuple[Response, int]:
    if earlier.fingerprint != print_:
        return problem(422, "idempotency_key_reused")
    response = jsonify(earlier.body)
    response.headers["Idempotent-Replayed"] = "true"
    return response, earlier.status


def _may_see(user: User, booking: Booking) -> bool:
    """The booker, the managers of the unit it was made for, the owner's managers, admins."""
    if booking.user_id == user.id or user.is_admin:
        return True
    if booking.on_behalf_of is not None and is_manager(user, booking.on_behalf_of):
        return True
    return can_manage(user, booking.resource.owner)


def _managing(user: User, booking: Booking) -> bool:
    """Managers may cancel past the booker's deadline (with a reason that reaches the booker)."""
    if user.is_admin or can_manage(user, booking.resource.owner):
        return True
    return booking.on_behalf_of is not None and is_manager(user, booking.on_behalf_of)


def _visible_booking(booking_id: int) -> Booking | None:
    booking = db.session.get(Booking, booking_id)
    if booking is None or not _may_see(api_user(), booking):
        return None  # someone else's booking is not found, rather than forbidden: nothing is revealed
    return booking


@bp.route("/bookings")
@token_required
def bookings() -> Response:
    """The caller's bookings, and their units' (`on_behalf_of`), newest start first."""
    paging = page_args()
    if isinstance(paging, Response):
        return paging
    page, per_page = paging
    caller = api_user()
    query = select(Booking)
    unit_code = request.args.get("on_behalf_of")
    if unit_code:
        unit = get_organisation(unit_code)
        if unit is None:
            return problem(422, "invalid_filter", detail=f"on_behalf_of: {unit_code!r} is not known")
        if is_manager(caller, unit) or caller.is_admin:
            query = query.where(Booking.on_behalf_of_id == unit.id)
        else:
            query = query.where(Booking.on_behalf_of_id == unit.id, Booking.user_id == caller.id)
    else:
        query = query.where(Booking.user_id == caller.id)
    status = request.args.get("status")
    if status:
        statuses = status.split(",")
        if not set(statuses) <= {s.value for s in BookingStatus}:
            return problem(422, "invalid_filter", detail=f"status: one or more of {[s.value for s in BookingStatus]}")
        query = query.where(Booking.status.in_(statuses))
    for name, clause in (("from", lambda t: Booking.end > t), ("to", lambda t: Booking.start < t)):
        raw = request.args.get(name)
        if raw:
            moment = _time({name: raw.replace(" ", "+")}, name)
            if moment is None:
                return problem(422, "invalid_filter", detail=f"{name}: an RFC 3339 time with an offset")
            query = query.where(clause(moment))
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        query.order_by(Booking.start.desc(), Booking.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).all()
    response = jsonify(items=[booking_json(b) for b in items], total=total, page=page, per_page=per_page)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/bookings/<int:booking_id>")
@token_required
def booking(booking_id: int) -> Response:
    found = _visible_booking(booking_id)
    if found is None:
        return problem(404, "not_found")
    return jsonify(booking_json(found))


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@token_required
def cancel(booking_id: int) -> Response:
    """Cancel: the booker until the deadline; the unit's or the owner's managers at any time."""
    found = _visible_booking(booking_id)
    if found is None:
        return problem(404, "not_found")
    body = request.get_json(silent=True) or {}
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    if not isinstance(reason, str) or len(reason) > 300:
        return problem(422, "value_too_long", detail="reason: text of at most 300 characters")
    caller = api_user()
    managing = found.user_id != caller.id and _managing(caller, found)
    if managing and not reason.strip():
        return problem(422, "reason_required", detail=None)
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            booking = db.session.get(Booking, booking_id)
            assert booking is not None
            cancel_booking(booking, actor=caller, reason=reason, now=utcnow(), as_manager=managing)
    except DomainError as error:
        return _refusal(error.code)
    return jsonify(booking_json(db.session.get(Booking, booking_id)))


def _decide(booking_id: int, *, approve: bool) -> Response:
    """The owner's managers (and admins) approve or reject a pending booking; others see nothing."""
    found = _visible_booking(booking_id)
    caller = api_user()
    if found is None:
        return problem(404, "not_found")
    if not (caller.is_admin or can_manage(caller, found.resource.owner)):
        return problem(403, "forbidden")
    body = request.get_json(silent=True) or {}
    reason = body.get("reason", "") if isinstance(body, dict) else ""
    if not isinstance(reason, str) or len(reason) > 300:
        return problem(422, "value_too_long", detail="reason: text of at most 300 characters")
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            booking = db.session.get(Booking, booking_id)
            assert booking is not None
            decide_pending(booking, approve=approve, actor=caller, reason=reason, now=utcnow())
    except DomainError as error:
        return _refusal(error.code)
    return jsonify(booking_json(db.session.get(Booking, booking_id)))


@bp.route("/bookings/<int:booking_id>/approve", methods=["POST"])
@token_required
def approve(booking_id: int) -> Response:
    return _decide(booking_id, approve=True)


@bp.route("/bookings/<int:booking_id>/reject", methods=["POST"])
@token_required
def reject(booking_id: int) -> Response:
    return _decide(booking_id, approve=False)
