"""A resident and an admin on a phone, in Chinese, in a real browser."""

from __future__ import annotations

import os
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.menu import open_menu


def only_this_site(page: Page, base_url: str) -> list[str]:
    return [url for url in page.requested if not url.startswith(base_url) and not url.startswith("data:")]


def test_resident_signs_in_on_a_phone_in_chinese(phone: Page, live_server, tmp_path: Path):
    phone.goto("/")
    expect(phone.locator("html")).to_have_attribute("lang", "zh-Hans")
    open_menu(phone)
    phone.get_by_role("navigation", name="主导航").get_by_role("link", name="登录").click()
    phone.get_by_label("手机号或电子邮箱").fill("13800000001")
    phone.get_by_label("密码").fill("demo-pass-1")
    phone.get_by_role("button", name="登录").click()
    open_menu(phone)
    expect(phone.get_by_role("link", name="张三")).to_be_visible()
    phone.screenshot(path=str(tmp_path / "signed-in.png"), full_page=True)
    if os.environ.get("LINLI_SCREENSHOTS"):
        phone.screenshot(path=os.path.join(os.environ["LINLI_SCREENSHOTS"], "signed-in.png"), full_page=True)
    assert only_this_site(phone, live_server.url) == []


def test_wrong_password_is_explained_next_to_the_form(phone: Page, live_server):
    phone.goto("/accounts/sign-in")
    phone.get_by_label("手机号或电子邮箱").fill("13800000001")
    phone.get_by_label("密码").fill("not-the-password")
    phone.get_by_role("button", name="登录").click()
    expect(phone.get_by_role("alert")).to_contain_text("账号或密码不正确")


def test_admin_registers_a_unit_with_a_community_and_acknowledges_it(phone: Page, live_server):
    phone.goto("/accounts/sign-in")
    phone.get_by_label("手机号或电子邮箱").fill("13800000000")
    phone.get_by_label("密码").fill("demo-admin-0")
    phone.get_by_role("button", name="登录").click()
    phone.goto("/organisations/U-GYYG")
    expect(phone.get_by_role("heading", level=1)).to_have_text("广元市义工联合会")
    phone.get_by_label("社区").select_option("LZ-JL-02")
    phone.get_by_role("button", name="到本社区报到").click()
    expect(phone.get_by_text("待确认").first).to_be_visible()
    phone.get_by_role("button", name="保存处理结果").first.click()
    expect(phone.get_by_text("已确认").first).to_be_visible()
    expect(phone.get_by_text("回执").first).to_be_visible()
    assert only_this_site(phone, live_server.url) == []


def test_language_switch_turns_the_page_english(phone: Page, live_server):
    phone.goto("/accounts/sign-in")
    open_menu(phone)
    phone.get_by_label("语言").select_option("en")
    with phone.expect_navigation():
        phone.get_by_role("button", name="切换").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sign in")
