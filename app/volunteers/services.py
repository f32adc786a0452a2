"""The volunteer ranking of a community and the selections its managers record (services flush, never commit)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import Select, func, select

from app.accounts.models import User
from app.audit.services import record
from app.domain.errors import DomainError
from app.domain.evaluations import EvaluationKind
from app.domain.organisations import RegistrationKind, RegistrationStatus
from app.domain.resources import DEFAULT_TIMEZONE
from app.domain.service_items import ClaimStatus
from app.evaluations.models import Evaluation, EvaluationRound
from app.extensions import db
from app.organisations.models import Organisation, Registration
from app.service_items.models import ServiceClaim
from app.volunteers.models import VolunteerSelection

# The honour the article's communities select volunteers for.
FIVE_GOOD = "五好志愿者"


@dataclass
class VolunteerRow:
    user_id: int
    name: str
    party_member: bool
    completed: int = 0
    hours: Decimal = Decimal(0)
    evaluation: float | None = None  # the year's 民主评议 by this community, 0–100
    selected: bool = False
    rank: int = 0


def _year_span(year: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(DEFAULT_TIMEZONE)
    return datetime(year, 1, 1, tzinfo=zone), datetime(year + 1, 1, 1, tzinfo=zone)


def _members(community: Organisation) -> Select[tuple[int | None]]:
    return select(Registration.user_id).where(
        Registration.community_id == community.id,
        Registration.kind == RegistrationKind.RESIDENT.value,
        Registration.status == RegistrationStatus.ACKNOWLEDGED.value,
    )


def ranking(community: Organisation, year: int) -> list[VolunteerRow]:
    """The community's registered members, those who did most first: service items completed for
    themselves (not for a unit) in the year, then their hours, then the year's evaluation by the community."""
    members = _members(community)
    rows = {
        user_id: VolunteerRow(user_id, name, bool(party_member))
        for user_id, name, party_member in db.session.execute(
            select(User.id, User.name, Registration.party_member)
            .join(Registration, Registration.user_id == User.id)
            .where(
                Registration.community_id == community.id,
                Registration.kind == RegistrationKind.RESIDENT.value,
                Registration.status == RegistrationStatus.ACKNOWLEDGED.value,
            )
        )
    }
    since, until = _year_span(year)
    for user_id, completed, hours in db.session.execute(
        select(ServiceClaim.user_id, func.count(), func.coalesce(func.sum(ServiceClaim.hours), 0))
        .where(
            ServiceClaim.user_id.in_(members),
            ServiceClaim.on_behalf_of_id.is_(None),
            ServiceClaim.status == ClaimStatus.COMPLETED.value,
            ServiceClaim.completed_at >= since,
            ServiceClaim.completed_at < until,
        )
        .group_by(ServiceClaim.user_id)
    ):
        rows[user_id].completed, rows[user_id].hours = completed, Decimal(hours)
    for user_id, score in db.session.execute(
        select(Evaluation.subject_user_id, func.avg(Evaluation.score))
        .join(EvaluationRound, EvaluationRound.id == Evaluation.round_id)
        .where(
            Evaluation.kind == EvaluationKind.COMMUNITY_MEMBER.value,
            Evaluation.evaluator_id == community.id,
            Evaluation.subject_user_id.in_(members),
            EvaluationRound.year == year,
        )
        .group_by(Evaluation.subject_user_id)
    ):
        rows[user_id].evaluation = float(score)
    for (user_id,) in db.session.execute(
        select(VolunteerSelection.user_id).where(
            VolunteerSelection.community_id == community.id, VolunteerSelection.year == year
        )
    ):
        if user_id in rows:
            rows[user_id].selected = True
    ordered = sorted(
        rows.values(),
        key=lambda r: (-r.completed, -r.hours, -(r.evaluation if r.evaluation is not None else -1), r.name, r.user_id),
    )
    for rank, row in enumerate(ordered, start=1):
        row.rank = rank
    return ordered


def list_selections(community: Organisation, year: int) -> list[VolunteerSelection]:
    return list(
        db.session.scalars(
            select(VolunteerSelection)
            .where(VolunteerSelection.community_id == community.id, VolunteerSelection.year == year)
            .order_by(VolunteerSelection.decided_at)
        )
    )


def _is_member(community: Organisation, user_id: int) -> bool:
    return db.session.scalar(_members(community).where(Registration.user_id == user_id).limit(1)) is not None


def select_volunteer(
    community: Organisation, user_id: int, year: int, *, note: str, actor: User, now: datetime
) -> VolunteerSelection:
    """Record the managers' decision: `user_id` is this community's five-good volunteer of `year`."""
    if not _is_member(community, user_id):
        raise DomainError("not_registered_member", field="user")
    found = db.session.scalar(
        select(VolunteerSelection).where(
            VolunteerSelection.community_id == community.id,
            VolunteerSelection.user_id == user_id,
            VolunteerSelection.year == year,
        )
    )
    if found is not None:
        raise DomainError("already_selected")
    selection = VolunteerSelection(
        community_id=community.id,
        user_id=user_id,
        year=year,
        title=FIVE_GOOD,
        note=note.strip(),
        decided_by=actor,
        decided_at=now,
    )
    db.session.add(selection)
    db.session.flush()
    record(
        "volunteer_selection",
        selection.id,
        "created",
        actor=actor,
        changes={"community": community.code, "user": user_id, "year": year, "note": selection.note},
        now=now,
    )
    return selection


def withdraw_selection(community: Organisation, user_id: int, year: int, *, actor: User, now: datetime) -> None:
    """Undo a selection made in error; the audit trail keeps that it was made and withdrawn."""
    found = db.session.scalar(
        select(VolunteerSelection).where(
            VolunteerSelection.community_id == community.id,
            VolunteerSelection.user_id == user_id,
            VolunteerSelection.year == year,
        )
    )
    if found is None:
        raise DomainError("not_selected")
    record(
        "volunteer_selection",
        found.id,
        "deleted",
        actor=actor,
        changes={"community": community.code, "user": user_id, "year": year},
        now=now,
    )
    db.session.delete(found)
    db.session.flush()
