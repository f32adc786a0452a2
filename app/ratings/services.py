"""Rating a completed booking, changing it for a week, the owner's reply, hiding, and the lists and
figures built from ratings. Flush, never commit: the boundary owns the transaction.

Every change that adds, removes or re-scores a visible rating moves the resource's two counters
(rating_count, rating_total) in the same transaction, with an UPDATE that adds to what the row holds,
so two ratings of one resource at once both count; lists read the counters, never the ratings.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.util import identity_key

from app.accounts.models import User
from app.audit.services import diff, record
from app.bookings.models import Booking
from app.directory.models import Resource
from app.directory.services import can_manage
from app.domain.bookings import BookingStatus
from app.domain.errors import DomainError
from app.domain.ratings import (
    DIMENSIONS,
    MAX_COMMENT_LENGTH,
    MAX_REPLY_LENGTH,
    average,
    check_editable,
    check_hide_reason,
    check_scores,
    check_text,
    distribution,
)
from app.extensions import db
from app.queries import Page, paginate
from app.ratings.models import Rating

AUDIT_SUBJECT = "rating"
_RESOURCES = Resource.__table__


@dataclass(frozen=True)
class RatingSummary:
    """How many visible ratings, and their overall average (None when there are none)."""

    count: int
    average: Decimal | None


@dataclass(frozen=True)
class ResourceRatings:
    """A resource's ratings page: the overall figures, each dimension's average, the distribution."""

    count: int
    average: Decimal | None
    dimensions: dict[str, Decimal | None]
    distribution: dict[int, int]  # whole overall score (5 down to 1) -> how many


# --- reading ---------------------------------------------------------------------------


def _with_people(query: Select[Any]) -> Select[Any]:
    return query.options(
        joinedload(Rating.user),
        joinedload(Rating.replied_by),
        joinedload(Rating.hidden_by),
        joinedload(Rating.resource).joinedload(Resource.owner),
    )


def get_rating(rating_id: int, *, lock: bool = False) -> Rating | None:
    """One rating with its resource and people; `lock` holds its row until the transaction ends, so
    a change and a hiding at the same moment do not both count it (PostgreSQL; SQLite's write lock
    does the same)."""
    query = _with_people(select(Rating).where(Rating.id == rating_id))
    if lock:
        query = query.with_for_update(of=Rating).execution_options(populate_existing=True)
    return db.session.scalars(query).unique().first()


def get_rating_of_booking(booking_id: int) -> Rating | None:
    return db.session.scalars(_with_people(select(Rating).where(Rating.booking_id == booking_id))).unique().first()


def ratings_of_bookings(booking_ids: Iterable[int]) -> dict[int, Rating]:
    """The ratings of these bookings (those rated), by booking id, in one query."""
    ids = sorted(set(booking_ids))
    if not ids:
        return {}
    return {r.booking_id: r for r in db.session.scalars(select(Rating).where(Rating.booking_id.in_(ids)))}


def list_ratings(
    resource: Resource, *, include_hidden: bool = False, page: int = 1, per_page: int = 20
) -> Page[Rating]:
    """A resource's ratings newest first: the visible ones, or (for administrators) all of them."""
    query = select(Rating).where(Rating.resource_id == resource.id)
    if not include_hidden:
        query = query.where(Rating.hidden.is_(False))
    query = _with_people(query).order_by(Rating.created_at.desc(), Rating.id.desc())
    return paginate(db.session, query, page=page, per_page=per_page)


def list_latest_ratings(*, hidden_only: bool = False, page: int = 1, per_page: int = 30) -> Page[Rating]:
    """Every resource's ratings newest first, for the administrators' moderation list."""
    query = select(Rating)
    if hidden_only:
        query = query.where(Rating.hidden.is_(True))
    query = _with_people(query).order_by(Rating.created_at.desc(), Rating.id.desc())
    return paginate(db.session, query, page=page, per_page=per_page)


def _overall() -> ColumnElement[int]:
    # Integer division, as app.domain.ratings.overall_score: the mean rounded to a whole star.
    return (Rating.cleanliness + Rating.equipment + Rating.service + 1) / len(DIMENSIONS)


