"""Check-in: inside its window only, by those who may see the booking; a booking not checked in by
the window's end becomes a no-show and gives its capacity back, once."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.bookings.attendance import check_in, checkin_window, mark_no_shows
from app.bookings.models import Booking, BookingEvent, Notification
from app.bookings.placing import Placement, place_booking
from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.domain.resources import Policy
from app.extensions import db
from tests.factories import make_article_parking, make_booking, make_membership, make_resource, make_user, make_window
from tests.when import at, next_monday

MONDAY = next_monday()
POLICY = Policy(
    slot_minutes=30,
    min_minutes=30,
    max_minutes=600,
    book_ahead_days=30,
    checkin_required=True,
    checkin_grace_minutes=15,
)


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


@pytest.fixture
def booking(parking, staff, city):
    return make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "11:00"), on_behalf_of=city["unit"])


def checking_in(booking, actor, clock):
    with transaction(db.session, write_lock=True):
        check_in(db.session.get(Booking, booking.id), actor=actor, now=at(MONDAY, clock))
    return db.session.get(Booking, booking.id)


def refusal(booking, actor, clock) -> str:
    with pytest.raises(DomainError) as caught:
        checking_in(booking, actor, clock)
    return caught.value.code


def test_the_window_runs_from_15_minutes_before_the_start_to_the_grace_after(booking):
    assert checkin_window(booking) == (at(MONDAY, "08:45"), at(MONDAY, "09:15"))


def test_the_window_never_runs_past_the_bookings_end(city, staff):
    lot = make_resource(
        "T-S-01-P2", city["c1"], kind="parking", capacity=40, policy=replace(POLICY, checkin_grace_minutes=60)
    )
    short = make_booking(lot, staff, at(MONDAY, "09:00"), at(MONDAY, "09:30"))
    assert checkin_window(short) == (at(MONDAY, "08:45"), at(MONDAY, "09:30"))


@pytest.mark.parametrize("clock", ["08:45", "09:00", "09:15"], ids=["as it opens", "at the start", "as it closes"])
def test_the_booker_checks_in_inside_the_window(booking, staff, clock):
    done = checking_in(booking, staff, clock)
    assert (done.status, done.checked_in_at) == ("checked_in", at(MONDAY, clock))
    last = db.session.scalars(select(BookingEvent).order_by(BookingEvent.id.desc())).first()
    assert (last.from_status, last.to_status, last.actor_id) == ("confirmed", "checked_in", staff.id)


@pytest.mark.parametrize(
    ("clock", "code"),
    [("08:44", "checkin_not_open"), ("09:16", "checkin_closed")],
    ids=["a minute too early", "a minute too late"],
)
def test_checking_in_outside_the_window_is_refused(booking, staff, clock, code):
    assert refusal(booking, staff, clock) == code
    assert db.session.get(Booking, booking.id).status == "confirmed"


@pytest.mark.parametrize("status", ["pending", "cancelled", "checked_in", "no_show"])
def test_only_a_confirmed_booking_can_be_checked_in(parking, staff, status):
    other = make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"), status=status)
    assert refusal(other, staff, "09:00") == "not_checkable"


def test_a_place_that_does_not_ask_for_check_in_refuses_it(city, staff):
    lot = make_article_parking(city["c2"], Policy(slot_minutes=30, min_minutes=30, max_minutes=600))
    other = make_booking(lot, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    assert refusal(other, staff, "09:00") == "checkin_not_required"


def test_someone_elses_booking_cannot_be_checked_in(booking):
    assert refusal(booking, make_user(), "09:00") == "forbidden"


@pytest.mark.parametrize("who", ["owner's manager", "unit's manager", "admin"])
def test_the_staff_at_the_gate_the_units_manager_and_admins_may_check_in_for_the_booker(booking, city, who):
    if who == "admin":
        actor = make_user(is_admin=True)
    else:
        actor = make_user()
        make_membership(actor, city["c1"] if who == "owner's manager" else city["unit"], "manager")
    done = checking_in(booking, actor, "09:05")
    assert done.status == "checked_in"
    assert db.session.scalars(select(BookingEvent.actor_id).order_by(BookingEvent.id.desc())).first() == actor.id


def _holding_at(parking, clock) -> int:
    return db.session.scalar(
        select(func.coalesce(func.sum(Booking.quantity), 0)).where(
            Booking.resource_id == parking.id,
            Booking.status.in_(["pending", "confirmed", "checked_in"]),
            Booking.start <= at(MONDAY, clock),
            Booking.end > at(MONDAY, clock),
        )
    )


def test_a_booking_not_checked_in_becomes_a_no_show_and_frees_its_space_once(parking, booking, staff, city):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "11:00"), quantity=39)  # the rest: full
    checked = make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "11:00"), status="checked_in")
    later = make_booking(parking, make_user(), at(MONDAY, "10:00"), at(MONDAY, "11:00"))  # its window is to come
    assert _holding_at(parking, "10:30") == 42
    with transaction(db.session, write_lock=True):
        assert mark_no_shows(now=at(MONDAY, "09:15")) == 0  # the window's last minute: not yet
    with transaction(db.session, write_lock=True):
        # The 39 started at 09:00 too and nobody checked them in: they go as well.
        assert mark_no_shows(now=at(MONDAY, "09:16")) == 2
    assert db.session.get(Booking, booking.id).status == "no_show"
    assert (db.session.get(Booking, checked.id).status, db.session.get(Booking, later.id).status) == (
        "checked_in",
        "confirmed",
    )
    event = db.session.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id)).one()
    assert (event.from_status, event.to_status, event.actor_id, event.reason) == (
        "confirmed",
        "no_show",
        None,
        "checkin_closed",
    )
    [note] = db.session.scalars(select(Notification).where(Notification.user_id == staff.id)).all()
    assert (note.kind, note.booking_id) == ("booking_no_show", booking.id)
    assert _holding_at(parking, "10:30") == 2
    # Running it again changes nothing.
    with transaction(db.session, write_lock=True):
        assert mark_no_shows(now=at(MONDAY, "09:30")) == 0
    assert db.session.scalar(select(func.count()).select_from(Notification)) == 2
    # The freed spaces can be booked again.
    with transaction(db.session, write_lock=True):
        again = place_booking(
            staff,
            Placement(parking.id, at(MONDAY, "10:00"), at(MONDAY, "11:00"), 5, city["unit"]),
            now=at(MONDAY, "09:30"),
        )
    assert again.status == "confirmed"


def test_places_that_do_not_ask_for_check_in_have_no_no_shows(city, staff):
    court = make_resource("T-S-01-C1", city["c1"], capacity=2, policy=Policy())
    make_window(court)
    make_booking(court, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    with transaction(db.session, write_lock=True):
        assert mark_no_shows(now=at(MONDAY, "12:00")) == 0


def test_the_command_marks_no_shows_and_says_how_many(runner, parking, staff):
    start = utcnow() - timedelta(hours=1)
    make_booking(parking, staff, start, start + timedelta(hours=2))
    result = runner.invoke(args=["bookings", "mark-no-shows"])
    assert result.exit_code == 0, result.output
    assert "1" in result.output
    assert db.session.scalars(select(Booking.status)).one() == "no_show"
    assert "0" in runner.invoke(args=["bookings", "mark-no-shows"]).output
