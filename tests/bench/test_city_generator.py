"""The benchmark city: the same every time, at the article's scale, and found by search once loaded.

Its bookings are checked on samples (the whole year is a million rows): by the
app's own booking rules, and for capacity at every instant.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.directory.services import search_resources
from app.domain.audiences import Requester, audiences_for
from app.domain.intervals import Interval
from app.domain.resources import Policy
from app.domain.rules import Request, ResourceRules, check_booking
from app.domain.windows import AccessWindow, Audience, parse_days
from app.domain.workdays import DayEntry, DaySource
from app.extensions import db
from app.models import Booking, Closure, Registration, Resource, User, Window
from app.organisations.services import get_organisation
from app.workdays.services import package_days
from bench.city import (
    HOLDING_STATUSES,
    Booked,
    City,
    Facility,
    Opening,
    check_search_text,
    generate_bookings,
    generate_city,
    load_city,
)

# The article's figures (seed/): the directory it lists, and Lizhou's 18 parking lots.
ARTICLE_RESOURCES = {
    "activity_centre": 387,
    "plaza": 314,
    "theatre": 69,
    "sports_venue": 305,
    "meeting_room": 618,
    "parking": 18,
}
DISTRICTS = {"利州区", "昭化区", "朝天区", "旺苍县", "青川县", "剑阁县", "苍溪县"}


ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture(scope="module")
def city() -> City:
    """The city without its year of bookings (a few seconds to make); tests take samples of those."""
    return generate_city(bookings=False)


@pytest.fixture(scope="module")
def sample(city: City) -> list[Facility]:
    """The busy parking lot and a spread of every kind and owner."""
    return [r for r in city.resources if r.code == city.busy_resource_code] + list(city.resources[1::97])


@pytest.fixture(scope="module")
def booked(city: City, sample: list[Facility]) -> dict[int, list[Booked]]:
    by_resource: dict[int, list[Booked]] = defaultdict(list)
    for booking in generate_bookings(city, sample):
        by_resource[booking.resource_id].append(booking)
    return by_resource


def test_the_same_seed_gives_the_same_city_and_another_seed_another(city):
    assert generate_city(bookings=False) == city
    assert generate_city(seed=7, bookings=False).resources != city.resources


def test_the_city_has_the_articles_scale(city):
    kinds = Counter(o.kind for o in city.organisations)
    assert kinds["district"] == 7
    assert {o.name for o in city.of_kind("district")} == DISTRICTS
    assert kinds["community"] == 337
    assert kinds["unit"] == 1375
    assert Counter(o.unit_type for o in city.of_kind("unit")).keys() == {
        "organ",
        "school",
        "hospital",
        "soe",
        "social_org",
    }
    assert len(city.members) == 36_500
    assert len(city.resources) == 1711
    per_kind = Counter(r.kind for r in city.resources)
    for kind, expected in ARTICLE_RESOURCES.items():
        assert abs(per_kind[kind] - expected) <= 1, kind
    assert 0.25 < sum(r.party_member for r in city.members) / len(city.members) < 0.35


def test_codes_names_and_logins_are_unique(city):
    for values in (
        [o.code for o in city.organisations],
        [o.name for o in city.organisations],
        [r.code for r in city.resources],
        [u.code for u in city.users],
        [u.phone for u in city.users],
        [r.receipt for r in city.registrations if r.receipt],
    ):
        assert len(values) == len(set(values))


def test_the_tree_nests_and_units_register_with_one_or_two_communities(city):
    by_id = {o.id: o for o in city.organisations}
    above = {"district": None, "street": "district", "community": "street"}
    for org in city.organisations:
        if org.kind in above:
            parent = by_id.get(org.parent_id) if org.parent_id else None
            assert (parent.kind if parent else None) == above[org.kind], org.code
            assert org.code.startswith("GY-")
        else:
            assert org.unit_type and org.code.startswith("U-")
    per_unit = Counter(r.unit_id for r in city.registrations if r.kind == "unit")
    assert set(per_unit.values()) == {1, 2} and len(per_unit) == 1375
    assert all(by_id[r.community_id].kind == "community" for r in city.registrations)
    assert all(by_id[r.owner_id].kind in ("street", "community", "unit") for r in city.resources)


def test_search_tokens_are_the_ones_the_app_computes(city):
    check_search_text(city, city.resources[::37])


def test_the_city_loaded_without_its_bookings_is_found_by_search(app, city):
    with_bookings = replace(city, bookings=generate_bookings(city, city.resources[:1]))

    counts = load_city(db.session, with_bookings, bookings=False)
    db.session.commit()

    assert counts["bookings"] == db.session.scalar(select(func.count()).select_from(Booking)) == 0
    assert db.session.scalar(select(func.count()).select_from(Window)) == len(city.windows)

    assert db.session.scalar(select(func.count()).select_from(User)) == 36_501
    assert db.session.scalar(select(func.count()).select_from(Resource)) == 1711
    assert db.session.scalar(select(func.count()).where(Registration.kind == "resident")) == 36_500
    found = search_resources(q="停车", per_page=100)
    parking = {r.code for r in city.resources if r.kind == "parking"}
    assert parking <= {r.code for r in found.items}
    assert {r.kind for r in found.items[:18]} == {"parking"}
    lizhou = get_organisation("GY-LZ")
    assert search_resources(kind="parking", area=lizhou).total == 18
    assert search_resources(q="体育场").total > 100
    assert search_resources(q="GY-LZ-DB-01").total >= 2


# --- access windows and closures ---------------------------------------------


def domain_window(w: Opening) -> AccessWindow:
    return AccessWindow(
        audience=Audience(w.audience),
        days=parse_days(w.days),
        start=w.start_minute,
        end=w.end_minute,
        price=w.price,
        max_quantity=w.max_quantity,
        max_minutes_per_week=w.max_minutes_per_week,
        requires_approval=w.requires_approval,
    )


def test_every_resource_has_valid_windows_within_its_capacity(city):
    capacity = {r.id: r.capacity for r in city.resources}

    for w in city.windows:
        domain_window(w)  # raises on a window the app would refuse
        assert w.max_quantity is None or 1 <= w.max_quantity <= capacity[w.resource_id]
    assert {w.resource_id for w in city.windows} == set(capacity)
    assert len({w.id for w in city.windows}) == len(city.windows)


def windows_by_kind(city: City) -> dict[tuple[str, str], set[tuple[str, str, int, int]]]:
    """(resource kind, owner kind) -> the windows any of them has."""
    orgs = {o.id: o for o in city.organisations}
    resources = {r.id: r for r in city.resources}
    found: dict[tuple[str, str], set[tuple[str, str, int, int]]] = defaultdict(set)
    for w in city.windows:
        resource = resources[w.resource_id]
        found[(resource.kind, orgs[resource.owner_id].kind)].add((w.audience, w.days, w.start_minute, w.end_minute))
    return found


def test_windows_follow_the_articles_two_cases(city):
    found = windows_by_kind(city)

    assert ("registered_units", "workday", 8 * 60 + 30, 17 * 60 + 30) in found[("parking", "community")]
    assert {a for a, _, _, _ in found[("parking", "community")]} == {"registered_units", "residents"}
    assert found[("sports_venue", "unit")] == {
        ("residents", "workday", 18 * 60, 21 * 60 + 30),
        ("residents", "restday", 8 * 60, 21 * 60 + 30),
    }
    assert {a for a, _, _, _ in found[("meeting_room", "community")]} == {"owner_members", "registered_units"}
    assert found[("plaza", "community")] == {("public", "all", 6 * 60, 22 * 60)}
    units_parking = [w for w in city.windows if w.resource_id == 1 and w.audience == "registered_units"]
    assert [w.max_quantity for w in units_parking] == [3]


def test_a_few_closures_of_resources_and_organisations(city):
    assert 5 <= len(city.closures) <= 50
    assert any(c.organisation_id for c in city.closures) and any(c.resource_id for c in city.closures)
    assert any(c.start >= city.anchor for c in city.closures)
    for c in city.closures:
        assert c.start.tzinfo is not None and c.start < c.end and c.reason
        assert (c.resource_id is None) != (c.organisation_id is None)


# --- bookings ----------------------------------------------------------------


def test_bookings_are_the_same_every_time_and_per_resource(city, sample):
    pair = sample[:2]

    together = generate_bookings(city, pair)

    assert generate_bookings(city, pair) == together
    one, two = generate_bookings(city, pair[:1]), generate_bookings(city, pair[1:])
    assert list(together) == list(one) + list(two)
    assert generate_bookings(replace(city, seed=7), pair) != together


def test_the_year_holds_about_a_million_bookings(city):
    every_fifth = city.resources[::5]

    estimate = 5 * len(generate_bookings(city, every_fifth))

    assert 800_000 <= estimate <= 1_300_000


def peak(bookings: list[Booked], statuses: frozenset[str]) -> int:
    """The most units in use at any instant by bookings in these statuses."""
    events = sorted(
        (moment, change)
        for b in bookings
        if b.status in statuses
        for moment, change in ((b.start, b.quantity), (b.end, -b.quantity))
    )
    used = top = 0
    for _, change in events:  # an end sorts before a start at the same instant: half-open intervals
        used += change
        top = max(top, used)
    return top


def test_holding_bookings_never_exceed_the_capacity_at_any_instant(city, sample, booked):
    took_space = HOLDING_STATUSES | {"completed", "no_show"}

    for resource in sample:
        bookings = booked[resource.id]
        assert peak(bookings, HOLDING_STATUSES) <= resource.capacity, resource.code
        assert peak(bookings, took_space) <= resource.capacity, resource.code
        assert all(1 <= b.quantity <= resource.capacity for b in bookings)


def test_busy_lot_is_nearly_full_in_the_month_after_the_anchor(city, booked):
    busy = next(r for r in city.resources if r.code == city.busy_resource_code)
    month = Interval(city.anchor, city.anchor + timedelta(days=31))

    holding = [b for b in booked[busy.id] if b.holding and month.start <= b.start < month.end]

    assert (busy.kind, busy.capacity) == ("parking", 40)
    assert len(holding) >= 1000
    assert peak(holding, HOLDING_STATUSES) == 40


def test_past_bookings_are_done_and_later_ones_are_ahead(city, booked):
    statuses: Counter[str] = Counter()
    for bookings in booked.values():
        for b in bookings:
            assert b.created_at < b.start
            if b.start < city.anchor:
                assert b.status in {"completed", "cancelled", "no_show", "rejected"}
            else:
                assert b.status in {"confirmed", "pending", "cancelled"}
                assert b.created_at <= city.anchor
            statuses[b.status] += 1
    total = sum(statuses.values())
    assert (statuses["completed"] + statuses["confirmed"]) / total > 0.8
    assert statuses["cancelled"] and statuses["pending"]


def requesters(city: City) -> tuple[dict[int, Requester], dict[int, frozenset[int]], dict[int, frozenset[int]]]:
    """Each person's standing as the app reads it, units' communities, and each owner's communities."""
    resident: dict[int, set[int]] = defaultdict(set)
    party: dict[int, set[int]] = defaultdict(set)
    unit_communities: dict[int, set[int]] = defaultdict(set)
    for r in city.registrations:
        if r.status != "acknowledged":
            continue
        if r.kind == "resident":
            resident[r.user_id].add(r.community_id)
            if r.party_member:
                party[r.user_id].add(r.community_id)
        else:
            unit_communities[r.unit_id].add(r.community_id)
    member_of: dict[int, set[int]] = defaultdict(set)
    for m in city.memberships:
        member_of[m.user_id].add(m.organisation_id)
    people = {
        p.id: Requester(p.id, frozenset(resident[p.id]), frozenset(party[p.id]), frozenset(member_of[p.id]))
        for p in city.users
    }
    owners: dict[int, set[int]] = defaultdict(set)
    for o in city.organisations:
        if o.kind == "community":
            owners[o.id].add(o.id)
            owners[o.parent_id].add(o.id)
    for unit, communities in unit_communities.items():
        owners[unit] |= communities
    units = {unit: frozenset(c) for unit, c in unit_communities.items()}
    return people, units, {owner: frozenset(c) for owner, c in owners.items()}


