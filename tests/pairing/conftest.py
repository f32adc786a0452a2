"""Fixtures of the pairing pages: English pages, and the town's two sides with their managers."""

from __future__ import annotations

import html

import pytest

from tests.factories import PASSWORD, make_membership, make_org, make_user

YEAR = 2026


@pytest.fixture
def english(client):
    """Pages in English, so assertions read like the page."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def sides(city):
    """The unit U-T (registered with c1, acknowledged) and c1, each with a manager; a unit U-N registered
    nowhere with its manager; a manager of c2; a plain user who manages nothing."""
    unit_manager = make_user(name="单位管理员", phone="13800000002")
    community_manager = make_user(name="社区管理员", phone="13800000004")
    make_membership(unit_manager, city["unit"], "manager")
    make_membership(community_manager, city["c1"], "manager")
    stranger_unit = make_org("U-N", kind="unit", unit_type="soe", name="新单位", parent=city["street"])
    stranger_unit_manager = make_user(name="新单位管理员", phone="13800000006")
    make_membership(stranger_unit_manager, stranger_unit, "manager")
    other_community_manager = make_user(name="二号社区管理员", phone="13800000007")
    make_membership(other_community_manager, city["c2"], "manager")
    return {
        "unit": city["unit"],
        "community": city["c1"],
        "unit_manager": unit_manager,
        "community_manager": community_manager,
        "stranger_unit": stranger_unit,
        "stranger_unit_manager": stranger_unit_manager,
        "other_community_manager": other_community_manager,
        "plain": make_user(name="王居民", phone="13800000005"),
    }


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(auth, user) -> None:
    auth.sign_out()
    assert auth.sign_in(user.phone, PASSWORD).status_code == 302
