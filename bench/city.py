"""A Guangyuan-scale city for benchmarks: `generate_city()` makes it (pure, deterministic), `load_city()` inserts it.

The figures are the article's (seed/): 337 communities in Guangyuan's seven
districts and counties, 1,375 registered units, 36,500 registered members and the
shared directory of 387 activity centres, 314 plazas, 69 theatres, 305 sports
venues, 618 meeting rooms and offices and Lizhou's 18 community parking lots
(1,711 resources). Streets, towns, communities, units and people are invented
but named as they would be there, so text search finds what it would find.

Each resource gets the access windows its kind usually has (the article's two
cases first: community parking for registered units in working hours, units'
sports grounds for residents outside them), a few closures, and a year of
bookings around a fixed anchor (`City.anchor`, the city's "now"): about a million,
made by the people and units allowed to, inside those windows, never more at an
instant than the resource holds. `City.busy_resource_code` is the lot with the
most bookings in the month after the anchor, for availability benchmarks.

    python -m bench.city --database-url sqlite:////tmp/guangyuan.sqlite3
"""

from __future__ import annotations

import argparse
import random
import time as timer
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, Table, column, func, insert, select, text
from sqlalchemy import table as sa_table
from sqlalchemy.orm import Session

DEFAULT_SEED = 2018
COMMUNITIES = 337
UNITS = 1375
MEMBERS = 36_500
# The share of registered members who are party members (a modelling choice of
# the benchmark brief; the article's 36,500 are all in-service party members).
PARTY_MEMBER_SHARE = 0.30
RESOURCE_COUNTS = {
    "activity_centre": 387,
    "plaza": 314,
    "theatre": 69,
    "sports_venue": 305,
    "meeting_room": 618,
    "parking": 18,
}
UNIT_TYPE_COUNTS = {"organ": 400, "school": 330, "hospital": 150, "soe": 185, "social_org": 310}
# Everyone in the benchmark city signs in with this password (hashed once per load).
PASSWORD = "linli-bench-2018"
ADMIN_PHONE = "13700000000"
# When the city was registered: the article's date, so loads are reproducible.
REGISTERED_AT = datetime(2018, 10, 24, 7, 0, tzinfo=UTC)
CITY_PREFIX = "GY"
CITY_NAME = "广元市"
ZONE = ZoneInfo("Asia/Shanghai")
# The city's "now" for bookings: everything before it has happened, what follows is
# booked ahead. A Monday inside the chinesecalendar package's years (2004–2026), so
# the generator and the app agree on every working day of the year of bookings.
ANCHOR = datetime(2026, 11, 2, tzinfo=ZONE)
HISTORY_DAYS = 334  # bookings reach back this far; with the month ahead, a year
# The lot of API.md's example: 东坝社区's, with 40 spaces.
BUSY_CAPACITY = 40
BUSY_DAYS = 31

# (code, name, communities, centre (lat, lon), [(street code, street name), ...]).
# Lizhou has the article's eight 街道; the counties have towns (镇). Qingchuan's
# 41 communities are the article's; the other splits are invented.
DISTRICTS: list[tuple[str, str, int, tuple[float, float], list[tuple[str, str]]]] = [
    (
        "LZ",
        "利州区",
        120,
        (32.436, 105.843),
        [
            ("DB", "东坝街道"),
            ("JL", "嘉陵街道"),
            ("HX", "河西街道"),
            ("NH", "南河街道"),
            ("XF", "雪峰街道"),
            ("SX", "上西街道"),
            ("WY", "万缘街道"),
            ("HLH", "回龙河街道"),
        ],
    ),
    (
        "ZH",
        "昭化区",
        25,
        (32.323, 105.962),
        [("YB", "元坝镇"), ("ZH", "昭化镇"), ("WZ", "卫子镇"), ("WJ", "王家镇"), ("HY", "红岩镇")],
    ),
    (
        "CT",
        "朝天区",
        22,
        (32.643, 105.889),
        [("CT", "朝天镇"), ("ZZ", "中子镇"), ("YM", "羊木镇"), ("ZJ", "曾家镇"), ("DT", "大滩镇")],
    ),
    (
        "WC",
        "旺苍县",
        40,
        (32.229, 106.290),
        [("DH", "东河镇"), ("JC", "嘉川镇"), ("MM", "木门镇"), ("BS", "白水镇"), ("PJ", "普济镇"), ("SW", "尚武镇")],
    ),
    (
        "QC",
        "青川县",
        41,
        (32.576, 105.238),
        [("QZ", "乔庄镇"), ("QX", "青溪镇"), ("MY", "木鱼镇"), ("SZ", "沙州镇"), ("YD", "姚渡镇"), ("ZY", "竹园镇")],
    ),
    (
        "JG",
        "剑阁县",
        44,
        (32.288, 105.524),
        [
            ("PA", "普安镇"),
            ("XS", "下寺镇"),
            ("JMG", "剑门关镇"),
            ("BL", "白龙镇"),
            ("YS", "元山镇"),
            ("KF", "开封镇"),
            ("WL", "武连镇"),
        ],
    ),
    (
        "CX",
        "苍溪县",
        45,
        (31.732, 105.934),
        [("LJ", "陵江镇"), ("YF", "云峰镇"), ("DQ", "东青镇"), ("QP", "歧坪镇"), ("BY", "白驿镇"), ("LW", "龙王镇")],
    ),
]

# Community names are a place word and 社区; the first community of a street
# takes the street's own name (东坝社区 in 东坝街道), as they usually do.
NAMED_COMMUNITIES = {("JG", "PA"): ["小玲珑"], ("LZ", "DB"): ["电厂"], ("LZ", "HX"): ["皇泽"]}
PLACE_FIRST = "金银凤龙莲桂兴和新安康平明华阳清泉松柏竹梅兰春翠锦福寿永太文盛富祥瑞宏红白石青玉丰嘉云"
PLACE_SECOND = "山河桥园苑湾坪坝岭街门台湖林溪岗塘庄城井亭"
ROAD_SUFFIXES = ("路", "街", "巷", "大道")

CITY_ORGANS = [
    "发展和改革委员会",
    "教育局",
    "科学技术局",
    "经济和信息化局",
    "公安局",
    "民政局",
    "司法局",
    "财政局",
    "人力资源和社会保障局",
    "自然资源和规划局",
    "生态环境局",
    "住房和城乡建设局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化广播电视和旅游局",
    "卫生健康委员会",
    "退役军人事务局",
    "应急管理局",
    "审计局",
    "市场监督管理局",
    "统计局",
    "医疗保障局",
    "林业局",
    "体育局",
    "信访局",
    "机关事务服务中心",
    "税务局",
    "人民法院",
    "人民检察院",
    "总工会",
    "团委",
    "妇女联合会",
    "档案馆",
    "委党校",
    "科学技术协会",
    "残疾人联合会",
    "供销合作社",
    "红十字会",
    "委组织部",
    "委宣传部",
    "委统战部",
    "政务服务中心",
    "图书馆",
]
STREET_ORGANS = ["便民服务中心", "派出所", "综合执法中队", "司法所"]
CITY_SCHOOLS = [
    "广元中学",
    "广元市第一中学",
    "广元市实验中学",
    "广元市外国语学校",
    "广元市职业高级中学",
    "广元市树人中学",
    "广元市东城实验学校",
    "广元天立学校",
    "川北幼儿师范高等专科学校",
    "四川信息职业技术学院",
    "广元市特殊教育学校",
    "广元市示范幼儿园",
]
DISTRICT_SCHOOLS = ["实验小学", "实验中学", "职业中学", "第一幼儿园", "第二小学", "第三中学"]
STREET_SCHOOLS = ["小学", "初级中学", "中心幼儿园"]
COMMUNITY_SCHOOLS = ["小学", "幼儿园"]
CITY_HOSPITALS = [
    "广元市中心医院",
    "广元市第一人民医院",
    "广元市第二人民医院",
    "广元市第三人民医院",
    "广元市中医医院",
    "广元市妇幼保健院",
    "广元市精神卫生中心",
    "广元市急救中心",
    "广元市疾病预防控制中心",
]
DISTRICT_HOSPITALS = ["人民医院", "中医医院", "妇幼保健院", "疾病预防控制中心"]
CITY_SOES = [
    "国网广元供电公司",
    "中国移动广元分公司",
    "中国电信广元分公司",
    "中国联通广元分公司",
    "中国邮政广元市分公司",
    "中国工商银行广元分行",
    "中国农业银行广元分行",
    "中国建设银行广元分行",
    "中国银行广元分行",
    "广元市水务集团有限公司",
    "广元市城市建设投资有限公司",
    "广元市交通投资集团有限公司",
    "中国石油广元销售分公司",
    "中国石化广元石油分公司",
    "四川省烟草公司广元市公司",
    "广元市公共交通有限公司",
    "广元市燃气有限公司",
    "中国人寿广元分公司",
    "中国人民财产保险广元市分公司",
    "广元市国有资产经营有限公司",
]
DISTRICT_SOES = [
    "国网{d}供电公司",
    "中国移动{d}分公司",
    "中国电信{d}分公司",
    "中国邮政{d}分公司",
    "中国农业银行{d}支行",
    "中国工商银行{d}支行",
    "中国建设银行{d}支行",
    "{d}城市建设投资有限公司",
    "{d}自来水公司",
    "{d}国有资产经营有限公司",
]
STREET_SOES = ["中国邮政{s}邮政所", "中国农业银行{s}分理处", "{d}{s}供电所"]
BRANDS = [
    "金桥",
    "天成",
    "蜀道",
    "嘉华",
    "汇丰",
    "鑫源",
    "宏达",
    "博远",
    "众信",
    "瑞丰",
    "川北",
    "剑门",
    "明月",
    "翠云",
    "凤凰",
    "皇泽",
    "千佛",
    "利民",
    "同心",
    "和谐",
]
INDUSTRIES = [
    "物业管理有限公司",
    "商贸有限公司",
    "建筑工程有限公司",
    "食品有限公司",
    "旅游开发有限公司",
    "电子科技有限公司",
    "餐饮管理有限公司",
    "家政服务有限公司",
    "医药连锁有限公司",
    "汽车销售服务有限公司",
    "农业开发有限公司",
    "文化传媒有限公司",
    "律师事务所",
    "会计师事务所",
]
ASSOCIATIONS = [
    "个体劳动者协会",
    "志愿者协会",
    "书法家协会",
    "摄影家协会",
    "老年体育协会",
    "餐饮行业协会",
    "社会工作协会",
    "养老服务协会",
    "义工联合会",
    "青年创业促进会",
    "慈善总会",
    "登山协会",
]
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶"
    "余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红玉兰文斌鹏飞俊杨波宇浩晨欣怡雪梅婷琳佳慧子轩"
