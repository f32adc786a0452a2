"""The pages of check-in and the waitlist: the resource page's check-in block (what the poster's QR
code opens), the one-tap form, the booking's own QR code, and the waitlist's forms."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import segno
from flask import render_template
from sqlalchemy import select

from app.bookings.models import Booking, WaitlistEntry
from app.db import utcnow
from app.domain.resources import Policy
from app.extensions import db
from tests.factories import (
    PASSWORD,
    make_article_parking,
    make_booking,
    make_membership,
    make_unit_staff,
    make_user,
)
from tests.when import SHANGHAI, at, count_statements, next_monday

POLICY = Policy(
    slot_minutes=30,
    min_minutes=30,
    max_minutes=600,
    book_ahead_days=30,
    checkin_required=True,
    checkin_grace_minutes=15,
)
PAGE = "/directory/T-S-01-P1"
ENGLISH = {"Accept-Language": "en"}
MONDAY = next_monday()


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


def starting_in(parking, user, minutes, **fields):
    start = utcnow().replace(second=0, microsecond=0) + timedelta(minutes=minutes)
    return make_booking(parking, user, start, start + timedelta(hours=1), **fields)


def sign_in(auth, user):
    auth.sign_in(user.phone, PASSWORD)


def checkin_section(html: str) -> str | None:
    match = re.search(r'<section class="checkin-section.*?</section>', html, re.S)
    return match.group(0) if match else None


def booking_queries(statements: list[str]) -> list[str]:
    """The statements that look for one user's bookings (the check-in block's query)."""
    return [s for s in statements if "bookings.user_id" in s and "FROM bookings" in s]


# --- the resource page's check-in block ------------------------------------------


def test_the_resource_page_offers_the_booker_a_one_tap_check_in_inside_the_window(client, auth, parking, staff):
    booking = starting_in(parking, staff, 10)
    sign_in(auth, staff)
    with count_statements() as statements:
        html = client.get(PAGE, headers=ENGLISH).get_data(as_text=True)
    section = checkin_section(html)
    assert section is not None
    start = booking.start.astimezone(SHANGHAI).strftime("%H:%M")
    end = booking.end.astimezone(SHANGHAI).strftime("%H:%M")
    assert f"Your booking here {start}–{end}" in section
    assert f'action="/bookings/{booking.id}/check-in"' in section and 'name="csrf_token"' in section
    assert f'name="next" value="{PAGE}"' in section
    assert "Check in</button>" in section
    # It shows above the week.
    assert html.index("checkin-heading") < html.index("week-summary-heading")
    assert len(booking_queries(statements)) == 1


@pytest.mark.parametrize("minutes", [16, -16, -90], ids=["before it opens", "after it closed", "long over"])
def test_outside_the_window_the_resource_page_shows_no_check_in(client, auth, parking, staff, minutes):
    starting_in(parking, staff, minutes)
    sign_in(auth, staff)
    assert checkin_section(client.get(PAGE).get_data(as_text=True)) is None


def test_anonymous_visitors_see_no_check_in_and_cost_no_query(client, parking, staff):
    starting_in(parking, staff, 0)
    with count_statements() as statements:
        html = client.get(PAGE).get_data(as_text=True)
    assert checkin_section(html) is None
    assert booking_queries(statements) == []


def test_others_see_no_check_in_for_a_booking_not_theirs(client, auth, parking, staff):
    starting_in(parking, staff, 0)
    sign_in(auth, make_user())
    assert checkin_section(client.get(PAGE).get_data(as_text=True)) is None


def test_places_that_do_not_ask_for_check_in_show_none_and_look_nothing_up(client, auth, city, staff):
    lot = make_article_parking(city["c1"], Policy(slot_minutes=30, min_minutes=30, max_minutes=600))
    starting_in(lot, staff, 0)
    sign_in(auth, staff)
    with count_statements() as statements:
        html = client.get(PAGE).get_data(as_text=True)
    assert checkin_section(html) is None
    assert booking_queries(statements) == []


def test_after_checking_in_the_block_says_so_until_the_window_closes(client, auth, parking, staff):
    booking = starting_in(parking, staff, 5)
    sign_in(auth, staff)
    client.post_form(f"/bookings/{booking.id}/check-in", {"next": PAGE})
    section = checkin_section(client.get(PAGE, headers=ENGLISH).get_data(as_text=True))
    assert section is not None and "Checked in at" in section and "</button>" not in section


# --- the check-in form -----------------------------------------------------------


def test_checking_in_from_the_resource_page_returns_there_with_a_note(client, auth, parking, staff):
    booking = starting_in(parking, staff, 10)
    sign_in(auth, staff)
    response = client.post_form(f"/bookings/{booking.id}/check-in", {"next": PAGE}, headers=ENGLISH)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert db.session.get(Booking, booking.id).status == "checked_in"
    assert "Checked in at" in client.get(PAGE, headers=ENGLISH).get_data(as_text=True)


def test_checking_in_too_early_says_why_and_changes_nothing(client, auth, parking, staff):
    booking = starting_in(parking, staff, 60)
    sign_in(auth, staff)
    response = client.post_form(f"/bookings/{booking.id}/check-in", {"next": PAGE}, headers=ENGLISH)
    assert response.headers["Location"] == PAGE
    assert "Check-in opens 15 minutes before the start" in client.get(PAGE, headers=ENGLISH).get_data(as_text=True)
    assert db.session.get(Booking, booking.id).status == "confirmed"


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/", "/\\evil.example"])
def test_checking_in_never_redirects_off_the_site(client, auth, parking, staff, target):
    booking = starting_in(parking, staff, 0)
    sign_in(auth, staff)
    response = client.post_form(f"/bookings/{booking.id}/check-in", {"next": target})
    assert response.headers["Location"] == f"/bookings/{booking.id}"  # the booking's page


def test_someone_elses_booking_cannot_be_checked_in_from_the_web(client, auth, parking, staff):
    booking = starting_in(parking, staff, 0)
    sign_in(auth, make_user())
    assert client.post_form(f"/bookings/{booking.id}/check-in", {"next": PAGE}).status_code == 404
    assert client.post_form("/bookings/999/check-in").status_code == 404
    assert db.session.get(Booking, booking.id).status == "confirmed"


def test_the_check_in_partial_shows_the_button_inside_the_window_and_a_note_otherwise(app, parking, staff):
    booking = make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    with app.test_request_context("/bookings/1", headers=ENGLISH):

        def partial(clock):
            return render_template("bookings/_checkin.html", booking=booking, now=at(MONDAY, clock))

        assert "Check in</button>" in partial("08:50") and "Check in by 09:15" in partial("08:50")
        assert "Check-in opens at 08:45 and closes at 09:15." in partial("08:00")
        assert "Check-in closed at 09:15." in partial("09:30")
        assert "Check-in opens at" in partial("08:00") and "</button>" not in partial("08:00")
        booking.status = "no_show"
        assert "so the place was given back" in partial("09:30")


def test_the_booking_page_offers_check_in_and_shows_the_bookings_qr(client, auth, parking, staff):
    booking = starting_in(parking, staff, 5)
    sign_in(auth, staff)
    html = client.get(f"/bookings/{booking.id}").get_data(as_text=True)
    assert f'action="/bookings/{booking.id}/check-in"' in html
    assert f'name="next" value="/bookings/{booking.id}"' in html
    assert f'src="/bookings/{booking.id}/qr.svg"' in html


# --- the booking's own QR code ---------------------------------------------------


def qr_path(svg: str) -> str:
    """The dark modules' path: what the code says."""
    return re.search(r'stroke="#000" d="([^"]+)"', svg).group(1)


