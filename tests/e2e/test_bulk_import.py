"""An admin on a phone imports the district's spreadsheet: every page of it passes the WCAG 2.1 AA checks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.e2e.test_accessibility import AXE, sign_in_as_admin, violations

HEADER = "编码,名称,类别,所属组织编码,容量,需审批"
GOOD = "\r\n".join([HEADER, "LZ-DB-01-E2E1,东坝社区第二停车场,停车场,LZ-DB-01,12,否"]) + "\r\n"
BAD = "\r\n".join([HEADER, "LZ-DB-01-E2E1,东坝社区第二停车场,停车场,NOWHERE,0,也许"]) + "\r\n"

pytestmark = pytest.mark.skipif(not AXE.exists(), reason="axe-core is not installed (npm install; .ci/run does this)")


@pytest.fixture
def admin_phone(browser, live_server) -> Iterator[Page]:
    # The app's CSP rightly forbids injected scripts; the audit context bypasses it.
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", base_url=live_server.url, bypass_csp=True
    )
    page = context.new_page()
    sign_in_as_admin(page)
    yield page
    context.close()


def upload(page: Page, text: str) -> None:
    page.goto("/directory/import")
    page.set_input_files("#file", files=[{"name": "资源.csv", "mimeType": "text/csv", "buffer": text.encode("gbk")}])
    page.click("#submit")


def test_import_pages_pass_wcag_21_aa_checks_and_the_import_goes_through(admin_phone: Page):
    page = admin_phone
    problems: dict[str, list[str]] = {}
    page.goto("/directory/import")
    problems["upload form"] = violations(page)

    upload(page, BAD)
    assert page.locator("#row-2").get_by_text("所属组织编码").count() == 1
    assert page.locator("#payload").count() == 0
    problems["preview with problems"] = violations(page)

    upload(page, GOOD)
    problems["preview ready"] = violations(page)
    page.click("#submit")

    assert "资源.csv 已导入：新增 1 项" in page.locator(".flashes").inner_text()
    problems["after the import"] = violations(page)
    assert {name: found for name, found in problems.items() if found} == {}
