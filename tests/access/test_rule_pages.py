"""Managers set who may book a resource and when, through the rules pages; nobody else can."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from app.access.models import Window
from app.access.services import list_windows
from app.audit.models import AuditEntry
from app.domain.windows import Audience, DayRule
from app.extensions import db
from tests.access.town import ADMIN, MANAGER, OTHER_MANAGER, RESIDENT, UNIT_MANAGER, build_town
from tests.factories import PASSWORD, make_window

RULES = "/access/T-S-01-P1/rules"
# The article's parking lot, as a manager types it in.
PARKING_WINDOW = {
    "audience": "registered_units",
    "days": "workday",
    "start": "08:30",
    "end": "17:30",
    "price": "0",
    "max_quantity": "3",
    "weekly_hours": "",
    "approval": "policy",
}


@pytest.fixture
def town(app) -> dict[str, Any]:
    return build_town()


def window_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Window))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all())


def english(client) -> None:
    client.post_form("/language", {"locale": "en"})


def test_manager_adds_a_window_and_sees_it_in_plain_words(client, auth, town):
    auth.sign_in(MANAGER, PASSWORD)
    english(client)
    response = client.post_form(RULES, PARKING_WINDOW)
    assert response.status_code == 302 and response.headers["Location"].endswith(RULES)
    [row] = list_windows(town["parking"])
    assert (row.audience, row.days, row.start_minute, row.end_minute, row.max_quantity, row.price) == (
        "registered_units",
        "workday",
        510,
        1050,
        3,
        0,
    )
    assert row.requires_approval is None and row.max_minutes_per_week is None
    html = client.get(RULES).get_data(as_text=True)
    assert "Working days 08:30–17:30: free for registered units, at most 3 spaces per booking" in html
    assert actions()[-1] == "window_added"


def test_price_and_weekly_quota_are_stored_in_fen_and_minutes(client, auth, town):
    auth.sign_in(MANAGER, PASSWORD)
    fields = {**PARKING_WINDOW, "price": "2.50", "weekly_hours": "1.5", "approval": "always"}
    assert client.post_form(RULES, fields).status_code == 302
    [row] = list_windows(town["parking"])
    assert (row.price, row.max_minutes_per_week, row.requires_approval) == (250, 90, True)


def test_chosen_weekdays_are_stored_as_the_days_ticked(client, auth, town):
    auth.sign_in(MANAGER, PASSWORD)
    fields = {**PARKING_WINDOW, "days": "weekdays", "weekdays": ["mon", "wed", "fri"], "end": "24:00"}
    assert client.post_form(RULES, fields).status_code == 302
    [row] = list_windows(town["parking"])
    window = row.to_domain()
    assert window.days.rule is DayRule.WEEKDAYS and window.days.weekdays == {0, 2, 4}
    assert window.end == 24 * 60


def test_manager_edits_a_window_and_the_change_is_audited(client, auth, town):
    row = make_window(town["parking"], audience="registered_units", days="workday", start="08:30", end="17:30")
    auth.sign_in(MANAGER, PASSWORD)
    url = f"{RULES}/{row.id}"
    form = client.get(url).get_data(as_text=True)
    assert 'value="08:30"' in form and 'value="17:30"' in form
    response = client.post_form(url, {**PARKING_WINDOW, "end": "18:00", "max_quantity": "2"})
    assert response.status_code == 302
    db.session.refresh(row)
    assert (row.end_minute, row.max_quantity) == (18 * 60, 2)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "window_changed")).one()
    assert entry.changes["end"] == ["17:30", "18:00"] and entry.changes["max_quantity"] == [None, 2]
    english(client)
    manage = client.get("/directory/T-S-01-P1/manage").get_data(as_text=True)
    assert "Booking window changed" in manage and "<del>17:30</del> → 18:00" in manage


def test_manager_deletes_a_window_and_the_removal_is_audited(client, auth, town):
    row = make_window(town["parking"], audience="public")
    auth.sign_in(MANAGER, PASSWORD)
    response = client.post_form(f"{RULES}/{row.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith(RULES)
    assert window_count() == 0
    assert actions()[-1] == "window_removed"
    english(client)
    assert "Booking window removed" in client.get("/directory/T-S-01-P1/manage").get_data(as_text=True)


def test_the_units_template_adds_the_articles_parking_window_once(client, auth, town):
    auth.sign_in(MANAGER, PASSWORD)
    english(client)
    page = client.get(RULES).get_data(as_text=True)
    assert "Open to registered units on working days 08:30–17:30" in page
    assert "Adds: Working days 08:30–17:30: free for registered units, at most 3 spaces per booking." in page
    client.post_form(f"{RULES}/template", {"template": "units_on_workdays"})
    [row] = list_windows(town["parking"])
    window = row.to_domain()
    assert (window.audience, window.days.rule, window.start, window.end, window.max_quantity) == (
        Audience.REGISTERED_UNITS,
        DayRule.WORKDAY,
        510,
        1050,
        3,
    )
    response = client.post_form(f"{RULES}/template", {"template": "units_on_workdays"}, follow_redirects=True)
    assert window_count() == 1
    assert "Nothing was added" in response.get_data(as_text=True)


def test_the_residents_template_adds_the_articles_stadium_windows_once(client, auth, town):
    auth.sign_in(UNIT_MANAGER, PASSWORD)
    url = "/access/U-T-G1/rules/template"
    client.post_form(url, {"template": "residents_outside_working_hours"})
    client.post_form(url, {"template": "residents_outside_working_hours"})
    windows = [row.to_domain() for row in list_windows(town["stadium"])]
    assert sorted((w.audience, w.days.rule, w.start, w.end) for w in windows) == [
        (Audience.RESIDENTS, DayRule.RESTDAY, 8 * 60, 21 * 60 + 30),
        (Audience.RESIDENTS, DayRule.WORKDAY, 18 * 60, 21 * 60 + 30),
    ]
    assert actions().count("window_added") == 2


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        pytest.param({"start": "25:00"}, "start", "a time such as 08:30", id="25:00 is not a time"),
        pytest.param({"end": "8.30"}, "end", "a time such as 08:30", id="not HH:MM"),
        pytest.param({"start": "17:30", "end": "08:30"}, "end", "end after it starts", id="end before start"),
        pytest.param({"end": "08:30"}, "end", "end after it starts", id="end equal to start"),
        pytest.param({"max_quantity": "41"}, "max_quantity", "more than the capacity", id="above the capacity"),
        pytest.param({"max_quantity": "0"}, "max_quantity", "at least 1", id="zero per booking"),
        pytest.param({"price": "-1"}, "price", "between 0", id="a negative price"),
        pytest.param({"price": "1.005"}, "price", "two decimals", id="less than a fen"),
        pytest.param({"days": "weekdays"}, "weekdays", "at least one day", id="chosen weekdays without a day"),
    ],
)
def test_bad_window_input_is_shown_beside_its_field_and_nothing_is_written(client, auth, town, changes, field, message):
    auth.sign_in(MANAGER, PASSWORD)
    english(client)
    response = client.post_form(RULES, {**PARKING_WINDOW, **changes})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="{field}-error"' in html
    error = html[html.index(f'id="{field}-error"') :][:400]
    assert message.lower() in error.lower(), error
    assert window_count() == 0
    assert "window_added" not in actions()


def test_a_bad_edit_changes_nothing(client, auth, town):
    row = make_window(town["parking"], audience="registered_units", days="workday", start="08:30", end="17:30")
    auth.sign_in(MANAGER, PASSWORD)
    response = client.post_form(f"{RULES}/{row.id}", {**PARKING_WINDOW, "start": "18:00"})
    assert response.status_code == 200 and 'id="end-error"' in response.get_data(as_text=True)
    db.session.refresh(row)
    assert (row.start_minute, row.end_minute) == (510, 1050)
    assert "window_changed" not in actions()


def test_admins_set_the_rules_of_any_resource(client, auth, town):
    auth.sign_in(ADMIN, PASSWORD)
    assert client.post_form(RULES, PARKING_WINDOW).status_code == 302
    assert window_count() == 1


def rule_routes(town: dict[str, Any]) -> list[tuple[str, str]]:
    row = make_window(town["parking"])
    return [
        ("GET", RULES),
        ("POST", RULES),
        ("POST", f"{RULES}/template"),
        ("GET", f"{RULES}/{row.id}"),
        ("POST", f"{RULES}/{row.id}"),
        ("POST", f"{RULES}/{row.id}/delete"),
    ]


def call(client, method: str, url: str) -> Any:
    if method == "GET":
        return client.get(url)
    return client.post_form(url, {**PARKING_WINDOW, "template": "units_on_workdays"})


def test_anonymous_visitors_are_sent_to_sign_in_from_every_rules_page(client, town):
    for method, url in rule_routes(town):
        response = call(client, method, url)
        assert response.status_code == 302, (method, url)
        assert "/accounts/sign-in" in response.headers["Location"]
    assert window_count() == 1


@pytest.mark.parametrize(
    "login",
    [OTHER_MANAGER, RESIDENT, UNIT_MANAGER],
    ids=["another community's manager", "resident", "a unit's manager"],
)
def test_people_who_do_not_manage_the_owner_are_refused_every_rules_page(client, auth, town, login):
    routes = rule_routes(town)
    auth.sign_in(login, PASSWORD)
    for method, url in routes:
        assert call(client, method, url).status_code == 403, (method, url)
    assert window_count() == 1
    assert "window_removed" not in actions()


def test_unknown_resources_and_windows_are_not_found(client, auth, town):
    other = make_window(town["stadium"])
    auth.sign_in(MANAGER, PASSWORD)
    assert client.get("/access/NO-SUCH/rules").status_code == 404
    assert client.get(f"{RULES}/999999").status_code == 404
    # Another resource's window is not found under this one.
    assert client.get(f"{RULES}/{other.id}").status_code == 404
    assert client.post_form(f"{RULES}/{other.id}/delete").status_code == 404
    assert window_count() == 1
