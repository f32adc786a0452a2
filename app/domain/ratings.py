"""Ratings after use: the three scores, the edit window, averages and the masked name shown with them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.domain.errors import DomainError

# The dimensions a booker scores, in the order the form and the API list them.
DIMENSIONS = ("cleanliness", "equipment", "service")
LOWEST, HIGHEST = 1, 5
# A rating may be changed for this long after it was given; then it stands.
EDIT_WINDOW = timedelta(days=7)
MAX_COMMENT_LENGTH = 1000
MAX_REPLY_LENGTH = 1000
MAX_HIDE_REASON_LENGTH = 300


@dataclass(frozen=True)
class Scores:
    cleanliness: int
    equipment: int
    service: int

    @property
    def total(self) -> int:
        return self.cleanliness + self.equipment + self.service

    @property
    def overall(self) -> int:
        """The three scores' mean rounded to a whole star (what the distribution counts)."""
        return overall_score(self.total)

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in DIMENSIONS}


def check_score(value: object, *, field: str) -> int:
    """A whole number from 1 to 5; anything else (a bool, 4.5, "5", None) is `invalid_score`."""
    if isinstance(value, bool) or not isinstance(value, int) or not LOWEST <= value <= HIGHEST:
        raise DomainError("invalid_score", field=field)
    return value


def check_scores(values: object) -> Scores:
    """The three scores from a mapping of dimension to score, each checked; the field named is the
    first at fault (`scores.equipment`), or `scores` when it is not a mapping at all."""
    if not isinstance(values, Mapping):
        raise DomainError("invalid_score", field="scores")
    checked = [check_score(values.get(name), field=f"scores.{name}") for name in DIMENSIONS]
    return Scores(*checked)


def check_text(text: str | None, *, field: str, limit: int) -> str:
    """Free text trimmed; longer than `limit` is `value_too_long`."""
    text = (text or "").strip()
    if len(text) > limit:
        raise DomainError("value_too_long", field=field)
    return text


def check_hide_reason(reason: str | None) -> str:
    """Hiding a rating keeps why: a reason is required."""
    reason = check_text(reason, field="reason", limit=MAX_HIDE_REASON_LENGTH)
    if not reason:
        raise DomainError("hide_reason_required", field="reason")
    return reason


def editable_until(created_at: datetime) -> datetime:
    return created_at + EDIT_WINDOW


def may_edit(created_at: datetime, now: datetime) -> bool:
    """Within seven days of the rating being given (the last instant excluded)."""
    return now < editable_until(created_at)


def check_editable(created_at: datetime, now: datetime) -> None:
    if not may_edit(created_at, now):
        raise DomainError("edit_window_closed")


def overall_score(total: int) -> int:
    """The mean of three scores summing to `total`, rounded to a whole number. A mean of three whole
    numbers never ends in .5, so (total + 1) // 3 is exact (and is what SQL computes for the counts)."""
    return (total + 1) // len(DIMENSIONS)


def average(total: int, count: int, *, per_rating: int = 1, places: int = 1) -> Decimal | None:
    """`total` over `count` ratings of `per_rating` scores each, rounded half up; None for no ratings.

    The resource keeps the sum of all three scores, so its overall average is
    average(total, count, per_rating=3)."""
    if count <= 0:
        return None
    exact = Decimal(total) / Decimal(count * per_rating)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def mask_name(name: str | None) -> str:
    """The name as shown beside a rating: its first letter and a star (张三 → 张*, 欧阳娜娜 → 欧*,
    Alice Smith → A*); a one-letter or empty name is a star alone, so it gives nothing away."""
    letters = [c for c in (name or "") if c.isalnum()]
    if len(letters) <= 1:
        return "*"
    return f"{letters[0]}*"


def distribution(overall_scores: Mapping[int, int]) -> dict[int, int]:
    """Counts for every whole score from 5 down to 1 (missing ones are 0), as the pages list them."""
    return {score: int(overall_scores.get(score, 0)) for score in range(HIGHEST, LOWEST - 1, -1)}
