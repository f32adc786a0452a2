"""Helpers shared by every feature's forms: domain errors shown beside their field."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from app.domain.errors import DomainError
from app.messages import message_for


def show_domain_error(form: FlaskForm, error: DomainError, *, fields: dict[str, str] | None = None) -> None:
    """Put the error's message under the field it names (mapped through `fields`), else on the form."""
    name = (fields or {}).get(error.field or "", error.field)
    field = getattr(form, name, None) if name else None
    message = message_for(error.code)
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]
    else:
        form.form_errors.append(message)


def choices(pairs: Iterable[tuple[str, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs; labels may be lazy translations."""
    return [SelectChoice(value, label) for value, label in pairs]
