"""The iCalendar renderer: stable bytes, the pitfalls real calendar apps trip on, and recurring
windows that independent parsers (ical.js, libical) expand to the instants the engine opens."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain.ical import (
    PRODID,
    BookingEntry,
    CalendarInfo,
    SpanEntry,
    WindowEntry,
    booking_uid,
    bookings_span,
    busy_spans,
    render_booking_calendar,
    render_booking_event,
    render_calendar,
    render_span_event,
    render_window_event,
    shown_in_feed,
    window_recurrence,
)
from app.domain.intervals import Interval
from app.domain.windows import AccessWindow, Audience, DayRule, Days, days_between, expand
from app.domain.workdays import DayEntry, DaySource
from tests.feeds.validators import libical_errors, read_with_ical_js

SHANGHAI = "Asia/Shanghai"
STAMP = datetime(2026, 11, 20, 3, 4, 5, tzinfo=UTC)
INFO = CalendarInfo(name="东坝社区 停车场", zone=SHANGHAI)
# 2027's New Year (Fri 1 Jan, a holiday) and a make-up workday on Saturday 9 Jan, for the test.
CALENDAR = {
    date(2027, 1, 1): DayEntry(date(2027, 1, 1), False, "元旦", DaySource.PACKAGE),
    date(2027, 1, 9): DayEntry(date(2027, 1, 9), True, "元旦调休", DaySource.PACKAGE),
}


def booking(**changes: object) -> BookingEntry:
    fields: dict[str, object] = {
        "uid": booking_uid(7, "linli.example"),
        "start": datetime(2026, 12, 1, 1, 0, tzinfo=UTC),
        "end": datetime(2026, 12, 1, 3, 0, tzinfo=UTC),
        "stamp": STAMP,
        "summary": "东坝社区公共停车场",
        "status": "confirmed",
        "zone": SHANGHAI,
        "sequence": 2,
        "created": STAMP - timedelta(days=1),
        "location": "东坝路 1 号",
        "description": "1 个车位\n已确认",
        "url": "https://linli.example/bookings/7",
    }
    fields.update(changes)
    return BookingEntry(**fields)  # type: ignore[arg-type]


def lines(data: bytes) -> list[str]:
    return data.decode("utf-8").replace("\r\n ", "").split("\r\n")


def test_the_same_booking_gives_the_same_bytes_every_time():
    assert render_booking_calendar(booking(), INFO) == render_booking_calendar(booking(), INFO)


def test_a_calendar_carries_no_uid_an_ascii_prodid_and_the_subscription_hints():
    text = lines(render_booking_calendar(booking(), INFO))
    calendar_part = text[: text.index("BEGIN:VTIMEZONE")]
    assert not any(line.startswith("UID") for line in calendar_part), "a UID on VCALENDAR makes clients see one item"
    assert f"PRODID:{PRODID}" in calendar_part and PRODID.isascii()
    assert "VERSION:2.0" in calendar_part
    assert "REFRESH-INTERVAL;VALUE=DURATION:PT1H" in calendar_part
    assert "X-PUBLISHED-TTL:PT1H" in calendar_part
    assert f"X-WR-TIMEZONE:{SHANGHAI}" in calendar_part
    assert f"X-WR-CALNAME:{INFO.name}" in calendar_part
    assert not any(line.startswith("METHOD") for line in calendar_part), "METHOD:PUBLISH needs an ORGANIZER (iTIP)"


def test_a_booking_event_says_uid_sequence_status_and_its_times_in_the_resources_zone():
    text = lines(render_booking_event(booking()))
    assert "UID:booking-7@linli.example" in text
    assert "SEQUENCE:2" in text
    assert "STATUS:CONFIRMED" in text
    assert "DTSTART;TZID=Asia/Shanghai:20261201T090000" in text
    assert "DTEND;TZID=Asia/Shanghai:20261201T110000" in text
    assert "DTSTAMP:20261120T030405Z" in text and "LAST-MODIFIED:20261120T030405Z" in text
    assert "LOCATION:东坝路 1 号" in text
    assert "URL:https://linli.example/bookings/7" in text


@pytest.mark.parametrize(
    ("status", "ical_status", "reason"),
    [
        ("pending", "TENTATIVE", "waiting for a manager's decision"),
        ("confirmed", "CONFIRMED", "held"),
        ("checked_in", "CONFIRMED", "in use"),
        ("completed", "CONFIRMED", "it took place"),
        ("no_show", "CONFIRMED", "the time was held even if nobody came"),
        ("cancelled", "CANCELLED", "given up by the booker or a manager"),
        ("rejected", "CANCELLED", "refused: it will not take place"),
        ("expired", "CANCELLED", "never approved in time"),
    ],
)
def test_booking_statuses_map_to_ical_statuses(status: str, ical_status: str, reason: str):
    assert f"STATUS:{ical_status}" in lines(render_booking_event(booking(status=status))), reason


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        render_booking_event(booking(start=datetime(2026, 12, 1, 9)))


def test_every_zone_used_gets_one_vtimezone_without_comment():
    events = [render_booking_event(booking()), render_booking_event(booking(uid="b2@x", zone="Europe/Berlin"))]
    text = lines(render_calendar(INFO, [SHANGHAI, "Europe/Berlin", SHANGHAI, "UTC"], events))
    assert text.count("BEGIN:VTIMEZONE") == 2
    assert "TZID:Asia/Shanghai" in text and "TZID:Europe/Berlin" in text
    assert not any(line.startswith("COMMENT") for line in text)


@pytest.mark.parametrize(
    ("status", "changed_days_ago", "shown", "reason"),
    [
        ("confirmed", 400, True, "held bookings stay whatever their age"),
        ("cancelled", 3, True, "a fresh cancellation stays so calendars see it go"),
        ("cancelled", 7, True, "seven days are kept"),
        ("cancelled", 8, False, "older cancellations leave the feed"),
        ("rejected", 8, False, "rejections too"),
        ("completed", 30, True, "finished bookings are history, kept"),
    ],
)
def test_given_up_bookings_stay_in_feeds_for_seven_days(status: str, changed_days_ago: int, shown: bool, reason: str):
    now = datetime(2026, 12, 10, 15, 0, tzinfo=UTC)
    assert shown_in_feed(status, now - timedelta(days=changed_days_ago), now) is shown, reason


def test_bookings_feeds_cover_the_past_30_days_and_the_next_180_from_the_start_of_today():
    span = bookings_span(datetime(2026, 12, 10, 15, 30, tzinfo=UTC))
    assert span == Interval(datetime(2026, 11, 10, tzinfo=UTC), datetime(2027, 6, 8, tzinfo=UTC))


def t(hours: float) -> datetime:
    return datetime(2026, 12, 1, tzinfo=UTC) + timedelta(hours=hours)


@pytest.mark.parametrize(
    ("holdings", "capacity", "busy", "reason"),
    [
        ([(t(1), t(2), 1)], 1, [(t(1), t(2))], "a sole room is busy while booked"),
        ([(t(1), t(2), 1)], 2, [], "one of two places taken is not busy"),
        ([(t(1), t(3), 1), (t(2), t(4), 1)], 2, [(t(2), t(3))], "busy only while both are taken"),
        ([(t(1), t(2), 1), (t(2), t(3), 1)], 1, [(t(1), t(3))], "back-to-back bookings make one span"),
        ([(t(1), t(2), 3)], 3, [(t(1), t(2))], "one booking of the whole capacity"),
        ([], 1, [], "no bookings, never busy"),
    ],
)
def test_busy_spans_are_when_the_whole_capacity_is_held(holdings, capacity, busy, reason):
    assert busy_spans(holdings, capacity) == [Interval(a, b) for a, b in busy], reason


# --- recurring windows ---------------------------------------------------------------

FIRST, LAST = date(2026, 12, 28), date(2027, 1, 17)


@pytest.mark.parametrize(
    ("days", "freq", "byday", "rdates", "exdates", "reason"),
    [
        (Days(DayRule.ALL), "DAILY", (), (), (), "every day is a daily rule"),
        (Days(DayRule.WEEKDAYS, frozenset({0, 2})), "WEEKLY", ("MO", "WE"), (), (), "a weekday list"),
        (Days(DayRule.WORKDAY), "WEEKLY", ("MO", "TU", "WE", "TH", "FR"), (date(2027, 1, 9),), (date(2027, 1, 1),),
         "working days: the holiday taken out, the make-up Saturday put in"),
        (Days(DayRule.RESTDAY), "WEEKLY", ("SA", "SU"), (date(2027, 1, 1),), (date(2027, 1, 9),),
         "rest days: the holiday put in, the make-up Saturday taken out"),
    ],
)  # fmt: skip
def test_window_days_become_a_rule_with_the_official_calendar_as_exceptions(days, freq, byday, rdates, exdates, reason):
    recurrence = window_recurrence(days, FIRST, LAST, CALENDAR)
    assert recurrence is not None
    assert (recurrence.freq, recurrence.byday, recurrence.rdates, recurrence.exdates) == (freq, byday, rdates, exdates)
    assert recurrence.first >= FIRST and recurrence.until_day is not None and recurrence.until_day <= LAST, reason


def test_a_window_open_on_none_of_the_days_writes_no_event():
    days = Days(DayRule.WEEKDAYS, frozenset({5}))  # Saturdays only, over a Monday-to-Friday span
    assert window_recurrence(days, date(2026, 12, 28), date(2027, 1, 1), {}) is None


def window_entry(days: Days, start: int, end: int, zone: str = SHANGHAI) -> WindowEntry:
    return WindowEntry(
        uid="window-1@linli.example",
        days=days,
        start_minute=start,
        end_minute=end,
        first_day=FIRST,
        last_day=LAST,
        zone=zone,
        stamp=STAMP,
        summary="Open to residents",
        description="Working days 08:30–17:30: free for residents",
    )


def test_until_is_written_in_utc():
    text = lines(render_window_event(window_entry(Days(DayRule.WORKDAY), 510, 1050), CALENDAR))
    rule = next(line for line in text if line.startswith("RRULE"))
    assert "UNTIL=20270115T003000Z" in rule


WINDOW_CASES = [
    (Days(DayRule.WORKDAY), 510, 1050, SHANGHAI, "working days 08:30–17:30 with a holiday and a make-up day"),
    (Days(DayRule.RESTDAY), 0, 1440, SHANGHAI, "rest days all day: ends at the next midnight"),
    (Days(DayRule.ALL), 1200, 1440, SHANGHAI, "every evening until midnight"),
    (Days(DayRule.WEEKDAYS, frozenset({1, 3})), 420, 540, SHANGHAI, "Tuesdays and Thursdays"),
    (Days(DayRule.ALL), 480, 600, "Europe/Berlin", "a zone with summer time keeps the wall clock"),
]


@pytest.mark.parametrize(("days", "start", "end", "zone", "reason"), WINDOW_CASES)
def test_ical_js_expands_recurring_windows_to_the_instants_the_engine_opens(days, start, end, zone, reason):
    entry = window_entry(days, start, end, zone)
    data = render_calendar(CalendarInfo("t", zone), [zone], [render_window_event(entry, CALENDAR)])
    read = read_with_ical_js(data, until="2027-02-01T00:00:00Z")
    (event,) = read["events"]
    assert event["recurring"] or days.rule is not DayRule.ALL
    found = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in event["occurrences"]]
    window = AccessWindow(Audience.RESIDENTS, days, start, end)
    expected = [(i.start, i.end) for i in expand(window, days_between(FIRST, LAST), ZoneInfo(zone), CALENDAR)]
    assert found == expected, reason


@pytest.mark.parametrize(("days", "start", "end", "zone", "reason"), WINDOW_CASES)
def test_libical_finds_no_structural_error_in_window_events(days, start, end, zone, reason):
    data = render_calendar(
        CalendarInfo("t", zone), [zone], [render_window_event(window_entry(days, start, end, zone), CALENDAR)]
    )
    assert libical_errors(data) == [], reason


def test_a_calendar_of_every_event_kind_passes_libical_and_ical_js():
    closure = SpanEntry("closure-1@x", t(24), t(48), STAMP, "Closed: 维修", SHANGHAI)
    events = [
        render_booking_event(booking()),
        render_booking_event(booking(uid="booking-8@x", status="pending", sequence=0, created=None)),
        render_span_event(closure),
        render_window_event(window_entry(Days(DayRule.WORKDAY), 510, 1050), CALENDAR),
    ]
    data = render_calendar(INFO, [SHANGHAI], events)
    assert libical_errors(data) == []
    read = read_with_ical_js(data)
    assert read["uid"] is None and read["prodid"] == PRODID
    assert read["refresh"] == "PT1H" and read["ttl"] == "PT1H" and read["timezone"] == SHANGHAI
    assert [e["uid"] for e in read["events"]] == [
        "booking-7@linli.example",
        "booking-8@x",
        "closure-1@x",
        "window-1@linli.example",
    ]
    first = read["events"][0]
    # With the VTIMEZONE, ical.js reads the zoned times right (without it, 8 hours off).
    assert (first["start"], first["end"], first["start_zone"]) == (
        "2026-12-01T01:00:00.000Z",
        "2026-12-01T03:00:00.000Z",
        SHANGHAI,
    )
    assert (first["status"], first["sequence"]) == ("CONFIRMED", 2)
    assert read["events"][1]["status"] == "TENTATIVE"


def test_libical_flags_a_broken_calendar_so_the_check_is_real():
    broken = render_booking_calendar(booking(), INFO).replace(b"VERSION:2.0\r\n", b"")
    assert libical_errors(broken) != []
