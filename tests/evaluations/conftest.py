"""The evaluation pages' town: the usual city, its people with their roles, and a round.

The city (tests.factories.make_city): district T > street T-S > communities T-S-01 (c1) and T-S-02 (c2),
and the unit U-T registered (acknowledged) with c1. Added here: the unit U-N registered with c2 only,
a party member registered at c1, a resident of c1 who is not a party member, a party member of c2,
and a manager of each organisation.
"""

from __future__ import annotations

import html

import pytest

from app.extensions import db
from app.organisations.services import register_unit
from tests.factories import (
    PASSWORD,
    acknowledge,
    make_membership,
    make_org,
    make_resident,
    make_user,
)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def sign_in(auth, user) -> None:
    assert auth.sign_in(user.phone, PASSWORD).status_code == 302


@pytest.fixture
def english(client):
    """Pages in English, so assertions read like the page."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def town(city):
    unit_n = make_org("U-N", kind="unit", unit_type="soe", name="新单位", parent=city["c2"])
    acknowledge(register_unit(unit_n, city["c2"], applicant=None))
    db.session.commit()
    people = {
        "admin": make_user(name="组织部", is_admin=True),
        "c1_manager": make_user(name="一号社区书记"),
        "c2_manager": make_user(name="二号社区书记"),
        "unit_manager": make_user(name="测试中学书记"),
        "unit_n_manager": make_user(name="新单位书记"),
        "street_manager": make_user(name="街道书记"),
        "plain": make_user(name="路人"),
        "party_member": make_user(name="党员张三"),
        "resident": make_user(name="居民李四"),
        "elsewhere": make_user(name="党员王五"),
    }
    make_membership(people["c1_manager"], city["c1"], "manager")
    make_membership(people["c2_manager"], city["c2"], "manager")
    make_membership(people["unit_manager"], city["unit"], "manager")
    make_membership(people["unit_n_manager"], unit_n, "manager")
    make_membership(people["street_manager"], city["street"], "manager")
    make_resident(people["party_member"], city["c1"], party_member=True)
    make_resident(people["resident"], city["c1"])
    make_resident(people["elsewhere"], city["c2"], party_member=True)
    return {**city, "unit_n": unit_n, **people}