def test_the_booking_qr_opens_the_booking_page_at_the_public_address(app, client, auth, parking, staff):
    app.config["PUBLIC_BASE_URL"] = "https://linli.example/"
    booking = starting_in(parking, staff, 0)
    sign_in(auth, staff)
    response = client.get(f"/bookings/{booking.id}/qr.svg")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"
    assert "private" in response.headers["Cache-Control"]
    expected = segno.make_qr(f"https://linli.example/bookings/{booking.id}", error="m", boost_error=False)
    assert qr_path(response.get_data(as_text=True)) == qr_path(expected.svg_inline(border=4, omitsize=True))


def test_the_booking_qr_goes_to_the_gate_staff_and_to_no_one_else(client, auth, parking, staff, city):
    booking = starting_in(parking, staff, 0)
    gate = make_user()
    make_membership(gate, city["c1"], "manager")
    sign_in(auth, gate)
    assert client.get(f"/bookings/{booking.id}/qr.svg").status_code == 200
    auth.sign_out()
    sign_in(auth, make_user())
    assert client.get(f"/bookings/{booking.id}/qr.svg").status_code == 404
    auth.sign_out()
    assert client.get(f"/bookings/{booking.id}/qr.svg").status_code == 302  # to sign in


# --- the waitlist's forms --------------------------------------------------------


