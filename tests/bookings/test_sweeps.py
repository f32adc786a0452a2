"""The scheduler's sweeps over bookings, driven with an explicit `now`: undecided bookings expire at
their start and give their capacity back (to the waitlist first); used ones complete when they end."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.bookings.models import Booking, BookingEvent, Notification, WaitlistEntry
from app.bookings.placing import Placement
from app.bookings.sweeps import complete_finished, expire_pending
from app.bookings.waitlist import join_waitlist
from app.db import transaction, utcnow
from app.domain.resources import Policy
from app.extensions import db
from tests.factories import make_article_parking, make_booking, make_resource, make_unit_staff, make_user, make_window
from tests.when import at, next_monday

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)
MONDAY = next_monday()


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


def status_of(booking) -> str:
    return db.session.get(Booking, booking.id).status


def sweep(function, clock: str) -> int:
    with transaction(db.session, write_lock=True):
        return function(now=at(MONDAY, clock))


def test_a_pending_booking_expires_at_its_start_and_its_booker_is_told(parking, staff, city):
    pending = make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "11:00"), status="pending")
    later = make_booking(parking, staff, at(MONDAY, "10:00"), at(MONDAY, "11:00"), status="pending")
    decided = make_booking(parking, staff, at(MONDAY, "08:30"), at(MONDAY, "11:00"), status="confirmed")
    assert sweep(expire_pending, "08:59") == 0
    assert sweep(expire_pending, "09:00") == 1
    assert (status_of(pending), status_of(later), status_of(decided)) == ("expired", "pending", "confirmed")
    step = db.session.scalars(select(BookingEvent).where(BookingEvent.booking_id == pending.id)).one()
    assert (step.from_status, step.to_status, step.actor_id, step.reason) == (
        "pending",
        "expired",
        None,
        "approval_expired",
    )
    [note] = db.session.scalars(select(Notification).where(Notification.booking_id == pending.id)).all()
    assert (note.user_id, note.kind) == (staff.id, "booking_expired")


def test_expiring_twice_or_late_changes_nothing_more(parking, staff):
    pending = make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"), status="pending")
    assert sweep(expire_pending, "09:05") == 1
    assert sweep(expire_pending, "09:05") == 0
    assert sweep(expire_pending, "12:00") == 0
    assert status_of(pending) == "expired"
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 1
    assert db.session.scalar(select(func.count()).select_from(BookingEvent)) == 1


def test_the_capacity_an_expiry_frees_goes_to_the_waitlist(parking, staff, city):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "11:00"), quantity=39)
    pending = make_booking(
        parking, staff, at(MONDAY, "09:00"), at(MONDAY, "11:00"), status="pending", on_behalf_of=city["unit"]
    )
    waiting = make_unit_staff(city["unit"], name="排队职工")
    with transaction(db.session, write_lock=True):
        entry = join_waitlist(
            waiting, Placement(parking.id, at(MONDAY, "10:00"), at(MONDAY, "11:00"), 1, city["unit"]), now=utcnow()
        )
    assert sweep(expire_pending, "09:00") == 1
    assert status_of(pending) == "expired"
    entry = db.session.get(WaitlistEntry, entry.id)
    assert entry.status == "promoted"
    promoted = db.session.get(Booking, entry.booking_id)
    assert (promoted.user_id, promoted.status, promoted.start) == (waiting.id, "confirmed", at(MONDAY, "10:00"))
    kinds = set(db.session.scalars(select(Notification.kind)))
    assert kinds == {"booking_expired", "waitlist_promoted"}


def test_the_resource_moves_its_revision_when_an_expiry_frees_capacity(parking, staff):
    make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"), status="pending")
    before = db.session.get(type(parking), parking.id).revision
    sweep(expire_pending, "09:00")
    db.session.expire_all()
    assert db.session.get(type(parking), parking.id).revision > before


def test_used_bookings_complete_when_they_end(parking, staff, city):
    court = make_resource("T-S-01-C1", city["c1"], capacity=2, policy=replace(POLICY, checkin_required=True))
    make_window(court)
    plain = make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    checked = make_booking(court, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"), status="checked_in")
    unchecked = make_booking(court, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"))  # the no-show sweep's
    running = make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "12:00"))
    cancelled = make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"), status="cancelled")
    assert sweep(complete_finished, "09:59") == 0
    assert sweep(complete_finished, "10:00") == 2
    assert [status_of(b) for b in (plain, checked, unchecked, running, cancelled)] == [
        "completed",
        "completed",
        "confirmed",
        "confirmed",
        "cancelled",
    ]
    assert sweep(complete_finished, "10:30") == 0
    steps = db.session.scalars(select(BookingEvent).where(BookingEvent.to_status == "completed")).all()
    assert sorted((s.from_status, s.actor_id) for s in steps) == [("checked_in", None), ("confirmed", None)]
    # Each booker is asked to rate what they used, once (the sweep ran again above).
    notes = db.session.scalars(select(Notification)).all()
    assert sorted((n.booking_id, n.kind) for n in notes) == sorted(
        [(plain.id, "rating_invite"), (checked.id, "rating_invite")]
    )
