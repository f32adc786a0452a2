"""Placing and cancelling bookings: the engine's reasons, nothing written on refusal, approval,
the cancellation deadline, and the history of every status change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from app.bookings.models import Booking, BookingEvent
from app.bookings.placing import (
    BookingRefusedError,
    Placement,
    cancel_booking,
    decide,
    lock_resource,
    place_booking,
)
from app.db import begin_with_write_lock, end_reads_keeping_loaded, transaction, utcnow
from app.directory.models import Resource
from app.domain.errors import DomainError
from app.domain.resources import Policy
from app.extensions import db
from tests.factories import (
    make_article_parking,
    make_booking,
    make_local_resident,
    make_resource,
    make_user,
    make_window,
)
from tests.when import at, next_monday

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)
MONDAY = next_monday()
SATURDAY = MONDAY + timedelta(days=5)


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


def place(user, resource, start, end, quantity=1, **fields):
    with transaction(db.session, write_lock=True):
        booking = place_booking(
            user, Placement(resource.id, start, end, quantity, **fields), now=utcnow() - timedelta(minutes=1)
        )
    return booking


def refused(user, resource, start, end, quantity=1, **fields) -> str:
    with pytest.raises(BookingRefusedError) as caught:
        place(user, resource, start, end, quantity, **fields)
    return caught.value.code


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_unit_staff_book_three_spaces_for_their_unit_on_a_working_day(parking, staff, city):
    booking = place(staff, parking, at(MONDAY, "09:00"), at(MONDAY, "11:00"), 3, on_behalf_of=city["unit"])
    assert (booking.status, booking.quantity, booking.on_behalf_of_id) == ("confirmed", 3, city["unit"].id)
    events = db.session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id)).all()
    assert [(e.from_status, e.to_status, e.actor_id) for e in events] == [(None, "confirmed", staff.id)]


@pytest.mark.parametrize(
    ("start", "end", "quantity", "acting", "code"),
    [
        (("09:00", 0), ("11:00", 0), 1, False, "not_eligible"),  # staff booking for themselves: no window
        (("08:00", 0), ("09:00", 0), 1, True, "outside_window"),  # before 08:30
        (("09:00", 5), ("10:00", 5), 1, True, "outside_window"),  # Saturday is a rest day
        (("09:00", 0), ("09:45", 0), 1, True, "misaligned"),
        (("09:00", 0), ("09:00", 0), 1, True, "invalid_time"),
        (("09:00", 0), ("11:00", 0), 6, True, "quantity_exceeded"),  # at most 5 a time
        (("09:00", 0), ("19:30", 0), 1, True, "too_long"),
    ],
    ids=["not eligible", "outside hours", "rest day", "misaligned", "empty span", "too many", "too long"],
)
def test_refused_bookings_say_why_and_write_nothing(parking, staff, city, start, end, quantity, acting, code):
    start_at = at(MONDAY + timedelta(days=start[1]), start[0])
    end_at = at(MONDAY + timedelta(days=end[1]), end[0])
    unit = city["unit"] if acting else None
    revision = parking.revision
    assert refused(staff, parking, start_at, end_at, quantity, on_behalf_of=unit) == code
    assert count(Booking) == 0 and count(BookingEvent) == 0
    assert db.session.get(Resource, parking.id).revision == revision  # not even the lock writes


def test_acting_for_a_unit_one_is_not_a_member_of_is_forbidden(parking, city):
    resident = make_local_resident(city["c1"])
    assert refused(resident, parking, at(MONDAY, "09:00"), at(MONDAY, "10:00"), on_behalf_of=city["unit"]) == (
        "forbidden"
    )


def test_the_last_spaces_go_and_then_capacity_is_exceeded(parking, staff, city):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"), quantity=37)
    place(staff, parking, at(MONDAY, "09:30"), at(MONDAY, "10:30"), 3, on_behalf_of=city["unit"])
    assert refused(staff, parking, at(MONDAY, "09:30"), at(MONDAY, "10:00"), on_behalf_of=city["unit"]) == (
        "capacity_exceeded"
    )
    # Touching is not overlapping: 10:30 on is free again for the three.
    place(staff, parking, at(MONDAY, "10:30"), at(MONDAY, "11:00"), 5, on_behalf_of=city["unit"])


def test_a_resource_that_requires_approval_holds_capacity_while_pending(city):
    hall = make_resource(
        "T-S-01-H1", city["c1"], kind="meeting_room", capacity=1, policy=Policy(requires_approval=True)
    )
    make_window(hall, audience="public", days="all", start="08:00", end="22:00")
    first, second = make_user(), make_user()
    booking = place(first, hall, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert booking.status == "pending"
    assert refused(second, hall, at(MONDAY, "09:00"), at(MONDAY, "10:00")) == "capacity_exceeded"


def test_the_booker_cancels_before_the_deadline_and_the_space_is_free_again(parking, staff, city):
    booking = place(staff, parking, at(MONDAY, "09:00"), at(MONDAY, "10:00"), 5, on_behalf_of=city["unit"])
    with transaction(db.session, write_lock=True):
        cancel_booking(booking, actor=staff, reason="改期", now=utcnow())
    assert db.session.get(Booking, booking.id).status == "cancelled"
    history = db.session.scalars(select(BookingEvent).order_by(BookingEvent.id)).all()
    assert [(e.from_status, e.to_status, e.reason) for e in history][-1] == ("confirmed", "cancelled", "改期")
    with transaction(db.session, write_lock=True), pytest.raises(DomainError) as caught:
        cancel_booking(db.session.get(Booking, booking.id), actor=staff, now=utcnow())
    assert caught.value.code == "not_cancellable"


def test_past_the_cancellation_deadline_only_a_manager_may_cancel(parking, staff, city):
    booking = place(staff, parking, at(MONDAY, "09:00"), at(MONDAY, "10:00"), on_behalf_of=city["unit"])
    late = at(MONDAY, "08:30")  # the lot's deadline is 60 minutes before the start
    with transaction(db.session, write_lock=True), pytest.raises(DomainError) as caught:
        cancel_booking(booking, actor=staff, now=late)
    assert caught.value.code == "too_late_to_cancel"
    manager = make_user()
    with transaction(db.session, write_lock=True):
        cancel_booking(db.session.get(Booking, booking.id), actor=manager, reason="路面维修", now=late, as_manager=True)
    assert db.session.get(Booking, booking.id).status == "cancelled"


def _locked_after_reading(resource_id: int) -> Resource | None:
    """As the booking API does it: the resource read first, then the lock taken."""
    end_reads_keeping_loaded(db.session)
    begin_with_write_lock(db.session)
    return lock_resource(resource_id)


def test_a_resource_unchanged_since_it_was_read_is_locked_without_reading_it_again_and_nothing_written(
    parking, engine_name
):
    held = db.session.get(Resource, parking.id)
    revision = held.revision
    statements: list[str] = []
    listen = lambda *args: statements.append(args[2])  # noqa: E731 - (conn, cursor, statement, ...)
    event.listen(db.engine, "before_cursor_execute", listen)
    try:
        locked = _locked_after_reading(parking.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", listen)
    assert locked is held and locked.revision == revision
    [lock] = [s for s in statements if not s.startswith("BEGIN")]
    assert lock.startswith("SELECT resources.revision, resources.rules_revision")
    assert lock.rstrip().endswith("FOR UPDATE") == (engine_name == "postgresql")  # SQLite: BEGIN IMMEDIATE
    db.session.rollback()


def test_a_resource_changed_after_it_was_read_is_decided_as_it_stands_under_the_lock(parking, staff, city):
    held = db.session.get(Resource, parking.id)
    with Session(db.engine) as other:  # another request changes the lot meanwhile
        other.get(Resource, parking.id).capacity = 2
        other.commit()
    locked = _locked_after_reading(parking.id)
    assert locked is held and locked.capacity == 2
    decision = decide(locked, staff, Placement(parking.id, at(MONDAY, "09:00"), at(MONDAY, "10:00"), 3, city["unit"]),
                      utcnow())  # fmt: skip
    db.session.rollback()
    assert not decision.allowed


def test_a_placed_booking_is_what_reading_it_back_gives(parking, staff, city):
    booking = place(
        staff, parking, at(MONDAY, "09:00"), at(MONDAY, "10:00"), 2, on_behalf_of=city["unit"], purpose=" 送货 "
    )
    assert booking in db.session and booking not in db.session.new
    with Session(db.engine) as other:
        stored = other.get(Booking, booking.id)
        columns = [c.key for c in Booking.__table__.columns]
        assert {k: getattr(booking, k) for k in columns} == {k: getattr(stored, k) for k in columns}
    assert booking.resource is parking and booking.purpose == "送货"
