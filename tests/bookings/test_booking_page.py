"""A booking's page: who may see it, its history, cancelling (the booker's deadline, the managers'
reason), approving and rejecting in one POST, and its calendar file."""

from __future__ import annotations

from datetime import timedelta

import icalendar
import pytest
from sqlalchemy import select

from app.bookings.models import Booking, BookingEvent, BookingSeries, Notification
from app.bookings.placing import decide_pending
from app.db import transaction, utcnow
from app.extensions import db
from tests.bookings.town import make_town, place, sign_in_as
from tests.factories import make_booking, make_unit_staff
from tests.when import at, next_monday

MONDAY = next_monday()


@pytest.fixture
def town(app):
    return make_town()


@pytest.fixture
def pending(town):
    """居民甲 asks for the meeting room on Monday 10:00–11:00: it needs approval."""
    return place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"), purpose="楼栋议事会")


@pytest.fixture
def unit_booking(town):
    """单位职工 books 3 parking spaces for the unit U-T."""
    return place(town.staff, town.parking, at(MONDAY, "09:00"), at(MONDAY, "11:00"), 3, on_behalf_of=town.city["unit"])


def events(booking) -> list[tuple[str | None, str, int | None, str]]:
    rows = db.session.scalars(
        select(BookingEvent).where(BookingEvent.booking_id == booking.id).order_by(BookingEvent.id)
    )
    return [(e.from_status, e.to_status, e.actor_id, e.reason) for e in rows]


def notices(user) -> list[tuple[str, int | None, str]]:
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id).order_by(Notification.id))
    return [(n.kind, n.booking_id, n.reason) for n in rows]


def status_of(booking) -> str:
    return db.session.get(Booking, booking.id, populate_existing=True).status


# --- who sees it ------------------------------------------------------------------


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("staff", id="the booker"),
        pytest.param("unit_manager", id="the manager of the unit it was made for"),
        pytest.param("manager", id="a manager of the resource's owner"),
        pytest.param("admin", id="an admin"),
    ],
)
def test_the_booker_and_the_managers_see_the_booking(client, auth, town, unit_booking, who):
    sign_in_as(auth, getattr(town, who))
    page = client.get(f"/bookings/{unit_booking.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "一号停车场" in text and "测试中学" in text and "3 spaces" in text
    assert "Confirmed" in text
    assert f"/bookings/{unit_booking.id}.ics" in text
    assert "{# check-in" not in text  # the marked spot for check-in is a template comment


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("stranger", id="another resident"),
        pytest.param("resident", id="a resident of the owner community"),
        pytest.param("other_manager", id="the manager of another organisation"),
    ],
)
def test_anyone_else_gets_not_found_for_the_page_the_calendar_file_and_every_action(
    client, auth, town, unit_booking, who
):
    sign_in_as(auth, getattr(town, who))
    base = f"/bookings/{unit_booking.id}"
    assert client.get(base).status_code == 404
    assert client.get(f"{base}.ics").status_code == 404
    for action in ("cancel", "approve", "reject"):
        assert client.post_form(f"{base}/{action}", {"reason": "不要了"}).status_code == 404, action
    assert status_of(unit_booking) == "confirmed"


