"""A closure made over bookings: its managers cancel them all with notice, in one go, each booker
reading the reason in their inbox."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bookings.models import Booking, BookingEvent, Notification
from app.extensions import db
from tests.bookings.town import make_town, sign_in_as
from tests.factories import make_booking, make_closure
from tests.when import at, next_monday

MONDAY = next_monday()


@pytest.fixture
def town(app):
    return make_town()


@pytest.fixture
def booked(town):
    """Three bookings on Monday: two in the morning, in the closure, and one in the afternoon."""
    return {
        "room": make_booking(town.room, town.resident, at(MONDAY, "09:00"), at(MONDAY, "10:00"), status="pending"),
        "parking": make_booking(
            town.parking,
            town.staff,
            at(MONDAY, "09:00"),
            at(MONDAY, "11:00"),
            quantity=3,
            on_behalf_of_id=town.city["unit"].id,
        ),
        "afternoon": make_booking(town.room, town.stranger, at(MONDAY, "14:00"), at(MONDAY, "15:00")),
        "cancelled": make_booking(
            town.room, town.stranger, at(MONDAY, "10:00"), at(MONDAY, "11:00"), status="cancelled"
        ),
    }


def statuses(booked) -> dict[str, str]:
    return {name: db.session.get(Booking, b.id, populate_existing=True).status for name, b in booked.items()}


def notices() -> list[tuple[int, str, int, str]]:
    rows = db.session.scalars(select(Notification).order_by(Notification.booking_id))
    return [(n.user_id, n.kind, n.booking_id, n.reason) for n in rows]


def test_the_impact_page_offers_to_cancel_them_with_the_closures_reason(client, auth, town, booked):
    closure = make_closure(at(MONDAY, "08:00"), at(MONDAY, "12:00"), organisation=town.city["c1"], reason="全面停电")
    sign_in_as(auth, town.manager)
    text = client.get(f"/bookings/closures/{closure.id}").get_data(as_text=True)
    assert f'action="/bookings/closures/{closure.id}/cancel-affected"' in text
    assert '<label class="form-label" for="reason">Reason the bookers are told</label>' in text
    assert "全面停电</textarea>" in text and "This cancels all 2 bookings in this time" in text
    assert "Cancel 2 bookings" in text
    assert f'href="/bookings/{booked["room"].id}"' in text


def test_an_organisation_closure_cancels_every_affected_booking_and_tells_each_booker(client, auth, town, booked):
    closure = make_closure(at(MONDAY, "08:00"), at(MONDAY, "12:00"), organisation=town.city["c1"], reason="全面停电")
    sign_in_as(auth, town.manager)
    response = client.post_form(f"/bookings/closures/{closure.id}/cancel-affected", {"reason": "全面停电，抱歉"})
    assert response.status_code == 302 and response.headers["Location"] == f"/bookings/closures/{closure.id}"
    assert statuses(booked) == {
        "room": "cancelled",
        "parking": "cancelled",
        "afternoon": "confirmed",
        "cancelled": "cancelled",
    }
    assert notices() == sorted(
        [
            (town.resident.id, "booking_cancelled", booked["room"].id, "全面停电，抱歉"),
            (town.staff.id, "booking_cancelled", booked["parking"].id, "全面停电，抱歉"),
        ],
        key=lambda n: n[2],
    )
    steps = db.session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booked["room"].id)).all()
    assert [(s.from_status, s.to_status, s.actor_id, s.reason) for s in steps] == [
        ("pending", "cancelled", town.manager.id, "全面停电，抱歉")
    ]
    text = client.get(f"/bookings/closures/{closure.id}").get_data(as_text=True)
    assert "2 bookings are cancelled; their bookers are told why." in text
    assert "No bookings fall in this time" in text


def test_a_resource_closure_cancels_only_that_resources_bookings(client, auth, town, booked):
    closure = make_closure(at(MONDAY, "08:00"), at(MONDAY, "12:00"), resource=town.parking, reason="划线")
    sign_in_as(auth, town.manager)
    client.post_form(f"/bookings/closures/{closure.id}/cancel-affected", {"reason": "划线"})
    assert statuses(booked)["parking"] == "cancelled" and statuses(booked)["room"] == "pending"
    assert "1 booking is cancelled; its booker is told why." in client.get(f"/bookings/closures/{closure.id}").get_data(
        as_text=True
    )


def test_a_reason_is_needed(client, auth, town, booked):
    closure = make_closure(at(MONDAY, "08:00"), at(MONDAY, "12:00"), resource=town.parking)
    sign_in_as(auth, town.manager)
    client.post_form(f"/bookings/closures/{closure.id}/cancel-affected", {"reason": "  "})
    assert statuses(booked)["parking"] == "confirmed"
    assert "Give a reason: the bookers read it." in client.get(f"/bookings/closures/{closure.id}").get_data(
        as_text=True
    )


def test_nothing_to_cancel_says_so(client, auth, town):
    closure = make_closure(at(MONDAY, "08:00"), at(MONDAY, "12:00"), resource=town.parking)
    sign_in_as(auth, town.manager)
    client.post_form(f"/bookings/closures/{closure.id}/cancel-affected", {"reason": "维修"})
    assert "No booking needed cancelling." in client.get(f"/bookings/closures/{closure.id}").get_data(as_text=True)


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("resident", id="a resident with a booking in it"),
        pytest.param("staff", id="a unit member"),
        pytest.param("unit_manager", id="a unit manager whose staff booked in it"),
        pytest.param("other_manager", id="the manager of another community"),
    ],
)
def test_only_the_closures_managers_may_cancel_its_bookings(client, auth, town, booked, who):
    closure = make_closure(at(MONDAY, "08:00"), at(MONDAY, "12:00"), organisation=town.city["c1"])
    sign_in_as(auth, getattr(town, who))
    assert client.post_form(f"/bookings/closures/{closure.id}/cancel-affected", {"reason": "x"}).status_code == 403
    assert statuses(booked)["room"] == "pending" and notices() == []


def test_anonymous_visitors_are_sent_to_sign_in_and_unknown_closures_are_not_found(client, auth, town):
    response = client.post_form("/bookings/closures/1/cancel-affected", {"reason": "x"})
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]
    sign_in_as(auth, town.admin)
    assert client.post_form("/bookings/closures/999/cancel-affected", {"reason": "x"}).status_code == 404


def test_an_admin_cancels_a_closures_bookings_across_a_day(client, auth, town, booked):
    closure = make_closure(at(MONDAY, "00:00"), at(MONDAY, "00:00") + timedelta(days=1), organisation=town.city["c1"])
    sign_in_as(auth, town.admin)
    client.post_form(f"/bookings/closures/{closure.id}/cancel-affected", {"reason": "全天停业"})
    assert set(statuses(booked).values()) == {"cancelled"}
    assert len(notices()) == 3
