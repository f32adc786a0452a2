"""The appraisal report on a small hand-built town: its numbers (evaluations, the system's figures, the
combined score and the rank), sorting and filtering, who may read it, and the CSV and XLSX downloads."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from app.db import utcnow
from app.evaluations.report import build_report
from app.extensions import db
from app.organisations.services import register_unit
from app.reports.services import take_usage_snapshot
from tests.evaluations.conftest import sign_in, text_of
from tests.factories import (
    acknowledge,
    give_evaluation,
    make_booking,
    make_evaluation_round,
    make_local_resident,
    make_membership,
    make_org,
    make_rating,
    make_resource,
    make_unit_staff,
    make_user,
    make_window,
)

ZONE = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def report_town(town):
    """Beside the evaluation town: a second street T-N with community T-N-01, a second district X
    (street X-S, community X-S-01, and the district-level office U-X registered with X-S-01); the unit
    U-T's court open to residents 08:00–20:00 and the public 18:00–22:00, used twice (and once
    cancelled) on one day five days ago, and rated; c1's parking open to registered units 08:30–17:30,
    used once that day by U-T; the day's usage snapshots; evaluations in both directions."""
    north = make_org("T-N", kind="street", name="北街道", parent=town["district"])
    c3 = make_org("T-N-01", name="三号社区", parent=north)
    district_x = make_org("X", kind="district", name="西区")
    street_x = make_org("X-S", kind="street", name="西街道", parent=district_x)
    x_community = make_org("X-S-01", name="西社区", parent=street_x)
    unit_x = make_org("U-X", kind="unit", unit_type="organ", name="西区机关", parent=district_x)
    acknowledge(register_unit(unit_x, x_community, applicant=None))
    db.session.commit()
    day = (utcnow().astimezone(ZONE) - timedelta(days=5)).date()

    def at(hour: int) -> datetime:
        return datetime.combine(day, time(hour), tzinfo=ZONE)

    court = make_resource("U-T-SV1", town["unit"], name="测试中学球场")
    make_window(court, audience="residents", start="08:00", end="20:00")
    make_window(court, audience="public", start="18:00", end="22:00")
    lot = make_resource("T-S-01-P1", town["c1"], name="一号社区停车场", kind="parking", capacity=40)
    make_window(lot, audience="registered_units", start="08:30", end="17:30")
    neighbour = make_local_resident(town["c1"], name="邻居")
    used = make_booking(court, neighbour, at(9), at(10), status="completed")
    make_booking(court, neighbour, at(10), at(11), status="completed")
    make_booking(court, neighbour, at(11), at(12), status="cancelled")
    make_rating(used, (5, 4, 4))
    staff = make_unit_staff(town["unit"])
    make_booking(lot, staff, at(9), at(12), status="completed", on_behalf_of=town["unit"])
    for resource in (court, lot):
        take_usage_snapshot(resource, day, now=utcnow())
    db.session.commit()
    evaluation_round = make_evaluation_round(
        year=day.year, kinds=("community_unit", "unit_community"), admin=town["admin"]
    )
    give_evaluation(evaluation_round, "community_unit", town["c1"], town["unit"], 5, by=town["c1_manager"])
    give_evaluation(evaluation_round, "community_unit", town["c2"], town["unit_n"], 3, by=town["c2_manager"])
    give_evaluation(evaluation_round, "unit_community", town["unit"], town["c1"], 4, by=town["unit_manager"])
    give_evaluation(evaluation_round, "unit_community", town["unit_n"], town["c2"], 2, by=town["unit_n_manager"])
    district_manager = make_user(name="西区书记")
    make_membership(district_manager, district_x, "manager")
    north_manager = make_user(name="北街道书记")
    make_membership(north_manager, north, "manager")
    return {
        **town,
        "round": evaluation_round,
        "c3": c3,
        "x_community": x_community,
        "unit_x": unit_x,
        "district_manager": district_manager,
        "north_manager": north_manager,
    }


def by_code(rows) -> dict:
    return {r.code: r for r in rows}


# --- the numbers ----------------------------------------------------------------------------------


def test_the_units_numbers(report_town):
    rows = by_code(build_report(report_town["round"], now=utcnow()).sides["units"])
    assert set(rows) == {"U-T", "U-N", "U-X"}
    school, firm, office = rows["U-T"], rows["U-N"], rows["U-X"]
    # Residents' 12 h and the public's 4 h overlap from 18:00 to 20:00: 14 h, not 16.
    assert (school.figures.hours_shared, school.figures.bookings_served) == (14.0, 2)
    assert (school.figures.rating_average, school.figures.rating_count) == (4.3, 1)
    assert (firm.figures.hours_shared, firm.figures.bookings_served, firm.figures.rating_average) == (0.0, 0, None)
    assert (school.evaluations, school.evaluation_score) == (1, 100.0)
    assert (firm.evaluations, firm.evaluation_score) == (1, 50.0)
    assert (office.evaluations, office.evaluation_score) == (0, None)
    # Hours and bookings tell the units apart (the school above both others, who tie); service items,
    # agreements and ratings (one unit rated) do not.
    assert (school.figures_score, firm.figures_score, office.figures_score) == (100.0, 25.0, 25.0)
    assert (school.combined, firm.combined, office.combined) == (100.0, 42.5, None)
    assert (school.rank, firm.rank, office.rank) == (1, 2, None)
    assert (school.place.district, school.place.street) == ("测试区", "测试街道")
    assert (firm.place.district, firm.place.street) == ("测试区", "测试街道")  # placed under c2
    assert (office.place.district, office.place.street) == ("西区", "")  # a district-level office


