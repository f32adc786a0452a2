"""A small Guangyuan-like demo city, loaded through the directory import (so idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.importer import ImportReport, import_directory


@dataclass(frozen=True)
class DemoLogin:
    role: str
    name: str
    login: str
    password: str


DEMO_LOGINS = (
    DemoLogin("admin (组织部)", "周敏", "13800000000", "demo-admin-0"),
    DemoLogin("resident (居民)", "张三", "13800000001", "demo-pass-1"),
    DemoLogin("unit manager (单位管理员)", "李四", "13800000002", "demo-pass-2"),
    DemoLogin("unit staff (单位职工)", "王五", "13800000003", "demo-pass-3"),
    DemoLogin("community manager (社区管理员)", "赵六", "13800000004", "demo-pass-4"),
)

ORGANISATIONS: list[dict[str, Any]] = [
    {"code": "LZ", "name": "利州区", "kind": "district"},
    {"code": "LZ-DB", "name": "东坝街道", "kind": "street", "parent": "LZ"},
    {"code": "LZ-JL", "name": "嘉陵街道", "kind": "street", "parent": "LZ"},
    {"code": "LZ-DB-01", "name": "东坝社区", "kind": "community", "parent": "LZ-DB", "address": "利州区东坝街道东坝路"},
    {"code": "LZ-DB-02", "name": "电厂社区", "kind": "community", "parent": "LZ-DB", "address": "利州区东坝街道电厂路"},
    {"code": "LZ-JL-01", "name": "嘉陵社区", "kind": "community", "parent": "LZ-JL", "address": "利州区嘉陵街道嘉陵路"},
    {"code": "LZ-JL-02", "name": "万缘社区", "kind": "community", "parent": "LZ-JL", "address": "利州区嘉陵街道万缘路"},
    {
        "code": "U-GYYZ",
        "name": "广元市第一中学",
        "kind": "unit",
        "unit_type": "school",
        "parent": "LZ-DB",
        "registered_with": ["LZ-DB-01", "LZ-DB-02"],
    },
    {
        "code": "U-LZSY",
        "name": "利州区实验小学",
        "kind": "unit",
        "unit_type": "school",
        "parent": "LZ-JL",
        "registered_with": ["LZ-JL-01"],
    },
    {
        "code": "U-LZRMYY",
        "name": "利州区人民医院",
        "kind": "unit",
        "unit_type": "hospital",
        "parent": "LZ-JL",
        "registered_with": ["LZ-JL-02"],
    },
    {
        "code": "U-LZJG",
        "name": "利州区机关事务服务中心",
        "kind": "unit",
        "unit_type": "organ",
        "parent": "LZ-DB",
        "registered_with": ["LZ-DB-01"],
    },
    {
        "code": "U-GYGD",
        "name": "国网广元供电公司",
        "kind": "unit",
        "unit_type": "soe",
        "parent": "LZ-DB",
        "registered_with": ["LZ-DB-02"],
    },
    {"code": "U-GYYG", "name": "广元市义工联合会", "kind": "unit", "unit_type": "social_org", "parent": "LZ-JL"},
]

USERS: list[dict[str, Any]] = [
    {
        "code": "demo-admin",
        "name": "周敏",
        "phone": "13800000000",
        "password": "demo-admin-0",
        "admin": True,
        "memberships": [{"org": "LZ", "role": "manager"}],
    },
    {
        "code": "demo-resident",
        "name": "张三",
        "phone": "13800000001",
        "password": "demo-pass-1",
        "residence": "LZ-DB-01",
        "party_member": True,
        "work_unit": "U-GYGD",
        "memberships": [],
    },
    {
        "code": "demo-unit-manager",
        "name": "李四",
        "phone": "13800000002",
        "password": "demo-pass-2",
        "memberships": [{"org": "U-GYYZ", "role": "manager"}],
    },
    {
        "code": "demo-unit-staff",
        "name": "王五",
        "phone": "13800000003",
        "password": "demo-pass-3",
        "residence": "LZ-JL-01",
        "memberships": [{"org": "U-LZJG", "role": "member"}],
    },
    {
        "code": "demo-community-manager",
        "name": "赵六",
        "phone": "13800000004",
        "password": "demo-pass-4",
        "residence": "LZ-DB-01",
        "memberships": [{"org": "LZ-DB-01", "role": "manager"}],
    },
    {
        "code": "demo-resident-2",
        "name": "孙七",
        "email": "sunqi@example.com",
        "password": "demo-pass-5",
        "residence": "LZ-DB-02",
    },
]

CALENDAR: list[dict[str, Any]] = [
    {"date": "2027-01-01", "workday": False, "name": "元旦"},
]


def demo_document() -> dict[str, Any]:
    return {"calendar": CALENDAR, "organisations": ORGANISATIONS, "users": USERS}


def load_demo(*, now: datetime) -> ImportReport:
    """Build or refresh the demo city; running it again changes nothing."""
    return import_directory(demo_document(), now=now)