def calendar() -> dict[date, DayEntry]:
    return {day: DayEntry(day, workday, name, DaySource.PACKAGE) for day, (workday, name) in package_days().items()}


def test_every_sampled_booking_is_one_the_apps_rules_would_have_accepted_when_made(city, sample, booked):
    people, units, communities = requesters(city)
    days = calendar()
    by_resource: dict[int, list[AccessWindow]] = defaultdict(list)
    for w in city.windows:
        by_resource[w.resource_id].append(domain_window(w))
    checked = 0
    for resource in sample:
        closures = [
            Interval(c.start, c.end)
            for c in city.closures
            if c.resource_id == resource.id or c.organisation_id == resource.owner_id
        ]
        rules = ResourceRules(
            capacity=resource.capacity,
            policy=Policy(
                slot_minutes=resource.slot_minutes,
                min_minutes=resource.min_minutes,
                max_minutes=resource.max_minutes,
                book_ahead_days=resource.book_ahead_days,
                requires_approval=resource.requires_approval,
                checkin_required=resource.checkin_required,
            ),
            zone=ZONE,
            windows=by_resource[resource.id],
            closures=closures,
            calendar=days,
        )
        for b in booked[resource.id][::7]:
            requester = people[b.user_id]
            if b.on_behalf_of_id is not None:
                assert b.on_behalf_of_id in requester.member_of
                requester = replace(
                    requester,
                    acting_for=b.on_behalf_of_id,
                    acting_for_registered_with=units.get(b.on_behalf_of_id, frozenset()),
                )
            audiences = audiences_for(requester, resource.owner_id, communities.get(resource.owner_id, frozenset()))
            request = Request(b.start, b.end, b.quantity, audiences)

            decision = check_booking(request, rules, held=[], now=b.created_at)

            assert decision.code is None, (resource.code, b, decision.code)
            checked += 1
    assert checked > 2000


