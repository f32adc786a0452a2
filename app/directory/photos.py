"""Resource photos: uploads checked and re-encoded (no metadata survives), added and removed. Flush, never commit."""

from __future__ import annotations

import io
import struct
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError
from sqlalchemy import func, select

from app.accounts.models import User
from app.audit.services import record
from app.directory.models import Resource, ResourcePhoto
from app.domain.errors import DomainError
from app.extensions import db

AUDIT_SUBJECT = "resource"
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP")
DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# Far below Pillow's own bomb threshold (~89 MP): no phone photo comes near it.
MAX_PIXELS = 40_000_000
MAX_PHOTOS = 12
MAX_CAPTION = 200
IMAGE_LONG_SIDE = 1600
THUMBNAIL_LONG_SIDE = 400
JPEG_QUALITY = 85


@dataclass(frozen=True)
class ProcessedPhoto:
    """A clean JPEG and its thumbnail, with the JPEG's size in pixels."""

    image: bytes
    thumbnail: bytes
    width: int
    height: int


def _open(data: bytes, max_bytes: int) -> Image.Image:
    if len(data) > max_bytes:
        raise DomainError("image_too_large", field="photo")
    try:
        # Only the accepted decoders are tried: what the bytes are decides, never a name or a content type.
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        if image.format not in ACCEPTED_FORMATS or image.width * image.height > MAX_PIXELS:
            raise DomainError("unsupported_image", field="photo")
        if image.format == "JPEG":
            # Let the decoder scale down while decoding: less memory for big photos.
            image.draft(None, (IMAGE_LONG_SIDE, IMAGE_LONG_SIDE))
        image.load()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as exc:
        raise DomainError("unsupported_image", field="photo") from exc
    return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """Colours as the camera meant them (phones shoot Display P3) once the ICC profile is dropped."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    try:
        converted = ImageCms.profileToProfile(
            image, io.BytesIO(icc), ImageCms.createProfile("sRGB"), outputMode="RGBA" if image.mode == "RGBA" else "RGB"
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image  # a profile we cannot read: keep the pixels as they are
    return converted if converted is not None else image


def _clean_rgb(image: Image.Image) -> Image.Image:
    """The pixels only, on a fresh RGB image: transparency goes onto white, and no metadata is carried over."""
    image = _to_srgb(image)
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, "white")
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    rgb = image if image.mode == "RGB" else image.convert("RGB")
    clean = Image.new("RGB", rgb.size)
    clean.paste(rgb)
    return clean


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue()


def process_upload(data: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES) -> ProcessedPhoto:
    """Check an uploaded photo and re-encode it as a JPEG (at most 1600 px) with a thumbnail (at most 400 px).

    JPEG, PNG and WebP are accepted, recognised by decoding them; the EXIF
    orientation is applied, and nothing but the pixels is kept (no EXIF with its
    GPS position, no ICC, XMP or comments). Raises DomainError
    `image_too_large` or `unsupported_image` (anything else, broken images and
    decompression bombs).
    """
    source = _open(data, max_bytes)
    try:
        oriented = ImageOps.exif_transpose(source)
        image = _clean_rgb(oriented)
    except (OSError, ValueError, KeyError, TypeError, IndexError, SyntaxError, struct.error) as exc:
        # A malformed EXIF block fails in many ways; each means a photo we cannot use.
        raise DomainError("unsupported_image", field="photo") from exc
    image.thumbnail((IMAGE_LONG_SIDE, IMAGE_LONG_SIDE), Image.Resampling.LANCZOS)
    thumbnail = image.copy()
    thumbnail.thumbnail((THUMBNAIL_LONG_SIDE, THUMBNAIL_LONG_SIDE), Image.Resampling.LANCZOS)
    return ProcessedPhoto(image=_jpeg(image), thumbnail=_jpeg(thumbnail), width=image.width, height=image.height)


def get_photo(photo_id: int) -> ResourcePhoto | None:
    return db.session.get(ResourcePhoto, photo_id)


def count_photos(resource: Resource) -> int:
    return db.session.scalar(select(func.count()).where(ResourcePhoto.resource_id == resource.id)) or 0


def add_photo(
    resource: Resource,
    upload_bytes: bytes,
    caption: str,
    *,
    actor: User | None,
    now: datetime,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> ResourcePhoto:
    """Add a photo at the end of a resource's photos (at most MAX_PHOTOS); the audit trail records it."""
    caption = caption.strip()
    if len(caption) > MAX_CAPTION:
        raise DomainError("caption_too_long", field="caption")
    # Decode before taking the row lock: the slow part holds nothing.
    processed = process_upload(upload_bytes, max_bytes=max_bytes)
    # Two managers uploading at once on PostgreSQL wait here, so the count below is exact.
    db.session.execute(select(Resource.id).where(Resource.id == resource.id).with_for_update())
    if count_photos(resource) >= MAX_PHOTOS:
        raise DomainError("too_many_photos", field="photo")
    last = db.session.scalar(select(func.max(ResourcePhoto.position)).where(ResourcePhoto.resource_id == resource.id))
    photo = ResourcePhoto(
        resource=resource,
        position=0 if last is None else last + 1,
        caption=caption,
        width=processed.width,
        height=processed.height,
        image=processed.image,
        thumbnail=processed.thumbnail,
        created_at=now,
        uploaded_by=actor,
    )
    db.session.add(photo)
    db.session.flush()
    record(AUDIT_SUBJECT, resource.id, "photo_added", actor=actor, changes={"photo": [None, _shown(photo)]}, now=now)
    return photo


def delete_photo(photo: ResourcePhoto, *, actor: User | None, now: datetime) -> None:
    """Remove a photo; the audit trail records which."""
    resource = photo.resource
    shown = _shown(photo)
    resource.photos.remove(photo)
    db.session.delete(photo)
    db.session.flush()
    record(AUDIT_SUBJECT, resource.id, "photo_removed", actor=actor, changes={"photo": [None, shown]}, now=now)


def _shown(photo: ResourcePhoto) -> str | int:
    """How the audit trail names a photo: its caption, else its number."""
    return photo.caption or photo.id
