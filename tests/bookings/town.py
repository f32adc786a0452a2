"""The managers' pages' town: who is who around a community meeting room that needs approval and its parking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from app.accounts.models import User
from app.bookings.models import Booking
from app.bookings.placing import Placement, place_booking
from app.db import transaction, utcnow
from app.directory.models import Resource
from app.domain.resources import Policy
from app.extensions import db
from app.organisations.models import Organisation
from tests.factories import (
    PASSWORD,
    make_article_parking,
    make_city,
    make_local_resident,
    make_membership,
    make_resource,
    make_unit_staff,
    make_user,
    make_window,
)

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30)
ROOM_POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=30, requires_approval=True)


@dataclass
class Town:
    city: dict[str, Organisation]
    manager: User  # manages the community T-S-01, owner of the room and the parking
    other_manager: User  # manages the community T-S-02
    unit_manager: User  # manages the unit U-T
    staff: User  # a member of U-T, not its manager
    resident: User  # a resident of T-S-01: the usual booker
    stranger: User  # another resident, of T-S-02
    admin: User
    room: Resource  # capacity 1, needs approval, open to everyone 08:00–22:00
    parking: Resource  # 40 spaces, for registered units on workdays 08:30–17:30
    hall: Resource  # T-S-02's, capacity 4, open to everyone


def make_town() -> Town:
    """Everyone reads pages in English (the source strings), so tests can read them back."""
    city = make_city()
    manager = make_user(name="社区管理员", locale="en")
    make_membership(manager, city["c1"], "manager")
    other_manager = make_user(name="二号社区管理员", locale="en")
    make_membership(other_manager, city["c2"], "manager")
    unit_manager = make_user(name="单位管理员", locale="en")
    make_membership(unit_manager, city["unit"], "manager")
    staff = make_unit_staff(city["unit"], name="单位职工")
    staff.locale = "en"
    resident = make_local_resident(city["c1"], name="居民甲")
    resident.locale = "en"
    stranger = make_local_resident(city["c2"], name="居民乙")
    stranger.locale = "en"
    admin = make_user(name="管理员", is_admin=True, locale="en")
    db.session.commit()
    room = make_resource("T-S-01-M1", city["c1"], name="会议室", kind="meeting_room", capacity=1, policy=ROOM_POLICY)
    make_window(room, audience="public", days="all", start="08:00", end="22:00")
    parking = make_article_parking(city["c1"], POLICY, name="一号停车场")
    hall = make_resource("T-S-02-H1", city["c2"], name="二号活动室", kind="activity_centre", capacity=4, policy=POLICY)
    make_window(hall, audience="public", days="all", start="08:00", end="22:00")
    return Town(city, manager, other_manager, unit_manager, staff, resident, stranger, admin, room, parking, hall)


def place(user: User, resource: Resource, start, end, quantity: int = 1, **fields) -> Booking:
    """A booking placed through the service, as the booking form does (its history starts)."""
    with transaction(db.session, write_lock=True):
        booking = place_booking(
            user, Placement(resource.id, start, end, quantity, **fields), now=utcnow() - timedelta(minutes=1)
        )
    return booking


def sign_in_as(auth, user: User) -> None:
    auth.sign_out()
    response = auth.sign_in(user.phone, PASSWORD)
    assert response.status_code == 302, "sign-in failed"