PHONE_PREFIXES = ("133", "135", "136", "138", "139", "150", "151", "152", "158", "159", "180", "183", "187", "189")

KIND_ABBREVIATIONS = {
    "activity_centre": "AC",
    "plaza": "PZ",
    "theatre": "TH",
    "sports_venue": "SV",
    "meeting_room": "MR",
    "parking": "PK",
}
# (slot, min, max minutes, days ahead, approval, check-in) typical for the kind.
KIND_POLICIES = {
    "activity_centre": (30, 30, 240, 14, False, False),
    "plaza": (60, 60, 240, 14, False, False),
    "theatre": (60, 60, 480, 60, True, False),
    "sports_venue": (60, 60, 120, 7, False, True),
    "meeting_room": (30, 30, 240, 14, False, False),
    "parking": (30, 30, 600, 30, False, False),
}
KIND_AMENITIES = {
    "activity_centre": ["图书角", "乒乓球台", "棋牌桌", "投影", "空调", "无障碍通道"],
    "plaza": ["健身器材", "广场舞音响", "公共厕所", "夜间照明", "儿童游乐设施"],
    "theatre": ["舞台灯光", "音响", "LED大屏", "化妆间", "空调", "停车位"],
    "sports_venue": ["夜间照明", "更衣室", "饮水机", "塑胶跑道", "看台", "停车位"],
    "meeting_room": ["视频会议系统", "投影", "话筒", "白板", "空调", "无线网络"],
    "parking": ["监控", "充电桩", "道闸", "夜间照明"],
}
KIND_DESCRIPTIONS = {
    "activity_centre": "党员活动、居民议事、文体培训均可预约使用。",
    "plaza": "休闲健身，可承办社区文艺演出和便民服务活动。",
    "theatre": "可承办文艺演出、报告会和大型会议，使用需提前申请。",
    "sports_venue": "非工作时段向社区居民免费开放。",
    "meeting_room": "可供驻区单位和社区开会、视频会议、办公使用。",
    "parking": "工作日工作时段向驻区单位免费开放，其余时段供社区居民停放。",
}


@dataclass(frozen=True)
class Org:
    """An organisation: a district, street, community or unit (with a unit type)."""

    id: int
    code: str
    name: str
    kind: str
    unit_type: str | None
    parent_id: int | None
    address: str
    contact_phone: str


@dataclass(frozen=True)
class Person:
    id: int
    code: str
    name: str
    phone: str
    is_admin: bool
    party_member: bool


@dataclass(frozen=True)
class Member:
    """A membership: a person's role in an organisation."""

    id: int
    user_id: int
    organisation_id: int
    role: str


@dataclass(frozen=True)
class Report:
    """A registration (报到): a unit with a community, or a person at their residence."""

    id: int
    kind: str
    community_id: int
    unit_id: int | None
    user_id: int | None
    party_member: bool
    work_unit_id: int | None
    status: str
    receipt: str | None


@dataclass(frozen=True)
class Facility:
    """A shared resource of the directory."""

    id: int
    code: str
    owner_id: int
    name: str
    kind: str
    address: str
    latitude: float
    longitude: float
    capacity: int
    unit_label: str
    description: str
    amenities: tuple[str, ...]
    slot_minutes: int
    min_minutes: int
    max_minutes: int
    book_ahead_days: int
    requires_approval: bool
    checkin_required: bool


@dataclass(frozen=True)
class Opening:
    """An access window of a resource, as the access_windows table holds it (minutes after local midnight)."""

    id: int
    resource_id: int
    audience: str
    days: str  # all, workday or restday
    start_minute: int
    end_minute: int
    max_quantity: int | None = None
    max_minutes_per_week: int | None = None
    requires_approval: bool | None = None
    price: int = 0


@dataclass(frozen=True)
class Shutdown:
    """A closure of one resource, or of every resource of an organisation."""

    id: int
    resource_id: int | None
    organisation_id: int | None
    start: datetime
    end: datetime
    reason: str


STATUSES = ("pending", "confirmed", "checked_in", "completed", "cancelled", "rejected", "no_show", "expired")
HOLDING_STATUSES = frozenset({"pending", "confirmed", "checked_in"})
PURPOSES: dict[str, tuple[str, ...]] = {
    "parking/units": ("公务车辆停放", "来访办事车辆停放", "职工车辆停放", "双报到活动用车"),
    "parking/residents": ("夜间停车", "周末停车", "亲友来访停车", ""),
    "parking/owner_members": ("职工停车", ""),
    "sports_venue": ("篮球活动", "羽毛球活动", "足球友谊赛", "健身锻炼", "社区运动会训练", ""),
    "meeting_room": ("工作例会", "视频会议", "党建联席会议", "业务培训", "双报到工作对接会"),
    "activity_centre": ("党员活动日", "居民议事会", "老年书法班", "志愿服务培训", "亲子读书会", ""),
    "plaza": ("广场舞活动", "文艺演出", "便民服务活动", "健身操", "社区宣传活动"),
    "theatre": ("文艺汇演", "专题报告会", "道德讲堂", "表彰大会"),
}
PURPOSE_TEXTS = tuple(sorted({text for texts in PURPOSES.values() for text in texts}))


@dataclass(frozen=True)
class Booked:
    """One booking, read back from `Bookings`."""

    resource_id: int
    user_id: int
    on_behalf_of_id: int | None
    start: datetime
    end: datetime
    quantity: int
    status: str
    purpose: str
    created_at: datetime

    @property
    def holding(self) -> bool:
        return self.status in HOLDING_STATUSES


def _column(typecode: str = "i") -> array[int]:
    return array(typecode)


