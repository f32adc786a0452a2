"""The figures and pictures page: who may see which area, the pictures with their numbers, the CSV files,
and every refusal."""

from __future__ import annotations

import csv
import html
import io
import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from app.extensions import db
from tests.factories import PASSWORD, make_booking, make_org, make_resource, make_user
from tests.reports.conftest import WEEK, at

MONDAY = WEEK.first
THE_WEEK = f"first={WEEK.first}&last={WEEK.last}"


def sign_in(auth, user) -> None:
    assert auth.sign_in(user.phone, PASSWORD).status_code == 302


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def pictures(response) -> dict[str, ET.Element]:
    """The page's SVG pictures by id, parsed as XML."""
    found = re.findall(r"<svg .*?</svg>", response.get_data(as_text=True), flags=re.S)
    parsed = [ET.fromstring(svg) for svg in found]
    return {svg.get("id"): svg for svg in parsed}


def csv_rows(response) -> list[list[str]]:
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")  # Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(body[1:])))


def selected_scope(response) -> str:
    match = re.search(
        r'<option selected value="([^"]*)"|<option value="([^"]*)" selected', response.get_data(as_text=True)
    )
    assert match, "no scope is selected"
    return match.group(1) or match.group(2) or ""


def scope_options(response) -> list[str]:
    select = re.search(r'<select[^>]*id="scope".*?</select>', response.get_data(as_text=True), flags=re.S).group(0)
    return re.findall(r'value="([^"]*)"', select)


@pytest.fixture
def booked(town):
    """c1's court: Monday 09:30–11:00 for 2 places (a resident); the unit's hall: Monday 09:00–10:30
    for 2 places (a resident) and 18:00–19:00 for the unit itself."""
    resident = make_user(name="居民")
    make_booking(town["court"], resident, at(MONDAY, 9, 30), at(MONDAY, 11), quantity=2)
    make_booking(town["hall"], resident, at(MONDAY, 9), at(MONDAY, 10, 30), quantity=2)
    make_booking(town["hall"], town["staff"], at(MONDAY, 18), at(MONDAY, 19), on_behalf_of=town["unit"])
    return town


# --- who may see what ---------------------------------------------------------------------------------


def test_visitors_are_sent_to_sign_in(english, town):
    for url in ("/reports/figures", "/reports/figures/months.csv"):
        response = english.get(url)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"], url


def test_someone_who_manages_nothing_is_refused(english, auth, town):
    sign_in(auth, town["plain"])
    assert english.get("/reports/figures").status_code == 403
    assert english.get("/reports/figures?scope=T-S-01").status_code == 403
    assert english.get("/reports/figures/months.csv?scope=T-S-01").status_code == 403


def test_a_community_manager_sees_their_community_first(english, auth, town):
    sign_in(auth, town["community_manager"])
    response = english.get("/reports/figures")
    assert response.status_code == 200
    assert "Figures and pictures" in text_of(response) and "一号社区" in text_of(response)
    assert selected_scope(response) == "T-S-01"
    assert scope_options(response) == ["T-S-01"]
    assert response.headers["Cache-Control"] == "private, no-store"


def test_a_community_manager_cannot_see_another_communitys_figures(english, auth, town):
    sign_in(auth, town["community_manager"])
    assert english.get("/reports/figures?scope=T-S-02").status_code == 403
    assert english.get("/reports/figures/months.csv?scope=T-S-02").status_code == 403
    assert english.get("/reports/figures?scope=T-S").status_code == 403  # nor their street's
    assert english.get("/reports/figures?scope=U-N").status_code == 403  # nor a unit's elsewhere


def test_only_admins_see_the_whole_city(english, auth, town):
    sign_in(auth, town["community_manager"])
    assert selected_scope(english.get("/reports/figures?scope=")) == "T-S-01"  # their own instead
    auth.sign_out()
    sign_in(auth, town["admin"])
    response = english.get("/reports/figures")
    assert response.status_code == 200 and selected_scope(response) == ""
    assert "The whole city" in text_of(response)
    assert scope_options(response) == ["", "T", "T-S", "T-S-01", "T-S-02"]


def test_an_unknown_area_is_not_found(english, auth, town):
    sign_in(auth, town["admin"])
    assert english.get("/reports/figures?scope=NOPE").status_code == 404
    assert english.get("/reports/figures/months.csv?scope=NOPE").status_code == 404


