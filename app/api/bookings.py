"""API v1 bookings: place one, list and read the caller's, cancel (API.md)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify, request
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from app.accounts.models import User
from app.api import bp
from app.api.auth import api_user, token_required
from app.api.paging import page_args
from app.api.serialise import booking_json, rfc3339
from app.bookings.attendance import check_in as check_in_booking
from app.bookings.console import manages_booking, may_see_booking
from app.bookings.idempotency import MAX_KEY_LENGTH, Remembered, find_answer, fingerprint, remember_answer
from app.bookings.models import Booking
from app.bookings.placing import (
    BookingRefusedError,
    Placement,
    cancel_booking,
    decide_pending,
    place_booking,
    read_resource_to_book,
)
from app.bookings.series import (
    Occurrence,
    OnConflict,
    PlacedSeries,
    SeriesConflictError,
    cancel_rest_of_series,
    place_series,
)
from app.db import end_reads_keeping_loaded, transaction, utcnow
from app.directory.models import Resource
from app.directory.services import can_manage
from app.domain.bookings import BookingStatus
from app.domain.errors import DomainError
from app.domain.recurrence import Recurrence, every_workday, parse_rrule
from app.domain.resources import DEFAULT_TIMEZONE
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
    "not_full": 409,
    "already_waiting": 409,
    "not_waiting": 409,
    "checkin_not_required": 409,
    "checkin_not_open": 409,
    "checkin_closed": 409,
    "not_checkable": 409,
    "not_in_series": 409,
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
    resource = read_resource_to_book(code) if isinstance(code, str) else None
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
    return Placement(resource.id, start, end, quantity, unit, purpose, read_before=resource)


def _recurrence(raw: Any) -> tuple[Recurrence, OnConflict] | Response:
    """`{"rrule": RRULE}` or `{"every": "workday", "until": DATE}` (or `"count"`), with `on_conflict`."""
    if not isinstance(raw, dict):
        return problem(422, "invalid_recurrence", detail="recurrence: an object")
    try:
        on_conflict = OnConflict(raw.get("on_conflict", "fail"))
    except ValueError:
        return problem(422, "invalid_recurrence", detail='recurrence.on_conflict: "fail" or "skip"')
    try:
        if raw.get("every") == "workday":
            until, count = raw.get("until"), raw.get("count")
            if (until is not None and not isinstance(until, str)) or (count is not None and not _whole(count)):
                return problem(422, "invalid_recurrence", detail="recurrence.until: a date; recurrence.count: a number")
            return every_workday(until=date.fromisoformat(until) if until else None, count=count), on_conflict
        rule = raw.get("rrule")
        if not isinstance(rule, str) or raw.get("every") is not None:
            return problem(422, "invalid_recurrence", detail='recurrence: an "rrule", or "every": "workday"')
        return parse_rrule(rule), on_conflict
    except ValueError:
        return problem(422, "invalid_recurrence", detail="recurrence.until: a date as YYYY-MM-DD")
    except DomainError as error:
        return problem(422, error.code)


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _occurrence_json(occurrence: Occurrence, zone: ZoneInfo) -> dict[str, Any]:
    return {"start": rfc3339(occurrence.start, zone), "end": rfc3339(occurrence.end, zone), "code": occurrence.code}


def _series_json(placed: PlacedSeries) -> dict[str, Any]:
    zone = ZoneInfo(placed.series.resource.timezone)
    return {
        "series": placed.series.id,
        "bookings": [booking_json(b) for b in placed.bookings],
        "skipped": [_occurrence_json(o, zone) for o in placed.skipped],
    }


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
    recurrence = None
    if body.get("recurrence") is not None:
        recurrence = _recurrence(body["recurrence"])
        if isinstance(recurrence, Response):
            return recurrence
    end_reads_keeping_loaded(db.session)  # what was read (and the token's note of use) ends first
    earlier: Remembered | None = None
    refusal: BookingRefusedError | None = None
    try:
        with transaction(db.session, write_lock=True):
            earlier = find_answer(caller.id, key) if key else None
            if earlier is None:
                if recurrence is None:
                    try:
                        answer = booking_json(place_booking(caller, placement, now=utcnow()))
                    except BookingRefusedError as refused:
                        # Refused having written nothing (the lock writes nothing), so the transaction
                        # may end with COMMIT as well as ROLLBACK, and it does: psycopg forgets every
                        # statement it has prepared on a ROLLBACK, and on a busy slot half the
                        # requests are refused.
                        refusal = refused
                else:
                    rule, on_conflict = recurrence
                    answer = _series_json(place_series(caller, placement, rule, on_conflict=on_conflict, now=utcnow()))
                if key and refusal is None:
                    remember_answer(caller.id, key, print_, 201, answer, now=utcnow())
    except SeriesConflictError as clash:
        resource = db.session.get(Resource, placement.resource_id)
        zone = ZoneInfo(resource.timezone if resource is not None else DEFAULT_TIMEZONE)
        return problem(409, "conflict", clashes=[_occurrence_json(o, zone) for o in clash.clashes])
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
    if refusal is not None:
        return _refusal(refusal.code)
    return jsonify(answer), 201


def _replay(earlier: Remembered, print_: str) -> Response | tuple[Response, int]:
    if earlier.fingerprint != print_:
        return problem(422, "idempotency_key_reused")
    response = jsonify(earlier.body)
    response.headers["Idempotent-Replayed"] = "true"
    return response, earlier.status


def _visible_booking(booking_id: int) -> Booking | None:
    booking = db.session.get(Booking, booking_id)
    if booking is None or not may_see_booking(api_user(), booking):
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
    managing = found.user_id != caller.id and manages_booking(caller, found)
    if managing and not reason.strip():
        return problem(422, "reason_required", detail=None)
    rest = isinstance(body, dict) and body.get("rest_of_series") is True
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            booking = db.session.get(Booking, booking_id)
            assert booking is not None
            if rest:
                cancelled = cancel_rest_of_series(
                    booking, actor=caller, reason=reason, now=utcnow(), as_manager=managing
                )
            else:
                cancel_booking(booking, actor=caller, reason=reason, now=utcnow(), as_manager=managing)
    except DomainError as error:
        return _refusal(error.code)
    if rest:
        return jsonify(series=found.series_id, bookings=[booking_json(b) for b in cancelled], skipped=[])
    return jsonify(booking_json(db.session.get(Booking, booking_id)))


@bp.route("/bookings/<int:booking_id>/check-in", methods=["POST"])
@token_required
def check_in(booking_id: int) -> Response:
    """Check in inside the window (the booker, the unit's or the owner's managers, admins)."""
    if _visible_booking(booking_id) is None:
        return problem(404, "not_found")
    caller = api_user()
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            booking = db.session.get(Booking, booking_id)
            assert booking is not None
            check_in_booking(booking, actor=caller, now=utcnow())
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
