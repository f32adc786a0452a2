"""The ratings' town: a community's sports court, its manager, its bookers, a unit, an administrator."""

from __future__ import annotations

from dataclasses import dataclass

from app.accounts.models import User
from app.directory.models import Resource
from app.organisations.models import Organisation
from tests.factories import make_admin, make_membership, make_resource, make_unit_staff, make_user


@dataclass
class Town:
    court: Resource  # T-S-01's, rated here
    hall: Resource  # T-S-02's
    manager: User  # manages T-S-01, the court's owner
    other_manager: User  # manages T-S-02
    booker: User  # 张三, who books and rates
    other: User  # 欧阳娜娜, another booker
    staff: User  # books for the unit
    unit_manager: User  # sees the unit's bookings, books none
    stranger: User  # sees nobody's bookings
    admin: User
    unit: Organisation


def make_town(city: dict[str, Organisation]) -> Town:
    """Everyone reads pages in English (the source strings), so tests can read them back."""
    court = make_resource("T-S-01-C1", city["c1"], name="一号球场", capacity=4)
    hall = make_resource("T-S-02-H1", city["c2"], name="二号活动室", kind="activity_centre", capacity=4)
    manager = make_user(name="社区管理员", locale="en")
    make_membership(manager, city["c1"], "manager")
    other_manager = make_user(name="二号社区管理员", locale="en")
    make_membership(other_manager, city["c2"], "manager")
    unit_manager = make_user(name="单位管理员", locale="en")
    make_membership(unit_manager, city["unit"], "manager")
    return Town(
        court=court,
        hall=hall,
        manager=manager,
        other_manager=other_manager,
        booker=make_user(name="张三", locale="en"),
        other=make_user(name="欧阳娜娜", locale="en"),
        staff=make_unit_staff(city["unit"], name="单位职工"),
        unit_manager=unit_manager,
        stranger=make_user(name="路人", locale="en"),
        admin=make_admin(locale="en"),
        unit=city["unit"],
    )
