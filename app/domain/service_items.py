"""Service items (双领办): who publishes and who claims which kind, the items' and claims' moves, places left."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from app.domain.errors import DomainError


class ItemKind(StrEnum):
    NEED = "need"  # a community's service need (社区服务事项): registered units and residents claim it
    SUPPORT = "support"  # a unit's support item (单位支持事项): communities the unit is registered with claim it
    ACTIVITY_DAY = "activity_day"  # a themed activity day (主题党日等活动): people sign up for themselves


class ItemStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # no more claims; those made stand and are completed as usual
    CANCELLED = "cancelled"  # called off: the claims still held are withdrawn


class ClaimStatus(StrEnum):
    CLAIMED = "claimed"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class ClaimantKind(StrEnum):
    """Who a claim is for: the caller themself, or an organisation they act for."""

    PERSON = "person"
    UNIT = "unit"
    COMMUNITY = "community"
    OTHER = "other"  # a district or a street: they claim nothing


# Claims that hold a place (and count as the claimant's: one at a time per item).
LIVE_CLAIM_STATUSES = (ClaimStatus.CLAIMED, ClaimStatus.COMPLETED)

# Which kind of organisation publishes which kind of item.
PUBLISHER_KINDS: dict[ItemKind, frozenset[str]] = {
    ItemKind.NEED: frozenset({"community"}),
    ItemKind.SUPPORT: frozenset({"unit"}),
    ItemKind.ACTIVITY_DAY: frozenset({"community", "unit"}),
}
# Who claims each kind: the article's two directions of 双领办, and people signing up for activity days.
CLAIMANT_KINDS: dict[ItemKind, frozenset[ClaimantKind]] = {
    ItemKind.NEED: frozenset({ClaimantKind.UNIT, ClaimantKind.PERSON}),
    ItemKind.SUPPORT: frozenset({ClaimantKind.COMMUNITY}),
    ItemKind.ACTIVITY_DAY: frozenset({ClaimantKind.PERSON}),
}

MAX_TITLE = 200
MAX_DESCRIPTION = 2000
MAX_PLACE = 200
MAX_PLACES = 1000
MAX_NOTE = 1000
MAX_HOURS = Decimal(1000)
HOURS_STEP = Decimal("0.1")


def kinds_for(publisher_kind: str) -> list[ItemKind]:
    """The kinds an organisation of this kind may publish, its usual one first."""
    return [kind for kind in ItemKind if publisher_kind in PUBLISHER_KINDS[kind]]


def default_kind(publisher_kind: str) -> ItemKind | None:
    """A community publishes needs, a unit support items, unless it says otherwise."""
    kinds = kinds_for(publisher_kind)
    return kinds[0] if kinds else None


def claimant_kind(org_kind: str | None) -> ClaimantKind:
    """What a claim for an organisation of `org_kind` is (None: the caller for themself)."""
    if org_kind is None:
        return ClaimantKind.PERSON
    if org_kind == "unit":
        return ClaimantKind.UNIT
    if org_kind == "community":
        return ClaimantKind.COMMUNITY
    return ClaimantKind.OTHER


# --- publishing ---------------------------------------------------------------------


@dataclass(frozen=True)
class ItemDraft:
    kind: str
    publisher_kind: str
    title: str
    description: str
    place: str
    start: datetime
    end: datetime
    places: int


def _text(value: str, limit: int, field: str) -> str:
    value = (value or "").strip()
    if len(value) > limit:
        raise DomainError("value_too_long", field=field)
    return value


def check_item(draft: ItemDraft, now: datetime) -> ItemDraft:
    """The draft cleaned (texts stripped), or the first rule it breaks: `invalid_kind` (not one its
    publisher publishes), `title_required`, `value_too_long`, `invalid_time` (a time without its
    offset), `end_before_start`, `in_past` (over already), `places_out_of_range` (1 to 1000)."""
    try:
        kind = ItemKind(draft.kind)
    except ValueError:
        raise DomainError("invalid_kind", field="kind") from None
    if draft.publisher_kind not in PUBLISHER_KINDS[kind]:
        raise DomainError("invalid_kind", field="kind")
    title = _text(draft.title, MAX_TITLE, "title")
    if not title:
        raise DomainError("title_required", field="title")
    description = _text(draft.description, MAX_DESCRIPTION, "description")
    place = _text(draft.place, MAX_PLACE, "place")
    for name, moment in (("start", draft.start), ("end", draft.end)):
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise DomainError("invalid_time", field=name)
    if draft.end <= draft.start:
        raise DomainError("end_before_start", field="end")
    if draft.end <= now:
        raise DomainError("in_past", field="end")
    if isinstance(draft.places, bool) or not 1 <= draft.places <= MAX_PLACES:
        raise DomainError("places_out_of_range", field="places")
    return ItemDraft(kind.value, draft.publisher_kind, title, description, place, draft.start, draft.end, draft.places)


# --- claiming ------------------------------------------------------------------------


@dataclass(frozen=True)
class ClaimAttempt:
    """What decides a claim, read under the item's lock.

    `acts_for`: the caller may act for the organisation claimed for (always true for themself);
    `registered`: the claimant stands where the item asks (a unit or a resident acknowledged by the
    publishing community, the community a publishing unit is registered with, a member or neighbour of
    an activity day's organiser); `already`: the claimant holds a live claim on it; `live`: the live
    claims on it."""

    kind: str
    status: str
    end: datetime
    places: int
    claimant: ClaimantKind
    acts_for: bool
    registered: bool
    already: bool
    live: int


def check_claim(attempt: ClaimAttempt, now: datetime) -> None:
    """Raise the first reason the claim is refused, rules that do not depend on other people's claims
    first: `forbidden`, `invalid_claimant`, `not_claimable` (closed, cancelled or over),
    `not_registered`, `already_claimed`, `capacity_exceeded`."""
    if not attempt.acts_for:
        raise DomainError("forbidden", field="on_behalf_of")
    if attempt.claimant not in CLAIMANT_KINDS[ItemKind(attempt.kind)]:
        raise DomainError("invalid_claimant", field="on_behalf_of")
    if attempt.status != ItemStatus.OPEN.value or attempt.end <= now:
        raise DomainError("not_claimable")
    if not attempt.registered:
        raise DomainError("not_registered", field="on_behalf_of")
    if attempt.already:
        raise DomainError("already_claimed")
    if places_left(attempt.places, attempt.live) == 0:
        raise DomainError("capacity_exceeded")


def places_left(places: int, live: int) -> int:
    """How many more claims the item takes (never below none)."""
    return max(0, places - live)


# --- moves -----------------------------------------------------------------------------

# An item's moves by its publisher. A cancelled item stays cancelled: publish a new one.
ITEM_MOVES = frozenset(
    {
        (ItemStatus.OPEN, ItemStatus.CLOSED),
        (ItemStatus.CLOSED, ItemStatus.OPEN),
        (ItemStatus.OPEN, ItemStatus.CANCELLED),
        (ItemStatus.CLOSED, ItemStatus.CANCELLED),
    }
)


def check_item_move(current: str, new: ItemStatus) -> None:
    """Raise `item_not_movable` unless the publisher may move the item from `current` to `new`."""
    try:
        move = (ItemStatus(current), new)
    except ValueError:
        raise DomainError("item_not_movable", field="status") from None
    if move not in ITEM_MOVES:
        raise DomainError("item_not_movable", field="status")


def check_withdrawal(claim_status: str) -> None:
    """Only a claim not yet completed is withdrawn: `claim_not_withdrawable` otherwise."""
    if claim_status != ClaimStatus.CLAIMED.value:
        raise DomainError("claim_not_withdrawable")


def parse_hours(value: object) -> Decimal:
    """Hours of service as a number above 0 and at most 1000, in tenths (2.5); `invalid_hours` otherwise.
    Numbers and their text are taken; a boolean, NaN or infinity is not."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise DomainError("invalid_hours", field="hours")
    if isinstance(value, float) and not math.isfinite(value):
        raise DomainError("invalid_hours", field="hours")
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise DomainError("invalid_hours", field="hours") from None
    if not hours.is_finite() or not 0 < hours <= MAX_HOURS or hours != hours.quantize(HOURS_STEP):
        raise DomainError("invalid_hours", field="hours")
    return hours.quantize(HOURS_STEP)


def check_completion(claim_status: str, item_status: str, hours: object, note: str) -> tuple[Decimal, str]:
    """The hours and the note a completion is recorded with, or the first reason it is refused:
    `not_completable` (the claim is completed or withdrawn, or the item cancelled), `invalid_hours`,
    `note_required`, `value_too_long`."""
    if claim_status != ClaimStatus.CLAIMED.value or item_status == ItemStatus.CANCELLED.value:
        raise DomainError("not_completable", field="claim")
    parsed = parse_hours(hours)
    note = _text(note, MAX_NOTE, "note")
    if not note:
        raise DomainError("note_required", field="note")
    return parsed, note
