"""The approval queue: the pending bookings of what the manager's organisations own, soonest first,
approved or rejected in one POST each from the card, and the menu's count."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bookings.console import count_pending_approvals
from app.bookings.models import Booking, Notification
from app.db import utcnow
from app.extensions import db
from app.organisations.services import set_membership
from tests.bookings.town import make_town, place, sign_in_as
from tests.factories import make_booking, make_membership, make_resource, make_window
from tests.when import at, count_statements, next_monday

MONDAY = next_monday()
TUESDAY = MONDAY + timedelta(days=1)


@pytest.fixture
def town(app):
    return make_town()


def card_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'id="card-(\d+)"', html)]


def status_of(booking) -> str:
    return db.session.get(Booking, booking.id, populate_existing=True).status


def test_a_manager_sees_the_pending_bookings_of_their_resources_soonest_first(client, auth, town):
    later = place(town.resident, town.room, at(TUESDAY, "10:00"), at(TUESDAY, "11:00"))
    sooner = place(town.stranger, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"), purpose="读书会")
    make_booking(town.room, town.resident, at(MONDAY, "12:00"), at(MONDAY, "13:00"))  # confirmed: not asked
    past = utcnow() - timedelta(hours=2)
    make_booking(town.room, town.resident, past, past + timedelta(hours=1), status="pending")  # too late to ask
    make_booking(town.hall, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"), status="pending")  # not theirs
    sign_in_as(auth, town.manager)
    page = client.get("/bookings/approvals")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert card_ids(text) == [sooner.id, later.id]
    assert "居民乙" in text and "读书会" in text and "会议室" in text
    assert "2 bookings await a decision." in text
    # One tap each: an Approve form, and a Reject form whose reason is required, with a label.
    assert text.count(f'action="/bookings/{sooner.id}/approve"') == 1
    assert f'<label class="form-label" for="reject-reason-{sooner.id}">' in text
    assert f'id="reject-reason-{sooner.id}" name="reason" rows="2" maxlength="300" required' in text


def test_approving_from_the_queue_is_one_post_and_comes_back_to_the_queue(client, auth, town):
    booking = place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    sign_in_as(auth, town.manager)
    response = client.post_form(f"/bookings/{booking.id}/approve", {"next": "/bookings/approvals"})
    assert response.status_code == 302 and response.headers["Location"] == "/bookings/approvals"
    assert status_of(booking) == "confirmed"
    note = db.session.scalar(select(Notification).where(Notification.user_id == town.resident.id))
    assert (note.kind, note.booking_id) == ("booking_approved", booking.id)
    text = client.get("/bookings/approvals").get_data(as_text=True)
    assert "Approved:" in text and card_ids(text) == [] and "Nothing awaits your decision." in text


def test_rejecting_from_the_queue_needs_its_reason_and_the_booker_reads_it(client, auth, town):
    booking = place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    sign_in_as(auth, town.manager)
    client.post_form(f"/bookings/{booking.id}/reject", {"next": "/bookings/approvals", "reason": ""})
    assert status_of(booking) == "pending"
    text = client.get("/bookings/approvals").get_data(as_text=True)
    assert "Give a reason: the booker reads it." in text and card_ids(text) == [booking.id]
    client.post_form(f"/bookings/{booking.id}/reject", {"next": "/bookings/approvals", "reason": "设备检修"})
    assert status_of(booking) == "rejected"
    note = db.session.scalar(select(Notification).where(Notification.user_id == town.resident.id))
    assert (note.kind, note.reason) == ("booking_rejected", "设备检修")


def test_a_manager_of_several_organisations_filters_by_one(client, auth, town):
    make_membership(town.manager, town.city["c2"], "manager")
    ours = place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    theirs = make_booking(town.hall, town.stranger, at(MONDAY, "09:00"), at(MONDAY, "10:00"), status="pending")
    sign_in_as(auth, town.manager)
    text = client.get("/bookings/approvals").get_data(as_text=True)
    assert card_ids(text) == [theirs.id, ours.id]
    assert '<label for="org" class="form-label">' in text
    assert card_ids(client.get("/bookings/approvals?org=T-S-02").get_data(as_text=True)) == [theirs.id]
    assert card_ids(client.get("/bookings/approvals?org=T-S-01").get_data(as_text=True)) == [ours.id]
    assert card_ids(client.get("/bookings/approvals?org=U-T").get_data(as_text=True)) == [theirs.id, ours.id]


def test_a_manager_of_one_organisation_gets_no_filter(client, auth, town):
    place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    sign_in_as(auth, town.manager)
    assert 'name="org"' not in client.get("/bookings/approvals").get_data(as_text=True)


def test_an_admin_sees_every_pending_booking(client, auth, town):
    ours = place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    theirs = make_booking(town.hall, town.stranger, at(MONDAY, "09:00"), at(MONDAY, "10:00"), status="pending")
    sign_in_as(auth, town.admin)
    assert card_ids(client.get("/bookings/approvals").get_data(as_text=True)) == [theirs.id, ours.id]


@pytest.mark.parametrize(
    "who",
    [
        pytest.param("stranger", id="another resident"),
        pytest.param("staff", id="a unit member"),
        pytest.param("other_manager", id="the manager of another organisation"),
        pytest.param("unit_manager", id="the manager of a unit that owns nothing"),
    ],
)
def test_others_see_an_empty_queue_and_cannot_decide(client, auth, town, who):
    booking = place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    sign_in_as(auth, getattr(town, who))
    text = client.get("/bookings/approvals").get_data(as_text=True)
    assert card_ids(text) == [] and "Nothing awaits your decision." in text
    assert client.post_form(f"/bookings/{booking.id}/approve").status_code == 404
    assert status_of(booking) == "pending"


def test_anonymous_visitors_are_sent_to_sign_in(client, town):
    response = client.get("/bookings/approvals")
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


# --- the menu ---------------------------------------------------------------------------


def approvals_link(html: str) -> str | None:
    found = re.search(r'<a class="nav-link" href="/bookings/approvals">(.*?)</a>', html)
    return found.group(1) if found else None


def test_the_menu_counts_what_awaits_the_manager_in_words_not_colour(client, auth, town):
    for hour in (10, 12):
        place(town.resident, town.room, at(MONDAY, f"{hour}:00"), at(MONDAY, f"{hour + 1}:00"))
    sign_in_as(auth, town.manager)
    link = approvals_link(client.get("/").get_data(as_text=True))
    assert link is not None and "Approvals" in link
    assert '<span class="badge text-bg-light">2<span class="visually-hidden"> awaiting a decision</span></span>' in link


def test_the_menu_shows_no_badge_when_nothing_waits_and_no_link_to_non_managers(client, auth, town):
    sign_in_as(auth, town.manager)
    assert approvals_link(client.get("/").get_data(as_text=True)) == "Approvals"
    sign_in_as(auth, town.resident)
    assert approvals_link(client.get("/").get_data(as_text=True)) is None


def test_the_count_is_one_query_and_stops_at_a_hundred(app, town):
    room = make_resource("T-S-01-M2", town.city["c1"], kind="meeting_room", capacity=200)
    make_window(room)
    start = utcnow().replace(microsecond=0) + timedelta(days=1)
    db.session.add_all(
        Booking(
            resource_id=room.id, user_id=town.resident.id, start=start, end=start + timedelta(hours=1), status="pending"
        )
        for _ in range(120)
    )
    db.session.commit()
    manager, now = town.manager, utcnow()
    assert manager.is_admin is False  # loaded before counting
    with count_statements() as statements:
        assert count_pending_approvals(manager, now=now) == 100
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 1
    assert count_pending_approvals(town.admin, now=utcnow()) == 100


def test_a_member_who_becomes_manager_sees_the_queue(client, auth, town):
    booking = place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    set_membership(town.staff, town.city["c1"], "manager")
    db.session.commit()
    sign_in_as(auth, town.staff)
    assert card_ids(client.get("/bookings/approvals").get_data(as_text=True)) == [booking.id]
