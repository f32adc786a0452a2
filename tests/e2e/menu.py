"""The phone layout's menu, opened the way a person waits for it."""

from __future__ import annotations

from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeout


def open_menu(page: Page) -> None:
    """Tap 菜单 and wait until the menu has finished opening (Bootstrap's collapse: `collapsing`
    while it slides, `collapse show` once open). On a busy machine a tap on a link while the menu
    is still sliding open can land on nothing, and the test would wait for a page that never comes.

    A tap is repeated only while the toggler still says the menu is closed (Bootstrap sets
    aria-expanded as the slide starts): tapping again on a menu that is merely slow to open
    would close it, and the next tap would land on a menu sliding shut."""
    toggler = page.locator("button.navbar-toggler")
    opened = page.locator("#nav-menu.collapse.show")
    for _ in range(3):
        if toggler.get_attribute("aria-expanded") != "true":
            toggler.click()
        try:
            opened.wait_for(state="visible", timeout=10_000)
            return
        except PlaywrightTimeout:
            continue
    expect(opened).to_be_visible()
