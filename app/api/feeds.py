"""GET /me/feeds: the caller's secret iCal feed URLs (API.md)."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from app.api import bp
from app.api.auth import api_user, token_required
from app.db import transaction, utcnow
from app.extensions import db
from app.feeds.views import my_feed_urls


@bp.route("/me/feeds")
@token_required
def my_feeds() -> Response:
    """The personal feed and one per organisation the caller manages; tokens are made on first use."""
    with transaction(db.session):
        personal, organisations = my_feed_urls(api_user(), now=utcnow())
    response = jsonify(
        personal=personal,
        organisations=[{"org": org.code, "url": url} for org, url in organisations],  # type: ignore[attr-defined]
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response
