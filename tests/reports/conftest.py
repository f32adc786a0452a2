"""The report pictures' town: two communities, a unit registered with the first, their resources and people."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from app.reports.figures import Period, forget_figures
from tests.factories import make_membership, make_org, make_resource, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
# A week of the town's bookings, Monday to Sunday.
WEEK = Period(date(2026, 11, 2), date(2026, 11, 8))


def at(day: date, hour: int, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    """A local wall-clock time as an aware datetime."""
    return datetime.combine(day, time(hour, minute), tzinfo=zone)


@pytest.fixture(autouse=True)
def _fresh_figures():
    """Each test starts with no figures remembered from another."""
    forget_figures()
    yield
    forget_figures()


@pytest.fixture
def english(client):
    """Pages in English, so assertions read like the page."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def town(city):
    """The town's resources: c1's court (2 places) and meeting room, c2's court, and the hall of the
    unit U-T (registered with c1; 3 places); a second unit U-N; and who manages what."""
    other_unit = make_org("U-N", kind="unit", unit_type="soe", name="新单位", parent=city["street"])
    people = {
        "community_manager": make_user(name="社区管理员", phone="13800000004"),
        "street_manager": make_user(name="街道管理员", phone="13800000006"),
        "unit_manager": make_user(name="单位管理员", phone="13800000002"),
        "other_unit_manager": make_user(name="新单位管理员", phone="13800000003"),
        "plain": make_user(name="王居民", phone="13800000005"),
        "admin": make_user(name="管理员", phone="13800000009", is_admin=True),
        "staff": make_user(name="单位职工", phone="13800000007"),
    }
    make_membership(people["community_manager"], city["c1"], "manager")
    make_membership(people["street_manager"], city["street"], "manager")
    make_membership(people["unit_manager"], city["unit"], "manager")
    make_membership(people["other_unit_manager"], other_unit, "manager")
    make_membership(people["staff"], city["unit"])
    resources = {
        "court": make_resource("T-S-01-SV1", city["c1"], name="一号社区球场", kind="sports_venue", capacity=2),
        "room": make_resource("T-S-01-MR1", city["c1"], name="一号社区会议室", kind="meeting_room", capacity=1),
        "far_court": make_resource("T-S-02-SV1", city["c2"], name="二号社区球场", kind="sports_venue", capacity=1),
        "hall": make_resource("U-T-SV1", city["unit"], name="测试中学体育馆", kind="sports_venue", capacity=3),
    }
    return {**city, "other_unit": other_unit, **people, **resources}
