"""API v1 waitlist: take a place in line for a full time, see one's places, leave the line."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from flask import jsonify, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload
from werkzeug.wrappers import Response

from app.api import bp
from app.api.auth import api_user, token_required
from app.api.bookings import _placement, _refusal
from app.api.paging import page_args
from app.api.serialise import rfc3339
from app.bookings.models import WaitlistEntry
from app.bookings.waitlist import WAITING, get_entry, join_waitlist, leave_waitlist, may_see_entry
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.extensions import db
from app.problems import problem


def entry_json(entry: WaitlistEntry) -> dict[str, Any]:
    """A place in line, its times in the resource's zone; `booking` once it was promoted."""
    zone = ZoneInfo(entry.resource.timezone)
    return {
        "id": entry.id,
        "resource": entry.resource.code,
        "start": rfc3339(entry.start, zone),
        "end": rfc3339(entry.end, zone),
        "quantity": entry.quantity,
        "on_behalf_of": entry.on_behalf_of.code if entry.on_behalf_of is not None else None,
        "purpose": entry.purpose,
        "status": entry.status,
        "booking": entry.booking_id,
        "created_at": rfc3339(entry.created_at, zone),
        "decided_at": rfc3339(entry.decided_at, zone),
    }


@bp.route("/waitlist", methods=["POST"], endpoint="join_waitlist")
@token_required
def post_waitlist() -> Response | tuple[Response, int]:
    """Wait for a full time: only when a booking would be refused for capacity alone."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return problem(400, "invalid_json")
    if body.get("recurrence") is not None:
        return problem(422, "invalid_recurrence", detail="recurrence: a place in line is for one time, not a series")
    caller = api_user()
    placement = _placement(body, caller)
    if isinstance(placement, Response):
        return placement
    db.session.commit()  # what was read ends before the locked write
    try:
        with transaction(db.session, write_lock=True):
            entry = join_waitlist(caller, placement, now=utcnow())
            answer = entry_json(entry)
    except DomainError as refused:
        return _refusal(refused.code)
    return jsonify(answer), 201


@bp.route("/waitlist")
@token_required
def waitlist() -> Response:
    """The caller's places in line (`status`, default waiting), soonest first."""
    paging = page_args()
    if isinstance(paging, Response):
        return paging
    page, per_page = paging
    status = request.args.get("status", WAITING)
    if status not in ("waiting", "promoted", "left", "lapsed"):
        return problem(422, "invalid_filter", detail="status: waiting, promoted, left or lapsed")
    query = select(WaitlistEntry).where(WaitlistEntry.user_id == api_user().id, WaitlistEntry.status == status)
    total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.session.scalars(
        query.options(joinedload(WaitlistEntry.resource))
        .order_by(WaitlistEntry.start, WaitlistEntry.id)
        .offset((page - 1) * per_page)
        .limit(per_page)
    ).all()
    response = jsonify(items=[entry_json(e) for e in items], total=total, page=page, per_page=per_page)
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/waitlist/<int:entry_id>/leave", methods=["POST"], endpoint="leave_waitlist")
@token_required
def post_leave(entry_id: int) -> Response:
    """Leave the line: its user, the managers of the unit it was for, admins; others see nothing."""
    entry = get_entry(entry_id)
    caller = api_user()
    if entry is None or not may_see_entry(caller, entry):
        return problem(404, "not_found")
    db.session.commit()
    try:
        with transaction(db.session, write_lock=True):
            found = get_entry(entry_id)
            assert found is not None
            leave_waitlist(found, actor=caller, now=utcnow())
            answer = entry_json(found)
    except DomainError as error:
        return _refusal(error.code)
    return jsonify(answer)