def wait_form(start="09:00", end="10:00", **fields):
    return {
        "resource": "T-S-01-P1",
        "start": at(MONDAY, start).isoformat() if ":" in start else start,
        "end": at(MONDAY, end).isoformat(),
        "quantity": "1",
        "on_behalf_of": "U-T",
        "purpose": "",
        "next": PAGE,
        **fields,
    }


@pytest.fixture
def full(parking):
    return make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "10:00"), quantity=40)


def test_joining_the_waitlist_of_a_full_time_from_a_form(client, auth, full, staff):
    sign_in(auth, staff)
    response = client.post_form("/bookings/waitlist", wait_form(), headers=ENGLISH)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    entry = db.session.scalars(select(WaitlistEntry)).one()
    assert (entry.user_id, entry.status, entry.quantity) == (staff.id, "waiting", 1)
    assert "You are on the waitlist" in client.get(PAGE, headers=ENGLISH).get_data(as_text=True)


def test_joining_when_there_is_room_says_to_book_instead(client, auth, full, staff):
    sign_in(auth, staff)
    client.post_form("/bookings/waitlist", wait_form("10:00", "11:00"), headers=ENGLISH)  # the flash is in English
    assert db.session.scalar(select(WaitlistEntry.id)) is None
    assert "book it instead" in client.get(PAGE, headers=ENGLISH).get_data(as_text=True)


@pytest.mark.parametrize(
    ("fields", "note"),
    [
        ({"start": "tomorrow"}, "Use a time such as"),
        ({"quantity": "many"}, "This value is not valid."),
        ({"resource": "NOPE"}, "Nothing was found here."),
        ({"on_behalf_of": "NOPE"}, "You may not do this."),
    ],
    ids=["bad time", "bad quantity", "unknown resource", "unknown unit"],
)
def test_a_bad_waitlist_form_is_refused_with_a_note(client, auth, full, staff, fields, note):
    sign_in(auth, staff)
    response = client.post_form("/bookings/waitlist", wait_form(**fields), headers=ENGLISH)
    assert response.status_code == 302 and response.headers["Location"] == PAGE
    assert note in client.get(PAGE, headers=ENGLISH).get_data(as_text=True)
    assert db.session.scalar(select(WaitlistEntry.id)) is None


def test_leaving_the_waitlist_from_a_form_and_only_ones_own(client, auth, full, city):
    owner, other = make_unit_staff(city["unit"]), make_user()
    sign_in(auth, owner)
    client.post_form("/bookings/waitlist", wait_form())
    entry = db.session.scalars(select(WaitlistEntry)).one()
    auth.sign_out()
    sign_in(auth, other)
    assert client.post_form(f"/bookings/waitlist/{entry.id}/leave").status_code == 404
    auth.sign_out()
    sign_in(auth, owner)
    response = client.post_form(f"/bookings/waitlist/{entry.id}/leave", {"next": PAGE})
    assert response.headers["Location"] == PAGE
    assert db.session.get(WaitlistEntry, entry.id).status == "left"
