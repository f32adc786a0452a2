"""The benchmark city: the same every time, at the article's scale, and found by search once loaded."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import func, select

from app.directory.services import search_resources
from app.extensions import db
from app.models import Registration, Resource, User
from app.organisations.services import get_organisation
from bench.city import City, check_search_text, generate_city, load_city

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


@pytest.fixture(scope="module")
def city() -> City:
    return generate_city()


def test_the_same_seed_gives_the_same_city_and_another_seed_another(city):
    assert generate_city() == city
    assert generate_city(seed=7).resources != city.resources


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


def test_the_loaded_city_is_found_by_search(app, city):
    load_city(db.session, city)
    db.session.commit()

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
