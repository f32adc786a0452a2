"""Evaluation rounds (双评价): rounds run by the organisation department, evaluations between registered
pairs, and the appraisal report."""

from flask import Blueprint

bp = Blueprint("evaluations", __name__, url_prefix="/evaluations")

from app.evaluations import views  # noqa: E402,F401
