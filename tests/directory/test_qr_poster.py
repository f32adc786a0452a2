"""QR codes lead to the resource's public page; the printable poster carries its name, owner, code and QR code."""

from __future__ import annotations

import html
import io
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
import segno
from flask import Flask
from PIL import Image

from app.directory.models import Resource
from tests import factories
from tests.factories import PASSWORD, make_membership, make_org, make_user

CODE = "XF-GYM"
PUBLIC_URL = f"http://localhost/directory/{CODE}"
SVG_NS = "{http://www.w3.org/2000/svg}"
MANAGER = "13800000001"
POSTER_CSS = Path(__file__).resolve().parents[2] / "static" / "css" / "poster.css"
SCALE, BORDER = 8, 4


def make_resource(owner: Any, code: str = CODE, *, name: str = "幸福社区羽毛球馆", active: bool = True) -> Resource:
    return factories.make_resource(code, owner, name=name, kind="sports_venue", capacity=4, active=active)


@pytest.fixture
def community(app: Flask) -> Any:
    owner = make_org("XF", name="幸福社区")
    make_membership(make_user(name="幸福社区管理员", phone=MANAGER), owner, "manager")
    return owner


@pytest.fixture
def resource(community: Any) -> Resource:
    return make_resource(community)


def modules(png: bytes) -> list[list[bool]]:
    """Read the QR modules back from the PNG: the centre pixel of each SCALE×SCALE cell, dark or not."""
    image = Image.open(io.BytesIO(png)).convert("L")
    width, height = image.size
    assert width == height and width % SCALE == 0
    count = width // SCALE
    return [
        [image.getpixel((x * SCALE + SCALE // 2, y * SCALE + SCALE // 2)) < 128 for x in range(count)]
        for y in range(count)
    ]


def expected_modules(url: str) -> list[list[bool]]:
    """What a QR code of `url` at level M looks like, quiet zone included."""
    qr = segno.make_qr(url, error="m", boost_error=False)
    size = len(qr.matrix) + 2 * BORDER
    grid = [[False] * size for _ in range(size)]
    for y, row in enumerate(qr.matrix):
        for x, dark in enumerate(row):
            grid[y + BORDER][x + BORDER] = bool(dark)
    return grid


def text_of(response: Any) -> str:
    return html.unescape(response.get_data(as_text=True))


# --- QR codes ------------------------------------------------------------------


def test_qr_png_encodes_the_absolute_address_of_the_public_page(client, resource):
    response = client.get(f"/directory/{CODE}/qr.png")

    assert response.status_code == 200
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data))
    assert image.format == "PNG"
    assert modules(response.data) == expected_modules(PUBLIC_URL)
    assert not any(modules(response.data)[0]) and not any(row[0] for row in modules(response.data))  # quiet zone


def test_qr_is_a_full_qr_code_at_level_m_not_a_micro_one():
    qr = segno.make_qr(PUBLIC_URL, error="m", boost_error=False)

    assert not qr.is_micro and qr.error == "M"
    assert segno.make(PUBLIC_URL, micro=False, error="m", boost_error=False).matrix == qr.matrix


def test_qr_follows_the_host_the_page_was_reached_on(client, resource):
    response = client.get(f"/directory/{CODE}/qr.png", base_url="https://linli.example.cn")

    assert modules(response.data) == expected_modules(f"https://linli.example.cn/directory/{CODE}")


def test_qr_svg_is_valid_xml_with_a_title(client, resource):
    response = client.get(f"/directory/{CODE}/qr.svg")

    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    root = ET.fromstring(response.data)
    assert root.tag == f"{SVG_NS}svg"
    assert root.get("viewBox")
    assert "幸福社区羽毛球馆" in root.find(f"{SVG_NS}title").text
    assert root.find(f"{SVG_NS}path") is not None


def test_qr_svg_title_follows_the_language(client, resource):
    root = ET.fromstring(client.get(f"/directory/{CODE}/qr.svg", headers={"Accept-Language": "en"}).data)

    assert root.find(f"{SVG_NS}title").text == "QR code: 幸福社区羽毛球馆"


def test_qr_answers_a_conditional_get_with_304(client, resource):
    first = client.get(f"/directory/{CODE}/qr.png")
    etag = first.headers["ETag"]

    assert not etag.startswith("W/")
    assert first.headers["Cache-Control"] == "public, max-age=86400"
    again = client.get(f"/directory/{CODE}/qr.png", headers={"If-None-Match": etag})
    assert again.status_code == 304


@pytest.mark.parametrize("path", ["qr.svg", "qr.png", "poster"])
def test_unlisted_resource_has_no_public_qr_or_poster(client, auth, community, path):
    make_resource(community, "XF-OLD", name="旧活动室", active=False)

    assert client.get(f"/directory/XF-OLD/{path}").status_code == 404
    assert client.get(f"/directory/NOPE/{path}").status_code == 404
    auth.sign_in(MANAGER, PASSWORD)
    assert client.get(f"/directory/XF-OLD/{path}").status_code == 200


# --- the poster --------------------------------------------------------------


def test_poster_in_chinese_carries_name_owner_code_qr_and_instruction(client, resource):
    response = client.get(f"/directory/{CODE}/poster")

    assert response.status_code == 200
    page = text_of(response)
    assert '<html lang="zh-Hans">' in page
    assert re.search(r'<h1[^>]*class="poster-title"[^>]*>幸福社区羽毛球馆</h1>', page)
    assert "幸福社区" in page and CODE in page
    assert "微信或手机相机扫码，查看开放时间并在线预约" in page
    assert f'src="/directory/{CODE}/qr.svg"' in page
    assert re.search(r'<img class="poster-qr"[^>]*alt="[^"]+"', page)
    assert PUBLIC_URL in page


def test_poster_in_english_translates_the_instruction(client, resource):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"

    page = text_of(client.get(f"/directory/{CODE}/poster"))

    assert '<html lang="en">' in page
    assert "Scan with WeChat or your phone camera to see the opening hours and book online." in page
    assert "微信或手机相机扫码" not in page
    assert f"Resource code: {CODE}" in page and "幸福社区羽毛球馆" in page


def test_poster_uses_local_styles_only_and_nothing_the_csp_forbids(client, resource):
    page = client.get(f"/directory/{CODE}/poster").get_data(as_text=True)

    assert 'href="/static/css/poster.css"' in page and 'href="/static/css/app.css"' in page
    assert "/bootstrap/static/css/bootstrap" in page
    assert " style=" not in page and "<style" not in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # no inline scripts
    assert "//cdn" not in page
    assert client.get("/static/css/poster.css").status_code == 200


def test_poster_prints_on_a4_without_the_site_header_and_footer():
    css = POSTER_CSS.read_text(encoding="utf-8")

    assert re.search(r"@page\s*{[^}]*size:\s*A4", css)
    print_rules = css[css.index("@media print") :]
    assert re.search(r"body > header, body > footer[^{]*{\s*display: none", print_rules)


def test_qr_code_carries_the_public_address_when_one_is_configured(app, client, community):
    from app.directory.media_views import resource_url

    resource = make_resource(community)
    app.config["PUBLIC_BASE_URL"] = "https://linli.example.cn/"
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert resource_url(resource) == f"https://linli.example.cn/directory/{resource.code}"
    app.config["PUBLIC_BASE_URL"] = None
    with app.test_request_context("/", base_url="http://127.0.0.1:5000"):
        assert resource_url(resource) == f"http://127.0.0.1:5000/directory/{resource.code}"
