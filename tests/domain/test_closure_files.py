"""Reading closures from an uploaded .ics file: the range, repeats, zones, and every problem with its line."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.domain import ics_uploads
from app.domain.closure_files import (
    HORIZON,
    MAX_CLOSURES,
    ClosureFile,
    ClosureFileError,
    ClosureSpan,
    parse_closure_ics,
)
from app.domain.ics_uploads import FileProblem

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2027, 1, 1, 10, 0, tzinfo=SHANGHAI)


def at(day: str, hour: int = 0, minute: int = 0, zone: ZoneInfo = SHANGHAI) -> datetime:
    year, month, dom = (int(part) for part in day.split("-"))
    return datetime(year, month, dom, hour, minute, tzinfo=zone)


def calendar(*events: str, head: str = "") -> bytes:
    """A calendar around the events (each given as its lines between BEGIN:VEVENT and END:VEVENT)."""
    body = "".join(f"BEGIN:VEVENT\n{event.strip()}\nEND:VEVENT\n" for event in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n{head}{body}END:VCALENDAR\n".encode()


def read(data: bytes, *, zone: ZoneInfo = SHANGHAI, now: datetime = NOW) -> ClosureFile:
    return parse_closure_ics(data, zone=zone, now=now)


def spans(data: bytes, **kwargs: object) -> list[tuple[datetime, datetime, str]]:
    return [(s.start, s.end, s.reason) for s in read(data, **kwargs).spans]  # type: ignore[arg-type]


def refusal(data: bytes, **kwargs: object) -> ClosureFileError:
    with pytest.raises(ClosureFileError) as caught:
        read(data, **kwargs)  # type: ignore[arg-type]
    return caught.value


def problems(data: bytes) -> list[tuple[int | None, str]]:
    error = refusal(data)
    assert error.code == "file_has_problems"
    return [(p.line, p.code) for p in error.problems]


# --- what a file closes --------------------------------------------------------

# As Google Calendar exports a calendar: the zone in X-WR-TIMEZONE, one-off times in UTC, a floating
# time too (other tools write those), repeats in TZID times, all-day events as dates, and a VTIMEZONE.
GOOGLE_EXPORT = """BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:东坝社区活动中心
X-WR-TIMEZONE:Asia/Shanghai
BEGIN:VTIMEZONE
TZID:Asia/Shanghai
X-LIC-LOCATION:Asia/Shanghai
BEGIN:STANDARD
TZOFFSETFROM:+0800
TZOFFSETTO:+0800
TZNAME:CST
DTSTART:19700101T000000
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART:20270105T010000Z
DTEND:20270105T030000Z
DTSTAMP:20261220T000000Z
UID:once@google.com
SUMMARY:消防检查
DESCRIPTION:请勿入内
STATUS:CONFIRMED
END:VEVENT
BEGIN:VEVENT
DTSTART:20270106T140000
DTEND:20270106T160000
UID:floating@google.com
SUMMARY:社区活动
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20270210
DTEND;VALUE=DATE:20270213
UID:allday@google.com
SUMMARY:春节闭馆
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Asia/Shanghai:20270108T180000
DTEND;TZID=Asia/Shanghai:20270108T200000
RRULE:FREQ=WEEKLY;UNTIL=20270129T100000Z;BYDAY=FR
UID:weekly@google.com
SUMMARY:场地消毒
END:VEVENT
END:VCALENDAR
"""


def test_a_google_export_gives_each_closure_in_local_time_with_its_title_as_reason():
    found = read(GOOGLE_EXPORT.encode())

    assert [(s.start, s.end, s.reason) for s in found.spans] == [
        (at("2027-01-05", 9), at("2027-01-05", 11), "消防检查"),
        (at("2027-01-06", 14), at("2027-01-06", 16), "社区活动"),
        (at("2027-01-08", 18), at("2027-01-08", 20), "场地消毒"),
        (at("2027-01-15", 18), at("2027-01-15", 20), "场地消毒"),
        (at("2027-01-22", 18), at("2027-01-22", 20), "场地消毒"),
        (at("2027-01-29", 18), at("2027-01-29", 20), "场地消毒"),
        (at("2027-02-10"), at("2027-02-13"), "春节闭馆"),
    ]
    assert all(s.start.tzinfo == SHANGHAI for s in found.spans)
    assert [s.all_day for s in found.spans] == [False] * 6 + [True]
    assert found.spans[0].line == 18 and found.spans[2].line == 39  # each from the BEGIN:VEVENT of its event
    assert (found.start, found.stop, found.left_out) == (NOW, NOW + HORIZON, 0)


def test_x_wr_timezone_puts_floating_times_in_the_calendars_zone_before_the_targets():
    # The resource is in Urumqi (UTC+6); the file was written in Shanghai's zone and says so.
    urumqi = ZoneInfo("Asia/Urumqi")
    [floating] = [s for s in read(GOOGLE_EXPORT.encode(), zone=urumqi).spans if s.reason == "社区活动"]
    assert floating.start == at("2027-01-06", 14) and floating.start.tzinfo == urumqi
    assert floating.start.hour == 12  # 14:00 in Shanghai, shown in the resource's zone


def test_x_wr_timezone_keeps_a_repeat_written_in_utc_at_its_local_hour_across_summer_time():
    # Google writes some repeats in UTC and relies on X-WR-TIMEZONE: the meeting stays at 10:00 in Berlin
    # when the clocks change on 28 March 2027 (09:00 UTC before, 08:00 UTC after).
    berlin = ZoneInfo("Europe/Berlin")
    data = calendar(
        "UID:r@google.com\nSUMMARY:Wartung\nDTSTART:20270322T090000Z\nDTEND:20270322T100000Z\n"
        "RRULE:FREQ=WEEKLY;COUNT=2",
        head="X-WR-TIMEZONE:Europe/Berlin\n",
    )
    assert [s.start for s in read(data, zone=berlin).spans] == [
        at("2027-03-22", 10, zone=berlin),
        at("2027-03-29", 10, zone=berlin),
    ]


def test_floating_times_are_wall_clock_times_in_the_targets_zone():
    data = calendar("SUMMARY:维修\nDTSTART:20270301T083000\nDTEND:20270301T120000")
    assert spans(data) == [(at("2027-03-01", 8, 30), at("2027-03-01", 12), "维修")]
    urumqi = ZoneInfo("Asia/Urumqi")
    assert spans(data, zone=urumqi) == [(at("2027-03-01", 8, 30, urumqi), at("2027-03-01", 12, zone=urumqi), "维修")]


@pytest.mark.parametrize(
    ("event", "start", "end", "reason"),
    [
        ("DTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270303", "2027-03-01", "2027-03-03", "DTEND is excluded"),
        ("DTSTART;VALUE=DATE:20270301", "2027-03-01", "2027-03-02", "no DTEND: the one day"),
        ("DTSTART;VALUE=DATE:20270301\nDURATION:P3D", "2027-03-01", "2027-03-04", "a duration in days"),
    ],
)
def test_all_day_events_close_whole_local_days(event, start, end, reason):
    [span] = read(calendar(f"SUMMARY:停电检修\n{event}")).spans
    assert (span.start, span.end, span.all_day) == (at(start), at(end), True), reason


def test_an_all_day_start_with_a_duration_in_hours_starts_at_local_midnight():
    [span] = read(calendar("SUMMARY:停电\nDTSTART;VALUE=DATE:20270301\nDURATION:PT6H")).spans
    assert (span.start, span.end, span.all_day) == (at("2027-03-01"), at("2027-03-01", 6), False)


def test_the_reason_is_the_summary_else_the_descriptions_first_line_cut_to_what_a_closure_holds():
    data = calendar(
        "DTSTART;VALUE=DATE:20270301\nDESCRIPTION:\\n管道维修\\n第二行",
        f"SUMMARY:{'长' * 250}\nDTSTART;VALUE=DATE:20270302",
        "SUMMARY:  场地   维修 \nDTSTART;VALUE=DATE:20270303",
    )
    assert [reason for _start, _end, reason in spans(data)] == ["管道维修", "长" * 200, "场地 维修"]


def test_events_outside_the_range_are_left_out_and_counted():
    data = calendar(
        "SUMMARY:去年的维修\nDTSTART;VALUE=DATE:20260301",
        "SUMMARY:正在维修\nDTSTART;VALUE=DATE:20261230\nDTEND;VALUE=DATE:20270105",  # under way: kept whole
        "SUMMARY:太远\nDTSTART;VALUE=DATE:20300301",
        "SUMMARY:上午结束\nDTSTART;TZID=Asia/Shanghai:20270101T080000\nDTEND;TZID=Asia/Shanghai:20270101T100000",
    )
    found = read(data)
    assert [(s.start, s.end) for s in found.spans] == [(at("2026-12-30"), at("2027-01-05"))]
    assert found.left_out == 3


def test_the_same_closure_twice_in_the_file_is_one_closure():
    event = "SUMMARY:维修\nDTSTART;VALUE=DATE:20270301"
    assert len(read(calendar(event, event)).spans) == 1


def test_cancelled_events_close_nothing():
    data = calendar(
        "UID:a\nSUMMARY:取消的维修\nSTATUS:CANCELLED\nDTSTART;VALUE=DATE:20270301",
        "UID:b\nSUMMARY:取消的系列\nSTATUS:CANCELLED\nDTSTART;VALUE=DATE:20270302\nRRULE:FREQ=WEEKLY;COUNT=3",
        "UID:b\nRECURRENCE-ID;VALUE=DATE:20270309\nSUMMARY:改期\nDTSTART;VALUE=DATE:20270310",
        "UID:c\nSUMMARY:维修\nDTSTART;VALUE=DATE:20270401",
    )
    assert [reason for _start, _end, reason in spans(data)] == ["维修"]


# --- repeating events ----------------------------------------------------------

WEEKLY_WITH_EXCEPTIONS = calendar(
    # Every Monday 14:00–16:00 from 4 January, eight times: 11 January removed by EXDATE,
    # 18 January cancelled (a Google-style override without times), 25 January moved to the Tuesday.
    "UID:clean@linli\nSUMMARY:泳池换水\nDTSTART;TZID=Asia/Shanghai:20270104T140000\n"
    "DTEND;TZID=Asia/Shanghai:20270104T160000\nRRULE:FREQ=WEEKLY;COUNT=8\n"
    "EXDATE;TZID=Asia/Shanghai:20270111T140000",
    "UID:clean@linli\nRECURRENCE-ID;TZID=Asia/Shanghai:20270118T140000\nSTATUS:CANCELLED",
    "UID:clean@linli\nRECURRENCE-ID;TZID=Asia/Shanghai:20270125T140000\nSUMMARY:泳池换水（改期）\n"
    "DTSTART;TZID=Asia/Shanghai:20270126T090000\nDTEND;TZID=Asia/Shanghai:20270126T110000",
)


def test_a_weekly_repeat_drops_its_exdate_and_cancelled_occurrence_and_keeps_the_moved_one():
    found = read(WEEKLY_WITH_EXCEPTIONS)
    assert [(s.start, s.end, s.reason) for s in found.spans] == [
        (at("2027-01-04", 14), at("2027-01-04", 16), "泳池换水"),
        (at("2027-01-26", 9), at("2027-01-26", 11), "泳池换水（改期）"),
        (at("2027-02-01", 14), at("2027-02-01", 16), "泳池换水"),
        (at("2027-02-08", 14), at("2027-02-08", 16), "泳池换水"),
        (at("2027-02-15", 14), at("2027-02-15", 16), "泳池换水"),
        (at("2027-02-22", 14), at("2027-02-22", 16), "泳池换水"),
    ]
    assert [s.line for s in found.spans] == [4, 17, 4, 4, 4, 4]  # the moved one comes from its own VEVENT


def test_a_repeat_that_never_ends_is_expanded_from_now_to_the_end_of_the_range():
    # Every first day of the month since 2020, all day.
    data = calendar("UID:m\nSUMMARY:月度检修\nDTSTART;VALUE=DATE:20200101\nRRULE:FREQ=MONTHLY")
    found = read(data)
    assert found.spans[0].start == at("2027-01-01")  # under way at 10:00 on 1 January: kept
    assert found.spans[-1].start == at("2028-12-01")
    assert len(found.spans) == 24 and found.left_out == 0


def test_a_repeat_with_no_occurrence_in_the_range_is_counted_as_left_out():
    data = calendar(
        "UID:old\nSUMMARY:旧规则\nDTSTART;VALUE=DATE:20250101\nRRULE:FREQ=WEEKLY;COUNT=3",
        "UID:new\nSUMMARY:维修\nDTSTART;VALUE=DATE:20270301",
    )
    assert read(data).left_out == 1


def test_rdates_add_occurrences():
    data = calendar(
        "UID:r\nSUMMARY:演出\nDTSTART;TZID=Asia/Shanghai:20270301T190000\nDURATION:PT2H\n"
        "RDATE;TZID=Asia/Shanghai:20270308T190000,20270315T190000"
    )
    assert [s.start for s in read(data).spans] == [at("2027-03-01", 19), at("2027-03-08", 19), at("2027-03-15", 19)]


def test_a_rule_with_more_closures_in_the_range_than_one_file_may_hold_is_refused_at_its_line():
    # Twice a day for two years: 1460 closures.
    data = calendar(
        "UID:d\nSUMMARY:巡查\nDTSTART;TZID=Asia/Shanghai:20270101T080000\nDURATION:PT10M\nRRULE:FREQ=DAILY;BYHOUR=8,20"
    )
    assert problems(data) == [(9, "too_many_occurrences")]


def test_a_dense_rule_begun_long_ago_is_refused_without_working_it_out():
    data = calendar("UID:h\nSUMMARY:每小时\nDTSTART:19900101T000000Z\nDURATION:PT1M\nRRULE:FREQ=HOURLY")
    assert problems(data) == [(9, "too_many_occurrences")]


def test_more_closures_than_one_file_may_hold_are_refused():
    daily = "UID:{n}\nSUMMARY:闭馆{n}\nDTSTART;VALUE=DATE:20270102\nRRULE:FREQ=DAILY;COUNT={count}"
    count = MAX_CLOSURES // 2 + 1
    error = refusal(calendar(daily.format(n=1, count=count), daily.format(n=2, count=count)))
    assert error.code == "too_many_closures" and error.problems == ()


def test_repeats_that_take_too_long_to_work_out_are_refused(monkeypatch):
    # A rule that can never match (30 February) makes the engine search for seconds: a time limit stops that.
    monkeypatch.setattr(ics_uploads, "MAX_EXPANSION_SECONDS", -1.0)
    assert problems(WEEKLY_WITH_EXCEPTIONS) == [(9, "too_complex")]


# --- broken files ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("event", "problem", "reason"),
    [
        ("SUMMARY:维修\nDTEND;VALUE=DATE:20270302", (4, "missing_start"), "no DTSTART: the event's line"),
        ("SUMMARY:维修\nDTSTART;VALUE=DATE:20270231", (6, "invalid_date"), "no 31 February: DTSTART's line"),
        (
            "SUMMARY:维修\nDTSTART;TZID=Asia/Shanghai:20270301T120000\nDTEND;TZID=Asia/Shanghai:20270301T080000",
            (7, "end_before_start"),
            "DTEND's line",
        ),
        ("SUMMARY:维修\nDTSTART;VALUE=DATE:20270301\nDTEND;VALUE=DATE:20270301", (7, "end_before_start"), "empty"),
        ("SUMMARY:全年\nDTSTART;VALUE=DATE:20270101\nDTEND;VALUE=DATE:20280201", (7, "event_too_long"), "a year+"),
        ("SUMMARY:维修\nDTSTART:20270301T080000", (6, "missing_end"), "a moment, not a span"),
        ("SUMMARY:维修\nDTSTART;VALUE=DATE:20270301\nDURATION:soon", (7, "invalid_duration"), "DURATION's line"),
        ("SUMMARY:维修\nDTSTART;VALUE=DATE:20270301\nRRULE:FREQ=SOMETIMES", (7, "invalid_rule"), "RRULE's line"),
        (
            "UID:x\nSUMMARY:维修\nDTSTART;VALUE=DATE:20270301\nRRULE:FREQ=WEEKLY\nEXDATE;VALUE=DATE:2027",
            (9, "invalid_date"),
            "EXDATE's line",
        ),
        ("DTSTART;VALUE=DATE:20270301", (4, "missing_summary"), "nothing to show as the reason"),
        (
            "SUMMARY:维修\nDTSTART;TZID=Mars/Olympus:20270301T080000\nDURATION:PT1H",
            (6, "unknown_timezone"),
            "a TZID neither the file nor the tz database defines",
        ),
    ],
)
def test_a_broken_event_is_refused_with_the_line_of_its_fault(event, problem, reason):
    assert problems(calendar(event)) == [problem], reason


def test_every_broken_event_is_reported_and_none_is_read():
    data = calendar(
        "SUMMARY:好的\nDTSTART;VALUE=DATE:20270301",
        "SUMMARY:坏的\nDTSTART;VALUE=DATE:20270302\nDTEND;VALUE=DATE:20270301",
        "SUMMARY:也坏\nDTSTART;VALUE=DATE:2027",
    )
    error = refusal(data)
    assert error.problems == (
        FileProblem(11, "end_before_start", "坏的"),
        FileProblem(15, "invalid_date", "2027"),
    )
    assert error.field == "file"


def test_an_unknown_tzid_is_refused_even_where_x_wr_timezone_would_give_floating_times_a_zone():
    data = calendar(
        "SUMMARY:维修\nDTSTART;TZID=Mars/Olympus:20270301T080000\nDURATION:PT1H", head="X-WR-TIMEZONE:Asia/Shanghai\n"
    )
    assert refusal(data).problems == (FileProblem(7, "unknown_timezone", "Mars/Olympus"),)


def test_an_unknown_x_wr_timezone_is_refused_at_its_line():
    data = calendar("SUMMARY:维修\nDTSTART:20270301T080000\nDURATION:PT1H", head="X-WR-TIMEZONE:China/Beijing\n")
    assert refusal(data).problems == (FileProblem(4, "unknown_timezone", "China/Beijing"),)


@pytest.mark.parametrize(
    ("data", "code", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_calendar", "a picture"),
        ("date,reason\n2027-03-01,维修\n".encode(), "not_a_calendar", "a CSV file"),
        ("BEGIN:VCARD\nFN:张三\nEND:VCARD\n".encode(), "not_a_calendar", "a contact card"),
        (b"", "not_a_calendar", "an empty file"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\n", "incomplete_calendar", "cut short"),
        (b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", "empty_file", "no events"),
        (calendar("SUMMARY:维修\nDTSTART;VALUE=DATE:20200301"), "nothing_in_range", "only past events"),
        (calendar("SUMMARY:x\nDTSTART;VALUE=DATE:20270301\nDESCRIPTION:" + "x" * 1024 * 1024), "file_too_big", "1 MB"),
    ],
)
def test_what_cannot_be_imported_as_a_whole_is_refused(data, code, reason):
    error = refusal(data)
    assert (error.code, error.problems) == (code, ()), reason


def test_now_must_say_its_zone():
    with pytest.raises(ValueError):
        read(calendar("SUMMARY:x\nDTSTART;VALUE=DATE:20270301"), now=datetime(2027, 1, 1))


def test_spans_are_values():
    span = ClosureSpan(at("2027-03-01"), at("2027-03-02"), "维修", 4, True)
    assert span == ClosureSpan(at("2027-03-01"), at("2027-03-02"), "维修", 4, True)
    assert span.start.astimezone(UTC) == datetime(2027, 2, 28, 16, tzinfo=UTC)
    assert span.end - span.start == timedelta(days=1)