def summarise_resource(resource: Resource, *, places: int = 1) -> ResourceRatings:
    """The figures of a resource's visible ratings (averages to `places` decimals): two aggregate
    queries, however many ratings."""
    visible = (Rating.resource_id == resource.id, Rating.hidden.is_(False))
    row = db.session.execute(
        select(func.count(), *(func.coalesce(func.sum(getattr(Rating, name)), 0) for name in DIMENSIONS)).where(
            *visible
        )
    ).one()
    count, sums = int(row[0]), [int(value) for value in row[1:]]
    return ResourceRatings(
        count=count,
        average=average(sum(sums), count, per_rating=len(DIMENSIONS), places=places),
        dimensions={name: average(total, count, places=places) for name, total in zip(DIMENSIONS, sums, strict=True)},
        distribution=rating_distribution([resource.id]),
    )


def rating_distribution(
    resource_ids: Iterable[int] | None = None,
    *,
    owner_ids: Iterable[int] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[int, int]:
    """How many visible ratings have each whole overall score, 5 down to 1: of these resources (or those
    of these owners), or of all of them (None); given in [since, until) when those are set. For the reports."""
    overall = _overall()
    query = select(overall, func.count()).where(Rating.hidden.is_(False)).group_by(overall)
    if owner_ids is not None:
        owners = sorted(set(owner_ids))
        if not owners:
            return distribution({})
        query = query.join(Resource, Resource.id == Rating.resource_id).where(Resource.owner_id.in_(owners))
    if since is not None:
        query = query.where(Rating.created_at >= since)
    if until is not None:
        query = query.where(Rating.created_at < until)
    if resource_ids is not None:
        ids = sorted(set(resource_ids))
        if not ids:
            return distribution({})
        query = query.where(Rating.resource_id.in_(ids))
    return distribution({int(score): int(n) for score, n in db.session.execute(query)})


def average_ratings(org_ids: Iterable[int]) -> dict[int, RatingSummary]:
    """Each owner organisation's visible ratings over all its resources: count and overall average,
    from the resources' counters (one grouped query). Every asked id is answered. For the reports."""
    ids = sorted(set(org_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        select(Resource.owner_id, func.sum(Resource.rating_count), func.sum(Resource.rating_total))
        .where(Resource.owner_id.in_(ids))
        .group_by(Resource.owner_id)
    )
    found = {owner: (int(count or 0), int(total or 0)) for owner, count, total in rows}
    summaries = {}
    for org_id in ids:
        count, total = found.get(org_id, (0, 0))
        summaries[org_id] = RatingSummary(count, average(total, count, per_rating=len(DIMENSIONS)))
    return summaries


# --- who may do what ---------------------------------------------------------------------


def may_reply(user: User, rating: Rating) -> bool:
    """The managers of the rated resource's owner (and administrators)."""
    return can_manage(user, rating.resource.owner)


def may_moderate(user: User) -> bool:
    return bool(user.is_authenticated and user.is_admin)


# --- changing ----------------------------------------------------------------------------


def _count(resource_id: int, *, ratings: int, total: int) -> None:
    """Move the resource's counters by a difference. A Core UPDATE: the resource row is not marked
    changed, so its availability revision stays (ratings are not what availability is made of)."""
    db.session.execute(
        update(_RESOURCES)
        .where(_RESOURCES.c.id == resource_id)
        .values(
            rating_count=_RESOURCES.c.rating_count + ratings,
            rating_total=_RESOURCES.c.rating_total + total,
        )
    )
    loaded = db.session.identity_map.get(identity_key(Resource, resource_id))
    if loaded is not None:
        db.session.expire(loaded, ["rating_count", "rating_total"])


def rate_booking(
    booking: Booking, user: User, *, scores: Mapping[str, object] | object, comment: str | None, now: datetime
) -> Rating:
    """The booker rates a completed booking, once.

    Refusals, in this order: `forbidden` (not the booker), `not_completed`, `already_rated`,
    `invalid_score` (the field names the score), `value_too_long` (the comment)."""
    if booking.user_id != user.id:
        raise DomainError("forbidden")
    if booking.status != BookingStatus.COMPLETED.value:
        raise DomainError("not_completed")
    if get_rating_of_booking(booking.id) is not None:
        raise DomainError("already_rated")
    checked = check_scores(scores)
    text = check_text(comment, field="comment", limit=MAX_COMMENT_LENGTH)
    rating = Rating(
        booking_id=booking.id,
        resource_id=booking.resource_id,
        user_id=user.id,
        **checked.as_dict(),
        comment=text,
        created_at=now,
        updated_at=now,
    )
    try:
        # Another rating of the booking committed since the check: the unique key refuses this one,
        # and only this insert is undone.
        with db.session.begin_nested():
            db.session.add(rating)
            db.session.flush()
    except IntegrityError as error:
        raise DomainError("already_rated") from error
    _count(booking.resource_id, ratings=1, total=checked.total)
    record(
        AUDIT_SUBJECT,
        rating.id,
        "created",
        actor=user,
        changes={k: [None, v] for k, v in rating.audit_view().items()},
        now=now,
    )
    return rating


def edit_rating(
    rating: Rating, user: User, *, scores: Mapping[str, object] | object, comment: str | None, now: datetime
) -> Rating:
    """Its booker changes a rating within seven days of giving it (`edit_window_closed` after)."""
    if rating.user_id != user.id:
        raise DomainError("forbidden")
    check_editable(rating.created_at, now)
    checked = check_scores(scores)
    text = check_text(comment, field="comment", limit=MAX_COMMENT_LENGTH)
    before, old = rating.audit_view(), rating.scores
    for name, value in checked.as_dict().items():
        setattr(rating, name, value)
    rating.comment = text
    changes = diff(before, rating.audit_view())
    if not changes:
        return rating
    rating.updated_at = now
    db.session.flush()
    if not rating.hidden and checked.total != old.total:
        _count(rating.resource_id, ratings=0, total=checked.total - old.total)
    record(AUDIT_SUBJECT, rating.id, "updated", actor=user, changes=changes, now=now)
    return rating


def reply_to_rating(rating: Rating, user: User, *, text: str | None, now: datetime) -> Rating:
    """The owner's managers answer a rating in public; an empty reply takes the reply away."""
    if not may_reply(user, rating):
        raise DomainError("forbidden")
    reply = check_text(text, field="reply", limit=MAX_REPLY_LENGTH)
    if reply == rating.reply:
        return rating
    changes = {"reply": [rating.reply or None, reply or None]}
    rating.reply = reply
    rating.replied_by_id = user.id if reply else None
    rating.replied_at = now if reply else None
    db.session.flush()
    record(AUDIT_SUBJECT, rating.id, "replied", actor=user, changes=changes, now=now)
    return rating


def hide_rating(rating: Rating, admin: User, *, reason: str | None, now: datetime) -> Rating:
    """An administrator hides an abusive rating: it is kept, with who hid it, when and why, and no
    longer counts. Hiding a hidden rating changes nothing."""
    if not may_moderate(admin):
        raise DomainError("forbidden")
    why = check_hide_reason(reason)
    if rating.hidden:
        return rating
    rating.hidden, rating.hidden_by_id, rating.hidden_at, rating.hidden_reason = True, admin.id, now, why
    db.session.flush()
    _count(rating.resource_id, ratings=-1, total=-rating.scores.total)
    record(
        AUDIT_SUBJECT,
        rating.id,
        "hidden",
        actor=admin,
        changes={"hidden": [False, True], "reason": [None, why]},
        now=now,
    )
    return rating


def unhide_rating(rating: Rating, admin: User, *, now: datetime) -> Rating:
    """An administrator shows a hidden rating again (the audit trail keeps the hiding)."""
    if not may_moderate(admin):
        raise DomainError("forbidden")
    if not rating.hidden:
        return rating
    reason = rating.hidden_reason
    rating.hidden, rating.hidden_by_id, rating.hidden_at, rating.hidden_reason = False, None, None, ""
    db.session.flush()
    _count(rating.resource_id, ratings=1, total=rating.scores.total)
    record(
        AUDIT_SUBJECT,
        rating.id,
        "unhidden",
        actor=admin,
        changes={"hidden": [True, False], "reason": [reason, None]},
        now=now,
    )
    return rating
