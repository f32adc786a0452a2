"""Reading an official holiday arrangement from a holiday-cn style .ics or a CSV file."""

from __future__ import annotations

from datetime import date

import pytest

from app.domain.holiday_files import (
    FileProblem,
    HolidayFileError,
    ParsedDay,
    decode_text,
    parse_holiday_csv,
    parse_holiday_ics,
    tidy_name,
)

# As holiday-cn publishes it (its 2026 arrangement), with a folded line, a VTIMEZONE,
# a VALARM, and the other titles people write ("国庆节 补班", "元旦（休）").
HOLIDAY_CN_2026 = (
    "BEGIN:VCALENDAR\r\n"
    "VERSION:2.0\r\n"
    "PRODID:-//NateScarlet//holiday-cn//CN\r\n"
    "X-WR-CALNAME:中国法定节假日\r\n"
    "X-WR-CALDESC:中国法定节假日数据，自动每日抓取国务院公告。\r\n"
    "METHOD:PUBLISH\r\n"
    "BEGIN:VTIMEZONE\r\n"
    "TZID:Asia/Shanghai\r\n"
    "BEGIN:STANDARD\r\n"
    "DTSTART:19700101T000000\r\n"
    "TZOFFSETFROM:+0800\r\n"
    "TZOFFSETTO:+0800\r\n"
    "END:STANDARD\r\n"
    "END:VTIMEZONE\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:元旦（休）\r\n"
    "DTSTART;VALUE=DATE:20260101\r\n"
    "DTEND;VALUE=DATE:20260104\r\n"
    "DTSTAMP:20251104T000000Z\r\n"
    "UID:2026-01-01/2026-01-04/NateScarlet/holiday-cn\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:上班(补元旦假期)\r\n"
    "DTSTART;VALUE=DATE:20260104\r\n"
    "UID:2026-01-04/2026-01-05/NateScarlet/holiday-cn\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:春节假期\r\n"
    "DTSTART;VALUE=DATE:20260215\r\n"
    "DTEND;VALUE=DATE:20260224\r\n"
    "UID:2026-02-15/2026-02-24/NateScarlet/holiday-cn\r\n"
    "BEGIN:VALARM\r\n"
    "ACTION:DISPLAY\r\n"
    "DESCRIPTION:明天放假\r\n"
    "TRIGGER:-PT12H\r\n"
    "END:VALARM\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:上班(补春节\r\n"
    " 假期)\r\n"
    "DTSTART;VALUE=DATE:20260214\r\n"
    "DTEND;VALUE=DATE:20260215\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:春节 补班\r\n"
    "DTSTART;VALUE=DATE:20260228\r\n"
    "DTEND;VALUE=DATE:20260301\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:国庆节假期\r\n"
    "DTSTART;VALUE=DATE:20261001\r\n"
    "DTEND;VALUE=DATE:20261008\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:国庆节（上班）\r\n"
    "DTSTART;VALUE=DATE:20260920\r\n"
    "DTEND;VALUE=DATE:20260921\r\n"
    "END:VEVENT\r\n"
    "BEGIN:VEVENT\r\n"
    "SUMMARY:上班(补国庆节假期)\r\n"
    "DTSTART;VALUE=DATE:20261010\r\n"
    "DTEND;VALUE=DATE:20261011\r\n"
    "END:VEVENT\r\n"
    "END:VCALENDAR\r\n"
)


def days_by_date(days: list[ParsedDay]) -> dict[date, tuple[bool, str]]:
    return {d.day: (d.workday, d.name) for d in days}


def codes(error: HolidayFileError) -> list[tuple[int | None, str]]:
    return [(problem.line, problem.code) for problem in error.problems]


# --- .ics ---------------------------------------------------------------------


def test_holiday_cn_calendar_gives_each_day_of_each_holiday_with_the_end_date_excluded():
    days = days_by_date(parse_holiday_ics(HOLIDAY_CN_2026.encode()))

    assert [d for d in days if d.month == 1] == [date(2026, 1, 1), date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 4)]
    assert days[date(2026, 1, 3)] == (False, "元旦")
    assert [d for d in days if not days[d][0] and d.month == 2] == [date(2026, 2, n) for n in range(15, 24)]
    assert date(2026, 2, 24) not in days  # DTEND is exclusive
    assert [d for d in days if not days[d][0] and d.month == 10] == [date(2026, 10, n) for n in range(1, 8)]
    assert days[date(2026, 10, 1)] == (False, "国庆节")