@dataclass(frozen=True)
class Bookings:
    """A million bookings as columns of machine integers (a million objects would not fit as lightly).

    Times are minutes after the anchor (negative before it); `status` and `purpose`
    index STATUSES and PURPOSE_TEXTS; `on_behalf_of_id` is 0 for none; `lead` is how
    many minutes before its start the booking was made.
    """

    anchor: datetime = ANCHOR
    resource_id: array[int] = field(default_factory=_column)
    user_id: array[int] = field(default_factory=_column)
    on_behalf_of_id: array[int] = field(default_factory=_column)
    start: array[int] = field(default_factory=_column)
    minutes: array[int] = field(default_factory=_column)
    quantity: array[int] = field(default_factory=_column)
    status: array[int] = field(default_factory=lambda: array("b"))
    purpose: array[int] = field(default_factory=lambda: array("b"))
    lead: array[int] = field(default_factory=_column)

    def __len__(self) -> int:
        return len(self.resource_id)

    def __getitem__(self, i: int) -> Booked:
        start = self.anchor + timedelta(minutes=self.start[i])
        return Booked(
            resource_id=self.resource_id[i],
            user_id=self.user_id[i],
            on_behalf_of_id=self.on_behalf_of_id[i] or None,
            start=start,
            end=start + timedelta(minutes=self.minutes[i]),
            quantity=self.quantity[i],
            status=STATUSES[self.status[i]],
            purpose=PURPOSE_TEXTS[self.purpose[i]],
            created_at=start - timedelta(minutes=self.lead[i]),
        )

    def __iter__(self) -> Iterator[Booked]:
        return (self[i] for i in range(len(self)))


@dataclass(frozen=True)
class City:
    """Everything `load_city` inserts. Ids start at 1 per table; the load shifts them past existing rows."""

    seed: int
    organisations: tuple[Org, ...]
    users: tuple[Person, ...]
    memberships: tuple[Member, ...]
    registrations: tuple[Report, ...]
    resources: tuple[Facility, ...]
    windows: tuple[Opening, ...] = ()
    closures: tuple[Shutdown, ...] = ()
    bookings: Bookings = field(default_factory=Bookings)
    anchor: datetime = ANCHOR
    busy_resource_code: str = ""

    def of_kind(self, kind: str) -> list[Org]:
        return [o for o in self.organisations if o.kind == kind]

    @property
    def members(self) -> list[Report]:
        """Registered members: people registered at their residence community."""
        return [r for r in self.registrations if r.kind == "resident"]

    def org(self, code: str) -> Org:
        return next(o for o in self.organisations if o.code == code)


# --- generating --------------------------------------------------------------


class _Builder:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.orgs: list[Org] = []
        self.centres: dict[int, tuple[float, float]] = {}
        self.district_of: dict[int, Org] = {}
        self.street_of: dict[int, Org] = {}

    def add_org(
        self,
        code: str,
        name: str,
        kind: str,
        parent: Org | None,
        *,
        unit_type: str | None = None,
        address: str = "",
        centre: tuple[float, float] | None = None,
    ) -> Org:
        org = Org(
            id=len(self.orgs) + 1,
            code=code,
            name=name,
            kind=kind,
            unit_type=unit_type,
            parent_id=parent.id if parent else None,
            address=address,
            contact_phone=f"0839-{3_000_000 + len(self.orgs) * 37 % 6_000_000:07d}",
        )
        self.orgs.append(org)
        if parent is not None:
            self.district_of[org.id] = self.district_of.get(parent.id, parent)
            if parent.kind == "street":
                self.street_of[org.id] = parent
            elif parent.kind == "community":
                self.street_of[org.id] = self.street_of[parent.id]
        self.centres[org.id] = centre or self.jitter(self.centres[parent.id] if parent else (32.4, 105.8), 0.004)
        return org

    def jitter(self, centre: tuple[float, float], spread: float) -> tuple[float, float]:
        return (
            round(centre[0] + self.rng.uniform(-spread, spread), 6),
            round(centre[1] + self.rng.uniform(-spread, spread), 6),
        )


