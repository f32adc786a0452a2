"""Fixtures of the members pages: English pages, the town's people with their roles."""

from __future__ import annotations

import pytest

from tests.factories import make_membership, make_org, make_user


@pytest.fixture
def english(client):
    """Pages in English, so assertions read like the page."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def people(city):
    """c1's manager, a new unit U-N (registered nowhere) with its manager, and a plain user."""
    unit = make_org("U-N", kind="unit", unit_type="soe", name="新单位", parent=city["street"])
    community_manager = make_user(name="社区管理员", phone="13800000004")
    unit_manager = make_user(name="单位管理员", phone="13800000002")
    make_membership(community_manager, city["c1"], "manager")
    make_membership(unit_manager, unit, "manager")
    return {
        "unit": unit,
        "community_manager": community_manager,
        "unit_manager": unit_manager,
        "plain": make_user(name="王居民", phone="13800000005"),
    }
