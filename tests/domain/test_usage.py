"""Usage figures of one local day, from plain values: offered minutes per audience, booked unit-minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.domain.intervals import Interval
from app.domain.resources import Policy
from app.domain.rules import ResourceRules
from app.domain.usage import Used, day_usage, subtract
from app.domain.windows import AccessWindow, Audience, parse_days

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = date(2026, 12, 1)


def t(hour: int, minute: int = 0, day: int = 1) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=SHANGHAI)


def window(audience: str, start: int, end: int) -> AccessWindow:
    return AccessWindow(Audience(audience), parse_days("all"), start * 60, end * 60)


def rules(*windows: AccessWindow, closures: tuple[Interval, ...] = (), capacity: int = 4) -> ResourceRules:
    return ResourceRules(capacity, Policy(), SHANGHAI, windows, closures)


@pytest.mark.parametrize(
    ("parts", "holes", "left", "reason"),
    [
        ([(8, 12)], [(9, 10)], [(8, 9), (10, 12)], "a hole in the middle splits it"),
        ([(8, 12)], [(7, 9), (11, 13)], [(9, 11)], "holes over both ends trim them"),
        ([(8, 12)], [(8, 12)], [], "a hole as large leaves nothing"),
        ([(8, 10), (9, 12)], [], [(8, 12)], "overlapping parts are merged first"),
    ],
)
def test_subtract(parts, holes, left, reason):
    span = lambda pairs: [Interval(t(a), t(b)) for a, b in pairs]  # noqa: E731
    assert subtract(span(parts), span(holes)) == span(left), reason


def test_a_window_running_past_midnight_counts_on_each_day_it_touches():
    late = window("public", 22, 24)
    figures = day_usage(rules(late), DAY, [])
    assert figures.offered_by_audience == {"public": 120}


def test_bookings_count_only_their_part_inside_the_day():
    used = [Used(t(23, day=1), t(1, day=2), 2), Used(t(9), t(10), 1, no_show=True)]
    figures = day_usage(rules(window("public", 0, 24)), DAY, used)
    assert (figures.booked_unit_minutes, figures.no_show_unit_minutes, figures.bookings) == (180, 60, 2)
    assert figures.utilisation == pytest.approx(180 / (4 * 1440))


def test_figures_are_in_the_resources_zone():
    figures = day_usage(rules(window("public", 8, 9)), DAY, [Used(datetime(2026, 12, 1, 0, 0, tzinfo=UTC), t(9), 1)])
    assert figures.offered == 60 and figures.booked_unit_minutes == 60  # 08:00–09:00 Shanghai is 00:00–01:00 UTC