def test_a_unit_member_who_is_not_its_manager_cannot_see_a_colleagues_booking(client, auth, town, unit_booking):
    colleague = make_unit_staff(town.city["unit"], name="单位职工乙")
    sign_in_as(auth, colleague)
    assert client.get(f"/bookings/{unit_booking.id}").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, town, unit_booking):
    for url in (f"/bookings/{unit_booking.id}", f"/bookings/{unit_booking.id}.ics"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


def test_an_unknown_booking_is_not_found(client, auth, town):
    sign_in_as(auth, town.admin)
    assert client.get("/bookings/999999").status_code == 404


def test_the_booker_is_named_to_managers_only(client, auth, town, pending):
    sign_in_as(auth, town.resident)
    assert "Booked by" not in client.get(f"/bookings/{pending.id}").get_data(as_text=True)
    sign_in_as(auth, town.manager)
    text = client.get(f"/bookings/{pending.id}").get_data(as_text=True)
    assert "Booked by" in text and "居民甲" in text and "楼栋议事会" in text


# --- history ----------------------------------------------------------------------


def test_the_history_shows_every_change_with_who_when_and_why(client, auth, town, pending):
    with transaction(db.session, write_lock=True):
        decide_pending(pending, approve=True, actor=town.manager, now=utcnow())
    sign_in_as(auth, town.manager)
    assert client.post_form(f"/bookings/{pending.id}/cancel", {"reason": "临时检修"}).status_code == 302
    text = client.get(f"/bookings/{pending.id}").get_data(as_text=True)
    history = text[text.index('id="history-heading"') :]
    assert history.count("<tr>") == 4  # the head and three changes
    booked, approved, cancelled = history.index("Booked"), history.index("Confirmed"), history.index("临时检修")
    assert booked < approved < cancelled
    assert "Awaiting approval" in history and "社区管理员" in history and "居民甲" in history
    assert [(e[0], e[1], e[3]) for e in events(pending)] == [
        (None, "pending", ""),
        ("pending", "confirmed", ""),
        ("confirmed", "cancelled", "临时检修"),
    ]


def test_a_booking_without_recorded_history_still_starts_with_booked(client, auth, town):
    written = make_booking(town.room, town.resident, at(MONDAY, "14:00"), at(MONDAY, "15:00"))
    sign_in_as(auth, town.resident)
    text = client.get(f"/bookings/{written.id}").get_data(as_text=True)
    history = text[text.index('id="history-heading"') :]
    assert history.count("<tr>") == 2 and "Booked" in history


def test_a_booking_of_a_series_says_so_and_links_to_it(client, auth, town):
    series = BookingSeries(
        resource_id=town.room.id, user_id=town.resident.id, rule="FREQ=WEEKLY;COUNT=2", starts_on=MONDAY
    )
    db.session.add(series)
    db.session.commit()
    booking = make_booking(town.room, town.resident, at(MONDAY, "14:00"), at(MONDAY, "15:00"), series_id=series.id)
    sign_in_as(auth, town.resident)
    text = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "part of a recurring series" in text


# --- cancelling -------------------------------------------------------------------


def test_the_booker_cancels_without_a_reason_and_is_not_notified_of_their_own_cancellation(
    client, auth, town, unit_booking
):
    sign_in_as(auth, town.staff)
    response = client.post_form(f"/bookings/{unit_booking.id}/cancel", {"reason": ""})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/bookings/{unit_booking.id}")
    assert status_of(unit_booking) == "cancelled"
    assert events(unit_booking)[-1][:3] == ("confirmed", "cancelled", town.staff.id)
    assert notices(town.staff) == []
    assert "Your booking is cancelled." in client.get(f"/bookings/{unit_booking.id}").get_data(as_text=True)


def test_past_the_deadline_the_booker_may_not_cancel_but_a_manager_may(client, auth, town):
    soon = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=30)  # the room's deadline is an hour
    booking = make_booking(town.room, town.resident, soon, soon + timedelta(hours=1))
    sign_in_as(auth, town.resident)
    page = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert "too late to cancel" in page and f'action="/bookings/{booking.id}/cancel"' not in page
    client.post_form(f"/bookings/{booking.id}/cancel", {"reason": "有事"})
    assert status_of(booking) == "confirmed"
    sign_in_as(auth, town.manager)
    client.post_form(f"/bookings/{booking.id}/cancel", {"reason": "停电"})
    assert status_of(booking) == "cancelled"


def test_a_manager_must_give_a_reason_and_it_reaches_the_booker(client, auth, town, unit_booking):
    sign_in_as(auth, town.manager)
    page = client.get(f"/bookings/{unit_booking.id}").get_data(as_text=True)
    assert "Reason the booker is told" in page
    client.post_form(f"/bookings/{unit_booking.id}/cancel", {"reason": "  "})
    assert status_of(unit_booking) == "confirmed"
    assert "Give a reason" in client.get(f"/bookings/{unit_booking.id}").get_data(as_text=True)
    client.post_form(f"/bookings/{unit_booking.id}/cancel", {"reason": "路面维修"})
    assert status_of(unit_booking) == "cancelled"
    assert notices(town.staff) == [("booking_cancelled", unit_booking.id, "路面维修")]


def test_the_units_manager_cancels_its_staffs_booking_with_a_reason(client, auth, town, unit_booking):
    sign_in_as(auth, town.unit_manager)
    client.post_form(f"/bookings/{unit_booking.id}/cancel", {"reason": "单位活动取消"})
    assert status_of(unit_booking) == "cancelled"
    assert notices(town.staff) == [("booking_cancelled", unit_booking.id, "单位活动取消")]


def test_cancelling_twice_says_it_can_no_longer_be_cancelled(client, auth, town, unit_booking):
    sign_in_as(auth, town.staff)
    client.post_form(f"/bookings/{unit_booking.id}/cancel")
    client.post_form(f"/bookings/{unit_booking.id}/cancel")
    assert "can no longer be cancelled" in client.get(f"/bookings/{unit_booking.id}").get_data(as_text=True)


def test_a_form_without_its_csrf_token_is_refused(client, auth, town, unit_booking):
    sign_in_as(auth, town.staff)
    assert client.post(f"/bookings/{unit_booking.id}/cancel", data={"reason": ""}).status_code == 400
    assert status_of(unit_booking) == "confirmed"