def _short(name: str) -> str:
    """东坝街道 -> 东坝, 剑门关镇 -> 剑门关, 东坝社区 -> 东坝."""
    for suffix in ("街道", "社区", "镇"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _split(total: int, parts: int) -> list[int]:
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


def _build_tree(b: _Builder) -> tuple[list[Org], list[Org], list[Org]]:
    words = [f + s for f in PLACE_FIRST for s in PLACE_SECOND]
    b.rng.shuffle(words)
    taken = {_short(street) for _, _, _, _, streets in DISTRICTS for _, street in streets}
    taken |= {word for names in NAMED_COMMUNITIES.values() for word in names}
    pool = iter(w for w in words if w not in taken)
    districts, streets, communities = [], [], []
    for d_code, d_name, n_communities, centre, street_rows in DISTRICTS:
        district = b.add_org(f"{CITY_PREFIX}-{d_code}", d_name, "district", None, centre=centre)
        districts.append(district)
        for (s_code, s_name), n in zip(street_rows, _split(n_communities, len(street_rows)), strict=True):
            street = b.add_org(
                f"{district.code}-{s_code}",
                s_name,
                "street",
                district,
                address=f"{d_name}{s_name}",
                centre=b.jitter(centre, 0.06 if d_code == "LZ" else 0.12),
            )
            streets.append(street)
            names = [_short(s_name), *NAMED_COMMUNITIES.get((d_code, s_code), [])]
            while len(names) < n:
                names.append(next(pool))
            for i, word in enumerate(names[:n], start=1):
                road = word + ROAD_SUFFIXES[(i + len(word)) % len(ROAD_SUFFIXES)]
                communities.append(
                    b.add_org(
                        f"{street.code}-{i:02d}",
                        f"{word}社区",
                        "community",
                        street,
                        address=f"{d_name}{s_name}{road}{b.rng.randint(1, 199)}号",
                        centre=b.jitter(b.centres[street.id], 0.015),
                    )
                )
    return districts, streets, communities


def _unit_candidates(
    districts: list[Org], streets: list[Org], communities: list[Org], b: _Builder
) -> dict[str, list[tuple[str, Org]]]:
    """Every plausible unit, by type, as (name, parent); the generator picks from these."""
    lz = districts[0]
    by_district = {d.id: [s for s in streets if s.parent_id == d.id] for d in districts}
    out: dict[str, list[tuple[str, Org]]] = {t: [] for t in UNIT_TYPE_COUNTS}
    out["organ"] += [(CITY_NAME + name, lz) for name in CITY_ORGANS]
    for d in districts:
        out["organ"] += [(d.name + name.removeprefix("委"), d) for name in CITY_ORGANS if not name.startswith("委")]
        out["organ"] += [(f"中共{d.name}{name}", d) for name in CITY_ORGANS if name.startswith("委")]
        for s in by_district[d.id]:
            out["organ"] += [(s.name + name, s) for name in STREET_ORGANS]
    out["school"] += [(name, b.rng.choice(by_district[lz.id])) for name in CITY_SCHOOLS]
    out["school"] += [(f"广元市第{n}中学", b.rng.choice(by_district[lz.id])) for n in "二三四五六七八"]
    for d in districts:
        out["school"] += [(d.name + name, b.rng.choice(by_district[d.id])) for name in DISTRICT_SCHOOLS]
        out["school"] += [(d.name + _short(s.name) + n, s) for s in by_district[d.id] for n in STREET_SCHOOLS]
    out["school"] += [(_district_name(b, c) + _short(c.name) + n, c) for c in communities for n in COMMUNITY_SCHOOLS]
    out["hospital"] += [(name, b.rng.choice(by_district[lz.id])) for name in CITY_HOSPITALS]
    for d in districts:
        out["hospital"] += [(d.name + name, b.rng.choice(by_district[d.id])) for name in DISTRICT_HOSPITALS]
        for s in by_district[d.id]:
            centre = "社区卫生服务中心" if s.name.endswith("街道") else "中心卫生院"
            out["hospital"].append((s.name + centre, s))
    out["hospital"] += [(c.name + "卫生服务站", c) for c in communities]
    out["soe"] += [(name, b.rng.choice(by_district[lz.id])) for name in CITY_SOES]
    for d in districts:
        out["soe"] += [(pattern.format(d=d.name), b.rng.choice(by_district[d.id])) for pattern in DISTRICT_SOES]
        for s in by_district[d.id]:
            out["soe"] += [(p.format(d=d.name, s=_short(s.name)), s) for p in STREET_SOES]
    out["social_org"] += [(f"广元市{name}", b.rng.choice(by_district[lz.id])) for name in ASSOCIATIONS]
    for brand in BRANDS:
        for industry in INDUSTRIES:
            d = b.rng.choice(districts)
            prefix = "广元" if d is lz else d.name[:2]
            out["social_org"].append((prefix + brand + industry, b.rng.choice(by_district[d.id])))
    for c in communities:
        out["social_org"].append((f"{_district_name(b, c)}{_short(c.name)}社会工作服务中心", c))
    return out


def _district_name(b: _Builder, org: Org) -> str:
    return b.district_of[org.id].name


def _build_units(b: _Builder, districts: list[Org], streets: list[Org], communities: list[Org]) -> list[Org]:
    candidates = _unit_candidates(districts, streets, communities, b)
    units: list[Org] = []
    for unit_type, count in UNIT_TYPE_COUNTS.items():
        unique: dict[str, tuple[str, Org]] = {}
        for name, parent in candidates[unit_type]:
            unique.setdefault(name, (name, parent))
        listed = list(unique.values())
        # Half are the head of the list (the city's own units, then the
        # districts'), half are sampled from the rest (streets', communities', firms).
        keep = count // 2
        picked = sorted(b.rng.sample(range(keep, len(listed)), count - keep))
        for name, parent in listed[:keep] + [listed[i] for i in picked]:
            street = parent if parent.kind == "street" else b.street_of.get(parent.id)
            road = _short(street.name) if street else "人民"
            address = f"{_district_name(b, parent) if parent.kind != 'district' else parent.name}"
            address += f"{street.name if street else ''}{road}路{b.rng.randint(1, 399)}号"
            units.append(
                b.add_org(f"U-{len(units) + 1:05d}", name, "unit", parent, unit_type=unit_type, address=address)
            )
    return units


def _unit_registrations(b: _Builder, units: list[Org], communities: list[Org], next_id: Iterator[int]) -> list[Report]:
    """Each unit registers with one or two communities near it (in its street, else its district)."""
    by_street: dict[int, list[Org]] = {}
    by_district: dict[int, list[Org]] = {}
    for c in communities:
        by_street.setdefault(c.parent_id or 0, []).append(c)
        by_district.setdefault(b.district_of[c.id].id, []).append(c)
    reports: list[Report] = []
    for unit in units:
        street = b.street_of.get(unit.id)
        parent = b.orgs[unit.parent_id - 1] if unit.parent_id else None
        near = by_street[street.id] if street else by_district[b.district_of[unit.id].id]
        if parent is not None and parent.kind == "community":
            chosen = [parent]
            if b.rng.random() < 0.3:
                chosen += b.rng.sample([c for c in near if c.id != parent.id], 1)
        else:
            chosen = b.rng.sample(near, 2 if b.rng.random() < 0.3 and len(near) > 1 else 1)
        for community in chosen:
            reports.append(_report(b, next(next_id), "unit", community, unit_id=unit.id))
    return reports


def _report(
    b: _Builder,
    report_id: int,
    kind: str,
    community: Org,
    *,
    unit_id: int | None = None,
    user_id: int | None = None,
    party_member: bool = False,
    work_unit_id: int | None = None,
) -> Report:
    acknowledged = b.rng.random() < 0.93
    return Report(
        id=report_id,
        kind=kind,
        community_id=community.id,
        unit_id=unit_id,
        user_id=user_id,
        party_member=party_member,
        work_unit_id=work_unit_id,
        status="acknowledged" if acknowledged else "pending",
        receipt=f"{community.code}-2018-{report_id:06d}" if acknowledged else None,
    )


def _build_people(
    b: _Builder, communities: list[Org], units: list[Org], next_report: Iterator[int]
) -> tuple[list[Person], list[Member], list[Report]]:
    units_by_district: dict[int, list[Org]] = {}
    for unit in units:
        units_by_district.setdefault(b.district_of[unit.id].id, []).append(unit)
    # Bigger communities in the city centre: Lizhou's weigh three times a county's.
    weights = [3.0 if b.district_of[c.id].code.endswith("-LZ") else 1.0 for c in communities]
    homes = b.rng.choices(communities, weights=weights, k=MEMBERS)
    people = [Person(1, "GY-ADMIN", "组织部管理员", ADMIN_PHONE, True, False)]
    reports: list[Report] = []
    work: dict[tuple[int, int], str] = {}
    for i, home in enumerate(homes, start=1):
        party = b.rng.random() < PARTY_MEMBER_SHARE
        surname = b.rng.choice(SURNAMES)
        given = "".join(b.rng.choice(GIVEN) for _ in range(b.rng.choice((1, 2, 2))))
        phone = PHONE_PREFIXES[i % len(PHONE_PREFIXES)] + f"{(i * 7919 + 104_729) % 100_000_000:08d}"
        person = Person(i + 1, f"M-{i:05d}", surname + given, phone, False, party)
        people.append(person)
        work_unit = None
        if party:
            nearby = units_by_district[b.district_of[home.id].id]
            work_unit = b.rng.choice(nearby if b.rng.random() < 0.8 else units)
            work[(person.id, work_unit.id)] = "member"
        reports.append(
            _report(
                b,
                next(next_report),
                "resident",
                home,
                user_id=person.id,
                party_member=party,
                work_unit_id=work_unit.id if work_unit else None,
            )
        )
    # One manager for each community and unit, and the admin manages the city's districts.
    managers = b.rng.sample(range(2, MEMBERS + 2), len(communities) + len(units))
    for user_id, org in zip(managers, communities + units, strict=True):
        work[(user_id, org.id)] = "manager"
    for org in b.orgs:
        if org.kind == "district":
            work[(1, org.id)] = "manager"
    memberships = [
        Member(n, user_id, org_id, role) for n, ((user_id, org_id), role) in enumerate(sorted(work.items()), start=1)
    ]
    return people, memberships, reports


def _resource_slots(
    b: _Builder, streets: list[Org], communities: list[Org], units: list[Org]
) -> list[tuple[str, Org, str]]:
    """(kind, owner, name) for every resource, in the article's numbers per kind."""
    rng = b.rng
    typed = {t: [u for u in units if u.unit_type == t] for t in UNIT_TYPE_COUNTS}
    lizhou = [c for c in communities if b.district_of[c.id].code.endswith("-LZ")]
    # Kindergartens have neither stadiums nor auditoriums to share.
    schools = [u for u in typed["school"] if not u.name.endswith("幼儿园")]
    slots: list[tuple[str, Org, str]] = []

    def pick(kind: str, owners: Sequence[Org], count: int, names: Sequence[str], *, short: bool = False) -> None:
        """`count` resources of `kind` spread over `owners` (some get several), named owner + variant."""
        chosen = rng.sample(list(owners), count) if count <= len(owners) else list(owners)
        while len(chosen) < count:
            chosen.append(rng.choice(list(owners)))
        first: dict[int, int] = {}
        seen: dict[int, int] = {}
        for owner in sorted(chosen, key=lambda o: o.id):
            n = seen.get(owner.id, 0)
            seen[owner.id] = n + 1
            first.setdefault(owner.id, rng.randrange(len(names)))
            variant = names[(first[owner.id] + n) % len(names)]
            slots.append((kind, owner, (_short(owner.name) if short else owner.name) + variant))

    # 18 community parking lots, all in Lizhou (the article's example).
    pick("parking", lizhou, 18, ["公共停车场", "公共停车场", "便民停车场"])
    # A party-and-mass service centre in every community, more in the streets and units.
    pick(
        "activity_centre",
        communities,
        len(communities),
        ["党群服务中心活动室", "党群服务中心活动室", "党群服务中心多功能活动室", "老年活动中心", "文化活动室"],
    )
    pick("activity_centre", streets, len(streets), ["党群服务中心"])
    extra_centres = RESOURCE_COUNTS["activity_centre"] - len(communities) - len(streets)
    pick("activity_centre", typed["soe"] + typed["organ"], extra_centres, ["职工活动中心"])
    pick("plaza", communities, 250, ["休闲广场", "文化广场", "健身广场", "休闲广场"])
    pick("plaza", streets, len(streets), ["广场", "滨河广场", "文化广场"], short=True)
    pick("plaza", schools + typed["organ"], RESOURCE_COUNTS["plaza"] - 250 - len(streets), ["文化广场", "广场"])
    pick("theatre", typed["organ"], 25, ["礼堂", "大礼堂"])
    pick("theatre", schools, 36, ["大礼堂", "报告厅", "剧场"])
    pick("theatre", typed["soe"], 8, ["职工影剧院", "礼堂"])
    pick("sports_venue", schools, 200, ["体育场", "体育馆", "篮球场", "运动场", "田径场", "羽毛球馆"])
    pick("sports_venue", typed["organ"], 50, ["职工篮球场", "羽毛球馆", "乒乓球室", "职工健身房"])
    pick("sports_venue", typed["soe"], 25, ["职工体育馆", "职工篮球场", "网球场"])
    pick("sports_venue", communities, 30, ["篮球场", "健身场", "门球场"])
    rooms = ["视频会议室", "会议室", "第二会议室", "小会议室", "多功能会议室", "共享办公室"]
    pick("meeting_room", typed["organ"], 300, rooms)
    pick("meeting_room", typed["soe"], 100, rooms)
    pick("meeting_room", typed["hospital"], 60, ["会议室", "视频会议室", "示教室"])
    pick("meeting_room", typed["social_org"], 60, ["会议室", "共享办公室"])
    pick("meeting_room", typed["school"], 40, ["会议室", "录播教室"])
    pick("meeting_room", communities, 58, ["会议室", "视频会议室", "共享办公室"])
    return slots


def _capacity(rng: random.Random, kind: str, name: str) -> tuple[int, str]:
    if kind == "parking":
        return rng.randint(20, 120), "车位"
    if kind == "sports_venue":
        return (1 if name.endswith(("体育场", "田径场", "运动场")) else rng.randint(1, 8)), "场地"
    if kind == "theatre":
        return rng.randrange(200, 1201, 10), "座位"
    if kind == "plaza":
        return 1, "处"
    return 1, "间"


def _build_resources(b: _Builder, streets: list[Org], communities: list[Org], units: list[Org]) -> list[Facility]:
    resources: list[Facility] = []
    per_owner: dict[tuple[int, str], int] = {}
    for kind, owner, name in _resource_slots(b, streets, communities, units):
        n = per_owner.get((owner.id, kind), 0) + 1
        per_owner[(owner.id, kind)] = n
        capacity, unit_label = _capacity(b.rng, kind, name)
        if not resources:
            capacity = BUSY_CAPACITY  # the busy lot (the first one made is a parking lot)
        slot, shortest, longest, ahead, approval, checkin = KIND_POLICIES[kind]
        latitude, longitude = b.jitter(b.centres[owner.id], 0.002)
        amenities = b.rng.sample(KIND_AMENITIES[kind], b.rng.randint(1, 3))
        resources.append(
            Facility(
                id=len(resources) + 1,
                code=f"{owner.code}-{KIND_ABBREVIATIONS[kind]}{n:02d}",
                owner_id=owner.id,
                name=name,
                kind=kind,
                address=owner.address,
                latitude=latitude,
                longitude=longitude,
                capacity=capacity,
                unit_label=unit_label,
                description=KIND_DESCRIPTIONS[kind],
                amenities=tuple(sorted(amenities, key=KIND_AMENITIES[kind].index)),
                slot_minutes=slot,
                min_minutes=shortest,
                max_minutes=longest,
                book_ahead_days=ahead,
                requires_approval=approval,
                checkin_required=checkin,
            )
        )
    return resources


# --- access windows, closures and bookings ------------------------------------

WORKDAY_HOURS = (8 * 60 + 30, 17 * 60 + 30)


@dataclass(frozen=True)
class _Plan:
    """A window the generator gives a resource, and how busy it keeps it.

    `rate` is the bookings tried on an open day (times the capacity when
    `per_capacity`), `lengths` the durations people ask for (minutes), `quantities`
    how many units they take, `morning` the share who arrive as it opens.
    """

    audience: str
    days: str
    start: int
    end: int
    rate: float
    max_quantity: int | None = None
    requires_approval: bool | None = None
    per_capacity: bool = False
    lengths: tuple[int, ...] = (60, 120)
    quantities: tuple[int, ...] = (1,)
    morning: float = 0.0
    purposes: str = ""


def _plans(resource: Facility, owner: Org) -> list[_Plan]:
    """The windows a resource of this kind and owner usually has (the article's two cases first)."""
    kind, capacity = resource.kind, resource.capacity
    work_start, work_end = WORKDAY_HOURS
    if kind == "parking":
        # A community's lot: free to its registered units in working hours, residents the rest of the time.
        night = (120, 240, 390, 480, 600)
        return [
            _Plan(
                "registered_units",
                "workday",
                work_start,
                work_end,
                0.7,
                max_quantity=min(3, capacity),
                per_capacity=True,
                lengths=(120, 180, 240, 240, 540, 540, 540),
                quantities=(1, 1, 1, 2, 2, 3),
                morning=0.5,
                purposes="parking/units",
            ),
            _Plan("residents", "workday", 0, work_start, 0.08, 1, per_capacity=True, lengths=night),
            _Plan("residents", "workday", work_end, 24 * 60, 0.35, 1, per_capacity=True, lengths=night, morning=0.3),
            _Plan("residents", "restday", 0, 24 * 60, 0.45, 1, per_capacity=True, lengths=night),
        ]
    if kind == "sports_venue":
        courts = (1, 1, 1, 1, 2) if capacity > 1 else (1,)
        if owner.kind == "unit":
            # A unit's ground: free to the residents of its communities outside working hours.
            return [
                _Plan("residents", "workday", 18 * 60, 21 * 60 + 30, 0.7, per_capacity=True, quantities=courts),
                _Plan("residents", "restday", 8 * 60, 21 * 60 + 30, 1.8, per_capacity=True, quantities=courts),
            ]
        return [_Plan("residents", "all", 7 * 60, 21 * 60, 1.2, per_capacity=True, quantities=courts)]
    if kind == "meeting_room":
        rooms = [_Plan("owner_members", "workday", work_start, work_end, 1.3, lengths=(60, 90, 120, 180))]
        if owner.kind == "community":
            rooms.append(
                _Plan("registered_units", "workday", work_start, work_end, 0.4, 1, True, lengths=(60, 120, 180))
            )
        return rooms
    if kind == "plaza":
        return [_Plan("public", "all", 6 * 60, 22 * 60, 0.8, lengths=(60, 120, 180))]
    if kind == "activity_centre":
        if owner.kind == "unit":
            return [
                _Plan("owner_members", "all", 8 * 60, 21 * 60, 0.9, lengths=(60, 120, 180)),
                _Plan("residents", "restday", 9 * 60, 21 * 60, 0.4, lengths=(60, 120, 180)),
            ]
        centre = [
            _Plan("owner_members", "workday", work_start, work_end, 0.5, lengths=(60, 120, 180)),
            _Plan("residents", "all", work_start, 21 * 60, 1.0, lengths=(60, 120, 120, 180)),
        ]
        if owner.kind == "community":
            centre.append(_Plan("registered_units", "workday", work_start, work_end, 0.2, 1, True, lengths=(120, 180)))
        return centre
    # A theatre: the owner's own events on working days, residents' groups on rest days (approved).
    groups = tuple(min(capacity, n) for n in (50, 80, 100, 150, 200))
    return [
        _Plan(
            "owner_members",
            "workday",
            work_start,
            work_end,
            0.15,
            lengths=(120, 180, 240),
            quantities=tuple(capacity * share // 4 for share in (1, 2, 3, 4)),
        ),
        _Plan("residents", "restday", 9 * 60, 21 * 60, 0.25, 200, lengths=(120, 180), quantities=groups),
    ]


def _build_windows(city_orgs: dict[int, Org], resources: Sequence[Facility]) -> list[Opening]:
    windows: list[Opening] = []
    for resource in resources:
        for plan in _plans(resource, city_orgs[resource.owner_id]):
            windows.append(
                Opening(
                    id=len(windows) + 1,
                    resource_id=resource.id,
                    audience=plan.audience,
                    days=plan.days,
                    start_minute=plan.start,
                    end_minute=plan.end,
                    max_quantity=plan.max_quantity,
                    requires_approval=plan.requires_approval,
                )
            )
    return windows


CLOSURE_REASONS = ("设备检修", "场地维护保养", "消防安全检查", "承办全市职工运动会", "线路改造施工", "防汛应急征用")
GAOKAO = (date(2026, 6, 7), date(2026, 6, 10))  # schools that are exam sites close for the national exam


def _local_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=ZONE)


def _build_closures(rng: random.Random, city_orgs: dict[int, Org], resources: Sequence[Facility]) -> list[Shutdown]:
    """A few whole-day closures: maintenance here and there, one ahead, and two exam-site schools."""
    first = ANCHOR.date() - timedelta(days=HISTORY_DAYS)
    busy = resources[0]
    closures: list[Shutdown] = []

    def close(resource_id: int | None, org_id: int | None, day: date, days: int, reason: str) -> None:
        start = _local_midnight(day)
        closures.append(Shutdown(len(closures) + 1, resource_id, org_id, start, start + timedelta(days=days), reason))

    for resource in sorted(rng.sample(list(resources[1:]), 16), key=lambda r: r.id):
        day = first + timedelta(days=rng.randrange(HISTORY_DAYS))
        close(resource.id, None, day, rng.choice((1, 1, 2, 3)), rng.choice(CLOSURE_REASONS))
    # The busy lot was resurfaced once; a plaza ahead hosts the district's festival.
    close(busy.id, None, ANCHOR.date() - timedelta(days=45), 1, "路面维修")
    plaza = next(r for r in resources if r.kind == "plaza")
    close(plaza.id, None, ANCHOR.date() + timedelta(days=12), 1, "承办利州区社区文艺汇演")
    schools = sorted({r.owner_id for r in resources if city_orgs[r.owner_id].unit_type == "school"})
    for school in rng.sample(schools, 2):
        close(None, school, GAOKAO[0], (GAOKAO[1] - GAOKAO[0]).days, "高考考点封闭管理")
    return closures


def _workdays(first: date, last: date) -> dict[date, bool]:
    """Official working days as the chinesecalendar package has them (the app seeds its calendar
    from it); past the package's years, Monday to Friday, as the app assumes."""
    import chinese_calendar

    days: dict[date, bool] = {}
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        try:
            days[day] = chinese_calendar.is_workday(day)
        except NotImplementedError:
            days[day] = day.weekday() < 5
    return days


@dataclass
class _Pools:
    """Who may book, by audience: (user id, on behalf of unit id or 0)."""

    residents: dict[int, list[tuple[int, int]]]  # by community
    units: dict[int, list[tuple[int, int]]]  # staff of units registered with a community, by community
    members: dict[int, list[tuple[int, int]]]  # by organisation
    public: list[tuple[int, int]]
    communities: dict[int, list[int]]  # a resource owner's communities

    @classmethod
    def of(cls, city: City) -> _Pools:
        residents: dict[int, list[tuple[int, int]]] = {}
        unit_communities: dict[int, list[int]] = {}
        for r in city.registrations:
            if r.status != "acknowledged":
                continue
            if r.kind == "resident" and r.user_id is not None:
                residents.setdefault(r.community_id, []).append((r.user_id, 0))
            elif r.kind == "unit" and r.unit_id is not None:
                unit_communities.setdefault(r.unit_id, []).append(r.community_id)
        members: dict[int, list[tuple[int, int]]] = {}
        for m in city.memberships:
            members.setdefault(m.organisation_id, []).append((m.user_id, 0))
        units: dict[int, list[tuple[int, int]]] = {}
        for unit_id, communities in unit_communities.items():
            staff = [(user_id, unit_id) for user_id, _ in members.get(unit_id, [])]
            for community in communities:
                units.setdefault(community, []).extend(staff)
        of_owner: dict[int, list[int]] = {}
        for org in city.organisations:
            if org.kind == "community":
                of_owner[org.id] = [org.id]
                if org.parent_id is not None:
                    of_owner.setdefault(org.parent_id, []).append(org.id)
        for unit_id, communities in unit_communities.items():
            of_owner[unit_id] = sorted(communities)
        public = [(p.id, 0) for p in city.users if not p.is_admin]
        return cls(residents, units, members, public, of_owner)

    def for_audience(self, audience: str, owner_id: int) -> list[tuple[int, int]]:
        if audience == "public":
            return self.public
        if audience == "owner_members":
            return self.members.get(owner_id, [])
        if audience == "registered_units":
            return self.units.get(owner_id, [])
        return [who for c in self.communities.get(owner_id, []) for who in self.residents.get(c, [])]


PENDING, CONFIRMED, CHECKED_IN, COMPLETED, CANCELLED, REJECTED, NO_SHOW = range(7)
HOLDS = frozenset({PENDING, CONFIRMED, CHECKED_IN, COMPLETED, NO_SHOW})  # took the space when they happened
FUTURE_DAYS_MAX = 60


def generate_bookings(city: City, resources: Iterable[Facility] | None = None) -> Bookings:
    """A year of bookings around the anchor for these resources (all by default).

    Each resource has its own random stream, so a sample's bookings are the ones
    the whole city has. Per resource and day, bookings are placed on the slot grid
    inside the windows of the booker's audience and only where the quantity still
    fits, so capacity is never exceeded at any instant.
    """
    orgs = {o.id: o for o in city.organisations}
    pools = _Pools.of(city)
    anchor_day = city.anchor.date()
    workdays = _workdays(anchor_day - timedelta(days=HISTORY_DAYS), anchor_day + timedelta(days=FUTURE_DAYS_MAX))
    closed: dict[int, set[date]] = {}
    by_owner: dict[int, list[int]] = {}
    for r in city.resources:
        by_owner.setdefault(r.owner_id, []).append(r.id)
    for c in city.closures:
        targets = [c.resource_id] if c.resource_id is not None else by_owner.get(c.organisation_id or 0, [])
        days = {(c.start + timedelta(days=n)).date() for n in range((c.end - c.start).days)}
        for resource_id in targets:
            closed.setdefault(resource_id, set()).update(days)
    out = Bookings(anchor=city.anchor)
    for resource in resources if resources is not None else city.resources:
        rng = random.Random(city.seed * 1_000_003 + resource.id)
        _bookings_of(resource, orgs[resource.owner_id], pools, workdays, closed.get(resource.id, set()), rng, out)
    return out


def _bookings_of(
    resource: Facility,
    owner: Org,
    pools: _Pools,
    workdays: dict[date, bool],
    closed: set[date],
    rng: random.Random,
    out: Bookings,
) -> None:
    slot = resource.slot_minutes
    capacity = resource.capacity
    min_slots = resource.min_minutes // slot
    busy = resource.id == 1
    popularity = 2.0 if busy else 0.5 + rng.random()
    prepared = []
    for plan in _plans(resource, owner):
        pool = pools.for_audience(plan.audience, owner.id)
        first, last = -(-plan.start // slot), plan.end // slot
        if not pool or last - first < min_slots:
            continue
        lengths = [min(length, resource.max_minutes) // slot for length in plan.lengths]
        cap = min(capacity, plan.max_quantity or capacity)
        quantities = [min(q, cap) for q in plan.quantities if q >= 1] or [1]
        rate = plan.rate * (capacity if plan.per_capacity else 1) * popularity
        approval = plan.requires_approval if plan.requires_approval is not None else resource.requires_approval
        purposes = [PURPOSE_TEXTS.index(p) for p in PURPOSES[plan.purposes or _purpose_key(resource, plan)]]
        prepared.append((plan, pool, first, last, lengths, quantities, rate, approval, purposes))
    anchor_day = ANCHOR.date()
    ahead = min(resource.book_ahead_days, FUTURE_DAYS_MAX)
    ahead_minutes = resource.book_ahead_days * 24 * 60
    random_ = rng.random
    add_resource, add_user, add_behalf = out.resource_id.append, out.user_id.append, out.on_behalf_of_id.append
    add_start, add_minutes, add_quantity = out.start.append, out.minutes.append, out.quantity.append
    add_status, add_purpose, add_lead = out.status.append, out.purpose.append, out.lead.append
    checkin = resource.checkin_required
    for offset in range(-HISTORY_DAYS, ahead + 1):
        day = anchor_day + timedelta(days=offset)
        if day in closed:
            continue
        workday = workdays[day]
        future = offset >= 0
        # Further ahead, fewer have booked yet; units book their parking as weekly series, so it stays full.
        factor = 1.0 if not future or resource.kind == "parking" else max(0.15, 1 - offset / (ahead + 1))
        occupied: list[int] | None = None
        for plan, pool, first, last, lengths, quantities, rate, approval, purposes in prepared:
            if plan.days != "all" and (plan.days == "workday") != workday:
                continue
            tries = int(rate * factor + random_())
            if not tries:
                continue
            if occupied is None:
                occupied = [0] * (24 * 60 // slot)
            starts = last - first - min_slots + 1
            for _ in range(tries):
                begin = first if random_() < plan.morning else first + int(random_() * starts)
                end = min(begin + lengths[int(random_() * len(lengths))], last)
                if end - begin < min_slots:
                    continue
                quantity = quantities[int(random_() * len(quantities))]
                r = random_()
                if not future:
                    status = (
                        CANCELLED
                        if r < 0.07
                        else REJECTED
                        if approval and r < 0.10
                        else NO_SHOW
                        if checkin and r < 0.12
                        else COMPLETED
                    )
                else:
                    status = CANCELLED if r < 0.06 else PENDING if approval and r < 0.5 else CONFIRMED
                if status in HOLDS:
                    if max(occupied[begin:end]) + quantity > capacity:
                        continue
                    for i in range(begin, end):
                        occupied[i] += quantity
                user_id, behalf = pool[int(random_() * len(pool))]
                start = offset * 24 * 60 + begin * slot
                # Made inside the booking horizon of its day, and (for what is still ahead) before the anchor.
                latest = ahead_minutes + begin * slot
                earliest = max(30, start) if future else 30
                add_resource(resource.id)
                add_user(user_id)
                add_behalf(behalf)
                add_start(start)
                add_minutes((end - begin) * slot)
                add_quantity(quantity)
                add_status(status)
                add_purpose(purposes[int(random_() * len(purposes))])
                add_lead(earliest + int(random_() ** 2 * max(0, latest - earliest)))


def _purpose_key(resource: Facility, plan: _Plan) -> str:
    if resource.kind == "parking":
        return "parking/owner_members" if plan.audience == "owner_members" else "parking/residents"
    return resource.kind


def generate_city(seed: int = DEFAULT_SEED, *, bookings: bool = True) -> City:
    """The whole city as plain values; the same seed gives the same city.

    `bookings=False` leaves out the year of bookings (the slow part: a few seconds).
    """
    b = _Builder(seed)
    districts, streets, communities = _build_tree(b)
    units = _build_units(b, districts, streets, communities)
    report_ids = iter(range(1, 10**9))
    unit_reports = _unit_registrations(b, units, communities, report_ids)
    people, memberships, resident_reports = _build_people(b, communities, units, report_ids)
    resources = _build_resources(b, streets, communities, units)
    orgs = {o.id: o for o in b.orgs}
    city = City(
        seed=seed,
        organisations=tuple(b.orgs),
        users=tuple(people),
        memberships=tuple(memberships),
        registrations=tuple(unit_reports + resident_reports),
        resources=tuple(resources),
        windows=tuple(_build_windows(orgs, resources)),
        closures=tuple(_build_closures(b.rng, orgs, resources)),
        anchor=ANCHOR,
        busy_resource_code=resources[0].code,
    )
    if bookings:
        city = replace(city, bookings=generate_bookings(city))
    scale = {
        "communities": (len(communities), COMMUNITIES),
        "units": (len(units), UNITS),
        "members": (len(resident_reports), MEMBERS),
        **{kind: (sum(r.kind == kind for r in resources), n) for kind, n in RESOURCE_COUNTS.items()},
    }
    wrong = {name: got for name, (got, wanted) in scale.items() if got != wanted}
    if wrong:
        raise AssertionError(f"the generator drifted from the article's figures: {wrong}")
    return city


# --- loading -----------------------------------------------------------------

CHUNK = 5000


def search_text(city_orgs: dict[int, Org], resource: Facility) -> str:
    """Resource.search_tokens exactly as app.directory.services.search_document makes it."""
    from app.directory.labels import KIND_SEARCH_WORDS
    from app.domain.search import index_text

    owner = city_orgs[resource.owner_id]
    places = []
    ancestor: Org | None = owner
    while ancestor is not None:
        places.append(ancestor.name)
        ancestor = city_orgs.get(ancestor.parent_id) if ancestor.parent_id else None
    return index_text(
        resource.name,
        resource.code,
        resource.address,
        " ".join(places),
        owner.code,
        KIND_SEARCH_WORDS.get(resource.kind, ""),
        resource.unit_label,
        " ".join(resource.amenities),
        resource.description[:2000],
    )


def check_search_text(city: City, samples: Iterable[Facility]) -> None:
    """Raise unless `search_text` agrees with the app's own search_document (on transient objects)."""
    from app.directory.services import search_document
    from app.models import Organisation, Resource

    orgs = {o.id: o for o in city.organisations}
    for sample in samples:
        chain: list[Org] = []
        org: Org | None = orgs[sample.owner_id]
        while org is not None:
            chain.append(org)
            org = orgs.get(org.parent_id) if org.parent_id else None
        parent = None
        for node in reversed(chain):
            parent = Organisation(code=node.code, name=node.name, kind=node.kind, parent=parent)
        resource = Resource(
            code=sample.code,
            name=sample.name,
            kind=sample.kind,
            address=sample.address,
            owner=parent,
            unit_label=sample.unit_label,
            amenities=list(sample.amenities),
            description=sample.description,
        )
        expected, ours = search_document(resource), search_text(orgs, sample)
        if expected != ours:
            raise AssertionError(f"search tokens differ for {sample.code}: {ours!r} != {expected!r}")


def _chunks(rows: list[dict[str, Any]]) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(rows), CHUNK):
        yield rows[start : start + CHUNK]


def _offset(session: Session, table: Table) -> int:
    return session.scalar(select(func.coalesce(func.max(table.c.id), 0))) or 0


def load_city(session: Session, city: City, *, members: bool = True, bookings: bool = True) -> dict[str, int]:
    """Insert the city with Core bulk inserts (flush, no commit); returns rows per table.

    Ids are shifted past rows already there; codes must not clash with them.
    `members=False` leaves out people, memberships and residents' registrations
    (and so the bookings, which they make); `bookings=False` leaves out the
    bookings only. The official workday calendar the windows follow is stored
    too (the chinesecalendar package's days, as `flask workdays seed` would).
    """
    from app.accounts.services import hash_password
    from app.models import Booking, Closure, Membership, Organisation, Registration, Resource, User, Window

    tables = {
        "organisations": Organisation.__table__,
        "users": User.__table__,
        "memberships": Membership.__table__,
        "registrations": Registration.__table__,
        "resources": Resource.__table__,
        "access_windows": Window.__table__,
        "closures": Closure.__table__,
        "bookings": Booking.__table__,
    }
    shift = {name: _offset(session, table) for name, table in tables.items()}
    org_id = shift["organisations"]
    user_id = shift["users"]

    def uid(value: int | None) -> int | None:
        return None if value is None else value + user_id

    def oid(value: int | None) -> int | None:
        return None if value is None else value + org_id

    now = REGISTERED_AT
    rows: dict[str, list[dict[str, Any]]] = {name: [] for name in tables}
    # Parents before children: the ids grow down the tree.
    rows["organisations"] = [
        {
            "id": o.id + org_id,
            "code": o.code,
            "name": o.name,
            "kind": o.kind,
            "unit_type": o.unit_type,
            "parent_id": oid(o.parent_id),
            "address": o.address,
            "contact_phone": o.contact_phone,
            "active": True,
            "created_at": now,
            "updated_at": now,
        }
        for o in city.organisations
    ]
    if members:
        password_hash = hash_password(PASSWORD)
        rows["users"] = [
            {
                "id": p.id + user_id,
                "code": p.code,
                "name": p.name,
                "phone": p.phone,
                "email": None,
                "password_hash": password_hash,
                "is_admin": p.is_admin,
                "active": True,
                "party_member": p.party_member,
                "locale": None,
                "session_version": 1,
                "created_at": now,
            }
            for p in city.users
        ]
        rows["memberships"] = [
            {
                "id": m.id + shift["memberships"],
                "user_id": uid(m.user_id),
                "organisation_id": oid(m.organisation_id),
                "role": m.role,
                "created_at": now,
            }
            for m in city.memberships
        ]
    rows["registrations"] = [
        {
            "id": r.id + shift["registrations"],
            "kind": r.kind,
            "community_id": oid(r.community_id),
            "unit_id": oid(r.unit_id),
            "user_id": uid(r.user_id),
            "party_member": r.party_member,
            "work_unit_id": oid(r.work_unit_id),
            "status": r.status,
            "receipt": r.receipt,
            "reason": "",
            "created_at": now,
            "decided_at": now if r.status == "acknowledged" else None,
            "decided_by_id": None,
        }
        for r in city.registrations
        if members or r.kind == "unit"
    ]
    orgs = {o.id: o for o in city.organisations}
    check_search_text(city, [next(r for r in city.resources if r.kind == kind) for kind in RESOURCE_COUNTS])
    rows["resources"] = [
        {
            "id": r.id + shift["resources"],
            "code": r.code,
            "owner_id": oid(r.owner_id),
            "name": r.name,
            "kind": r.kind,
            "address": r.address,
            "latitude": r.latitude,
            "longitude": r.longitude,
            "capacity": r.capacity,
            "unit_label": r.unit_label,
            "description": r.description,
            "amenities": list(r.amenities),
            "timezone": "Asia/Shanghai",
            "active": True,
            "slot_minutes": r.slot_minutes,
            "min_minutes": r.min_minutes,
            "max_minutes": r.max_minutes,
            "book_ahead_days": r.book_ahead_days,
            "release_time": datetime.min.time(),
            "buffer_minutes": 0,
            "requires_approval": r.requires_approval,
            "checkin_required": r.checkin_required,
            "checkin_grace_minutes": 15,
            "cancel_before_minutes": 60,
            "search_tokens": search_text(orgs, r),
            "created_at": now,
            "updated_at": now,
        }
        for r in city.resources
    ]
    rid = shift["resources"]
    rows["access_windows"] = [
        {
            "id": w.id + shift["access_windows"],
            "resource_id": w.resource_id + rid,
            "audience": w.audience,
            "days": w.days,
            "weekdays": 0,
            "start_minute": w.start_minute,
            "end_minute": w.end_minute,
            "price": w.price,
            "max_quantity": w.max_quantity,
            "max_minutes_per_week": w.max_minutes_per_week,
            "requires_approval": w.requires_approval,
            "created_at": now,
            "updated_at": now,
        }
        for w in city.windows
    ]
    rows["closures"] = [
        {
            "id": c.id + shift["closures"],
            "resource_id": None if c.resource_id is None else c.resource_id + rid,
            "organisation_id": oid(c.organisation_id),
            "start": c.start,
            "end": c.end,
            "reason": c.reason,
            "created_at": now,
            "created_by_id": None,
        }
        for c in city.closures
    ]
    session.flush()
    for name in ("organisations", "users", "memberships", "registrations", "resources", "access_windows", "closures"):
        for chunk in _chunks(rows[name]):
            session.execute(insert(tables[name]), chunk)
    counts = {name: len(table_rows) for name, table_rows in rows.items() if name != "bookings"}
    counts["calendar_days"] = _store_workday_calendar(session)
    counts["bookings"] = 0
    if bookings and members:
        counts["bookings"] = _load_bookings(session, city, shift)
    if session.get_bind().dialect.name == "postgresql":
        # Explicit ids leave the sequences behind: move them on, or the next insert collides.
        for name in tables:
            session.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'),"
                    f" (SELECT COALESCE(MAX(id), 0) + 1 FROM {name}), false)"
                )
            )
    return counts


def _store_workday_calendar(session: Session) -> int:
    """The package's holidays and make-up days, where the database lacks them (as `flask workdays seed`)."""
    from app.domain.workdays import DaySource
    from app.models import CalendarDay
    from app.workdays.services import package_days

    source = DaySource.PACKAGE.value
    present = set(session.scalars(select(CalendarDay.day).where(CalendarDay.source == source)))
    rows = [
        {"day": day, "workday": workday, "name": name, "source": source, "updated_at": REGISTERED_AT}
        for day, (workday, name) in sorted(package_days().items())
        if day not in present
    ]
    for chunk in _chunks(rows):
        session.execute(insert(CalendarDay.__table__), chunk)
    return len(rows)


BOOKING_COLUMNS = (
    "id",
    "resource_id",
    "user_id",
    "on_behalf_of_id",
    "start",
    "end",
    "quantity",
    "status",
    "purpose",
    "created_at",
    "updated_at",
)
BOOKING_CHUNK = 50_000
SQLITE_DATETIME = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy's SQLite DateTime stores a naive (UTC) time


def _booking_rows(city: City, shift: dict[str, int], stamp: Callable[[int], Any]) -> Iterator[tuple[Any, ...]]:
    """The bookings as row tuples in BOOKING_COLUMNS order; `stamp` turns minutes after the anchor into a time."""
    b = city.bookings
    booking_id, resource_id, user_id, org_id = (
        shift["bookings"],
        shift["resources"],
        shift["users"],
        shift["organisations"],
    )
    statuses = STATUSES
    purposes = PURPOSE_TEXTS
    ended = {STATUSES.index(s) for s in ("completed", "no_show")}
    withdrawn = {STATUSES.index(s) for s in ("cancelled", "rejected")}
    for i in range(len(b)):
        start = b.start[i]
        end = start + b.minutes[i]
        made = start - b.lead[i]
        status = b.status[i]
        changed = end if status in ended else made + b.lead[i] // 2 if status in withdrawn else made
        behalf = b.on_behalf_of_id[i]
        yield (
            i + 1 + booking_id,
            b.resource_id[i] + resource_id,
            b.user_id[i] + user_id,
            behalf + org_id if behalf else None,
            stamp(start),
            stamp(end),
            b.quantity[i],
            statuses[status],
            purposes[b.purpose[i]],
            stamp(made),
            stamp(changed),
        )


def _load_bookings(session: Session, city: City, shift: dict[str, int]) -> int:
    """A million rows, fast: times prepared as each engine stores them (app.db.UTCDateTime), then
    COPY on PostgreSQL and executemany in large chunks through a plain Core table on SQLite."""
    dialect = session.get_bind().dialect.name
    anchor = city.anchor.astimezone(UTC)
    cache: dict[int, Any] = {}

    def stamp(minutes: int) -> Any:
        value = cache.get(minutes)
        if value is None:
            moment = anchor + timedelta(minutes=minutes)
            value = cache[minutes] = (
                moment.replace(tzinfo=None).strftime(SQLITE_DATETIME) if dialect == "sqlite" else moment
            )
        return value

    rows = _booking_rows(city, shift, stamp)
    if dialect == "postgresql":
        quoted = ", ".join(f'"{name}"' for name in BOOKING_COLUMNS)
        # executemany took 56 s for the million here, COPY 24 s.
        dbapi_connection = session.connection().connection.dbapi_connection
        assert dbapi_connection is not None
        with dbapi_connection.cursor() as cursor, cursor.copy(f"COPY bookings ({quoted}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        return len(city.bookings)
    plain = sa_table("bookings", *(column(name) for name in BOOKING_COLUMNS))
    statement = insert(plain)
    while chunk := [dict(zip(BOOKING_COLUMNS, row, strict=True)) for row in islice(rows, BOOKING_CHUNK)]:
        session.execute(statement, chunk)
    return len(city.bookings)


def settle(engine: Engine, *, sqlite_analyze: bool = False) -> None:
    """Bring a freshly bulk-loaded database to the state a running one is in (call after the commit).

    PostgreSQL: VACUUM ANALYZE, as autovacuum soon would. Until then every
    search-index entry sits in the GIN index's pending list, the planner prices
    the index out and each text search re-tokenises the whole table instead.
    SQLite: the load's write-ahead log is written back into the database and
    emptied, as the automatic checkpoints of a running one keep it (a fresh
    load leaves it hundreds of MB long, and every read then searches it: the
    week page served a third as fast). Linli never runs ANALYZE, so planner
    statistics are left out unless `sqlite_analyze` asks for them.
    """
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    elif engine.dialect.name == "sqlite":
        engine.dispose()  # no connection of the pool may hold a read snapshot during the checkpoint
        raw = engine.raw_connection()  # outside any BEGIN: a checkpoint wants no transaction open
        try:
            busy, _, _ = raw.cursor().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                raise RuntimeError("the SQLite checkpoint was blocked by another connection")
        finally:
            raw.close()
        if sqlite_analyze:
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.city", description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="an empty database; the schema is created")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-members", action="store_true", help="leave out the 36,500 members (and the bookings)")
    parser.add_argument("--no-bookings", action="store_true", help="leave out the year of bookings")
    args = parser.parse_args(argv)

    from app import create_app
    from app.config import normalise_database_url
    from app.extensions import db

    started = timer.perf_counter()
    city = generate_city(args.seed, bookings=not args.no_bookings)
    generated = timer.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(args.database_url)})
    with app.app_context():
        db.create_all()
        created = timer.perf_counter()
        counts = load_city(db.session, city, members=not args.no_members, bookings=not args.no_bookings)
        db.session.commit()
        committed = timer.perf_counter()
        settle(db.engine)
    loaded = timer.perf_counter()
    for name, count in counts.items():
        print(f"{name:14} {count:9,d}")
    print(
        f"generated in {generated - started:.1f} s; loaded in {committed - created:.1f} s"
        f" (+ {loaded - committed:.1f} s settling); busy resource {city.busy_resource_code},"
        f" anchor {city.anchor.isoformat()}"
    )


if __name__ == "__main__":
    main()