def test_a_street_manager_sees_the_street_and_each_of_its_communities(english, auth, town):
    sign_in(auth, town["street_manager"])
    response = english.get("/reports/figures")
    assert selected_scope(response) == "T-S" and scope_options(response) == ["T-S", "T-S-01", "T-S-02"]
    assert english.get("/reports/figures?scope=T-S-02").status_code == 200
    assert english.get("/reports/figures?scope=U-T").status_code == 200  # a unit of the street
    assert english.get("/reports/figures?scope=T").status_code == 403  # not the district


def test_a_units_manager_sees_the_unit_and_no_other(english, auth, town):
    sign_in(auth, town["unit_manager"])
    response = english.get("/reports/figures")
    assert response.status_code == 200 and selected_scope(response) == "U-T"
    auth.sign_out()
    sign_in(auth, town["other_unit_manager"])
    assert english.get("/reports/figures?scope=U-T").status_code == 403


# --- the pictures and their numbers ------------------------------------------------------------------


def test_each_picture_is_followed_by_its_numbers(english, auth, booked):
    sign_in(auth, booked["community_manager"])
    response = english.get(f"/reports/figures?scope=T-S-01&{THE_WEEK}")
    assert response.status_code == 200
    page = text_of(response)
    found = pictures(response)
    assert set(found) == {"heat-sports-venue", "heat-meeting-room", "units", "months", "ratings"}
    for svg in found.values():
        assert svg.get("role") == "img" and svg.find("{http://www.w3.org/2000/svg}title") is not None
    # Monday 09:00: 30 minutes × 2 at the court, 60 × 2 at the hall, of 5 places × 60 minutes.
    heat = re.search(r'aria-labelledby="use-sports_venue".*?</section>', response.get_data(as_text=True), re.S)
    rows = re.findall(r"<tr><th scope=\"row\">(\d\d:00)</th>(.*?)</tr>", heat.group(0))
    monday = {hour: re.findall(r"<td>(.*?)</td>", cells)[0] for hour, cells in rows}
    # Monday: 09:00 and 10:00 hold 180 of 300 place-minutes each (court and hall); 18:00 the hall's
    # booking for the unit itself (in the use, though not shared).
    assert [monday[h] for h in ("08:00", "09:00", "10:00", "11:00", "18:00")] == ["0%", "60%", "60%", "0%", "20%"]
    assert "Hours shared per unit" in page and "测试中学" in page and "3.0" in page
    assert "2 resources · capacity 5" in page
    assert "No ratings in this period." in page


def test_the_ratings_picture_counts_the_scopes_ratings(english, auth, booked):
    from tests.factories import make_completed_booking, make_rating

    make_rating(make_completed_booking(booked["court"], booked["community_manager"]), (5, 5, 4))
    sign_in(auth, booked["community_manager"])
    from datetime import timedelta

    from app.db import utcnow

    today = utcnow().date()
    span = f"first={today - timedelta(days=30)}&last={today + timedelta(days=1)}"
    response = english.get(f"/reports/figures/ratings.csv?scope=T-S-01&{span}")
    assert response.status_code == 200
    rows = response.get_data(as_text=True).strip().splitlines()
    assert any(line.startswith("5,1") for line in rows), rows


def test_headings_go_in_order(english, auth, booked):
    sign_in(auth, booked["community_manager"])
    page = english.get(f"/reports/figures?scope=T-S-01&{THE_WEEK}").get_data(as_text=True)
    levels = [int(n) for n in re.findall(r"<h([1-6])", page)]
    assert levels.count(1) == 1
    assert all(later - earlier <= 1 for earlier, later in itertools.pairwise(levels))


def test_the_area_without_resources_says_so(english, auth, town):
    sign_in(auth, town["street_manager"])
    make_org("T-S-03", name="三号社区", parent=town["street"])
    page = text_of(english.get(f"/reports/figures?scope=T-S-03&{THE_WEEK}"))
    assert "There are no resources here." in page and "No bookings in this period." in page


