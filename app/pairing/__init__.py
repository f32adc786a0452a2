"""Pairing (双结对): co-building agreements, cross-appointed committee members and help pairs."""

from flask import Blueprint

bp = Blueprint("pairing", __name__, url_prefix="/pairing")

from app.pairing import agreement_views, tie_views  # noqa: E402,F401
