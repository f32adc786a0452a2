"""Every page loads its assets from this app only: no CDN, no foreign host."""

from __future__ import annotations

import re

from flask import Flask

from app.extensions import db
from app.organisations.services import get_organisation
from tests.factories import PASSWORD, make_membership, make_service_item, make_user
from tests.test_route_access import ADMIN, MANAGER, PUBLIC, USER, _setup_city, routes

ASSET_RE = re.compile(r"<(?:link|script|img|source|iframe|video|audio|embed)\b[^>]*?\b(?:href|src|srcset)=\"([^\"]+)\"")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)


def external_assets(html: str) -> list[str]:
    return [url for url in ASSET_RE.findall(html) if EXTERNAL.match(url)]


# Pictures of a completed claim: images, not pages (tests/service_items serves them).
NOT_PAGES = {"service_items.photo", "service_items.photo_thumbnail"}


def _pages(app: Flask, *access: str) -> list[tuple[str, str]]:
    return [
        (endpoint, url)
        for level in access
        for endpoint, method, url in routes(app, level)
        if method == "GET"
        and not endpoint.endswith("static")
        and not endpoint.startswith("api.")
        and endpoint not in NOT_PAGES
    ]


def test_every_page_uses_only_local_assets(app: Flask, client, auth):
    _setup_city(app)
    admin = make_user(phone="13800000009", is_admin=True)
    make_membership(admin, get_organisation("T-S-01"), "manager")
    make_service_item(get_organisation("T-S-01"))  # service item 1
    db.session.commit()
    pages = visited = 0
    for signed_in, levels in ((False, (PUBLIC,)), (True, (USER, ADMIN, MANAGER))):
        if signed_in:
            auth.sign_in("13800000009", PASSWORD)
        for endpoint, url in _pages(app, *levels):
            response = client.get(url, follow_redirects=True)  # /bookings/new without a place: to "find"
            assert response.status_code == 200, endpoint
            visited += 1
            if response.mimetype != "text/html":
                continue
            html = response.get_data(as_text=True)
            assert external_assets(html) == [], endpoint
            for asset in ASSET_RE.findall(html):
                if asset.startswith("/"):
                    assert client.get(asset).status_code == 200, asset
            pages += 1
    # Most routes visited are pages (the rest CSV, pictures, calendars): the check is not vacuous.
    assert visited >= 60 and pages >= visited // 2


def test_the_checker_catches_a_cdn_link():
    html = '<link rel="stylesheet" href="https://cdn.jsdelivr.net/x.css"><script src="//cdn.example/x.js"></script>'
    assert external_assets(html) == ["https://cdn.jsdelivr.net/x.css", "//cdn.example/x.js"]
