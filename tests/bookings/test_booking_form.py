"""Booking from the web: a free cell of the week opens the form; a single booking, a series with its
preview, refusals in words beside the form, the series page, and "my bookings"."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.bookings.models import Booking, BookingSeries
from app.db import utcnow
from app.domain.resources import Policy
from app.extensions import db
from app.workdays.services import set_manual_day
from tests.factories import (
    PASSWORD,
    make_article_parking,
    make_booking,
    make_membership,
    make_unit_staff,
    make_user,
)
from tests.when import at, next_monday

POLICY = Policy(slot_minutes=30, min_minutes=30, max_minutes=600, book_ahead_days=60)
MONDAY = next_monday()
WEDNESDAY = MONDAY + timedelta(days=2)


@pytest.fixture
def parking(city):
    return make_article_parking(city["c1"], POLICY)


def form(day=MONDAY, start="09:00", end="11:00", quantity=3, **fields):
    return {
        "resource": "T-S-01-P1",
        "day": day.isoformat(),
        "start": start,
        "end": end,
        "quantity": quantity,
        "on_behalf_of": "U-T",
        "purpose": "",
        "repeat": "none",
        "on_conflict": "skip",
        "submit": "1",
        **fields,
    }


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_free_cell_of_the_week_links_to_the_form_at_its_time_for_the_unit(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    page = client.get(f"/bookings/resources/T-S-01-P1/week?start={MONDAY}&on_behalf_of=U-T").get_data(as_text=True)
    link = f"/bookings/new?resource=T-S-01-P1&amp;on_behalf_of=U-T&amp;start={MONDAY}T08:30"
    assert link in page


def test_anonymous_visitors_see_the_week_without_booking_links(client, parking):
    page = client.get(f"/bookings/resources/T-S-01-P1/week?start={MONDAY}").get_data(as_text=True)
    assert "/bookings/new" not in page


def test_the_form_opens_filled_in_from_the_cell(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    page = client.get(f"/bookings/new?resource=T-S-01-P1&on_behalf_of=U-T&start={MONDAY}T09:00").get_data(as_text=True)
    assert f'value="{MONDAY.isoformat()}"' in page
    assert 'value="09:00"' in page and 'value="09:30"' in page  # the shortest booking the lot allows
    assert re.search(r'<option selected value="U-T">|<option value="U-T" selected', page)


def test_booking_three_spaces_goes_to_the_booking_page(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    response = client.post_form("/bookings/new", form(purpose="来访车辆"))
    assert response.status_code == 302
    booking = db.session.scalars(select(Booking)).one()
    assert response.headers["Location"].endswith(f"/bookings/{booking.id}")
    assert (booking.quantity, booking.status, booking.on_behalf_of.code) == (3, "confirmed", "U-T")
    assert (booking.start, booking.end, booking.purpose) == (at(MONDAY, "09:00"), at(MONDAY, "11:00"), "来访车辆")


def test_a_full_lot_says_why_in_chinese_offers_the_waiting_list_and_writes_nothing(client, auth, parking, staff):
    make_booking(parking, make_user(), at(MONDAY, "09:00"), at(MONDAY, "12:00"), quantity=39)
    auth.sign_in(staff.phone, PASSWORD)
    response = client.post_form("/bookings/new", form())
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'role="alert"' in page and "该时段剩余数量不足。" in page
    assert 'action="/bookings/waitlist"' in page
    assert count(Booking) == 1


def test_a_refusal_about_the_time_is_shown_beside_the_time(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    page = client.post_form("/bookings/new", form(start="09:10")).get_data(as_text=True)
    assert 'id="start-error"' in page
    assert count(Booking) == 0


def test_bad_fields_are_named_next_to_them(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    page = client.post_form("/bookings/new", form(end="08:00", repeat="weekly")).get_data(as_text=True)
    assert 'id="end-error"' in page and 'id="until-error"' in page and 'id="weekdays-error"' in page
    assert count(Booking) == 0


def test_the_preview_lists_each_working_day_the_skipped_holiday_and_a_clash_and_books_nothing(
    client, auth, parking, staff
):
    set_manual_day(WEDNESDAY, False, "测试假日", actor=None, now=utcnow())
    thursday = MONDAY + timedelta(days=3)
    make_booking(parking, make_user(), at(thursday, "09:00"), at(thursday, "10:00"), quantity=39)
    db.session.commit()
    auth.sign_in(staff.phone, PASSWORD)
    fields = form(repeat="workdays", until=(MONDAY + timedelta(days=4)).isoformat(), preview="1")
    del fields["submit"]
    page = client.post_form("/bookings/new", fields).get_data(as_text=True)
    assert page.count('class="list-group-item d-flex flex-wrap justify-content-between gap-2 occurrence') == 4
    assert "测试假日" in page  # the holiday named, as skipped
    assert page.count("is-clash") == 1
    assert count(Booking) == 1 and count(BookingSeries) == 0


def test_booking_every_working_day_with_skip_goes_to_the_series_and_says_what_was_skipped(client, auth, parking, staff):
    thursday = MONDAY + timedelta(days=3)
    make_booking(parking, make_user(), at(thursday, "09:00"), at(thursday, "10:00"), quantity=39)
    auth.sign_in(staff.phone, PASSWORD)
    response = client.post_form(
        "/bookings/new", form(repeat="workdays", until=(MONDAY + timedelta(days=4)).isoformat())
    )
    assert response.status_code == 302
    series = db.session.scalars(select(BookingSeries)).one()
    assert response.headers["Location"].endswith(f"/bookings/series/{series.id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert page.count('class="list-group-item"') == 4
    assert "跳过" in page  # the flash: one time could not be booked and was skipped


def test_fail_books_nothing_and_lists_the_clashes(client, auth, parking, staff):
    thursday = MONDAY + timedelta(days=3)
    make_booking(parking, make_user(), at(thursday, "09:00"), at(thursday, "10:00"), quantity=39)
    auth.sign_in(staff.phone, PASSWORD)
    fields = form(repeat="daily", until=(MONDAY + timedelta(days=4)).isoformat(), on_conflict="fail")
    page = client.post_form("/bookings/new", fields).get_data(as_text=True)
    assert page.count("is-clash") == 1
    assert count(BookingSeries) == 0 and count(Booking) == 1


def test_cancelling_the_rest_from_the_series_page_keeps_the_earlier_ones(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    client.post_form("/bookings/new", form(repeat="daily", until=(MONDAY + timedelta(days=3)).isoformat()))
    ids = [b.id for b in db.session.scalars(select(Booking).order_by(Booking.start))]
    response = client.post_form(f"/bookings/{ids[1]}/cancel-rest")
    assert response.status_code == 302
    assert [db.session.get(Booking, i).status for i in ids] == ["confirmed"] + ["cancelled"] * 3


def test_someone_else_cannot_see_a_series_or_cancel_its_rest(client, auth, parking, staff):
    auth.sign_in(staff.phone, PASSWORD)
    client.post_form("/bookings/new", form(repeat="daily", until=(MONDAY + timedelta(days=1)).isoformat()))
    series = db.session.scalars(select(BookingSeries)).one()
    first = db.session.scalars(select(Booking).order_by(Booking.start)).first()
    auth.sign_out()
    other = make_user()
    auth.sign_in(other.phone, PASSWORD)
    assert client.get(f"/bookings/series/{series.id}").status_code == 404
    assert client.post_form(f"/bookings/{first.id}/cancel-rest").status_code == 404
    assert first.status == "confirmed"


def test_my_bookings_lists_upcoming_and_past_apart(client, auth, parking, staff):
    make_booking(parking, staff, at(MONDAY, "09:00"), at(MONDAY, "10:00"))
    last_week = MONDAY - timedelta(days=14)
    make_booking(parking, staff, at(last_week, "09:00"), at(last_week, "10:00"), status="completed")
    auth.sign_in(staff.phone, PASSWORD)
    upcoming = client.get("/bookings/mine").get_data(as_text=True)
    past = client.get("/bookings/mine?show=past").get_data(as_text=True)
    assert upcoming.count("booking-card") == 1 and "已确认" in upcoming
    assert past.count("booking-card") == 1 and "已完成" in past


def test_a_units_manager_sees_all_its_bookings_and_its_members_only_their_own(client, auth, city, parking, staff):
    colleague = make_unit_staff(city["unit"], name="同事")
    make_booking(parking, colleague, at(MONDAY, "09:00"), at(MONDAY, "10:00"), on_behalf_of=city["unit"])
    manager = make_user(name="单位管理员")
    make_membership(manager, city["unit"], role="manager")
    auth.sign_in(manager.phone, PASSWORD)
    page = client.get("/bookings/mine?for=U-T").get_data(as_text=True)
    assert page.count("booking-card") == 1 and "同事" in page
    auth.sign_out()
    auth.sign_in(staff.phone, PASSWORD)
    page = client.get("/bookings/mine?for=U-T").get_data(as_text=True)
    assert page.count("booking-card") == 0  # not a manager: "for" is ignored, and they have none


@pytest.mark.parametrize("url", ["/bookings/mine", "/bookings/new?resource=T-S-01-P1", "/bookings/series/1"])
def test_signed_out_visitors_are_sent_to_sign_in(client, parking, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]
