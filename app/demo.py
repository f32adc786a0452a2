"""A small Guangyuan-like demo city, loaded through the directory import (so idempotent)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.importer import ImportReport, import_directory
from app.workdays.services import seed_from_package


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

# Units plan parking for whole months: next month is always within reach.
PARKING_POLICY = {"slot_minutes": 30, "min_minutes": 30, "max_minutes": 600, "book_ahead_days": 62}
COURT_POLICY = {
    "slot_minutes": 60,
    "min_minutes": 60,
    "max_minutes": 120,
    "book_ahead_days": 7,
    "release_time": "08:00",
    "checkin_required": True,
    "checkin_grace_minutes": 15,
}
ROOM_POLICY = {
    "slot_minutes": 30,
    "min_minutes": 30,
    "max_minutes": 240,
    "book_ahead_days": 14,
    "requires_approval": True,
}

# Who may book what, and when: the article's two cases first. A community's parking
# lot is free to its registered units in working hours (up to 3 spaces a booking)
# and to its residents the rest of the time; a school's sports ground is free to
# the residents of its communities outside school hours.
PARKING_WINDOWS: list[dict[str, Any]] = [
    {"audience": "registered_units", "days": "workday", "start": "08:30", "end": "17:30", "max_quantity": 3},
    {"audience": "residents", "days": "workday", "start": "00:00", "end": "08:30", "max_quantity": 1},
    {"audience": "residents", "days": "workday", "start": "17:30", "end": "24:00", "max_quantity": 1},
    {"audience": "residents", "days": "restday", "start": "00:00", "end": "24:00", "max_quantity": 1},
]
SPORTS_WINDOWS: list[dict[str, Any]] = [
    {"audience": "residents", "days": "workday", "start": "18:00", "end": "21:30"},
    {"audience": "residents", "days": "restday", "start": "08:00", "end": "21:30"},
]
WORKING_HOURS_FOR_MEMBERS: dict[str, Any] = {
    "audience": "owner_members",
    "days": "workday",
    "start": "08:30",
    "end": "17:30",
}

RESOURCES: list[dict[str, Any]] = [
    {
        "code": "LZ-DB-01-P1",
        "name": "东坝社区公共停车场",
        "kind": "parking",
        "owner": "LZ-DB-01",
        "capacity": 40,
        "unit_label": "车位",
        "address": "利州区东坝街道东坝路 18 号",
        "amenities": ["监控", "夜间照明"],
        "description": "工作日白天向报到单位免费开放，其余时间向本社区居民开放。",
        "policy": PARKING_POLICY,
        "windows": PARKING_WINDOWS,
    },
    {
        "code": "LZ-DB-01-AC1",
        "name": "东坝社区党群服务中心活动室",
        "kind": "activity_centre",
        "owner": "LZ-DB-01",
        "capacity": 2,
        "unit_label": "间",
        "address": "利州区东坝街道东坝路 20 号",
        "amenities": ["空调", "投影仪"],
        "policy": ROOM_POLICY,
        "description": "工作日白天供社区工作人员和报到单位开会、活动，每天 08:30–21:00 向本社区居民开放。",
        "windows": [
            WORKING_HOURS_FOR_MEMBERS,
            {"audience": "registered_units", "days": "workday", "start": "08:30", "end": "17:30", "max_quantity": 1},
            {"audience": "residents", "days": "all", "start": "08:30", "end": "21:00", "max_quantity": 1},
        ],
    },
    {
        "code": "LZ-DB-01-PL1",
        "name": "东坝社区休闲广场",
        "kind": "plaza",
        "owner": "LZ-DB-01",
        "capacity": 1,
        "unit_label": "处",
        "address": "利州区东坝街道滨河路",
        "amenities": ["音响接口", "无障碍通道"],
        "policy": {"slot_minutes": 60, "min_minutes": 60, "max_minutes": 180, "book_ahead_days": 14},
        "description": "每天 06:00–22:00 向所有注册用户开放，可承办社区文艺演出和便民服务活动。",
        "windows": [{"audience": "public", "days": "all", "start": "06:00", "end": "22:00"}],
    },
    {
        "code": "U-GYYZ-SV1",
        "name": "广元市第一中学体育场",
        "kind": "sports_venue",
        "owner": "U-GYYZ",
        "capacity": 4,
        "unit_label": "场地",
        "address": "利州区东坝街道学府路 1 号",
        "amenities": ["灯光", "更衣室", "饮水点"],
        "description": "工作日 18:00–21:30、休息日 08:00–21:30 向学校报到社区的居民免费开放。",
        "policy": COURT_POLICY,
        "windows": SPORTS_WINDOWS,
    },
    {
        "code": "U-GYYZ-TH1",
        "name": "广元市第一中学礼堂",
        "kind": "theatre",
        "owner": "U-GYYZ",
        "capacity": 600,
        "unit_label": "座位",
        "address": "利州区东坝街道学府路 1 号",
        "policy": ROOM_POLICY,
        "description": "工作日供本校使用，休息日经审批向报到社区居民开放。",
        "windows": [
            WORKING_HOURS_FOR_MEMBERS,
            {"audience": "residents", "days": "restday", "start": "09:00", "end": "21:00", "max_quantity": 200},
        ],
    },
    {
        "code": "U-LZSY-SV1",
        "name": "利州区实验小学篮球场",
        "kind": "sports_venue",
        "owner": "U-LZSY",
        "capacity": 2,
        "unit_label": "场地",
        "address": "利州区嘉陵街道嘉陵路 66 号",
        "amenities": ["灯光"],
        "policy": COURT_POLICY,
        "description": "工作日 18:00–21:30 和休息日 08:00–21:30 向嘉陵社区居民免费开放。",
        "windows": SPORTS_WINDOWS,
    },
    {
        "code": "U-LZJG-M1",
        "name": "利州区机关事务服务中心视频会议室",
        "kind": "meeting_room",
        "owner": "U-LZJG",
        "capacity": 1,
        "unit_label": "间",
        "address": "利州区东坝街道政府街 2 号",
        "amenities": ["视频会议", "投影仪"],
        "policy": ROOM_POLICY,
        "description": "工作日供本中心职工开会和召开视频会议。",
        "windows": [WORKING_HOURS_FOR_MEMBERS],
    },
    {
        "code": "LZ-JL-01-P1",
        "name": "嘉陵社区公共停车场",
        "kind": "parking",
        "owner": "LZ-JL-01",
        "capacity": 25,
        "unit_label": "车位",
        "address": "利州区嘉陵街道嘉陵路 12 号",
        "policy": PARKING_POLICY,
        "description": "工作日白天向报到单位免费开放，其余时间向本社区居民开放。",
        "windows": PARKING_WINDOWS,
    },
    {
        "code": "U-LZRMYY-P1",
        "name": "利州区人民医院职工停车场",
        "kind": "parking",
        "owner": "U-LZRMYY",
        "capacity": 30,
        "unit_label": "车位",
        "address": "利州区嘉陵街道万缘路 9 号",
        "policy": PARKING_POLICY,
        "description": "供本院职工停车；休息日白天向万缘社区居民开放。",
        "windows": [
            {"audience": "owner_members", "days": "all", "start": "00:00", "end": "24:00", "max_quantity": 1},
            {"audience": "residents", "days": "restday", "start": "08:00", "end": "20:00", "max_quantity": 1},
        ],
    },
]

CALENDAR: list[dict[str, Any]] = [
    {"date": "2027-01-01", "workday": False, "name": "元旦"},
]


DEMO_ZONE = ZoneInfo("Asia/Shanghai")
# The stadium closes one Saturday for upkeep of its running track.
CLOSED_RESOURCE = "U-GYYZ-SV1"
CLOSURE_REASON = "塑胶跑道维护保养"


def closure_day(today: date) -> date:
    """The Saturday of next week: always 6 to 12 days ahead, and the same whichever day of
    this week the demo is loaded, so loading it again in the week changes nothing."""
    monday = today - timedelta(days=today.weekday())
    return monday + timedelta(days=12)


def demo_document(now: datetime) -> dict[str, Any]:
    """The demo as an import file; its closure is dated from `now`, so the demo stays current."""
    resources = copy.deepcopy(RESOURCES)
    day = closure_day(now.astimezone(DEMO_ZONE).date())
    start = datetime.combine(day, time(0), tzinfo=DEMO_ZONE)
    closure = {
        "start": start.isoformat(),
        "end": (start + timedelta(days=1)).isoformat(),
        "reason": CLOSURE_REASON,
    }
    for resource in resources:
        if resource["code"] == CLOSED_RESOURCE:
            resource["closures"] = [closure]
    return {"calendar": CALENDAR, "organisations": ORGANISATIONS, "users": USERS, "resources": resources}


def load_demo(*, now: datetime) -> ImportReport:
    """Build or refresh the demo city; running it again (in the same week) changes nothing."""
    report = import_directory(demo_document(now), now=now)
    created, updated = seed_from_package(now=now)
    report.created["workday calendar"] += created
    report.updated["workday calendar"] += updated
    return report
