"""Evaluation rounds and evaluations (双评价): opening and locking rounds, giving evaluations, and who may
see which. Flush, never commit; the boundary opens the transaction (with the write lock, so an
evaluation and the round's closing are serialised: the round's row is read FOR UPDATE here).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import aliased

from app.accounts.models import User
from app.audit.services import diff, record
from app.domain.errors import DomainError
from app.domain.evaluations import (
    PAIRINGS,
    Dimension,
    EvaluationKind,
    RoundStatus,
    SubjectKind,
    check_can_close,
    check_can_open,
    check_comment,
    check_deadline,
    check_editable,
    check_evaluations_accepted,
    check_kinds,
    check_pair,
    check_scores,
    check_title,
    check_year,
    kinds_key,
    weighted_score,
)
from app.domain.organisations import OrgKind, RegistrationKind, RegistrationStatus, Role
from app.evaluations.models import Evaluation, EvaluationRound
from app.extensions import db
from app.organisations.models import Membership, Organisation, Registration
from app.organisations.services import is_manager

AUDIT_ROUND = "evaluation_round"
AUDIT_EVALUATION = "evaluation"
ACKNOWLEDGED = RegistrationStatus.ACKNOWLEDGED.value

Subject = Organisation | User


# --- rounds ------------------------------------------------------------------------------


def get_round(round_id: int) -> EvaluationRound | None:
    return db.session.get(EvaluationRound, round_id)


def get_round_locked(round_id: int) -> EvaluationRound | None:
    """The round read afresh, its row locked on PostgreSQL until the transaction ends: an evaluation
    and the round's closing (or the deadline's sweep) never interleave."""
    return db.session.scalar(
        select(EvaluationRound)
        .where(EvaluationRound.id == round_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def list_rounds() -> list[EvaluationRound]:
    return list(
        db.session.scalars(select(EvaluationRound).order_by(EvaluationRound.year.desc(), EvaluationRound.id.desc()))
    )


def list_open_rounds(now: datetime) -> list[EvaluationRound]:
    """Rounds taking evaluations now (open, deadline ahead)."""
    return list(
        db.session.scalars(
            select(EvaluationRound)
            .where(EvaluationRound.status == RoundStatus.OPEN.value, EvaluationRound.deadline > now)
            .order_by(EvaluationRound.deadline, EvaluationRound.id)
        )
    )


def _check_no_overlap(year: int, kinds: Sequence[EvaluationKind], *, besides: EvaluationRound | None) -> None:
    """One round per year and kind: a second round evaluating the same pairs in the same year is refused."""
    for other in db.session.scalars(select(EvaluationRound).where(EvaluationRound.year == year)):
        if other is not besides and set(other.kind_list) & set(kinds):
            raise DomainError("round_exists", field="kinds")


def create_round(
    *,
    year: int,
    title: str,
    kinds: Sequence[str],
    dimensions: Sequence[Dimension],
    deadline: datetime,
    actor: User,
    now: datetime,
) -> EvaluationRound:
    """A draft round: the organisation department checks it, then opens it."""
    year = check_year(year)
    title = check_title(title)
    chosen = check_kinds(kinds)
    if not dimensions:
        raise DomainError("dimensions_required", field="dimensions")
    check_deadline(deadline, now)
    _check_no_overlap(year, chosen, besides=None)
    evaluation_round = EvaluationRound(
        year=year,
        kinds=kinds_key(chosen),
        title=title,
        dimensions=[d.as_json() for d in dimensions],
        deadline=deadline,
        status=RoundStatus.DRAFT.value,
        created_by=actor,
        created_at=now,
        updated_at=now,
    )
    db.session.add(evaluation_round)
    db.session.flush()
    record(
        AUDIT_ROUND,
        evaluation_round.id,
        "created",
        actor=actor,
        changes={k: [None, v] for k, v in evaluation_round.audit_view().items()},
        now=now,
    )
    return evaluation_round


def update_round(
    evaluation_round: EvaluationRound,
    *,
    year: int,
    title: str,
    kinds: Sequence[str],
    dimensions: Sequence[Dimension],
    deadline: datetime,
    actor: User,
    now: datetime,
) -> EvaluationRound:
    """Change a draft round; an open or locked one is refused (`round_not_draft`, `round_locked`)."""
    check_editable(evaluation_round.status, evaluation_round.deadline, now)
    year = check_year(year)
    title = check_title(title)
    chosen = check_kinds(kinds)
    if not dimensions:
        raise DomainError("dimensions_required", field="dimensions")
    check_deadline(deadline, now)
    _check_no_overlap(year, chosen, besides=evaluation_round)
    before = evaluation_round.audit_view()
    evaluation_round.year = year
    evaluation_round.title = title
    evaluation_round.kinds = kinds_key(chosen)
    evaluation_round.dimensions = [d.as_json() for d in dimensions]
    evaluation_round.deadline = deadline
    evaluation_round.updated_at = now
    db.session.flush()
    record(
        AUDIT_ROUND,
        evaluation_round.id,
        "updated",
        actor=actor,
        changes=diff(before, evaluation_round.audit_view()),
        now=now,
    )
    return evaluation_round


def open_round(evaluation_round: EvaluationRound, *, actor: User, now: datetime) -> EvaluationRound:
    """Open a draft: from now until the deadline the pairs evaluate each other."""
    check_can_open(evaluation_round.status, evaluation_round.deadline, now)
    evaluation_round.status = RoundStatus.OPEN.value
    evaluation_round.opened_by = actor
    evaluation_round.opened_at = now
    evaluation_round.updated_at = now
    db.session.flush()
    record(AUDIT_ROUND, evaluation_round.id, "opened", actor=actor, changes={"status": ["draft", "open"]}, now=now)
    return evaluation_round


def close_round(evaluation_round: EvaluationRound, *, actor: User, now: datetime) -> EvaluationRound:
    """Lock an open round before its deadline: its evaluations are final from now on."""
    check_can_close(evaluation_round.status, evaluation_round.deadline, now)
    _lock(evaluation_round, actor=actor, now=now)
    return evaluation_round


def _lock(evaluation_round: EvaluationRound, *, actor: User | None, now: datetime) -> None:
    evaluation_round.status = RoundStatus.LOCKED.value
    evaluation_round.locked_at = now
    evaluation_round.locked_by = actor
    evaluation_round.updated_at = now
    db.session.flush()
    action = "closed" if actor is not None else "locked"
    record(AUDIT_ROUND, evaluation_round.id, action, actor=actor, changes={"status": ["open", "locked"]}, now=now)


def lock_due_rounds(*, now: datetime) -> int:
    """The scheduler's sweep: open rounds whose deadline has come are written locked (their evaluations
    were already refused from the deadline on; this puts the pages right). Returns how many."""
    due = list(
        db.session.scalars(
            select(EvaluationRound)
            .where(EvaluationRound.status == RoundStatus.OPEN.value, EvaluationRound.deadline <= now)
            .order_by(EvaluationRound.id)
            .with_for_update()
        )
    )
    for evaluation_round in due:
        # Locked at its deadline, whenever the sweep came by.
        _lock(evaluation_round, actor=None, now=evaluation_round.deadline)
    return len(due)


# --- who evaluates whom ---------------------------------------------------------------------


def is_registered_pair(kind: EvaluationKind, evaluator: Organisation, subject: Subject) -> bool:
    """Whether the subject is (acknowledged) registered with the evaluator, or the evaluator with it."""
    query = select(Registration.id).where(Registration.status == ACKNOWLEDGED)
    if kind is EvaluationKind.COMMUNITY_UNIT:
        query = query.where(
            Registration.kind == RegistrationKind.UNIT.value,
            Registration.community_id == evaluator.id,
            Registration.unit_id == subject.id,
        )
    elif kind is EvaluationKind.UNIT_COMMUNITY:
        query = query.where(
            Registration.kind == RegistrationKind.UNIT.value,
            Registration.community_id == subject.id,
            Registration.unit_id == evaluator.id,
        )
    else:
        # 民主评议 is of the community's registered in-service party members.
        query = query.where(
            Registration.kind == RegistrationKind.RESIDENT.value,
            Registration.community_id == evaluator.id,
            Registration.user_id == subject.id,
            Registration.party_member.is_(True),
        )
    return db.session.scalar(query.limit(1)) is not None


def subject_kind_of(subject: Subject) -> str:
    if isinstance(subject, User):
        return SubjectKind.MEMBER.value
    return subject.kind


def may_evaluate(user: User, evaluator: Organisation) -> bool:
    """An organisation's evaluations are given by its managers (an administrator reads them, and
    evaluates only for an organisation they manage)."""
    return user.is_authenticated and is_manager(user, evaluator)


def is_subject_side(user: User, subject: Subject) -> bool:
    if isinstance(subject, User):
        return user.is_authenticated and user.id == subject.id
    return user.is_authenticated and is_manager(user, subject)


def may_see_pair(user: User, evaluator: Organisation, subject: Subject) -> bool:
    """An evaluation is seen by its pair (the evaluator's managers; the subject's managers, or the member)
    and administrators; nobody else learns of it."""
    if not user.is_authenticated:
        return False
    return user.is_admin or may_evaluate(user, evaluator) or is_subject_side(user, subject)


def get_evaluation(evaluation_round: EvaluationRound, evaluator: Organisation, subject: Subject) -> Evaluation | None:
    query = select(Evaluation).where(
        Evaluation.round_id == evaluation_round.id, Evaluation.evaluator_id == evaluator.id
    )
    if isinstance(subject, User):
        query = query.where(Evaluation.subject_user_id == subject.id)
    else:
        query = query.where(Evaluation.subject_org_id == subject.id)
    return db.session.scalar(query)


def submit_evaluation(
    evaluation_round: EvaluationRound,
    kind: EvaluationKind,
    evaluator: Organisation,
    subject: Subject,
    scores: Mapping[str, object],
    comment: str,
    *,
    actor: User,
    now: datetime,
) -> Evaluation:
    """Give (or change, while the round is open) the evaluator's evaluation of the subject.

    Refused: `round_not_open` (a draft), `round_locked` (deadline come or closed), `kind_not_in_round`,
    `forbidden` (the actor does not manage the evaluator, or it is not of the evaluating kind),
    `not_registered` (the subject is not registered with the evaluator), `score_required`,
    `score_out_of_range`, `invalid_scores`, `value_too_long` (the comment). Call it with the round read
    by get_round_locked."""
    check_evaluations_accepted(evaluation_round.status, evaluation_round.deadline, now)
    if kind not in evaluation_round.kind_list:
        raise DomainError("kind_not_in_round", field="kind")
    if not may_evaluate(actor, evaluator):
        raise DomainError("forbidden", field="evaluator")
    registered = is_registered_pair(kind, evaluator, subject)
    check_pair(kind, evaluator.kind, subject_kind_of(subject), registered=registered)
    dimensions = evaluation_round.dimension_list
    checked = check_scores(dimensions, scores)
    comment = check_comment(comment)
    score = weighted_score(dimensions, checked)
    evaluation = get_evaluation(evaluation_round, evaluator, subject)
    if evaluation is None:
        evaluation = Evaluation(
            round=evaluation_round,
            kind=kind.value,
            evaluator=evaluator,
            subject_org=subject if isinstance(subject, Organisation) else None,
            subject_user=subject if isinstance(subject, User) else None,
            submitted_at=now,
        )
        db.session.add(evaluation)
        action, before = "submitted", {}
    else:
        action, before = "updated", {"scores": dict(evaluation.scores), "comment": evaluation.comment}
    evaluation.scores = checked
    evaluation.score = score
    evaluation.comment = comment
    evaluation.submitted_by = actor
    evaluation.updated_at = now
    db.session.flush()
    record(
        AUDIT_EVALUATION,
        evaluation.id,
        action,
        actor=actor,
        changes=diff(before, {"scores": checked, "comment": comment}),
        now=now,
    )
    return evaluation


# --- what a manager has to do, and what they may read ----------------------------------------


@dataclass(frozen=True)
class Pair:
    """One evaluation to give (or given) in a round: who evaluates whom, and the evaluation if any."""

    round: EvaluationRound
    kind: EvaluationKind
    evaluator: Organisation
    subject: Subject
    evaluation: Evaluation | None

    @property
    def subject_code(self) -> str:
        return self.subject.code


def list_managed(user: User) -> list[Organisation]:
    """The active communities and units the user manages (those that evaluate)."""
    return list(
        db.session.scalars(
            select(Organisation)
            .join(Membership, Membership.organisation_id == Organisation.id)
            .where(
                Membership.user_id == user.id,
                Membership.role == Role.MANAGER.value,
                Organisation.kind.in_([OrgKind.COMMUNITY.value, OrgKind.UNIT.value]),
                Organisation.active.is_(True),
            )
            .order_by(Organisation.code)
        )
    )


def list_pairs(evaluation_round: EvaluationRound, evaluators: Sequence[Organisation]) -> list[Pair]:
    """Every pair these organisations evaluate in the round (their registered subjects, now), with the
    evaluation given if any: a few queries per kind, whatever the number of subjects."""
    if not evaluators:
        return []
    by_id = {o.id: o for o in evaluators}
    given = {
        (e.evaluator_id, e.subject_org_id or 0, e.subject_user_id or 0): e
        for e in db.session.scalars(
            select(Evaluation).where(
                Evaluation.round_id == evaluation_round.id, Evaluation.evaluator_id.in_(list(by_id))
            )
        )
    }
    pairs: list[Pair] = []
    subject_org = aliased(Organisation)
    for kind in evaluation_round.kind_list:
        evaluator_kind = PAIRINGS[kind].evaluator.value
        ids = [o.id for o in evaluators if o.kind == evaluator_kind]
        if not ids:
            continue
        if kind is EvaluationKind.COMMUNITY_MEMBER:
            rows = db.session.execute(
                select(Registration.community_id, User)
                .join(User, User.id == Registration.user_id)
                .where(
                    Registration.community_id.in_(ids),
                    Registration.kind == RegistrationKind.RESIDENT.value,
                    Registration.status == ACKNOWLEDGED,
                    Registration.party_member.is_(True),
                )
                .order_by(Registration.community_id, User.name, User.id)
            ).all()
            for evaluator_id, person in rows:
                found = given.get((evaluator_id, 0, person.id))
                pairs.append(Pair(evaluation_round, kind, by_id[evaluator_id], person, found))
            continue
        if kind is EvaluationKind.COMMUNITY_UNIT:
            mine, theirs = Registration.community_id, Registration.unit_id
        else:
            mine, theirs = Registration.unit_id, Registration.community_id
        rows = db.session.execute(
            select(mine, subject_org)
            .join(subject_org, subject_org.id == theirs)
            .where(
                mine.in_(ids),
                Registration.kind == RegistrationKind.UNIT.value,
                Registration.status == ACKNOWLEDGED,
                subject_org.active.is_(True),
            )
            .order_by(mine, subject_org.code)
        ).all()
        for evaluator_id, org in rows:
            found = given.get((evaluator_id, org.id, 0))
            pairs.append(Pair(evaluation_round, kind, by_id[evaluator_id], org, found))
    return pairs


def list_received(user: User, *, include_open: bool = False) -> list[Evaluation]:
    """Evaluations of the organisations the user manages and of the user as a member, in locked rounds
    (a round's results are final, and shown to the evaluated side, once it is locked)."""
    managed = [o.id for o in list_managed(user)]
    mine = Evaluation.subject_user_id == user.id
    query = (
        select(Evaluation)
        .join(EvaluationRound, EvaluationRound.id == Evaluation.round_id)
        .where(or_(mine, Evaluation.subject_org_id.in_(managed)) if managed else mine)
        .order_by(EvaluationRound.year.desc(), Evaluation.round_id.desc(), Evaluation.id)
    )
    if not include_open:
        query = query.where(EvaluationRound.status == RoundStatus.LOCKED.value)
    return list(db.session.scalars(query))


def list_given_in_locked(user: User) -> list[Evaluation]:
    """Evaluations the user's organisations gave in locked rounds (read-only now)."""
    managed = [o.id for o in list_managed(user)]
    if not managed:
        return []
    return list(
        db.session.scalars(
            select(Evaluation)
            .join(EvaluationRound, EvaluationRound.id == Evaluation.round_id)
            .where(Evaluation.evaluator_id.in_(managed), EvaluationRound.status == RoundStatus.LOCKED.value)
            .order_by(EvaluationRound.year.desc(), Evaluation.round_id.desc(), Evaluation.id)
        )
    )


def count_evaluations(evaluation_round: EvaluationRound) -> dict[str, int]:
    """How many evaluations of each kind the round has (the admin's round page)."""
    rows = db.session.execute(
        select(Evaluation.kind, func.count())
        .where(Evaluation.round_id == evaluation_round.id)
        .group_by(Evaluation.kind)
    )
    return {kind: n for kind, n in rows}
