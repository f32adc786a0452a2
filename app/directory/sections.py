"""Sections that features above the directory add to a resource's page (its rules, its week).

The directory sits below access rules and bookings, so it cannot call them; they
register a renderer here when their blueprint is registered, and the resource
page shows whatever was registered, in order.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app
from flask_babel import gettext as _
from markupsafe import Markup

from app.directory.models import Resource

SectionRenderer = Callable[[Resource], Markup | str | None]
EXTENSION_KEY = "linli.resource_sections"


def add_resource_section(app: Flask, order: int, render: SectionRenderer) -> None:
    sections: list[tuple[int, SectionRenderer]] = app.extensions.setdefault(EXTENSION_KEY, [])
    sections.append((order, render))
    sections.sort(key=lambda pair: pair[0])


def render_resource_sections(resource: Resource) -> list[Markup]:
    rendered = []
    for _order, render in current_app.extensions.get(EXTENSION_KEY, []):
        html = render(resource)
        if html:
            rendered.append(Markup(html))
    return rendered


# --- the audit trail's values --------------------------------------------------

ValueFormatter = Callable[[object], str]
FORMATTERS_KEY = "linli.audit_value_formatters"


def add_audit_value_formatter(app: Flask, field: str, format_value: ValueFormatter) -> None:
    """How a field's recorded value reads on the resource's change list (features above add theirs)."""
    app.extensions.setdefault(FORMATTERS_KEY, {})[field] = format_value


def format_audit_value(field: str, value: object) -> str:
    if value is None:
        return "—"
    formatter = current_app.extensions.get(FORMATTERS_KEY, {}).get(field)
    if formatter is not None:
        return formatter(value)
    if value is True or value is False:
        return _("yes") if value else _("no")
    if isinstance(value, list | tuple):
        return "、".join(str(item) for item in value)
    return str(value)
