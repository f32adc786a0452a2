"""The in-app inbox: what happened to one's bookings in sentences, newest first, read once shown,
and the menu's unread count (one query, only for signed-in users)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bookings.console import count_unread
from app.bookings.models import Notification
from app.bookings.placing import cancel_booking, decide_pending
from app.db import transaction, utcnow
from app.extensions import db
from tests.bookings.town import make_town, place, sign_in_as
from tests.factories import make_booking
from tests.when import at, count_statements, next_monday

MONDAY = next_monday()


@pytest.fixture
def town(app):
    return make_town()


def notify(user, kind, booking=None, reason="", minutes_ago=0):
    note = Notification(
        user_id=user.id,
        kind=kind,
        booking_id=booking.id if booking is not None else None,
        reason=reason,
        created_at=utcnow() - timedelta(minutes=minutes_ago),
    )
    db.session.add(note)
    db.session.commit()
    return note


def items(html: str) -> list[str]:
    return re.findall(r'<p class="mb-1">(.*?)</p>', html)


def test_decisions_and_cancellations_read_as_sentences_newest_first_with_reasons(client, auth, town):
    approved = place(town.resident, town.room, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    rejected = place(town.resident, town.room, at(MONDAY, "14:00"), at(MONDAY, "15:00"))
    with transaction(db.session, write_lock=True):
        decide_pending(approved, approve=True, actor=town.manager, now=utcnow() - timedelta(minutes=2))
    with transaction(db.session, write_lock=True):
        decide_pending(
            rejected, approve=False, actor=town.manager, reason="已有活动", now=utcnow() - timedelta(minutes=1)
        )
    with transaction(db.session, write_lock=True):
        cancel_booking(approved, actor=town.manager, reason="停电检修", now=utcnow(), as_manager=True)
    sign_in_as(auth, town.resident)
    page = client.get("/bookings/inbox")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert items(text) == [
        f"Your booking of 会议室 on {when(text, 'cancelled')} was cancelled by its managers.",
        "Reason: 停电检修",
        f"Your booking of 会议室 on {when(text, 'not approved')} was not approved.",
        "Reason: 已有活动",
        f"Your booking of 会议室 on {when(text, 'approved')} was approved.",
    ]
    assert "10:00–11:00" in text and "14:00–15:00" in text
    assert text.count(f'href="/bookings/{approved.id}">Open the booking') == 2
    assert text.count(f'href="/bookings/{rejected.id}">Open the booking') == 1
    assert text.count(">New</span>") == 3


def when(html: str, ending: str) -> str:
    found = re.search(rf"Your booking of 会议室 on (.*?) was {ending}", html)
    assert found, ending
    return found.group(1)


def test_what_is_shown_is_marked_read_and_no_longer_new(client, auth, town):
    booking = make_booking(town.room, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    notify(town.resident, "booking_approved", booking)
    sign_in_as(auth, town.resident)
    assert ">New</span>" in client.get("/bookings/inbox").get_data(as_text=True)
    note = db.session.scalar(select(Notification).where(Notification.user_id == town.resident.id))
    assert note.read_at is not None
    assert ">New</span>" not in client.get("/bookings/inbox").get_data(as_text=True)


def test_the_inbox_shows_only_ones_own_notices(client, auth, town):
    booking = make_booking(town.room, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    notify(town.resident, "booking_rejected", booking, reason="私事")
    sign_in_as(auth, town.stranger)
    text = client.get("/bookings/inbox").get_data(as_text=True)
    assert "私事" not in text and "No notices yet." in text
    assert db.session.scalar(select(Notification.read_at)) is None  # not marked read by someone else


@pytest.mark.parametrize(
    ("kind", "sentence"),
    [
        pytest.param(
            "waitlist_promoted", "A place came free: you now have a booking of 会议室", id="from the waitlist"
        ),
        pytest.param("booking_no_show", "was marked as not used", id="a no-show"),
        pytest.param("something_new", "News about your booking of 会议室", id="a kind this page does not know yet"),
    ],
)
def test_other_kinds_read_as_sentences_too(client, auth, town, kind, sentence):
    booking = make_booking(town.room, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    notify(town.resident, kind, booking)
    sign_in_as(auth, town.resident)
    assert sentence in client.get("/bookings/inbox").get_data(as_text=True)


@pytest.mark.parametrize(
    ("kind", "link"),
    [
        pytest.param("agreement_to_sign", '<a href="/pairing/">Go to Pairing</a>', id="an agreement to sign"),
        pytest.param("agreement_item_due", '<a href="/pairing/">Go to Pairing</a>', id="a co-building item due"),
        pytest.param("service_item_claimed", '<a href="/service-items/">Go to Service items</a>', id="a claim"),
        pytest.param("service_item_completed", '<a href="/service-items/mine">Go to My claims</a>', id="completed"),
        pytest.param("service_item_cancelled", '<a href="/service-items/mine">Go to My claims</a>', id="withdrawn"),
    ],
)
def test_a_notice_about_no_booking_links_to_where_it_is_acted_on(client, auth, town, kind, link):
    notify(town.resident, kind, reason="2026年度共建协议 (测试中学 / 一号社区)")
    sign_in_as(auth, town.resident)
    text = client.get("/bookings/inbox").get_data(as_text=True)
    assert "2026年度共建协议" in text and link in text
    assert "Open the booking" not in text


def test_a_notice_the_inbox_has_no_page_for_has_no_link(client, auth, town):
    notify(town.resident, "something_new", reason="x")
    sign_in_as(auth, town.resident)
    text = client.get("/bookings/inbox").get_data(as_text=True)
    assert "A notice about one of your bookings." in text and "Go to" not in text


def test_anonymous_visitors_are_sent_to_sign_in(client, town):
    response = client.get("/bookings/inbox")
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


# --- the menu's count ------------------------------------------------------------------


def inbox_link(html: str) -> str | None:
    found = re.search(r'<a class="nav-link" href="/bookings/inbox">(.*?)</a>', html)
    return found.group(1) if found else None


def test_the_menu_shows_the_unread_count_in_words_until_the_inbox_is_read(client, auth, town):
    booking = make_booking(town.room, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    for minutes in (3, 2):
        notify(town.resident, "booking_approved", booking, minutes_ago=minutes)
    sign_in_as(auth, town.resident)
    link = inbox_link(client.get("/").get_data(as_text=True))
    assert link == 'Inbox <span class="badge text-bg-light">2<span class="visually-hidden"> unread</span></span>'
    assert inbox_link(client.get("/bookings/inbox").get_data(as_text=True)) == "Inbox"  # read as it is shown
    assert inbox_link(client.get("/").get_data(as_text=True)) == "Inbox"


def test_anonymous_pages_have_no_inbox_and_never_count(client, town):
    with count_statements() as statements:
        html = client.get("/directory/").get_data(as_text=True)
    assert inbox_link(html) is None
    assert not [s for s in statements if "notifications" in s]


def test_a_signed_in_page_counts_the_unread_in_one_query(client, auth, town):
    sign_in_as(auth, town.resident)
    with count_statements() as statements:
        client.get("/directory/")
    assert len([s for s in statements if "FROM notifications" in s]) == 1


def test_the_count_stops_at_a_hundred(app, town):
    booking = make_booking(town.room, town.resident, at(MONDAY, "10:00"), at(MONDAY, "11:00"))
    db.session.add_all(
        Notification(user_id=town.resident.id, kind="booking_approved", booking_id=booking.id) for _ in range(105)
    )
    db.session.commit()
    assert count_unread(town.resident) == 100