def test_the_default_period_is_the_last_twelve_weeks_and_twelve_months(english, auth, town):
    sign_in(auth, town["community_manager"])
    page = text_of(english.get("/reports/figures"))
    assert len(re.findall(r"\d{4}\. ", page)) >= 2  # each section names its period
    assert "Leave both days empty for the last 12 full weeks" in page


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("first=2026-11-02", "Give both the first and the last day, or leave both empty."),
        ("first=2026-11-09&last=2026-11-02", "The last day must not be before the first."),
        ("first=2025-01-01&last=2026-01-02", "Choose a period of at most 366 days."),
        ("first=1999-01-01&last=1999-01-02", "This value is out of range."),
        ("first=2026-13-40&last=2026-11-02", "Not a valid date value."),
    ],
    ids=["one day only", "last before first", "too long", "too early", "not a date"],
)
def test_a_period_that_cannot_be_shown_is_refused_beside_the_field(english, auth, town, query, message):
    sign_in(auth, town["community_manager"])
    response = english.get(f"/reports/figures?scope=T-S-01&{query}")
    assert response.status_code == 400
    assert message in text_of(response)
    assert not pictures(response)
    assert english.get(f"/reports/figures/months.csv?scope=T-S-01&{query}").status_code == 400


# --- the numbers as CSV ------------------------------------------------------------------------------


def test_the_use_by_hour_as_csv(english, auth, booked):
    sign_in(auth, booked["community_manager"])
    response = english.get(f"/reports/figures/utilisation.csv?scope=T-S-01&{THE_WEEK}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "linli-utilisation-T-S-01-20261102-20261108.csv" in response.headers["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == ["Kind", "Day", "Hour", "Booked unit-hours", "Capacity hours", "Share booked (%)"]
    assert len(rows) == 1 + 2 * 7 * 24  # two kinds, every hour of the week
    assert ["Sports venue", "Monday", "09:00", "3.00", "5.00", "60.0"] in rows
    assert ["Sports venue", "Monday", "18:00", "1.00", "5.00", "20.0"] in rows
    assert ["Sports venue", "Tuesday", "09:00", "0.00", "5.00", "0.0"] in rows
    assert ["Meeting room", "Monday", "09:00", "0.00", "1.00", "0.0"] in rows


def test_the_units_hours_as_csv_guard_names_a_spreadsheet_would_run(english, auth, booked):
    hostile = make_org("U-X", kind="unit", name="=HYPERLINK(1)", parent=booked["street"])
    make_resource("U-X-SV1", hostile, kind="sports_venue")
    sign_in(auth, booked["street_manager"])
    rows = csv_rows(english.get(f"/reports/figures/units.csv?scope=T-S&{THE_WEEK}"))
    assert rows == [
        ["Unit code", "Unit", "Bookings by others", "Hours shared"],
        ["U-T", "测试中学", "1", "3.00"],
        ["U-X", "'=HYPERLINK(1)", "0", "0.00"],
    ]


def test_the_bookings_per_month_as_csv(english, auth, booked):
    sign_in(auth, booked["community_manager"])
    rows = csv_rows(english.get("/reports/figures/months.csv?scope=T-S-01&first=2026-10-15&last=2026-11-30"))
    assert rows == [["Month", "Bookings"], ["2026-10", "0"], ["2026-11", "3"]]


def test_an_unknown_table_is_not_found(english, auth, town):
    sign_in(auth, town["community_manager"])
    assert english.get("/reports/figures/everything.csv").status_code == 404


def test_the_csv_links_keep_the_area_and_the_period(english, auth, booked):
    sign_in(auth, booked["street_manager"])
    page = english.get(f"/reports/figures?scope=T-S-01&{THE_WEEK}").get_data(as_text=True)
    links = set(re.findall(r'href="(/reports/figures/[a-z]+\.csv[^"]*)"', html.unescape(page)))
    assert links == {
        f"/reports/figures/{table}.csv?scope=T-S-01&{THE_WEEK}"
        for table in ("utilisation", "units", "months", "ratings")
    }


def test_a_booking_made_after_a_look_is_in_the_next_look(english, auth, booked):
    sign_in(auth, booked["community_manager"])
    url = f"/reports/figures/months.csv?scope=T-S-01&{THE_WEEK}"
    assert csv_rows(english.get(url))[1] == ["2026-11", "3"]
    make_booking(booked["court"], make_user(), at(MONDAY, 15), at(MONDAY, 16))
    db.session.commit()
    assert csv_rows(english.get(url))[1] == ["2026-11", "4"]
