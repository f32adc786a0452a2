"""Each feed kind at a fixed `now` is kept under snapshots/ and compared byte for byte.

A change that alters a feed shows here first; after checking it (the other tests here and in
tests/domain/test_ical.py say it still parses), refresh with UPDATE_SNAPSHOTS=1.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale

from app.access.models import Closure, Window
from app.bookings.models import BookingEvent
from app.extensions import db
from app.feeds.calendars import (
    Links,
    bookings_fingerprint,
    build_bookings_feed,
    build_resource_feed,
    resource_fingerprint,
)
from app.feeds.models import ORGANISATION, PERSONAL
from app.workdays.models import CalendarDay
from tests.factories import make_booking, make_closure, make_membership, make_resource, make_user, make_window
from tests.feeds.validators import libical_errors, read_with_ical_js

SNAPSHOTS = Path(__file__).with_name("snapshots")
NOW = datetime(2026, 12, 10, 2, 0, tzinfo=UTC)
MADE = datetime(2026, 12, 1, 0, 0, tzinfo=UTC)
LINKS = Links(
    host="linli.test",
    booking_url=lambda booking_id: f"https://linli.test/bookings/{booking_id}",
    resource_url=lambda code: f"https://linli.test/resources/{code}",
)


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """A December 2026 moment given in Shanghai time."""
    return datetime(2026, 12, day, hour, minute, tzinfo=UTC) - timedelta(hours=8)


@pytest.fixture
def fixed_town(city: dict[str, Any]) -> dict[str, Any]:
    court = make_resource("T-S-01-C1", city["c1"], name="一号社区篮球场", address="测试路 1 号")
    make_window(court, audience="residents", days="workday", start="08:30", end="17:30")
    make_window(court, audience="public", days="restday", start="09:00", end="21:00", price=500)
    make_closure(_at(24, 0), _at(26, 0), reason="地面维修", resource=court)
    db.session.add(CalendarDay(day=date(2027, 1, 1), workday=False, name="元旦", source="manual"))
    booker = make_user(name="张三丰", phone="13912345678")
    manager = make_user(name="社区管理员")
    make_membership(manager, city["c1"], "manager")
    held = make_booking(court, booker, _at(14, 9), _at(14, 10), purpose="篮球训练")
    pending = make_booking(court, booker, _at(15, 19), _at(15, 21), status="pending", on_behalf_of_id=city["unit"].id)
    cancelled = make_booking(court, booker, _at(16, 9), _at(16, 10), status="cancelled")
    past = make_booking(court, booker, _at(2, 9), _at(2, 10), status="completed")
    for booking in (held, pending, cancelled, past):
        booking.created_at = MADE
        booking.updated_at = MADE + timedelta(days=booking.id)
        db.session.add(BookingEvent(booking_id=booking.id, at=MADE, from_status=None, to_status="confirmed"))
    db.session.add(BookingEvent(booking_id=cancelled.id, at=MADE, from_status="confirmed", to_status="cancelled"))
    for window in db.session.query(Window):
        window.created_at = window.updated_at = MADE
    for closure in db.session.query(Closure):
        closure.created_at = MADE
    db.session.commit()
    return {**city, "court": court, "booker": booker, "manager": manager}


def _compare(name: str, data: bytes) -> None:
    path = SNAPSHOTS / f"{name}.ics"
    if os.environ.get("UPDATE_SNAPSHOTS") == "1" or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_bytes(data)
        if os.environ.get("UPDATE_SNAPSHOTS") != "1":
            pytest.fail(f"{path.name} was missing and has been written: check it and run again")
    assert data == path.read_bytes(), f"{name} feed changed; if intended, refresh with UPDATE_SNAPSHOTS=1"


def _feeds(app: Flask, town: dict[str, Any]) -> dict[str, bytes]:
    with app.test_request_context("/", headers={"Accept-Language": "en"}), force_locale("en"):
        court = town["court"]
        db.session.refresh(court)
        resource = build_resource_feed(court, NOW, "en", LINKS, resource_fingerprint(court, NOW, "en", LINKS.host))
        personal_print = bookings_fingerprint(PERSONAL, town["booker"].id, NOW, "en", LINKS.host)
        personal = build_bookings_feed(PERSONAL, town["booker"].id, "Bookings", NOW, "en", LINKS, personal_print)
        org_print = bookings_fingerprint(ORGANISATION, town["c1"].id, NOW, "en", LINKS.host)
        organisation = build_bookings_feed(ORGANISATION, town["c1"].id, "Community", NOW, "en", LINKS, org_print)
    return {"resource": resource, "personal": personal, "organisation": organisation}


@pytest.mark.parametrize("kind", ["resource", "personal", "organisation"])
def test_each_feed_kind_matches_its_snapshot(app: Flask, fixed_town, kind: str):
    _compare(kind, _feeds(app, fixed_town)[kind])


def test_the_snapshots_themselves_parse_in_ical_js_and_libical():
    for path in sorted(SNAPSHOTS.glob("*.ics")):
        data = path.read_bytes()
        assert libical_errors(data) == [], path.name
        assert read_with_ical_js(data)["events"], path.name


def test_the_resource_snapshots_windows_expand_to_the_engines_instants(app: Flask, fixed_town):
    from zoneinfo import ZoneInfo

    from app.domain.windows import days_between, expand
    from app.workdays.services import calendar_between

    data = _feeds(app, fixed_town)["resource"]
    read = read_with_ical_js(data, until="2027-03-31T00:00:00Z")
    zone = ZoneInfo("Asia/Shanghai")
    first = NOW.astimezone(zone).date()
    days = days_between(first, first + timedelta(days=89))
    calendar = calendar_between(days[0], days[-1])
    windows = db.session.query(Window).order_by(Window.id).all()
    recurring = [e for e in read["events"] if e["uid"].startswith("window-")]
    assert len(recurring) == len(windows) == 2
    for event, row in zip(sorted(recurring, key=lambda e: e["uid"]), windows, strict=True):
        expected = [(i.start, i.end) for i in expand(row.to_domain(), days, zone, calendar)]
        found = [(datetime.fromisoformat(a), datetime.fromisoformat(b)) for a, b in event["occurrences"]]
        assert found == expected, event["uid"]


def test_the_personal_snapshot_keeps_the_fresh_cancellation_and_the_past_booking(app: Flask, fixed_town):
    text = _feeds(app, fixed_town)["personal"].decode()
    assert text.count("BEGIN:VEVENT") == 4
    assert "STATUS:CANCELLED" in text and "SEQUENCE:1" in text and "STATUS:TENTATIVE" in text