@pytest.mark.parametrize(
    ("next_", "lands"),
    [
        pytest.param("/bookings/approvals?org=T-S-01", "/bookings/approvals?org=T-S-01", id="a local path is kept"),
        pytest.param("https://evil.example/", "/bookings/{id}", id="another site falls back to the booking"),
        pytest.param("//evil.example/", "/bookings/{id}", id="a protocol-relative address falls back"),
        pytest.param("/\\evil.example/", "/bookings/{id}", id="a backslash trick falls back"),
    ],
)
def test_actions_go_back_only_to_a_page_of_this_site(client, auth, town, pending, next_, lands):
    sign_in_as(auth, town.manager)
    response = client.post_form(f"/bookings/{pending.id}/approve", {"next": next_})
    assert response.headers["Location"] == lands.format(id=pending.id)


# --- approving and rejecting --------------------------------------------------------


def test_a_manager_approves_in_one_post_and_the_booker_is_told(client, auth, town, pending):
    sign_in_as(auth, town.manager)
    page = client.get(f"/bookings/{pending.id}").get_data(as_text=True)
    assert f'action="/bookings/{pending.id}/approve"' in page and f'action="/bookings/{pending.id}/reject"' in page
    client.post_form(f"/bookings/{pending.id}/approve")
    assert status_of(pending) == "confirmed"
    assert notices(town.resident) == [("booking_approved", pending.id, "")]
    assert events(pending)[-1][:3] == ("pending", "confirmed", town.manager.id)
    client.post_form(f"/bookings/{pending.id}/approve")
    assert "no longer waiting for a decision" in client.get(f"/bookings/{pending.id}").get_data(as_text=True)


def test_rejecting_needs_a_reason_which_reaches_the_booker(client, auth, town, pending):
    sign_in_as(auth, town.manager)
    client.post_form(f"/bookings/{pending.id}/reject", {"reason": ""})
    assert status_of(pending) == "pending"
    client.post_form(f"/bookings/{pending.id}/reject", {"reason": "当天有社区活动"})
    assert status_of(pending) == "rejected"
    assert notices(town.resident) == [("booking_rejected", pending.id, "当天有社区活动")]


@pytest.mark.parametrize(
    "who",
    [pytest.param("staff", id="the booker"), pytest.param("unit_manager", id="the unit's manager, who may see it")],
)
def test_only_the_owners_managers_decide(client, auth, town, who):
    booking = place(town.staff, town.room, at(MONDAY, "15:00"), at(MONDAY, "16:00"), on_behalf_of=town.city["unit"])
    assert booking.status == "pending"
    sign_in_as(auth, getattr(town, who))
    assert client.get(f"/bookings/{booking.id}").status_code == 200
    for action in ("approve", "reject"):
        assert client.post_form(f"/bookings/{booking.id}/{action}", {"reason": "不行"}).status_code == 403
    assert status_of(booking) == "pending"


def test_the_booker_sees_no_decision_buttons(client, auth, town, pending):
    sign_in_as(auth, town.resident)
    page = client.get(f"/bookings/{pending.id}").get_data(as_text=True)
    assert "/approve" not in page and "Awaiting approval" in page


# --- add to calendar ----------------------------------------------------------------


def test_the_calendar_file_is_one_event_at_the_bookings_times_in_its_zone(client, auth, town, unit_booking):
    sign_in_as(auth, town.staff)
    response = client.get(f"/bookings/{unit_booking.id}.ics")
    assert response.status_code == 200 and response.mimetype == "text/calendar"
    calendar = icalendar.Calendar.from_ical(response.data)
    assert "UID" not in calendar
    assert str(calendar["PRODID"]).isascii() and str(calendar["VERSION"]) == "2.0"
    (event,) = calendar.walk("VEVENT")
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    # Local times with their zone (a VTIMEZONE goes with them): the same instants as the booking's.
    assert event["DTSTART"].params["TZID"] == "Asia/Shanghai" and calendar.walk("VTIMEZONE")
    assert (start, end) == (unit_booking.start, unit_booking.end)
    assert str(event["UID"]) == f"booking-{unit_booking.id}@linli"
    assert str(event["SUMMARY"]) == "一号停车场"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert f"/bookings/{unit_booking.id}" in str(event["URL"])
    assert client.get(f"/bookings/{unit_booking.id}.ics").data == response.data  # stable bytes


def test_a_pending_booking_is_tentative_and_a_cancelled_one_cancelled_in_the_calendar(client, auth, town, pending):
    sign_in_as(auth, town.resident)
    event = icalendar.Calendar.from_ical(client.get(f"/bookings/{pending.id}.ics").data).walk("VEVENT")[0]
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("TENTATIVE", 0)
    client.post_form(f"/bookings/{pending.id}/cancel")
    event = icalendar.Calendar.from_ical(client.get(f"/bookings/{pending.id}.ics").data).walk("VEVENT")[0]
    assert (str(event["STATUS"]), int(event["SEQUENCE"])) == ("CANCELLED", 1)