def test_the_communities_numbers(report_town):
    rows = by_code(build_report(report_town["round"], now=utcnow()).sides["communities"])
    assert set(rows) == {"T-S-01", "T-S-02", "T-N-01", "X-S-01"}
    c1, c2 = rows["T-S-01"], rows["T-S-02"]
    assert (c1.figures.hours_shared, c1.figures.bookings_served) == (9.0, 1)
    assert (c1.evaluation_score, c2.evaluation_score) == (75.0, 25.0)
    assert (c1.figures_score, c2.figures_score) == (100.0, 33.33)
    assert (c1.combined, c2.combined, rows["T-N-01"].combined) == (82.5, 27.5, None)
    assert (c1.rank, c2.rank, rows["X-S-01"].rank) == (1, 2, None)
    # A page reads only its side: the same rows, scores and ranks.
    alone = build_report(report_town["round"], now=utcnow(), sides=["communities"]).sides
    assert set(alone) == {"communities"} and by_code(alone["communities"]) == rows


def test_a_round_without_unit_evaluations_has_no_units_side(report_town):
    only = make_evaluation_round(year=2030, kinds=("unit_community",), admin=report_town["admin"])
    assert set(build_report(only, now=utcnow()).sides) == {"communities"}


def test_the_pair_page_shows_the_pairs_own_bookings(english, auth, report_town):
    sign_in(auth, report_town["c1_manager"])
    page = text_of(english.get(f"/evaluations/rounds/{report_town['round'].id}/community_unit/T-S-01/U-T"))
    assert "Bookings the unit made at the community's facilities this year: 1" in page
    assert "14.0" in page and "4.3 / 5" in page


# --- the page -------------------------------------------------------------------------------------


def codes_in(page: str, candidates) -> list[str]:
    """The candidates' codes in the order the table shows them."""
    found = [(page.find(f"<td>{code}</td>"), code) for code in candidates]
    return [code for position, code in sorted(found) if position >= 0]


UNITS = ("U-T", "U-N", "U-X")


def test_an_admin_reads_the_whole_city_ranked_with_the_formula_explained(english, auth, report_town):
    sign_in(auth, report_town["admin"])
    page = text_of(english.get("/evaluations/report"))
    assert "Appraisal score = 70% × evaluation score + 30% × figures score" in page
    assert codes_in(page, UNITS) == ["U-T", "U-N", "U-X"]
    assert "not rated" in page and 'aria-sort="ascending"' in page
    communities = text_of(english.get("/evaluations/report?side=communities"))
    assert codes_in(communities, ("T-S-01", "T-S-02", "T-N-01", "X-S-01")) == ["T-S-01", "T-S-02", "T-N-01", "X-S-01"]


@pytest.mark.parametrize(
    ("query", "order"),
    [
        pytest.param("sort=code&dir=desc", ["U-X", "U-T", "U-N"], id="by code, descending"),
        pytest.param("sort=hours_shared&dir=desc", ["U-T", "U-N", "U-X"], id="by hours, most first"),
        pytest.param("sort=combined&dir=asc", ["U-N", "U-T", "U-X"], id="unscored last either way"),
        pytest.param("sort=nonsense", ["U-T", "U-N", "U-X"], id="an unknown column sorts by rank"),
    ],
)
def test_sorting_by_a_column(english, auth, report_town, query, order):
    sign_in(auth, report_town["admin"])
    assert codes_in(text_of(english.get(f"/evaluations/report?{query}")), UNITS) == order


def test_filtering_by_district_and_street(english, auth, report_town):
    sign_in(auth, report_town["admin"])
    district_x = report_town["unit_x"].parent_id
    assert codes_in(text_of(english.get(f"/evaluations/report?district={district_x}")), UNITS) == ["U-X"]
    street = report_town["street"].id
    assert codes_in(text_of(english.get(f"/evaluations/report?street={street}")), UNITS) == ["U-T", "U-N"]
    # Filters choose rows; the ranks stay the city's.
    page = text_of(english.get(f"/evaluations/report?district={district_x}&side=communities"))
    assert codes_in(page, ("T-S-01", "X-S-01")) == ["X-S-01"]
    assert english.get("/evaluations/report?district=abc&street=-1").status_code == 200


