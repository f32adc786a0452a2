"""A small town for the rules pages: two communities' managers, a resident, a unit's staff, an admin."""

from __future__ import annotations

from typing import Any

from app.domain.resources import Policy
from tests.factories import make_city, make_membership, make_resident, make_resource, make_user

MANAGER, OTHER_MANAGER, RESIDENT, UNIT_STAFF, ADMIN, UNIT_MANAGER = (
    "13800000004",
    "13800000005",
    "13800000006",
    "13800000007",
    "13800000008",
    "13800000009",
)


def build_town() -> dict[str, Any]:
    """make_city() plus its people, the community's parking lot (40 车位) and the unit's stadium (4 场地)."""
    city = make_city()
    make_membership(make_user(name="一号社区管理员", phone=MANAGER), city["c1"], "manager")
    make_membership(make_user(name="二号社区管理员", phone=OTHER_MANAGER), city["c2"], "manager")
    make_resident(make_user(name="王居民", phone=RESIDENT), city["c1"])
    make_membership(make_user(name="李职员", phone=UNIT_STAFF), city["unit"], "member")
    make_membership(make_user(name="学校管理员", phone=UNIT_MANAGER), city["unit"], "manager")
    make_user(name="组织部", phone=ADMIN, is_admin=True)
    policy = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=60)
    city["parking"] = make_resource(
        "T-S-01-P1", city["c1"], name="一号社区停车场", kind="parking", capacity=40, unit_label="车位", policy=policy
    )
    city["stadium"] = make_resource(
        "U-T-G1", city["unit"], name="测试中学体育场", kind="sports_venue", capacity=4, unit_label="场地", policy=policy
    )
    return city
