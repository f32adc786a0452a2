"""WCAG 2.1 A/AA checks by axe-core on every page, on a phone, in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.e2e.menu import open_menu

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

PUBLIC_PAGES = [
    "/",
    "/accounts/sign-in",
    "/accounts/sign-up",
    "/no-such-page",
    "/directory/",
    "/directory/?q=停车",
    "/directory/U-GYYZ-SV1",
    "/directory/U-GYYZ-SV1/poster",
    "/bookings/resources/U-GYYZ-SV1/week",
    "/bookings/find",
]
ADMIN_PAGES = [
    "/accounts/settings",
    "/accounts/password",
    "/accounts/tokens",
    "/admin/",
    "/admin/users",
    "/admin/users/demo-resident",
    "/organisations/",
    "/organisations/new",
    "/organisations/registrations",
    "/organisations/LZ-DB-01",
    "/organisations/U-GYYZ",
    "/organisations/U-GYYZ/edit",
    "/directory/mine",
    "/directory/new",
    "/directory/LZ-DB-01-P1/edit",
    "/directory/LZ-DB-01-P1/manage",
    "/directory/import",
    "/access/LZ-DB-01-P1/rules",
    "/access/LZ-DB-01-P1/closures",
    "/access/org/LZ-DB-01/closures",
    "/access/LZ-DB-01-P1/closures/import",
    "/admin/calendar",
    "/admin/calendar/2026-10-01",
    "/admin/calendar/import",
    "/bookings/find?day=2026-12-03&start=09:00&end=11:00&quantity=1",
    "/bookings/approvals",
    "/bookings/inbox",
    "/bookings/manage/LZ-DB-01",
    "/bookings/manage/LZ-DB-01?view=week&status=all",
    "/reports/figures",
    "/reports/figures?scope=LZ-DB-01&first=2026-11-09&last=2026-11-01",
    "/reports/members",
    "/reports/members?area=LZ-DB-01",
    "/volunteers/LZ-DB-01",
    "/service-items/",
    "/pairing/",
    "/evaluations/",
    "/evaluations/report",
]

pytestmark = pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install; .ci/run does this)")


@pytest.fixture
def audited(browser, live_server) -> Iterator[Page]:
    # The app's CSP rightly forbids injected scripts; the audit context bypasses it.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url, bypass_csp=True
    )
    yield context.new_page()
    context.close()


def violations(page: Page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_TAGS)
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
    ]


def sign_in_as_admin(page: Page) -> None:
    page.goto("/accounts/sign-in")
    page.fill("#login", "13800000000")
    page.fill("#password", "demo-admin-0")
    page.click("#submit")


@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_every_page_passes_wcag_21_aa_checks(audited: Page, language: str):
    problems: dict[str, list[str]] = {}
    audited.goto("/")
    if language == "en":
        open_menu(audited)
        audited.select_option("#nav-locale", "en")
        with audited.expect_navigation():
            audited.click(".language-switch button")
        assert audited.get_attribute("html", "lang") == "en"
    for path in PUBLIC_PAGES:
        audited.goto(path)
        problems[path] = violations(audited)
    audited.goto("/accounts/sign-up")
    with audited.expect_navigation():  # audit the answered page with its styles, not the one being left
        audited.click("#submit")
    audited.wait_for_load_state("load")
    problems["sign-up with errors"] = violations(audited)
    sign_in_as_admin(audited)
    for path in ADMIN_PAGES:
        audited.goto(path)
        problems[path] = violations(audited)
    assert {page: found for page, found in problems.items() if found} == {}
