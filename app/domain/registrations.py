"""The registration (报到) workflow: which moves exist and who makes each."""

from __future__ import annotations

from enum import StrEnum

from app.domain.errors import DomainError
from app.domain.organisations import RegistrationStatus


class Side(StrEnum):
    """Who moves a registration: the community acknowledging it, or the registrant (a person, a unit's manager)."""

    COMMUNITY = "community"
    REGISTRANT = "registrant"


# (from, to) -> who may make the move. Anything else is refused: a decided registration is not
# decided again (an ended one is never revived here; the registrant applies anew).
MOVES: dict[tuple[RegistrationStatus, RegistrationStatus], Side] = {
    (RegistrationStatus.PENDING, RegistrationStatus.ACKNOWLEDGED): Side.COMMUNITY,
    (RegistrationStatus.PENDING, RegistrationStatus.DECLINED): Side.COMMUNITY,
    (RegistrationStatus.PENDING, RegistrationStatus.WITHDRAWN): Side.REGISTRANT,
    (RegistrationStatus.ACKNOWLEDGED, RegistrationStatus.WITHDRAWN): Side.REGISTRANT,
}

MAX_REASON_LENGTH = 500


def check_move(current: str, new: RegistrationStatus) -> Side:
    """The side that makes the move from `current` to `new`; raise when there is no such move.

    `registration_not_pending` when the community decides what is no longer pending,
    `not_withdrawable` when the registrant withdraws what has already ended.
    """
    try:
        side = MOVES.get((RegistrationStatus(current), new))
    except ValueError:
        side = None
    if side is None:
        if new is RegistrationStatus.WITHDRAWN:
            raise DomainError("not_withdrawable", field="status")
        raise DomainError("registration_not_pending", field="status")
    return side


def check_decline_reason(reason: str) -> str:
    """A declined registrant is told why: a reason is required, and kept short."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("decline_reason_required", field="reason")
    if len(reason) > MAX_REASON_LENGTH:
        raise DomainError("value_too_long", field="reason")
    return reason