def test_summaries_with_work_markers_are_make_up_workdays_named_like_the_package():
    days = days_by_date(parse_holiday_ics(HOLIDAY_CN_2026.encode()))

    assert days[date(2026, 1, 4)] == (True, "元旦调休")  # no DTEND: one day
    assert days[date(2026, 2, 14)] == (True, "春节调休")  # a folded SUMMARY
    assert days[date(2026, 2, 28)] == (True, "春节调休")  # "春节 补班"
    assert days[date(2026, 9, 20)] == (True, "国庆节调休")  # "国庆节（上班）"
    assert days[date(2026, 10, 10)] == (True, "国庆节调休")
    workdays = sorted(d for d, (workday, _name) in days.items() if workday)
    # The make-up workdays FACTS.md lists for 2026.
    assert workdays == [date(2026, 1, 4), date(2026, 2, 14), date(2026, 2, 28), date(2026, 9, 20), date(2026, 10, 10)]


def test_days_come_back_in_date_order():
    days = parse_holiday_ics(HOLIDAY_CN_2026.encode())
    assert [d.day for d in days] == sorted(d.day for d in days)


@pytest.mark.parametrize(
    ("summary", "workday", "name", "reason"),
    [
        ("国庆节假期", False, "国庆节", "holiday-cn appends 假期 to holidays"),
        ("上班(补国庆节假期)", True, "国庆节调休", "holiday-cn's make-up workday"),
        ("国庆节 补班", True, "国庆节调休", "补班 after the name"),
        ("春节（上班）", True, "春节调休", "full-width brackets"),
        ("元旦（休）", False, "元旦", "a rest marker in brackets"),
        ("劳动节 假期 休", False, "劳动节", "several trailing markers"),
        ("春节调休 上班", True, "春节调休", "调休 is not doubled"),
        ("补班", True, "调休", "a make-up workday without a holiday's name"),
        ("中秋节、国庆节假期", False, "中秋节、国庆节", "two festivals in one holiday"),
    ],
)
def test_names_are_tidied(summary, workday, name, reason):
    assert tidy_name(summary, workday=workday) == name, reason


