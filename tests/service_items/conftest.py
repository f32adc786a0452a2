"""Fixtures of the service item tests: English pages, and the town's people with their roles."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from PIL import Image

from app.accounts.models import User
from app.organisations.models import Organisation
from app.organisations.services import register_unit
from tests.factories import make_local_resident, make_membership, make_org, make_user


@pytest.fixture
def english(client):
    """Pages in English, so assertions read like the page."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@dataclass
class People:
    c1: Organisation  # 一号社区: publishes needs
    c2: Organisation  # 二号社区: the town's unit is not registered with it
    unit: Organisation  # 测试中学, registered (acknowledged) with c1
    pending_unit: Organisation  # 新单位: applied to c1, not acknowledged yet
    community_manager: User  # manages c1
    c2_manager: User
    unit_manager: User  # manages the registered unit
    pending_unit_manager: User
    staff: User  # a member (not a manager) of the registered unit
    resident: User  # an acknowledged resident of c1
    neighbour: User  # an acknowledged resident of c2
    stranger: User  # registered nowhere


@pytest.fixture
def people(city) -> People:
    pending_unit = make_org("U-N", kind="unit", unit_type="soe", name="新单位", parent=city["street"])
    register_unit(pending_unit, city["c1"], applicant=None)
    community_manager = make_user(name="社区管理员", phone="13800000004")
    c2_manager = make_user(name="二号社区管理员", phone="13800000006")
    unit_manager = make_user(name="单位管理员", phone="13800000002")
    pending_unit_manager = make_user(name="新单位管理员", phone="13800000007")
    staff = make_user(name="单位职工", phone="13800000003")
    make_membership(community_manager, city["c1"], "manager")
    make_membership(c2_manager, city["c2"], "manager")
    make_membership(unit_manager, city["unit"], "manager")
    make_membership(pending_unit_manager, pending_unit, "manager")
    make_membership(staff, city["unit"], "member")
    return People(
        c1=city["c1"],
        c2=city["c2"],
        unit=city["unit"],
        pending_unit=pending_unit,
        community_manager=community_manager,
        c2_manager=c2_manager,
        unit_manager=unit_manager,
        pending_unit_manager=pending_unit_manager,
        staff=staff,
        resident=make_local_resident(city["c1"], name="张居民"),
        neighbour=make_local_resident(city["c2"], name="李邻居"),
        stranger=make_user(name="王路人", phone="13800000005"),
    )


def jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    """A small real JPEG photo."""
    buffer = io.BytesIO()
    Image.new("RGB", size, (140, 28, 19)).save(buffer, "JPEG")
    return buffer.getvalue()
