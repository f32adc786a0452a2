"""Reports: the nightly usage snapshots of each resource, and the figures and pictures pages."""

from flask import Blueprint

bp = Blueprint("reports", __name__, url_prefix="/reports")

from app.reports import member_views, views  # noqa: E402,F401
