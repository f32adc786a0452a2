"""Forms of the feeds' settings: regenerate a feed's secret address."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField


class RegenerateForm(FlaskForm):
    """`feed` is "personal" or an organisation's code."""

    feed = HiddenField()
