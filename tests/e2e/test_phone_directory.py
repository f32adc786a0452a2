"""The directory on a phone, in Chinese: find a stadium; a manager lists a place with a photo."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image
from playwright.sync_api import Page, expect


def test_resident_searches_for_a_stadium_and_opens_its_page(phone: Page, live_server):
    phone.goto("/")
    phone.get_by_role("searchbox").first.fill("体育场")
    phone.get_by_role("button", name="搜索").first.click()
    expect(phone.get_by_role("status")).to_contain_text("找到")
    phone.get_by_role("link", name="广元市第一中学体育场").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("广元市第一中学体育场")
    expect(phone.get_by_text("广元市第一中学").first).to_be_visible()
    expect(phone.get_by_text("场地").first).to_be_visible()
    assert [u for u in phone.requested if not u.startswith(live_server.url)] == []


def test_manager_lists_a_new_place_with_a_photo(phone: Page, live_server, tmp_path: Path):
    picture = tmp_path / "meeting-room.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (800, 600), (30, 107, 51)).save(buffer, "JPEG")
    picture.write_bytes(buffer.getvalue())

    phone.goto("/accounts/sign-in")
    phone.get_by_label("手机号或电子邮箱").fill("13800000004")  # 东坝社区's manager
    phone.get_by_label("密码").fill("demo-pass-4")
    phone.get_by_role("button", name="登录").click()
    phone.goto("/directory/mine")
    phone.get_by_role("link", name="添加资源").click()
    phone.get_by_label("场所名称").fill("东坝社区视频会议室")
    phone.get_by_label("编码").fill("LZ-DB-01-M9")
    phone.get_by_label("类别").select_option("meeting_room")
    phone.get_by_label("容量").fill("1")
    phone.get_by_label("计量单位").fill("间")
    phone.get_by_role("button", name="保存").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("东坝社区视频会议室")

    phone.locator("input[type=file]").set_input_files(str(picture))
    phone.get_by_role("button", name="上传照片").click()
    expect(phone.locator("img[src*='/thumb.jpg']").first).to_be_visible()

    phone.goto("/directory/?q=视频会议")
    phone.get_by_role("link", name="东坝社区视频会议室").click()
    expect(phone.locator("img[src*='/thumb.jpg']").first).to_be_visible()