# --- loading -----------------------------------------------------------------


def test_loaded_rules_and_bookings_read_back_through_the_models(app, city, sample):
    small = replace(city, bookings=generate_bookings(city, sample[:3]))

    counts = load_city(db.session, small)
    db.session.commit()

    assert counts["bookings"] == len(small.bookings) > 1000
    assert db.session.scalar(select(func.count()).select_from(Window)) == len(city.windows)
    assert db.session.scalar(select(func.count()).select_from(Closure)) == len(city.closures)
    assert db.session.scalar(select(func.count()).select_from(Booking)) == len(small.bookings)
    codes = {r.id: r.code for r in db.session.scalars(select(Resource))}
    users = dict(db.session.execute(select(User.id, User.code)).all())
    first, last = small.bookings[0], small.bookings[len(small.bookings) - 1]
    for n, expected in ((1, first), (len(small.bookings), last)):
        row = db.session.get(Booking, n)
        assert (row.start, row.end, row.created_at) == (expected.start, expected.end, expected.created_at)
        assert (row.quantity, row.status, row.purpose) == (expected.quantity, expected.status, expected.purpose)
        assert codes[row.resource_id] == city.resources[expected.resource_id - 1].code
        assert users[row.user_id] == city.users[expected.user_id - 1].code
    busy = db.session.scalar(select(Resource).where(Resource.code == city.busy_resource_code))
    month = (city.anchor, city.anchor + timedelta(days=31))
    holding = select(func.count()).where(
        Booking.resource_id == busy.id,
        Booking.status.in_(sorted(HOLDING_STATUSES)),
        Booking.start >= month[0],
        Booking.start < month[1],
    )
    assert db.session.scalar(holding) >= 1000


def test_anchor_is_a_fixed_local_midnight(city):
    assert city.anchor == datetime(2026, 11, 2, tzinfo=ZONE)
