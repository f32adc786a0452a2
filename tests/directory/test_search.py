"""Directory search on both engines: Chinese text, kinds, areas, inactive resources."""

from __future__ import annotations

import pytest

from app.directory.services import search_resources
from app.extensions import db
from tests.factories import make_city, make_org, make_resource


@pytest.fixture
def directory(app):
    city = make_city()
    school = city["unit"]
    other_unit = make_org("U-H", kind="unit", unit_type="hospital", name="人民医院", parent=city["street"])
    make_resource("T-P1", city["c1"], name="东坝社区公共停车场", kind="parking", capacity=40, unit_label="车位")
    make_resource("U-T-S1", school, name="一中体育场", kind="sports_venue", capacity=2)
    make_resource("T-M1", city["c2"], name="二号社区会议室", kind="meeting_room", address="嘉陵路 8 号")
    make_resource("U-H-P1", other_unit, name="医院职工停车场", kind="parking", capacity=20)
    hidden = make_resource("T-X1", city["c1"], name="旧停车场", kind="parking", active=False)
    db.session.commit()
    return {**city, "hidden": hidden}


def codes(**kwargs) -> list[str]:
    return [r.code for r in search_resources(**kwargs).items]


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        pytest.param("停车", ["T-P1", "U-H-P1"], id="停车 finds both parking lots"),
        pytest.param("体育", ["U-T-S1"], id="体育 finds the school stadium"),
        pytest.param("停车场", ["T-P1", "U-H-P1"], id="the longer word too"),
        pytest.param("东坝 停车", ["T-P1"], id="two words narrow it down"),
        pytest.param("parking", ["T-P1", "U-H-P1"], id="the English kind word"),
        pytest.param("会议", ["T-M1"], id="by name"),
        pytest.param("嘉陵路", ["T-M1"], id="by address"),
        pytest.param("测试中学", ["U-T-S1"], id="by the owner's name"),
        pytest.param("u-t", ["U-T-S1"], id="by code, any case"),
        pytest.param("游泳", [], id="nothing matches"),
        pytest.param("100%_", [], id="symbols are not wildcards"),
    ],
)
def test_text_search_finds_chinese_words_on_every_engine(directory, q, expected):
    assert sorted(codes(q=q)) == expected


def test_names_that_contain_the_words_come_first(directory):
    make_resource("T-P2", directory["c2"], name="二号社区活动中心", kind="activity_centre", description="旁边有停车场")
    assert codes(q="停车")[-1] == "T-P2"


def test_kind_filter(directory):
    assert sorted(codes(kind="parking")) == ["T-P1", "U-H-P1"]


def test_area_filter_takes_the_subtree_and_units_registered_there(directory):
    # The school stands in the street but registered with community 1: it counts there.
    assert sorted(codes(area=directory["c1"])) == ["T-P1", "U-T-S1"]
    assert sorted(codes(area=directory["street"])) == ["T-M1", "T-P1", "U-H-P1", "U-T-S1"]
    assert codes(area=directory["c2"]) == ["T-M1"]


def test_inactive_resources_are_not_listed(directory):
    assert "T-X1" not in codes(q="停车")
    assert "T-X1" in codes(q="停车", include_inactive=True)


def test_renaming_keeps_the_index_in_step(directory):
    from app.db import utcnow
    from app.directory.services import ResourceFields, get_resource, save_resource

    resource = get_resource("T-P1")
    fields = ResourceFields(code="T-P1", owner=resource.owner, name="东坝社区地下车库", kind="parking", capacity=40)
    save_resource(resource, fields, actor=None, now=utcnow())
    db.session.commit()
    assert codes(q="公共") == []
    assert codes(q="车库") == ["T-P1"]


def test_results_are_paginated(directory):
    page = search_resources(q="停车", per_page=1, page=2)
    assert (page.total, page.pages, len(page.items)) == (2, 2, 1)


def test_renaming_an_owner_or_its_street_follows_into_the_search(directory):
    from app.organisations.services import save_organisation

    street = directory["street"]
    save_organisation(street, code=street.code, name="幸福街道", kind="street", unit_type=None, parent=street.parent)
    db.session.commit()
    assert sorted(codes(q="幸福")) == ["T-M1", "T-P1", "U-H-P1", "U-T-S1"]
    assert codes(q="测试街道") == []


def test_renaming_through_the_import_follows_into_the_search(directory):
    from app.db import utcnow
    from app.importer import import_directory

    doc = {"organisations": [{"code": "T-S-01", "name": "东风社区", "kind": "community", "parent": "T-S"}]}
    import_directory(doc, now=utcnow())
    db.session.commit()
    assert codes(q="东风") == ["T-P1"]
