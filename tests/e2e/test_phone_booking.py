"""Booking on a phone, in Chinese, in a real browser: a resident books a stadium slot from the week;
unit staff book 3 parking spaces for every working day of next month and see the holiday skipped;
a community's manager approves a pending booking in one tap."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts.models import User
from app.bookings.models import Booking, BookingSeries, Notification
from app.bookings.placing import Placement, place_booking
from app.db import utcnow
from app.directory.services import get_resource
from app.domain.workdays import is_workday
from app.extensions import db
from app.organisations.services import get_organisation
from app.workdays.services import calendar_between, set_manual_day
from tests.e2e.menu import open_menu
from tests.when import SHANGHAI, at


def sign_in(page: Page, login: str, password: str) -> None:
    page.goto("/accounts/sign-in")
    page.get_by_label("手机号或电子邮箱").fill(login)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("button", name="菜单")).to_be_visible()


def next_month() -> tuple[date, date]:
    today = utcnow().astimezone(SHANGHAI).date()
    first = (today.replace(day=1) + timedelta(days=32)).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last


def a_weekday_holiday_in(first: date, last: date) -> tuple[date, str]:
    """The month's first holiday on a weekday by the official calendar; one is declared when it has none."""
    for day, entry in sorted(calendar_between(first, last).items()):
        if not entry.workday and day.weekday() < 5:
            return day, entry.name
    day = first + timedelta(days=(2 - first.weekday()) % 7 + 7)  # the second Wednesday
    set_manual_day(day, False, "社区活动日", actor=None, now=utcnow())
    db.session.commit()
    return day, "社区活动日"


def test_resident_books_a_stadium_slot_from_the_week(phone: Page, live_server):
    sign_in(phone, "13800000001", "demo-pass-1")
    phone.goto("/bookings/resources/U-GYYZ-SV1/week")
    cell = phone.locator(".week-day.is-shown .slot-link")
    for tab in phone.locator(".day-switch a").all():
        if cell.count():
            break
        tab.click()
    cell.first.click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("预约 广元市第一中学体育场")
    phone.get_by_role("button", name="预约", exact=True).click()
    expect(phone.get_by_text("已确认").first).to_be_visible()
    with live_server.server.app.app_context():
        booking = db.session.scalars(select(Booking)).one()
        assert (booking.resource.code, booking.user.code, booking.status) == (
            "U-GYYZ-SV1",
            "demo-resident",
            "confirmed",
        )
    phone.goto("/bookings/mine")
    expect(phone.locator(".booking-card")).to_have_count(1)


def test_unit_staff_book_3_spaces_every_working_day_of_next_month_and_see_the_holiday_skipped(phone: Page, live_server):
    first, last = next_month()
    with live_server.server.app.app_context():
        holiday, name = a_weekday_holiday_in(first, last)
        calendar = calendar_between(first, last)
        month = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        workdays = [d for d in month if is_workday(d, calendar)]
    sign_in(phone, "13800000003", "demo-pass-3")
    phone.goto(f"/bookings/new?resource=LZ-DB-01-P1&start={first.isoformat()}T09:00")  # from the 1st
    phone.get_by_label("结束时间").fill("17:00")
    phone.get_by_label("数量").fill("3")
    phone.get_by_label("预约身份").select_option(label="利州区机关事务服务中心")
    phone.get_by_text("重复预约", exact=True).click()
    phone.get_by_label("每个工作日（按官方日历）").check()
    phone.get_by_label("截止日期").fill(last.isoformat())
    phone.get_by_role("button", name="预览系列").click()
    expect(phone.get_by_text(f"{name}：节假日，跳过")).to_be_visible()
    expect(phone.locator(".occurrence")).to_have_count(len(workdays))
    phone.get_by_role("button", name="预约", exact=True).click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("东坝社区公共停车场")
    expect(phone.get_by_text(f"{name}：节假日，跳过")).to_be_visible()
    with live_server.server.app.app_context():
        series = db.session.scalars(select(BookingSeries)).one()
        bookings = db.session.scalars(select(Booking).where(Booking.series_id == series.id)).all()
        days = {b.start.astimezone(SHANGHAI).date() for b in bookings}
        assert days == set(workdays) and holiday not in days
        assert {(b.quantity, b.on_behalf_of.code, b.status) for b in bookings} == {(3, "U-LZJG", "confirmed")}


def test_community_manager_approves_a_pending_booking_in_one_tap(phone: Page, live_server):
    with live_server.server.app.app_context():
        resident = db.session.scalars(select(User).where(User.code == "demo-resident")).one()
        room = get_resource("LZ-DB-01-AC1")
        today = utcnow().astimezone(SHANGHAI).date()
        day = today + timedelta(days=(5 - today.weekday()) % 7 or 7)  # a Saturday ahead: open to residents
        placement = Placement(room.id, at(day, "10:00"), at(day, "11:00"), purpose="读书会")
        booking_id = place_booking(resident, placement, now=utcnow()).id
        db.session.commit()
        assert get_organisation("LZ-DB-01") is not None
    sign_in(phone, "13800000004", "demo-pass-4")
    open_menu(phone)
    phone.get_by_role("link", name="审批").click()
    card = phone.get_by_role("article").filter(has_text="读书会")
    expect(card).to_contain_text("读书会")
    card.get_by_role("button", name="批准").click()
    expect(phone.get_by_role("status").or_(phone.locator(".alert-success")).first).to_be_visible()
    with live_server.server.app.app_context():
        booking = db.session.get(Booking, booking_id)
        assert booking.status == "confirmed"
        notes = db.session.scalars(select(Notification).where(Notification.booking_id == booking_id)).all()
        assert [n.kind for n in notes] == ["booking_approved"]
