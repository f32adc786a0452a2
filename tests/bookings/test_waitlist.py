"""The waitlist: only a full time may be waited for, and capacity given back (cancelled, rejected,
no-show) goes to the first in line who may still have it, with a notification."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.bookings.attendance import mark_no_shows
from app.bookings.models import Booking, BookingEvent, Notification, WaitlistEntry
from app.bookings.placing import BookingRefusedError, Placement, cancel_booking, decide_pending, lock_resource
from app.bookings.waitlist import join_waitlist, leave_waitlist, list_waiting, promote_waiting
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.resources import Policy
from app.extensions import db
from app.organisations.services import get_membership, remove_membership
from tests.factories import make_article_parking, make_booking, make_membership, make_unit_staff, make_user
from tests.when import at, next_monday

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)
MONDAY = next_monday()


def lot(city, **policy):
    return make_article_parking(city["c1"], replace(POLICY, **policy))


@pytest.fixture
def parking(city):
    return lot(city)


@pytest.fixture
def holder(city):
    return make_unit_staff(city["unit"], name="占位职工")


def fill(parking, holder, city, start="09:00", end="10:00", *, status="confirmed"):
    """The lot full over [start, end): 39 spaces held by someone, the last one by `holder`."""
    make_booking(parking, make_user(), at(MONDAY, start), at(MONDAY, end), quantity=39)
    return make_booking(parking, holder, at(MONDAY, start), at(MONDAY, end), on_behalf_of=city["unit"], status=status)


def join(user, parking, city, start="09:00", end="10:00", quantity=1, **fields):
    fields.setdefault("on_behalf_of", city["unit"])
    placement = Placement(parking.id, at(MONDAY, start), at(MONDAY, end), quantity, **fields)
    with transaction(db.session, write_lock=True):
        entry = join_waitlist(user, placement, now=utcnow())
    return entry


def entry_status(entry) -> str:
    return db.session.get(WaitlistEntry, entry.id).status


def notifications(user, kind):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
    ).all()


def test_first_in_line_gets_the_space_a_cancellation_frees_and_is_told(parking, holder, city):
    booking = fill(parking, holder, city)
    first, second = make_unit_staff(city["unit"]), make_unit_staff(city["unit"])
    first_entry = join(first, parking, city, purpose="来访")
    second_entry = join(second, parking, city)
    with transaction(db.session, write_lock=True):
        cancel_booking(booking, actor=holder, now=utcnow())
    entry = db.session.get(WaitlistEntry, first_entry.id)
    assert entry.status == "promoted" and entry.decided_at is not None
    promoted = db.session.get(Booking, entry.booking_id)
    assert (promoted.user_id, promoted.status, promoted.quantity) == (first.id, "confirmed", 1)
    assert (promoted.start, promoted.on_behalf_of_id, promoted.purpose) == (
        at(MONDAY, "09:00"),
        city["unit"].id,
        "来访",
    )
    [note] = notifications(first, "waitlist_promoted")
    assert note.booking_id == promoted.id
    [made] = db.session.scalars(select(BookingEvent).where(BookingEvent.booking_id == promoted.id)).all()
    assert (made.from_status, made.to_status, made.actor_id, made.reason) == (
        None,
        "confirmed",
        first.id,
        "waitlist_promoted",
    )
    # The lot is full again: the second stays in line.
    assert entry_status(second_entry) == "waiting" and not notifications(second, "waitlist_promoted")


def test_first_in_line_gets_the_space_a_rejection_frees_pending_as_the_lot_asks(city, holder):
    parking = lot(city, requires_approval=True)
    booking = fill(parking, holder, city, status="pending")
    waiting = make_unit_staff(city["unit"])
    entry = join(waiting, parking, city)
    manager = make_user()
    make_membership(manager, city["c1"], "manager")
    with transaction(db.session, write_lock=True):
        decide_pending(booking, approve=False, actor=manager, reason="另有安排", now=utcnow())
    promoted = db.session.get(Booking, db.session.get(WaitlistEntry, entry.id).booking_id)
    assert (promoted.user_id, promoted.status) == (waiting.id, "pending")
    assert notifications(waiting, "waitlist_promoted")


def test_approving_frees_nothing_and_promotes_no_one(city, holder):
    parking = lot(city, requires_approval=True)
    booking = fill(parking, holder, city, status="pending")
    entry = join(make_unit_staff(city["unit"]), parking, city)
    manager = make_user(is_admin=True)
    with transaction(db.session, write_lock=True):
        decide_pending(booking, approve=True, actor=manager, now=utcnow())
    assert entry_status(entry) == "waiting"


def test_first_in_line_gets_the_space_a_no_show_frees(city, holder):
    parking = lot(city, checkin_required=True, checkin_grace_minutes=15)
    # The holder's space from 09:00 to 12:00; from 10:00 the other 39 are taken as well.
    no_show = make_booking(parking, holder, at(MONDAY, "09:00"), at(MONDAY, "12:00"), on_behalf_of=city["unit"])
    make_booking(parking, make_user(), at(MONDAY, "10:00"), at(MONDAY, "11:00"), quantity=39)
    waiting = make_unit_staff(city["unit"])
    entry = join(waiting, parking, city, "10:00", "11:00")
    with transaction(db.session, write_lock=True):
        assert mark_no_shows(now=at(MONDAY, "09:16")) == 1
    assert db.session.get(Booking, no_show.id).status == "no_show"
    promoted = db.session.get(Booking, db.session.get(WaitlistEntry, entry.id).booking_id)
    assert (promoted.user_id, promoted.start, promoted.status) == (waiting.id, at(MONDAY, "10:00"), "confirmed")
    assert notifications(waiting, "waitlist_promoted")


def test_a_first_in_line_no_longer_eligible_is_skipped_for_the_next(parking, holder, city):
    booking = fill(parking, holder, city)
    first, second = make_unit_staff(city["unit"]), make_unit_staff(city["unit"])
    first_entry, second_entry = join(first, parking, city), join(second, parking, city)
    remove_membership(get_membership(first, city["unit"]))  # no longer staff: may not book for the unit
    db.session.commit()
    with transaction(db.session, write_lock=True):
        cancel_booking(booking, actor=holder, now=utcnow())
    assert entry_status(first_entry) == "waiting"
    second_now = db.session.get(WaitlistEntry, second_entry.id)
    assert second_now.status == "promoted"
    assert db.session.get(Booking, second_now.booking_id).user_id == second.id


def test_one_waiting_for_more_than_is_freed_lets_a_smaller_request_behind_through(parking, holder, city):
    booking = fill(parking, holder, city)
    big, small = make_unit_staff(city["unit"]), make_unit_staff(city["unit"])
    big_entry = join(big, parking, city, quantity=2)
    small_entry = join(small, parking, city, quantity=1)
    with transaction(db.session, write_lock=True):
        cancel_booking(booking, actor=holder, now=utcnow())
    assert (entry_status(big_entry), entry_status(small_entry)) == ("waiting", "promoted")


def test_capacity_freed_at_another_time_promotes_no_one(parking, holder, city):
    fill(parking, holder, city)
    elsewhere = make_booking(parking, holder, at(MONDAY, "14:00"), at(MONDAY, "15:00"), on_behalf_of=city["unit"])
    entry = join(make_unit_staff(city["unit"]), parking, city)
    with transaction(db.session, write_lock=True):
        cancel_booking(elsewhere, actor=holder, now=utcnow())
    assert entry_status(entry) == "waiting"


def test_places_in_line_whose_start_has_passed_lapse(parking, holder, city):
    fill(parking, holder, city)
    entry = join(make_unit_staff(city["unit"]), parking, city)
    with transaction(db.session, write_lock=True):
        lock_resource(parking.id)
        assert promote_waiting(parking.id, now=at(MONDAY, "09:30")) == []
    assert entry_status(entry) == "lapsed"


def test_joining_when_there_is_room_is_refused_book_instead(parking, city):
    with pytest.raises(DomainError) as caught:
        join(make_unit_staff(city["unit"]), parking, city)
    assert caught.value.code == "not_full"
    assert db.session.scalar(select(WaitlistEntry.id)) is None


@pytest.mark.parametrize(
    ("start", "end", "acting", "code"),
    [
        ("08:00", "09:00", True, "outside_window"),  # the lot opens to units at 08:30
        ("09:00", "10:00", False, "not_eligible"),  # staff for themselves: no window is theirs
        ("09:00", "09:45", True, "misaligned"),
    ],
    ids=["outside hours", "not eligible", "misaligned"],
)
def test_joining_is_refused_for_any_reason_but_capacity_as_booking_would_be(
    parking, holder, city, start, end, acting, code
):
    fill(parking, holder, city, "08:00", "10:00")
    with pytest.raises(BookingRefusedError) as caught:
        join(make_unit_staff(city["unit"]), parking, city, start, end, on_behalf_of=city["unit"] if acting else None)
    assert caught.value.code == code


def test_waiting_twice_for_the_same_time_is_refused(parking, holder, city):
    fill(parking, holder, city)
    staff = make_unit_staff(city["unit"])
    join(staff, parking, city)
    with pytest.raises(DomainError) as caught:
        join(staff, parking, city)
    assert caught.value.code == "already_waiting"


def test_leaving_the_line_gives_up_the_place_and_only_its_user_may(parking, holder, city):
    booking = fill(parking, holder, city)
    staff = make_unit_staff(city["unit"])
    entry = join(staff, parking, city)
    assert [e.id for e in list_waiting(staff)] == [entry.id]
    with transaction(db.session, write_lock=True), pytest.raises(DomainError) as caught:
        leave_waitlist(entry, actor=make_user(), now=utcnow())
    assert caught.value.code == "forbidden"
    with transaction(db.session, write_lock=True):
        leave_waitlist(db.session.get(WaitlistEntry, entry.id), actor=staff, now=utcnow())
    assert entry_status(entry) == "left" and list_waiting(staff) == []
    with transaction(db.session, write_lock=True), pytest.raises(DomainError) as caught:
        leave_waitlist(db.session.get(WaitlistEntry, entry.id), actor=staff, now=utcnow())
    assert caught.value.code == "not_waiting"
    # One who left is not booked when the space frees.
    with transaction(db.session, write_lock=True):
        cancel_booking(booking, actor=holder, now=utcnow())
    assert entry_status(entry) == "left" and not notifications(staff, "waitlist_promoted")


def test_list_waiting_shows_only_places_still_to_come(parking, holder, city):
    fill(parking, holder, city)
    staff = make_unit_staff(city["unit"])
    entry = join(staff, parking, city)
    assert list_waiting(staff, now=at(MONDAY, "08:00")) == [db.session.get(WaitlistEntry, entry.id)]
    assert list_waiting(staff, now=at(MONDAY, "09:00") + timedelta(seconds=1)) == []
