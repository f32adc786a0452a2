"""Which audiences a requester is in, table-driven with a reason per row."""

from __future__ import annotations

import pytest

from app.domain.audiences import Requester, audiences_for
from app.domain.windows import Audience

P, R, U, OWN, M = (
    Audience.PUBLIC,
    Audience.RESIDENTS,
    Audience.REGISTERED_UNITS,
    Audience.OWNER_MEMBERS,
    Audience.PARTY_MEMBERS,
)
COMMUNITY, OTHER_COMMUNITY, SCHOOL = 1, 2, 10
# A community's resource belongs to that community; a school's to the communities it registered with.
OF_COMMUNITY = (COMMUNITY, frozenset({COMMUNITY}))
OF_SCHOOL = (SCHOOL, frozenset({COMMUNITY}))


@pytest.mark.parametrize(
    ("requester", "resource", "expected", "reason"),
    [
        (Requester(None), OF_COMMUNITY, set(), "visitors who are not signed in are in no audience"),
        (Requester(7), OF_COMMUNITY, {P}, "any signed-in user is public"),
        (
            Requester(7, resident_of=frozenset({COMMUNITY})),
            OF_COMMUNITY,
            {P, R},
            "a registered resident of the owner community",
        ),
        (
            Requester(7, resident_of=frozenset({OTHER_COMMUNITY})),
            OF_COMMUNITY,
            {P},
            "residents of another community are not its residents",
        ),
        (
            Requester(7, resident_of=frozenset({COMMUNITY})),
            OF_SCHOOL,
            {P, R},
            "a school's stadium is open to the residents of the communities it registered with",
        ),
        (
            Requester(7, resident_of=frozenset({COMMUNITY}), party_member_of=frozenset({COMMUNITY})),
            OF_COMMUNITY,
            {P, R, M},
            "an in-service party member registered there",
        ),
        (Requester(7, member_of=frozenset({SCHOOL})), OF_SCHOOL, {P, OWN}, "staff of the owning unit"),
        (
            Requester(7, member_of=frozenset({SCHOOL}), acting_for=SCHOOL, acting_for_registered_with=frozenset({1})),
            OF_COMMUNITY,
            {P, U},
            "a unit registered with the owner community, booked for by its staff",
        ),
        (
            Requester(7, member_of=frozenset({SCHOOL}), acting_for=SCHOOL),
            OF_COMMUNITY,
            {P},
            "an unregistered unit is only public",
        ),
        (
            Requester(
                7,
                resident_of=frozenset({COMMUNITY}),
                member_of=frozenset({SCHOOL}),
                acting_for=SCHOOL,
                acting_for_registered_with=frozenset({COMMUNITY}),
            ),
            OF_COMMUNITY,
            {P, U},
            "booking for a unit is the unit's booking: the staff member's residence does not count",
        ),
        (
            Requester(7, member_of=frozenset({SCHOOL}), acting_for=SCHOOL),
            OF_SCHOOL,
            {P, OWN},
            "a unit booking its own facility",
        ),
    ],
)
def test_requester_is_in_exactly_these_audiences(requester, resource, expected, reason):
    owner_id, communities = resource
    assert audiences_for(requester, owner_id, communities) == frozenset(expected), reason


def test_a_units_quota_is_pooled_and_a_persons_is_their_own():
    assert Requester(7, acting_for=10).quota_key == "unit:10"
    assert Requester(8, acting_for=10).quota_key == "unit:10"
    assert Requester(7).quota_key == "user:7"
    assert Requester(None).quota_key is None
