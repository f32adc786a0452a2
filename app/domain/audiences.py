"""Which audiences of a resource's access windows a requester belongs to (DESIGN.md §3)."""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.windows import Audience


@dataclass(frozen=True)
class Requester:
    """What decides a requester's audiences, as ids of organisations.

    `acting_for` is the unit a booking is made for; `may_act` is False when the
    requester is not a member of it (the booking is then `forbidden`).
    """

    user_id: int | None  # None: not signed in, no audience at all
    resident_of: frozenset[int] = frozenset()  # communities, acknowledged
    party_member_of: frozenset[int] = frozenset()  # communities, acknowledged as in-service party member
    member_of: frozenset[int] = frozenset()  # organisations, as member or manager
    acting_for: int | None = None
    acting_for_registered_with: frozenset[int] = frozenset()  # the unit's acknowledged communities
    may_act: bool = True

    @property
    def quota_key(self) -> str | None:
        """Whose weekly quota a booking counts against: a unit's is pooled across its staff."""
        if self.acting_for is not None:
            return f"unit:{self.acting_for}"
        return f"user:{self.user_id}" if self.user_id is not None else None


def audiences_for(requester: Requester, owner_id: int, resource_communities: frozenset[int]) -> frozenset[Audience]:
    """The audiences a requester is in for one resource.

    `resource_communities` are the resource's communities: the owner, when a
    community owns it; the communities a unit is registered with, for a unit's.
    Booking for a unit is the unit's booking: it counts as the unit's audiences
    (registered units, the owner's own members), not the staff member's as a resident.
    """
    if requester.user_id is None:
        return frozenset()
    found = {Audience.PUBLIC}
    if requester.acting_for is not None:
        if owner_id in requester.acting_for_registered_with:
            found.add(Audience.REGISTERED_UNITS)
        if requester.acting_for == owner_id:
            found.add(Audience.OWNER_MEMBERS)
        return frozenset(found)
    if requester.resident_of & resource_communities:
        found.add(Audience.RESIDENTS)
    if requester.party_member_of & resource_communities:
        found.add(Audience.PARTY_MEMBERS)
    if owner_id in requester.member_of:
        found.add(Audience.OWNER_MEMBERS)
    return frozenset(found)
