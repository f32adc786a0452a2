"""Open-access rules: who may book a resource when (access windows), and when it is closed."""

from __future__ import annotations

from flask import Blueprint
from flask.blueprints import BlueprintSetupState
from markupsafe import Markup

from app.directory.models import Resource
from app.directory.sections import add_audit_value_formatter, add_resource_section

bp = Blueprint("access", __name__, url_prefix="/access")


def render_rules_section(resource: Resource) -> Markup:
    # Imported when a page is drawn, not when the package loads.
    from app.access.views import render_rules_section as render

    return render(resource)


def _add_sections(state: BlueprintSetupState) -> None:
    add_resource_section(state.app, 10, render_rules_section)
    from app.access.wording import audit_value_formatters

    for field, format_value in audit_value_formatters().items():
        add_audit_value_formatter(state.app, field, format_value)


bp.record_once(_add_sections)

# Routes register on the blueprint when their modules load.
from app.access import closure_import_views, views  # noqa: E402,F401
