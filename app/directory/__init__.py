"""The shared resource directory: browse, search, resource pages, managers' pages, posters."""

from flask import Blueprint

bp = Blueprint("directory", __name__, url_prefix="/directory")

# Routes register on the blueprint when their modules load.
from app.directory import bulk_views, media_views, views  # noqa: E402,F401