def test_a_district_manager_reads_only_the_district(english, auth, report_town):
    sign_in(auth, report_town["district_manager"])
    page = text_of(english.get("/evaluations/report"))
    assert codes_in(page, UNITS) == ["U-X"]
    assert "测试区" not in page  # neither a row nor a filter of the other district
    assert codes_in(text_of(english.get(f"/evaluations/report?district={report_town['district'].id}")), UNITS) == [
        "U-X"
    ]


def test_a_street_manager_reads_only_the_street(english, auth, report_town):
    sign_in(auth, report_town["north_manager"])
    page = text_of(english.get("/evaluations/report?side=communities"))
    assert codes_in(page, ("T-S-01", "T-S-02", "T-N-01", "X-S-01")) == ["T-N-01"]
    assert codes_in(text_of(english.get("/evaluations/report")), UNITS) == []


@pytest.mark.parametrize("who", ["c1_manager", "unit_manager", "plain", "party_member"])
def test_managers_of_communities_and_units_and_others_may_not_read_the_report(english, auth, report_town, who):
    sign_in(auth, report_town[who])
    for url in ("/evaluations/report", "/evaluations/report.csv", "/evaluations/report.xlsx"):
        assert english.get(url).status_code == 403, url


def test_visitors_are_sent_to_sign_in(english, report_town):
    for url in ("/evaluations/report", "/evaluations/report.csv", "/evaluations/report.xlsx"):
        response = english.get(url)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


def test_an_unknown_round_is_not_found(english, auth, report_town):
    sign_in(auth, report_town["admin"])
    assert english.get(f"/evaluations/report?round={report_town['round'].id + 99}").status_code == 404


def test_without_any_round_the_report_says_so(english, auth, town):
    sign_in(auth, town["admin"])
    page = english.get("/evaluations/report")
    assert page.status_code == 200 and "No evaluation round of units or communities" in text_of(page)
    assert english.get("/evaluations/report.xlsx").status_code == 200


def test_a_draft_round_has_no_report(english, auth, town):
    make_evaluation_round(status="draft", admin=town["admin"])
    sign_in(auth, town["admin"])
    assert "No evaluation round of units or communities" in text_of(english.get("/evaluations/report"))


# --- downloads ----------------------------------------------------------------------------------------

HEADER = [
    "Rank",
    "Code",
    "Name",
    "District",
    "Street",
    "Evaluations received",
    "Evaluation score",
    "Hours shared",
    "Bookings served",
    "Service items completed",
    "Agreement items done",
    "Average rating",
    "Figures score",
    "Appraisal score",
]


def test_the_csv_has_the_pages_columns_and_rows(english, auth, report_town):
    sign_in(auth, report_town["admin"])
    response = english.get("/evaluations/report.csv?sort=code")
    assert response.mimetype == "text/csv"
    assert f"linli-appraisal-{report_town['round'].year}-units.csv" in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0] == HEADER
    assert rows[1:] == [
        ["2", "U-N", "新单位", "测试区", "测试街道", "1", "50.0", "0.0", "0", "0", "0", "", "25.0", "42.5"],
        ["1", "U-T", "测试中学", "测试区", "测试街道", "1", "100.0", "14.0", "2", "0", "0", "4.3", "100.0", "100.0"],
        ["", "U-X", "西区机关", "西区", "", "0", "", "0.0", "0", "0", "0", "", "25.0", ""],
    ]


def test_the_csv_follows_the_readers_scope_and_filters(english, auth, report_town):
    sign_in(auth, report_town["district_manager"])
    rows = list(csv.reader(io.StringIO(english.get("/evaluations/report.csv").get_data().decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == ["U-X"]


def test_text_a_spreadsheet_would_run_is_written_as_text(english, auth, report_town):
    report_town["unit_x"].name = "=HYPERLINK(1)"
    db.session.commit()
    sign_in(auth, report_town["admin"])
    body = english.get("/evaluations/report.csv").get_data().decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body


def test_the_xlsx_has_the_same_columns_with_numbers_as_numbers(english, auth, report_town):
    sign_in(auth, report_town["admin"])
    response = english.get("/evaluations/report.xlsx?side=communities")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "-communities.xlsx" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.get_data()), read_only=True)
    sheet = workbook.worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    assert rows[1] == [1, "T-S-01", "一号社区", "测试区", "测试街道", 1, 75.0, 9.0, 1, 0, 0, None, 100.0, 82.5]
    assert rows[2] == [2, "T-S-02", "二号社区", "测试区", "测试街道", 1, 25.0, 0.0, 0, 0, 0, None, 33.33, 27.5]
    assert [r[1] for r in rows[3:]] == ["T-N-01", "X-S-01"]
    assert sheet.title.endswith("Communities")


def test_the_report_is_printable(english, auth, report_town):
    sign_in(auth, report_town["admin"])
    page = text_of(english.get("/evaluations/report"))
    assert "/static/css/evaluations.css" in page and 'class="d-flex flex-wrap gap-2 mb-3 no-print"' in page
    css = english.get("/static/css/evaluations.css").get_data(as_text=True)
    assert "@media print" in css
