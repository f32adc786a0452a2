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
    add_demo_service_items(report, now=now)
    add_demo_pairing(report, now=now)
    return report


# --- service items (双领办) -----------------------------------------------------------------

# Days after the Monday of the week the demo is loaded (9 to 13: always ahead), as the closure is dated.
DEMO_SERVICE_ITEMS: list[dict[str, Any]] = [
    {
        "org": "LZ-DB-01",
        "kind": "need",
        "title": "为辖区独居老人代买药品、代缴水电费",
        "description": "每周两次，上门了解老人所需，代买药品、代缴水电气费，做好登记。",
        "place": "东坝社区党群服务中心",
        "day": 9,
        "start": "09:00",
        "end": "11:30",
        "places": 3,
        # The school (registered with 东坝社区) has claimed it, through its manager 李四.
        "claimed_by": ("demo-unit-manager", "U-GYYZ"),
    },
    {
        "org": "LZ-DB-01",
        "kind": "activity_day",
        "title": "主题党日：嘉陵江滨河步道清洁",
        "description": "在职党员和居民一起清理滨河步道垃圾，活动结束后集中学习。",
        "place": "东坝街道滨河路",
        "day": 12,
        "start": "14:30",
        "end": "17:00",
        "places": 30,
    },
    {
        "org": "U-GYYZ",
        "kind": "support",
        "title": "开放化学实验室，为社区青少年开设科普课",
        "description": "学校化学教研组在周六上午为报到社区的青少年开设两节科普实验课。",
        "place": "广元市第一中学实验楼",
        "day": 12,
        "start": "09:00",
        "end": "11:00",
        "places": 2,
    },
    {
        "org": "U-GYGD",
        "kind": "support",
        "title": "上门检查老旧小区楼道电路",
        "description": "供电公司党员服务队为报到社区的老旧小区检查楼道线路、更换老化开关。",
        "place": "电厂社区",
        "day": 10,
        "start": "09:30",
        "end": "12:00",
        "places": 1,
    },
]


def add_demo_service_items(report: ImportReport, *, now: datetime) -> None:
    """Publish the demo's service items of this week (a second load in the week finds them by their
    organisation, title and start, and adds nothing)."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.extensions import db
    from app.organisations.services import get_organisation
    from app.service_items.models import ServiceItem
    from app.service_items.services import ItemFields, claim_item, publish_item

    admin = db.session.scalar(select(User).where(User.code == "demo-admin"))
    today = now.astimezone(DEMO_ZONE).date()
    monday = today - timedelta(days=today.weekday())
    for spec in DEMO_SERVICE_ITEMS:
        org = get_organisation(spec["org"])
        day = monday + timedelta(days=spec["day"])
        start = datetime.combine(day, time.fromisoformat(spec["start"]), tzinfo=DEMO_ZONE)
        found = db.session.scalar(
            select(ServiceItem.id).where(
                ServiceItem.org_id == org.id, ServiceItem.title == spec["title"], ServiceItem.start == start
            )
        )
        if found is not None:
            report.count("service items", "unchanged")
            continue
        fields = ItemFields(
            title=spec["title"],
            description=spec["description"],
            place=spec["place"],
            kind=spec["kind"],
            start=start,
            end=datetime.combine(day, time.fromisoformat(spec["end"]), tzinfo=DEMO_ZONE),
            places=spec["places"],
        )
        item = publish_item(org, fields, by=admin, now=now)
        report.count("service items", "created")
        if "claimed_by" in spec:
            user_code, unit_code = spec["claimed_by"]
            claimant = db.session.scalar(select(User).where(User.code == user_code))
            claim_item(item.id, claimant, on_behalf_of=get_organisation(unit_code), now=now)


# --- pairing (双结对) ---------------------------------------------------------------------------

# The school and 东坝社区 sign this year's co-building agreement; (what, responsible side, person, month-day,
# progress once signed).
DEMO_AGREEMENT_ITEMS: list[tuple[str, str, str, str, str]] = [
    ("社区公共停车场工作日8:30–17:30向学校教职工免费开放", "community", "赵六", "03-31", "done"),
    ("学校体育场、篮球场在非教学时段向社区居民免费开放", "unit", "体育组 王老师", "06-30", "in_progress"),
    ("联合开展“小手拉大手”文明实践活动，每季度一次", "both", "", "09-30", "planned"),
    ("学校在职党员到社区报到，每人每年认领两项志愿服务", "unit", "李四", "12-31", "planned"),
]


def add_demo_pairing(report: ImportReport, *, now: datetime) -> None:
    """This year's signed agreement between 广元市第一中学 and 东坝社区, through the services as its two managers
    would make it, and 李四 on the community's committee; a second load finds them and adds nothing."""
    from sqlalchemy import select

    from app.accounts.models import User
    from app.domain.pairing import Side
    from app.extensions import db
    from app.organisations.services import get_organisation
    from app.pairing.appointments import appoint
    from app.pairing.models import Agreement, CrossAppointment
    from app.pairing.services import add_item, draft_agreement, record_progress, sign_agreement

    year = now.astimezone(DEMO_ZONE).year
    unit, community = get_organisation("U-GYYZ"), get_organisation("LZ-DB-01")
    unit_manager = db.session.scalar(select(User).where(User.code == "demo-unit-manager"))
    community_manager = db.session.scalar(select(User).where(User.code == "demo-community-manager"))
    found = db.session.scalar(
        select(Agreement.id).where(
            Agreement.unit_id == unit.id, Agreement.community_id == community.id, Agreement.year == year
        )
    )
    if found is not None:
        report.count("pairing agreements", "unchanged")
    else:
        agreement = draft_agreement(
            community,
            unit,
            year=year,
            title=f"{year}年度共建协议",
            body="双方本着资源共享、优势互补、共驻共建的原则，围绕场地开放、志愿服务和文明实践开展共建。",
            by=community_manager,
            now=now,
        )
        for what, responsible, person, day, _progress in DEMO_AGREEMENT_ITEMS:
            due_on = date.fromisoformat(f"{year}-{day}")
            add_item(
                agreement, what=what, responsible=responsible, person=person, due_on=due_on, by=unit_manager, now=now
            )
        sign_agreement(agreement, Side.UNIT, by=unit_manager, now=now)
        sign_agreement(agreement, Side.COMMUNITY, by=community_manager, now=now)
        for item, spec in zip(agreement.items, DEMO_AGREEMENT_ITEMS, strict=True):
            if spec[4] != "planned":
                record_progress(item, status=spec[4], note="", by=community_manager, now=now)
        report.count("pairing agreements", "created")

    serving = db.session.scalar(
        select(CrossAppointment.id).where(
            CrossAppointment.person_id == unit_manager.id,
            CrossAppointment.to_org_id == community.id,
            CrossAppointment.status == "active",
        )
    )
    if serving is not None:
        report.count("committee members", "unchanged")
    else:
        appoint(
            community,
            unit,
            unit_manager,
            role_title="社区党委兼职委员",
            term_start=date(year, 1, 1),
            term_end=date(year + 2, 12, 31),
            by=community_manager,
            now=now,
        )
        report.count("committee members", "created")
