"""Registering on a phone (双报到), in a real browser: a resident scans the community's QR code, signs in
and registers as an in-service party member; the community's manager acknowledges it from the roster,
and the resident's receipt carries its number."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from app.organisations.models import Registration


def test_a_member_registers_by_qr_on_a_phone_and_the_manager_acknowledges(phone: Page, browser, live_server):
    # The poster's QR code carries the community's join address.
    phone.goto("/organisations/LZ-DB-01/poster")
    join = phone.locator(".poster-url").inner_text()
    assert join.endswith("/organisations/LZ-DB-01/join")

    phone.goto(join)
    phone.get_by_label("手机号或电子邮箱").fill("13800000002")
    phone.get_by_label("密码").fill("demo-pass-2")
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("东坝社区")
    phone.get_by_label("我是在职党员").check()
    phone.get_by_role("button", name="在此报到").click()
    expect(phone.locator(".badge.status-pending")).to_be_visible()

    manager = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-CN", base_url=live_server.url
    ).new_page()
    try:
        manager.goto("/organisations/LZ-DB-01/roster")
        manager.get_by_label("手机号或电子邮箱").fill("13800000004")
        manager.get_by_label("密码").fill("demo-pass-4")
        manager.get_by_role("button", name="登录").click()
        manager.get_by_role("button", name="确认 李四").click()
        expect(manager.get_by_text("已确认 1 条。")).to_be_visible()
    finally:
        manager.context.close()

    with live_server.server.app.app_context():
        user = db.session.scalars(select(User).where(User.phone == "13800000002")).one()
        registration = db.session.scalars(select(Registration).where(Registration.user_id == user.id)).one()
        assert (registration.community.code, registration.status, registration.party_member) == (
            "LZ-DB-01",
            "acknowledged",
            True,
        )
        receipt, registration_id = registration.receipt, registration.id
    phone.goto(f"/organisations/registrations/{registration_id}/receipt")
    expect(phone.get_by_text(receipt)).to_be_visible()