def test_a_timed_event_is_refused_with_its_line():
    ics = (
        "BEGIN:VCALENDAR\nVERSION:2.0\n"
        "BEGIN:VEVENT\nSUMMARY:国庆节假期\nDTSTART;VALUE=DATE:20271001\nDTEND;VALUE=DATE:20271008\nEND:VEVENT\n"
        "BEGIN:VEVENT\nSUMMARY:团拜会\nDTSTART;TZID=Asia/Shanghai:20270205T090000\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_ics(ics.encode())
    assert caught.value.code == "file_has_problems"
    assert caught.value.problems == (FileProblem(8, "timed_event", "团拜会"),)


@pytest.mark.parametrize(
    ("event", "code", "reason"),
    [
        ("SUMMARY:春节\nDTSTART;VALUE=DATE:20270231", "invalid_date", "no 31 February"),
        ("SUMMARY:春节\nDTSTART;VALUE=DATE:20270210\nDTEND;VALUE=DATE:20270210", "end_before_start", "empty span"),
        ("SUMMARY:全年\nDTSTART;VALUE=DATE:20270101\nDTEND;VALUE=DATE:20280101", "event_too_long", "a whole year"),
        ("SUMMARY:春节", "missing_start", "no DTSTART"),
    ],
)
def test_events_that_are_no_whole_days_are_refused(event, code, reason):
    ics = f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{event}\nEND:VEVENT\nEND:VCALENDAR\n"
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_ics(ics.encode())
    assert codes(caught.value) == [(2, code)], reason


def test_a_duration_in_days_stands_for_dtend():
    ics = (
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:端午节\nDTSTART;VALUE=DATE:20270609\nDURATION:P3D\n"
        "END:VEVENT\nEND:VCALENDAR"
    )
    assert [d.day for d in parse_holiday_ics(ics.encode())] == [date(2027, 6, 9), date(2027, 6, 10), date(2027, 6, 11)]


@pytest.mark.parametrize(
    ("data", "code", "reason"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not_a_calendar", "a picture"),
        (b"date,workday,name\n2027-01-01,0,\xe5\x85\x83\xe6\x97\xa6\n", "not_a_calendar", "a CSV file"),
        ("BEGIN:VCARD\nFN:张三\nEND:VCARD\n".encode(), "not_a_calendar", "a contact card"),
        (b"", "not_a_calendar", "an empty file"),
        (b"BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:x\n", "incomplete_calendar", "cut short"),
        (b"BEGIN:VCALENDAR\nVERSION:2.0\nEND:VCALENDAR\n", "empty_file", "no events"),
    ],
)
def test_what_is_not_a_holiday_calendar_is_refused(data, code, reason):
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_ics(data)
    assert caught.value.code == code, reason


def test_the_same_day_as_holiday_and_workday_is_a_conflict():
    ics = (
        "BEGIN:VCALENDAR\n"
        "BEGIN:VEVENT\nSUMMARY:国庆节假期\nDTSTART;VALUE=DATE:20271001\nDTEND;VALUE=DATE:20271008\nEND:VEVENT\n"
        "BEGIN:VEVENT\nSUMMARY:上班(补国庆节假期)\nDTSTART;VALUE=DATE:20271007\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_ics(ics.encode())
    assert caught.value.problems == (FileProblem(7, "conflicting_day", "2027-10-07"),)


def test_overlapping_events_that_agree_are_merged():
    ics = (
        "BEGIN:VCALENDAR\n"
        "BEGIN:VEVENT\nSUMMARY:中秋节假期\nDTSTART;VALUE=DATE:20270915\nDTEND;VALUE=DATE:20270918\nEND:VEVENT\n"
        "BEGIN:VEVENT\nSUMMARY:中秋节\nDTSTART;VALUE=DATE:20270917\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    assert len(parse_holiday_ics(ics.encode())) == 3


def test_cancelled_events_are_passed_over():
    ics = (
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nSUMMARY:春节\nDTSTART;VALUE=DATE:20270206\nEND:VEVENT\n"
        "BEGIN:VEVENT\nSUMMARY:春节\nSTATUS:CANCELLED\nDTSTART;VALUE=DATE:20270205\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    assert [d.day for d in parse_holiday_ics(ics.encode())] == [date(2027, 2, 6)]


# --- repeating events and other calendars' habits --------------------------------


def test_a_repeating_holiday_with_an_end_is_expanded_without_its_cancelled_days():
    # 春节 written as a daily repeat of nine days; 16 February is taken out by EXDATE, 17 February by a
    # cancelled occurrence, and the 23rd changed into a make-up workday (a RECURRENCE-ID override).
    ics = (
        "BEGIN:VCALENDAR\n"
        "BEGIN:VEVENT\nUID:spring@example\nSUMMARY:春节假期\nDTSTART;VALUE=DATE:20270215\n"
        "RRULE:FREQ=DAILY;COUNT=9\nEXDATE;VALUE=DATE:20270216\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:spring@example\nRECURRENCE-ID;VALUE=DATE:20270217\nSTATUS:CANCELLED\n"
        "DTSTART;VALUE=DATE:20270217\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:spring@example\nRECURRENCE-ID;VALUE=DATE:20270223\nSUMMARY:上班(补春节假期)\n"
        "DTSTART;VALUE=DATE:20270223\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    days = days_by_date(parse_holiday_ics(ics.encode()))
    assert sorted(days) == [date(2027, 2, 15)] + [date(2027, 2, n) for n in range(18, 24)]
    assert days[date(2027, 2, 18)] == (False, "春节")
    assert days[date(2027, 2, 23)] == (True, "春节调休")


def test_an_endless_repeat_is_expanded_over_the_years_the_rest_of_the_file_covers():
    # Apple and Google write fixed-date holidays as yearly repeats from long ago; the file's 2027
    # arrangement says which year is imported (an import replaces the years it covers).
    ics = (
        "BEGIN:VCALENDAR\n"
        "BEGIN:VEVENT\nUID:ny\nSUMMARY:元旦\nDTSTART;VALUE=DATE:20000101\nRRULE:FREQ=YEARLY\nEND:VEVENT\n"
        "BEGIN:VEVENT\nSUMMARY:国庆节假期\nDTSTART;VALUE=DATE:20271001\nDTEND;VALUE=DATE:20271008\nEND:VEVENT\n"
        "END:VCALENDAR\n"
    )
    days = parse_holiday_ics(ics.encode(), today=date(2026, 11, 20))
    assert [d.day for d in days if d.name == "元旦"] == [date(2027, 1, 1)]


def test_a_file_of_endless_repeats_alone_is_expanded_over_this_year_and_the_next():
    ics = (
        "BEGIN:VCALENDAR\n"
        "BEGIN:VEVENT\nUID:ny\nSUMMARY:元旦\nDTSTART;VALUE=DATE:20000101\nRRULE:FREQ=YEARLY\nEND:VEVENT\n"
        "BEGIN:VEVENT\nUID:may\nSUMMARY:劳动节\nDTSTART;VALUE=DATE:20000501\nDURATION:P2D\nRRULE:FREQ=YEARLY\n"
        "END:VEVENT\n"
        "END:VCALENDAR\n"
    )
    days = parse_holiday_ics(ics.encode(), today=date(2026, 11, 20))
    assert [d.day for d in days] == [
        date(2026, 1, 1),
        date(2026, 5, 1),
        date(2026, 5, 2),
        date(2027, 1, 1),
        date(2027, 5, 1),
        date(2027, 5, 2),
    ]
    # Without a today, from the year the repeat starts.
    assert parse_holiday_ics(ics.encode())[0].day == date(2000, 1, 1)


@pytest.mark.parametrize(
    ("event", "problem", "reason"),
    [
        (
            "UID:a\nSUMMARY:团拜会\nDTSTART;TZID=Asia/Shanghai:20270205T090000\nRRULE:FREQ=YEARLY",
            (2, "timed_event"),
            "a repeating event must be whole days too",
        ),
        ("UID:a\nSUMMARY:春节\nDTSTART;VALUE=DATE:20270210\nRRULE:FREQ=SOMETIMES", (6, "invalid_rule"), "RRULE"),
        (
            "UID:a\nSUMMARY:春节\nDTSTART;VALUE=DATE:20270210\nRRULE:FREQ=DAILY;COUNT=100000",
            (6, "too_many_occurrences"),
            "a rule that would list centuries of days",
        ),
    ],
)
def test_a_repeating_event_that_cannot_be_expanded_is_refused_with_its_line(event, problem, reason):
    ics = f"BEGIN:VCALENDAR\nBEGIN:VEVENT\n{event}\nEND:VEVENT\nEND:VCALENDAR\n"
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_ics(ics.encode(), today=date(2026, 11, 20))
    assert codes(caught.value) == [problem], reason


def test_a_google_calendar_with_x_wr_timezone_is_read():
    ics = (
        "BEGIN:VCALENDAR\nPRODID:-//Google Inc//Google Calendar 70.9054//EN\nVERSION:2.0\n"
        "X-WR-CALNAME:中国的节假日\nX-WR-TIMEZONE:Asia/Shanghai\n"
        "BEGIN:VEVENT\nDTSTART;VALUE=DATE:20271001\nDTEND;VALUE=DATE:20271002\nUID:a@google.com\n"
        "SUMMARY:国庆节\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    assert parse_holiday_ics(ics.encode()) == [ParsedDay(date(2027, 10, 1), False, "国庆节")]


def test_an_unknown_x_wr_timezone_is_refused_with_its_line():
    ics = (
        "BEGIN:VCALENDAR\nX-WR-TIMEZONE:Beijing\n"
        "BEGIN:VEVENT\nSUMMARY:国庆节\nDTSTART;VALUE=DATE:20271001\nEND:VEVENT\nEND:VCALENDAR\n"
    )
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_ics(ics.encode())
    assert caught.value.problems == (FileProblem(2, "unknown_timezone", "Beijing"),)


# --- CSV ----------------------------------------------------------------------


def test_a_csv_arrangement_is_read_with_every_spelling_of_workday():
    text = (
        "date,workday,name\n"
        "2027-01-01,休息,元旦\n"
        "2027/2/6,false,春节\n"
        "20270207,0,春节\n"
        "2027-02-08,否,\n"
        "\n"
        "2027-02-20,上班,春节调休\n"
        "2027-02-21,TRUE,春节调休\n"
        "2027-02-27,1,\n"
        "2027-02-28,是,春节调休\n"
        "2027-04-10,yes,清明节调休\n"
        "2027-04-11,no,清明节\n"
    )
    days = days_by_date(parse_holiday_csv(text))
    assert days[date(2027, 1, 1)] == (False, "元旦")
    assert days[date(2027, 2, 6)] == days[date(2027, 2, 7)] == (False, "春节")
    assert days[date(2027, 2, 8)] == (False, "")
    assert [days[date(2027, 2, d)][0] for d in (20, 21, 27, 28)] == [True, True, True, True]
    assert days[date(2027, 4, 10)] == (True, "清明节调休") and days[date(2027, 4, 11)] == (False, "清明节")
    assert len(days) == 10


def test_chinese_headers_in_any_order_and_a_byte_order_mark_are_understood():
    text = "\ufeff名称,日期,上班,备注\n国庆节,2027-10-01,休息,国务院通知\n国庆节调休,2027-10-09,上班,\n"
    assert parse_holiday_csv(text) == [
        ParsedDay(date(2027, 10, 1), False, "国庆节"),
        ParsedDay(date(2027, 10, 9), True, "国庆节调休"),
    ]


def test_every_bad_row_is_reported_with_its_line_number():
    text = (
        "date,workday,name\n"
        "2027-10-01,休息,国庆节\n"
        "2027-10-32,休息,国庆节\n"
        "2027-10-03,maybe,国庆节\n"
        '"2027-10-04",休息,"国庆节\n（跨行的名称）"\n'
        "tomorrow,,国庆节\n"
        f"2027-10-06,休息,{'长' * 101}\n"
        "2027-10-01,上班,国庆节调休\n"
    )
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_csv(text)
    error = caught.value
    assert error.code == "file_has_problems" and error.field == "file"
    assert codes(error) == [
        (3, "invalid_date"),
        (4, "invalid_workday"),
        (7, "invalid_date"),  # the quoted name over two lines counts as lines 5 and 6
        (7, "invalid_workday"),
        (8, "name_too_long"),
        (9, "conflicting_day"),
    ]
    assert error.problems[0].value == "2027-10-32" and error.problems[1].value == "maybe"


def test_a_csv_without_the_date_and_workday_columns_is_refused():
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_csv("日期,名称\n2027-10-01,国庆节\n")
    assert caught.value.code == "missing_columns"
    assert codes(caught.value) == [(1, "missing_column")]


def test_a_csv_with_only_its_header_lists_no_days():
    with pytest.raises(HolidayFileError) as caught:
        parse_holiday_csv("date,workday,name\n")
    assert caught.value.code == "empty_file"


@pytest.mark.parametrize(
    ("data", "text", "reason"),
    [
        ("日期,上班\n".encode(), "日期,上班\n", "UTF-8"),
        (b"\xef\xbb\xbfdate,workday\n", "date,workday\n", "UTF-8 with a byte order mark"),
        ("日期,上班\n".encode("gbk"), "日期,上班\n", "GBK, as Excel saves it in China"),
    ],
)
def test_uploaded_text_is_decoded(data, text, reason):
    assert decode_text(data).removeprefix("\ufeff") == text, reason


@pytest.mark.parametrize(
    ("data", "code", "reason"),
    [
        (b"PK\x03\x04\x14\x00\x06\x00", "spreadsheet_not_csv", "an Excel workbook"),
        (b"\x00\x01\x02\x03binary", "not_text", "binary data"),
    ],
)
def test_uploads_that_are_not_text_are_refused(data, code, reason):
    with pytest.raises(HolidayFileError) as caught:
        decode_text(data)
    assert caught.value.code == code, reason
