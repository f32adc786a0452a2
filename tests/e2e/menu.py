"""The phone layout's menu, opened the way a person waits for it."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def open_menu(page: Page) -> None:
    """Tap 菜单 and wait until the menu has finished opening (Bootstrap's collapse: `collapsing`
    while it slides, `collapse show` once open). On a busy machine a tap on a link while the menu
    is still sliding open can land on nothing, and the test would wait for a page that never comes."""
    page.get_by_role("button", name="菜单").click()
    expect(page.locator("#nav-menu.collapse.show")).to_be_visible()
