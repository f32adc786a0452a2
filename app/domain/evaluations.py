"""Evaluation rounds (双评价): dimensions and weights, scores, the round's states, who evaluates whom, and
the appraisal score that combines a round's evaluations with the system's own figures.

Scores are given per dimension on a five-point scale (1 poor … 5 excellent: a radio group a phone
shows whole), and an evaluation's weighted score is put on 0–100 so it can be read, averaged and
combined with the figures' score, which is on 0–100 too.

The appraisal score (the report's "combined" column) is

    70 % × the average weighted score of the evaluations received in the round
  + 30 % × the figures' score,

where the figures' score is the average, over the system's figures (hours shared, bookings served,
service items completed, agreement items done, average rating), of the organisation's percentile rank
among its peers in the round (units among units, communities among communities): the share of peers
with a lower figure, ties counting half. Ranks rather than raw values, so that no one figure's unit
(hours against counts) or one outlier decides; a figure on which all peers are equal says nothing and
is left out. Without evaluations received there is no appraisal score (the evaluations are the
appraisal; the figures only temper them); without any telling figure it is the evaluations' score alone.
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import TypeVar

from app.domain.errors import DomainError
from app.domain.organisations import OrgKind

K = TypeVar("K", bound=Hashable)

SCORE_MIN = 1
SCORE_MAX = 5
MAX_DIMENSIONS = 10
MAX_LABEL_LENGTH = 100
MAX_TITLE_LENGTH = 200
MAX_COMMENT_LENGTH = 2000
MAX_WEIGHT = 1000.0
FIRST_YEAR, LAST_YEAR = 2000, 2100
EVALUATION_SHARE = 0.7
FIGURES_SHARE = 0.3
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")


class RoundStatus(StrEnum):
    DRAFT = "draft"  # being prepared by the organisation department: dimensions may change
    OPEN = "open"  # evaluations are taken until the deadline
    LOCKED = "locked"  # past the deadline or closed early: nothing changes any more


class EvaluationKind(StrEnum):
    COMMUNITY_UNIT = "community_unit"  # a community evaluates a unit registered with it
    UNIT_COMMUNITY = "unit_community"  # a unit evaluates a community it is registered with
    COMMUNITY_MEMBER = "community_member"  # 民主评议: a community evaluates its registered party members


class SubjectKind(StrEnum):
    UNIT = "unit"
    COMMUNITY = "community"
    MEMBER = "member"  # a person: an in-service party member registered at their residence


@dataclass(frozen=True)
class Pairing:
    evaluator: OrgKind
    subject: SubjectKind


PAIRINGS: dict[EvaluationKind, Pairing] = {
    EvaluationKind.COMMUNITY_UNIT: Pairing(OrgKind.COMMUNITY, SubjectKind.UNIT),
    EvaluationKind.UNIT_COMMUNITY: Pairing(OrgKind.UNIT, SubjectKind.COMMUNITY),
    EvaluationKind.COMMUNITY_MEMBER: Pairing(OrgKind.COMMUNITY, SubjectKind.MEMBER),
}


def check_pair(kind: EvaluationKind, evaluator_kind: str, subject_kind: str, *, registered: bool) -> None:
    """Raise unless an organisation of `evaluator_kind` may evaluate a subject of `subject_kind` in `kind`.

    `forbidden` when the evaluator is not of the kind that evaluates here (a unit cannot give a
    community's evaluation of a unit); `not_registered` when the subject is of the wrong kind or is
    not (acknowledged) registered with the evaluator, or the evaluator with it.
    """
    pairing = PAIRINGS[kind]
    if evaluator_kind != pairing.evaluator.value:
        raise DomainError("forbidden", field="evaluator")
    if subject_kind != pairing.subject.value or not registered:
        raise DomainError("not_registered", field="subject")


def check_kind(value: str) -> EvaluationKind:
    try:
        return EvaluationKind(value)
    except ValueError as exc:
        raise DomainError("invalid_kind", field="kinds") from exc


def check_kinds(values: Iterable[str]) -> tuple[EvaluationKind, ...]:
    """The kinds a round covers, at least one, in the enum's order."""
    chosen = {check_kind(v) for v in values}
    if not chosen:
        raise DomainError("kinds_required", field="kinds")
    return tuple(k for k in EvaluationKind if k in chosen)


def kinds_key(kinds: Iterable[EvaluationKind]) -> str:
    """The canonical text of a set of kinds, as the round stores it (one round per year and set)."""
    chosen = set(kinds)
    return ",".join(k.value for k in EvaluationKind if k in chosen)


def kinds_from_key(key: str) -> tuple[EvaluationKind, ...]:
    return tuple(EvaluationKind(part) for part in key.split(",") if part)


def check_year(year: int) -> int:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise DomainError("invalid_year", field="year")
    return year


def check_title(title: str) -> str:
    title = (title or "").strip()
    if not title:
        raise DomainError("round_title_required", field="title")
    if len(title) > MAX_TITLE_LENGTH:
        raise DomainError("value_too_long", field="title")
    return title


# --- dimensions ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dimension:
    """One thing evaluated, with its share of the weighted score (weights of a round sum to 1)."""

    key: str
    label_zh: str
    label_en: str
    weight: float

    def label(self, chinese: bool) -> str:
        if chinese:
            return self.label_zh or self.label_en
        return self.label_en or self.label_zh

    def as_json(self) -> dict[str, object]:
        return {"key": self.key, "label_zh": self.label_zh, "label_en": self.label_en, "weight": self.weight}


@dataclass(frozen=True)
class DimensionInput:
    """A dimension as typed into the round's form: the weight as text (30, 0.3, 12.5)."""

    key: str
    label_zh: str
    label_en: str
    weight: str


# The article's five paired systems, as a unit's or community's co-building is evaluated against them
# (双报到, 双结对, 双领办, 双统筹, and the residents' satisfaction the evaluation serves); the weights
# favour what is done for residents (services and shared facilities).
DEFAULT_DIMENSIONS: tuple[Dimension, ...] = (
    Dimension("registration", "报到履职", "Registering and taking part", 0.20),
    Dimension("pairing", "结对共建", "Pairing and joint projects", 0.20),
    Dimension("service", "领办服务", "Service items claimed and done", 0.25),
    Dimension("sharing", "资源共享", "Sharing facilities and resources", 0.20),
    Dimension("satisfaction", "群众满意", "Residents' satisfaction", 0.15),
)


def _weight(text: str, field: str) -> float:
    try:
        weight = float((text or "").strip())
    except ValueError as exc:
        raise DomainError("invalid_weight", field=field) from exc
    if not math.isfinite(weight) or weight <= 0 or weight > MAX_WEIGHT:
        raise DomainError("invalid_weight", field=field)
    return weight


def check_dimensions(rows: Sequence[DimensionInput]) -> tuple[Dimension, ...]:
    """The round's dimensions from its form's rows: blank rows are skipped; each needs a label (Chinese
    or English) and a positive weight; weights are normalised to sum to 1. A row without a key gets
    one from its place (d1, d2, …). Fields are named `dimensions-<row>-<field>` (the form's names)."""
    kept: list[tuple[int, DimensionInput]] = [
        (i, row)
        for i, row in enumerate(rows)
        if (row.label_zh or "").strip() or (row.label_en or "").strip() or (row.weight or "").strip()
    ]
    if not kept:
        raise DomainError("dimensions_required", field="dimensions")
    if len(kept) > MAX_DIMENSIONS:
        raise DomainError("too_many_dimensions", field="dimensions")
    parsed: list[tuple[str, str, str, float]] = []
    seen: set[str] = set()
    for i, row in kept:
        label_zh, label_en = (row.label_zh or "").strip(), (row.label_en or "").strip()
        if not label_zh and not label_en:
            raise DomainError("dimension_label_required", field=f"dimensions-{i}-label_zh")
        if len(label_zh) > MAX_LABEL_LENGTH:
            raise DomainError("value_too_long", field=f"dimensions-{i}-label_zh")
        if len(label_en) > MAX_LABEL_LENGTH:
            raise DomainError("value_too_long", field=f"dimensions-{i}-label_en")
        weight = _weight(row.weight, f"dimensions-{i}-weight")
        key = (row.key or "").strip() or f"d{len(parsed) + 1}"
        if not KEY_RE.match(key):
            raise DomainError("invalid_code", field=f"dimensions-{i}-key")
        if key in seen:
            # Two rows with one key would share one score: give the second a fresh key.
            key = next(f"d{n}" for n in range(1, MAX_DIMENSIONS * 2 + 2) if f"d{n}" not in seen)
        seen.add(key)
        parsed.append((key, label_zh, label_en, weight))
    total = sum(weight for *_, weight in parsed)
    return tuple(Dimension(key, zh, en, round(weight / total, 6)) for key, zh, en, weight in parsed)


def dimensions_from_json(data: object) -> tuple[Dimension, ...]:
    """The dimensions as a round stores them (written by `Dimension.as_json`)."""
    if not isinstance(data, list):
        return ()
    out = []
    for item in data:
        if isinstance(item, dict):
            out.append(
                Dimension(
                    str(item.get("key", "")),
                    str(item.get("label_zh", "")),
                    str(item.get("label_en", "")),
                    float(item.get("weight", 0) or 0),
                )
            )
    return tuple(out)


# --- the round's states ----------------------------------------------------------------------


def effective_status(status: str, deadline: datetime, now: datetime) -> RoundStatus:
    """The round's state now: an open round whose deadline has come is locked, whether or not the
    scheduler has written so yet (every write compares with now; the job only catches the pages up)."""
    current = RoundStatus(status)
    if current is RoundStatus.OPEN and now >= deadline:
        return RoundStatus.LOCKED
    return current


def check_evaluations_accepted(status: str, deadline: datetime, now: datetime) -> None:
    """Raise unless evaluations may be given or changed now: `round_not_open` before the round is
    opened, `round_locked` once its deadline has come or it was closed."""
    state = effective_status(status, deadline, now)
    if state is RoundStatus.DRAFT:
        raise DomainError("round_not_open", field="round")
    if state is RoundStatus.LOCKED:
        raise DomainError("round_locked", field="round")


def check_editable(status: str, deadline: datetime, now: datetime) -> None:
    """A round's title, kinds, dimensions and deadline change only while it is a draft: once open, the
    evaluations given are scored against them; once locked, nothing changes."""
    state = effective_status(status, deadline, now)
    if state is RoundStatus.LOCKED:
        raise DomainError("round_locked", field="round")
    if state is RoundStatus.OPEN:
        raise DomainError("round_not_draft", field="round")


def check_deadline(deadline: datetime, now: datetime) -> datetime:
    if deadline.tzinfo is None or deadline.utcoffset() is None:
        raise DomainError("invalid_time", field="deadline")
    if deadline <= now:
        raise DomainError("deadline_in_past", field="deadline")
    return deadline


def check_can_open(status: str, deadline: datetime, now: datetime) -> None:
    """Only a draft opens, and only with its deadline still ahead."""
    check_editable(status, deadline, now)
    check_deadline(deadline, now)


def check_can_close(status: str, deadline: datetime, now: datetime) -> None:
    """The organisation department may lock an open round before its deadline."""
    state = effective_status(status, deadline, now)
    if state is RoundStatus.DRAFT:
        raise DomainError("round_not_open", field="round")
    if state is RoundStatus.LOCKED:
        raise DomainError("round_locked", field="round")


# --- scores ----------------------------------------------------------------------------------


def check_scores(dimensions: Sequence[Dimension], raw: Mapping[str, object]) -> dict[str, int]:
    """A whole number from SCORE_MIN to SCORE_MAX for every dimension of the round, and nothing else.
    The field at fault is `scores.<key>` (or `scores` for a key the round does not have)."""
    keys = {d.key for d in dimensions}
    for key in raw:
        if key not in keys:
            raise DomainError("invalid_scores", field="scores")
    scores: dict[str, int] = {}
    for dimension in dimensions:
        field = f"scores.{dimension.key}"
        value = raw.get(dimension.key)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise DomainError("score_required", field=field)
        if isinstance(value, bool):
            raise DomainError("score_out_of_range", field=field)
        if isinstance(value, int):
            number = value
        elif isinstance(value, float) and value.is_integer():
            number = int(value)
        elif isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 4:
            number = int(value.strip())
        else:
            raise DomainError("score_out_of_range", field=field)
        if not SCORE_MIN <= number <= SCORE_MAX:
            raise DomainError("score_out_of_range", field=field)
        scores[dimension.key] = number
    return scores


def weighted_score(dimensions: Sequence[Dimension], scores: Mapping[str, int]) -> float:
    """The evaluation on 0–100: each dimension's score placed on 0–100 (1 → 0, 3 → 50, 5 → 100) and
    weighted. Weights are divided by their sum, so stored weights that round off still give 0–100."""
    total = sum(d.weight for d in dimensions)
    if total <= 0:
        raise DomainError("dimensions_required", field="dimensions")
    span = SCORE_MAX - SCORE_MIN
    value = sum(d.weight * (scores[d.key] - SCORE_MIN) / span * 100 for d in dimensions) / total
    return round(value, 2)


def check_comment(comment: str) -> str:
    comment = (comment or "").strip()
    if len(comment) > MAX_COMMENT_LENGTH:
        raise DomainError("value_too_long", field="comment")
    return comment


# --- the appraisal -----------------------------------------------------------------------------


def percentile_ranks(values: Mapping[K, float]) -> dict[K, float]:
    """Each key's mid-rank on 0–100: the share of the others below it, ties counting half."""
    ordered = sorted(values.values())
    n = len(ordered)
    if n == 0:
        return {}
    if n == 1:
        return {key: 50.0 for key in values}
    out: dict[K, float] = {}
    for key, value in values.items():
        below = bisect.bisect_left(ordered, value)
        equal = bisect.bisect_right(ordered, value) - below - 1  # not counting itself
        out[key] = (below + equal / 2) / (n - 1) * 100
    return out


def figures_scores(table: Mapping[K, Sequence[float | None]]) -> dict[K, float | None]:
    """The figures' score of each key (0–100): the mean of its percentile ranks over the figures that
    tell peers apart (a figure all share, or that fewer than two have, is left out; a key without a
    figure, e.g. no rating yet, is ranked on the others). None when no figure tells anything."""
    keys = list(table)
    width = max((len(row) for row in table.values()), default=0)
    ranks: dict[K, list[float]] = {key: [] for key in keys}
    for column in range(width):
        present: dict[K, float] = {}
        for key in keys:
            row = table[key]
            value = row[column] if column < len(row) else None
            if value is not None:
                present[key] = float(value)
        if len(present) < 2 or len(set(present.values())) < 2:
            continue
        for key, rank in percentile_ranks(present).items():
            ranks[key].append(rank)
    return {key: (round(sum(r) / len(r), 2) if r else None) for key, r in ranks.items()}


def appraisal_score(evaluation: float | None, figures: float | None) -> float | None:
    """70 % evaluations + 30 % figures; the evaluations alone without figures; none without evaluations."""
    if evaluation is None:
        return None
    if figures is None:
        return round(evaluation, 2)
    return round(EVALUATION_SHARE * evaluation + FIGURES_SHARE * figures, 2)


def competition_ranks(scores: Mapping[K, float | None]) -> dict[K, int | None]:
    """1 for the best score; equal scores share a rank and the next rank skips (1, 2, 2, 4); no score,
    no rank."""
    scored = sorted((s for s in scores.values() if s is not None), reverse=True)
    first: dict[float, int] = {}
    for place, score in enumerate(scored, start=1):
        first.setdefault(score, place)
    return {key: (first[s] if s is not None else None) for key, s in scores.items()}
