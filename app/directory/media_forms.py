"""Forms for resource photos: upload one, remove one."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional

from app.directory.photos import DEFAULT_MAX_BYTES, MAX_CAPTION, MAX_PHOTOS

# A first filter for people who pick the wrong file; the photo service decides by decoding the bytes.
PHOTO_EXTENSIONS = ("jpg", "jpeg", "jpe", "jfif", "png", "webp")


def photo_max_bytes() -> int:
    return int(current_app.config.get("PHOTO_MAX_BYTES", DEFAULT_MAX_BYTES))


class PhotoForm(FlaskForm):
    """One photo with an optional caption; `max_photos` lets the page say when no more fit."""

    max_photos = MAX_PHOTOS

    photo = FileField(
        _l("Photo"),
        validators=[
            FileRequired(_l("Choose a photo to upload.")),
            FileAllowed(PHOTO_EXTENSIONS, _l("Choose a JPEG, PNG or WebP photo.")),
        ],
        render_kw={"accept": "image/jpeg,image/png,image/webp"},
    )
    caption = StringField(
        _l("Caption"),
        validators=[Optional(), Length(max=MAX_CAPTION)],
        description=_l("Optional. Say what the photo shows; it is read out to people who cannot see it."),
    )
    submit = SubmitField(_l("Upload photo"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        megabytes = photo_max_bytes() / (1024 * 1024)
        self.photo.description = _(
            "JPEG, PNG or WebP, up to %(size)s MB; at most %(count)s photos per resource.",
            size=f"{megabytes:g}",
            count=MAX_PHOTOS,
        )


class RemovePhotoForm(FlaskForm):
    """Nothing to fill in: the form carries the CSRF token of a remove button."""
