"""The figures page: registrations, pairing and service items per area and year, for those who may read them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from app.db import utcnow
from app.organisations.services import register_unit
from tests.factories import (
    PASSWORD,
    acknowledge,
    make_admin,
    make_agreement,
    make_membership,
    make_org,
    make_resident,
    make_service_claim,
    make_service_item,
    make_user,
)


def this_year() -> int:
    return utcnow().astimezone(ZoneInfo("Asia/Shanghai")).year


@pytest.fixture
def town(city):
    """c1: the unit U-T, two residents (one a party member), a signed agreement with one of two items
    done, a service item with a completed claim of 3.5 hours and a claim still open. c2: U-T again, one
    resident, a second unit waiting for acknowledgement."""
    c1, c2, unit = city["c1"], city["c2"], city["unit"]
    acknowledge(register_unit(unit, c2, applicant=None))
    other = make_org("U-O", kind="unit", unit_type="hospital", name="人民医院", parent=city["street"])
    register_unit(other, c2, applicant=None)
    for community, party_member in ((c1, True), (c1, False), (c2, False)):
        make_resident(make_user(), community, party_member=party_member)
    agreement = make_agreement(unit, c1, year=this_year(), items=2, status="signed")
    agreement.items[0].status, agreement.items[0].done_at = "done", utcnow()
    item = make_service_item(c1, places=3)
    volunteer, helper = make_user(name="志愿者"), make_user(name="帮手")
    make_service_claim(item, volunteer, status="completed", hours=Decimal("3.5"), completed_at=utcnow())
    make_service_claim(item, helper)
    return city


def read_csv(response) -> dict[str, dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = csv.DictReader(io.StringIO(response.get_data(as_text=True).removeprefix("\ufeff")))
    return {row["code"]: row for row in rows}


def test_a_street_reads_its_communities_figures_and_their_total(client, auth, town):
    admin = make_admin()
    auth.sign_in(admin.phone, PASSWORD)
    rows = read_csv(client.get(f"/reports/members?area=T-S&year={this_year()}&format=csv"))
    assert set(rows) == {"T-S-01", "T-S-02", "T-S"}
    c1, c2, street = rows["T-S-01"], rows["T-S-02"], rows["T-S"]
    assert (c1["units_registered"], c1["members_registered"], c1["party_members_registered"]) == ("1", "2", "1")
    assert (c2["units_registered"], c2["members_registered"], c2["registrations_pending"]) == ("1", "1", "1")
    assert (c1["agreements_signed"], c1["agreement_items"], c1["agreement_items_done"]) == ("1", "2", "1")
    assert (c1["service_items"], c1["service_claims"], c1["service_completed"]) == ("1", "2", "1")
    assert Decimal(c1["service_hours"]) == Decimal("3.5")
    # U-T is registered with both communities: the street counts it once.
    assert street["units_registered"] == "1"
    assert (street["members_registered"], street["registrations_pending"], street["service_claims"]) == ("3", "1", "2")


def test_the_page_shows_the_totals_and_links_each_area(client, auth, town):
    auth.sign_in(make_admin().phone, PASSWORD)
    page = client.get("/reports/members?area=T-S")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<h1" in html and "测试街道" in html
    assert "/reports/members?area=T-S-01" in html
    assert "download>" in html


def test_an_administrator_starts_at_the_top_of_the_city(client, auth, town):
    auth.sign_in(make_admin().phone, PASSWORD)
    rows = read_csv(client.get("/reports/members?format=csv"))
    assert set(rows) == {"T", "T-S"}


def test_last_years_figures_leave_this_years_pairing_out(client, auth, town):
    auth.sign_in(make_admin().phone, PASSWORD)
    rows = read_csv(client.get(f"/reports/members?area=T-S-01&year={this_year() - 1}&format=csv"))
    assert rows["T-S-01"]["agreements_signed"] == "0"
    assert rows["T-S-01"]["members_registered"] == "2"  # registrations are as they stand


def test_a_community_manager_reads_their_community_only(client, auth, town):
    manager = make_user()
    make_membership(manager, town["c1"], "manager")
    auth.sign_in(manager.phone, PASSWORD)
    assert set(read_csv(client.get("/reports/members?format=csv"))) == {"T-S-01"}
    assert client.get("/reports/members?area=T-S-02").status_code == 403
    assert client.get("/reports/members?area=T-S").status_code == 403
    assert client.get("/reports/members?area=T").status_code == 403


def test_a_street_manager_reads_the_communities_under_it(client, auth, town):
    manager = make_user()
    make_membership(manager, town["street"], "manager")
    auth.sign_in(manager.phone, PASSWORD)
    assert client.get("/reports/members?area=T-S-02").status_code == 200
    assert client.get("/reports/members?area=T").status_code == 403


def test_who_manages_no_area_is_refused(client, auth, town):
    unit_manager = make_user()
    make_membership(unit_manager, town["unit"], "manager")
    auth.sign_in(unit_manager.phone, PASSWORD)
    assert client.get("/reports/members").status_code == 403


def test_an_unknown_area_is_not_found(client, auth, town):
    auth.sign_in(make_admin().phone, PASSWORD)
    assert client.get("/reports/members?area=NOPE").status_code == 404


def test_a_year_out_of_range_shows_this_year(client, auth, town):
    auth.sign_in(make_admin().phone, PASSWORD)
    html = client.get("/reports/members?area=T-S&year=1900").get_data(as_text=True)
    assert f'value="{this_year()}" selected' in html


def test_anonymous_visitors_are_sent_to_sign_in(client, town):
    response = client.get("/reports/members")
    assert response.status_code == 302
    assert "/accounts/sign-in" in response.headers["Location"]
