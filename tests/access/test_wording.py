"""Access windows and closures read as plain sentences, in Chinese and in English."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from flask_babel import force_locale

from app.access.wording import describe_span, describe_window
from app.domain.windows import AccessWindow, Audience, DayRule, Days

CHINESE, ENGLISH = "zh_Hans_CN", "en"
SHANGHAI = ZoneInfo("Asia/Shanghai")
WORKDAYS, RESTDAYS, EVERY_DAY = Days(DayRule.WORKDAY), Days(DayRule.RESTDAY), Days(DayRule.ALL)


def weekdays(*days: int) -> Days:
    return Days(DayRule.WEEKDAYS, frozenset(days))


def window(audience: Audience, days: Days, start: str, end: str, **fields: object) -> AccessWindow:
    def minutes(clock: str) -> int:
        hours, mins = clock.split(":")
        return int(hours) * 60 + int(mins)

    return AccessWindow(audience, days, minutes(start), minutes(end), **fields)  # type: ignore[arg-type]


PARKING = window(Audience.REGISTERED_UNITS, WORKDAYS, "08:30", "17:30", max_quantity=3)
STADIUM_EVENINGS = window(Audience.RESIDENTS, WORKDAYS, "18:00", "21:30")
STADIUM_REST_DAYS = window(Audience.RESIDENTS, RESTDAYS, "08:00", "21:30")

CASES = [
    pytest.param(
        PARKING,
        "车位",
        "工作日 08:30–17:30 向报到单位免费开放，每次最多 3 个车位",
        "Working days 08:30–17:30: free for registered units, at most 3 spaces per booking",
        id="the article's parking: free for units in working hours, three spaces at most",
    ),
    pytest.param(
        STADIUM_EVENINGS,
        "场地",
        "工作日 18:00–21:30 向居民免费开放",
        "Working days 18:00–21:30: free for residents",
        id="the article's stadium: residents on workday evenings",
    ),
    pytest.param(
        STADIUM_REST_DAYS,
        "场地",
        "休息日 08:00–21:30 向居民免费开放",
        "Rest days 08:00–21:30: free for residents",
        id="the article's stadium: residents all day on rest days",
    ),
    pytest.param(
        window(Audience.PUBLIC, weekdays(0, 2, 4), "00:00", "24:00", price=500),
        "场地",
        "周一、周三、周五 00:00–24:00 向所有登录用户开放，每小时 5 元",
        "Mon, Wed, Fri 00:00–24:00: 5 yuan per hour for everyone signed in",
        id="chosen weekdays are listed, the end of the day stays 24:00, a price per hour",
    ),
    pytest.param(
        window(Audience.PUBLIC, weekdays(0, 1, 2, 3, 4), "09:00", "12:00", price=250),
        "场地",
        "周一至周五 09:00–12:00 向所有登录用户开放，每小时 2.5 元",
        "Mon–Fri 09:00–12:00: 2.5 yuan per hour for everyone signed in",
        id="three or more days in a row read as a range; fen become decimals of yuan",
    ),
    pytest.param(
        window(Audience.PARTY_MEMBERS, EVERY_DAY, "07:00", "22:00", max_minutes_per_week=20 * 60),
        "场地",
        "每天 07:00–22:00 向在职党员免费开放，每人每周最多 20 小时",
        "Every day 07:00–22:00: free for registered party members, at most 20 hours a week per person",
        id="every day, with a weekly quota per person",
    ),
    pytest.param(
        window(Audience.REGISTERED_UNITS, WORKDAYS, "08:30", "17:30", max_minutes_per_week=90),
        "车位",
        "工作日 08:30–17:30 向报到单位免费开放，每个单位每周最多 1.5 小时，由本单位员工共用",
        "Working days 08:30–17:30: free for registered units, at most 1.5 hours a week per unit, shared by its staff",
        id="a unit's quota is the unit's, shared by its staff",
    ),
    pytest.param(
        window(Audience.OWNER_MEMBERS, WORKDAYS, "12:00", "13:00", max_minutes_per_week=60),
        "间",
        "工作日 12:00–13:00 向本单位（社区）成员免费开放，每人每周最多 1 小时",
        "Working days 12:00–13:00: free for members of the owner, at most 1 hour a week per person",
        id="one hour is singular in English",
    ),
    pytest.param(
        window(Audience.RESIDENTS, RESTDAYS, "08:00", "12:00", requires_approval=True),
        "场地",
        "休息日 08:00–12:00 向居民免费开放，需管理员审批",
        "Rest days 08:00–12:00: free for residents, needs a manager's approval",
        id="a window that always needs approval says so",
    ),
    pytest.param(
        window(Audience.RESIDENTS, RESTDAYS, "08:00", "12:00", requires_approval=False),
        "场地",
        "休息日 08:00–12:00 向居民免费开放，无需审批",
        "Rest days 08:00–12:00: free for residents, no approval needed",
        id="a window that never needs approval says so",
    ),
    pytest.param(
        window(Audience.PUBLIC, EVERY_DAY, "08:00", "20:00", max_quantity=2),
        "间",
        "每天 08:00–20:00 向所有登录用户免费开放，每次最多 2 间",
        "Every day 08:00–20:00: free for everyone signed in, at most 2 rooms per booking",
        id="间 is a measure word itself: no 个 before it",
    ),
    pytest.param(
        window(Audience.PUBLIC, EVERY_DAY, "08:00", "20:00", max_quantity=1),
        "座位",
        "每天 08:00–20:00 向所有登录用户免费开放，每次最多 1 个座位",
        "Every day 08:00–20:00: free for everyone signed in, at most 1 seat per booking",
        id="one seat is singular in English",
    ),
    pytest.param(
        window(Audience.PUBLIC, EVERY_DAY, "08:00", "20:00", max_quantity=2),
        "球台",
        "每天 08:00–20:00 向所有登录用户免费开放，每次最多 2 个球台",
        "Every day 08:00–20:00: free for everyone signed in, at most 2 球台 per booking",
        id="a label of the manager's own is counted with 个, and kept as written in English",
    ),
]


@pytest.mark.parametrize(("rule", "unit_label", "chinese", "english"), CASES)
def test_windows_read_as_plain_sentences_in_both_languages(app, rule, unit_label, chinese, english):
    with app.test_request_context():
        with force_locale(CHINESE):
            assert describe_window(rule, unit_label) == chinese
        with force_locale(ENGLISH):
            assert describe_window(rule, unit_label) == english


@pytest.mark.parametrize(
    ("start", "end", "chinese", "english"),
    [
        pytest.param(
            datetime(2026, 12, 5, 8, 0, tzinfo=SHANGHAI),
            datetime(2026, 12, 5, 12, 0, tzinfo=SHANGHAI),
            "2026年12月5日周六 08:00–12:00",
            "Sat, Dec 5, 2026 08:00–12:00",
            id="within one day: the day and its hours",
        ),
        pytest.param(
            datetime(2026, 12, 5, 0, 0, tzinfo=SHANGHAI),
            datetime(2026, 12, 6, 0, 0, tzinfo=SHANGHAI),
            "2026年12月5日周六 00:00–24:00",
            "Sat, Dec 5, 2026 00:00–24:00",
            id="a whole day ends at 24:00, not at 00:00 of the next",
        ),
        pytest.param(
            datetime(2026, 12, 5, 18, 0, tzinfo=SHANGHAI),
            datetime(2026, 12, 8, 0, 0, tzinfo=SHANGHAI),
            "2026年12月5日周六 18:00 至 2026年12月7日周一 24:00",
            "Sat, Dec 5, 2026 18:00 to Mon, Dec 7, 2026 24:00",
            id="over several days: from one moment to another",
        ),
        pytest.param(
            datetime(2026, 12, 5, 0, 0, tzinfo=ZoneInfo("UTC")),
            datetime(2026, 12, 5, 4, 0, tzinfo=ZoneInfo("UTC")),
            "2026年12月5日周六 08:00–12:00",
            "Sat, Dec 5, 2026 08:00–12:00",
            id="stored in UTC, shown in the resource's zone",
        ),
    ],
)
def test_closure_spans_read_in_the_resources_zone(app, start, end, chinese, english):
    with app.test_request_context():
        with force_locale(CHINESE):
            assert describe_span(start, end, SHANGHAI) == chinese
        with force_locale(ENGLISH):
            assert describe_span(start, end, "Asia/Shanghai") == english
