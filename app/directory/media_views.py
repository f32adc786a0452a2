"""Resource photos (upload, remove, serve), the resource's QR code and its printable poster."""

from __future__ import annotations

import hashlib
import io

import segno
from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import transaction, utcnow
from app.directory import bp
from app.directory.media_forms import PhotoForm, RemovePhotoForm, photo_max_bytes
from app.directory.models import Resource
from app.directory.photos import add_photo, delete_photo, get_photo
from app.directory.services import can_manage, get_resource
from app.domain.errors import DomainError
from app.extensions import db
from app.messages import message_for

CACHE_PUBLIC = "public, max-age=86400"
# A resource that is not listed is seen by its managers only: no shared cache may keep it.
CACHE_PRIVATE = "private, no-cache"
QR_ERROR_LEVEL = "m"
QR_BORDER = 4  # the quiet zone the QR standard asks for, in modules
QR_PNG_SCALE = 8


def _resource_or_404(code: str) -> Resource:
    resource = get_resource(code)
    if resource is None:
        abort(404)
    return resource


def _managed_resource(code: str) -> Resource:
    resource = _resource_or_404(code)
    if not can_manage(current_user, resource.owner):
        abort(403)
    return resource


def _visible_resource(resource: Resource) -> Resource:
    """Listed resources are public; an unlisted one exists only for its managers."""
    if not resource.active and not can_manage(current_user, resource.owner):
        abort(404)
    return resource


def _send(data: bytes, mimetype: str, resource: Resource, *, vary_language: bool = False) -> Response:
    """Bytes with a strong ETag, answering a matching conditional GET with 304."""
    response = Response(data, mimetype=mimetype)
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    response.headers["Cache-Control"] = CACHE_PUBLIC if resource.active else CACHE_PRIVATE
    if vary_language:
        response.vary.add("Accept-Language")
    return response.make_conditional(request)


def _back_to_manage(resource: Resource) -> Response:
    return redirect(url_for("directory.manage", code=resource.code))


# --- photos ------------------------------------------------------------------


@bp.route("/<code>/photos", methods=["POST"])
@login_required
def upload_photo(code: str) -> Response:
    resource = _managed_resource(code)
    form = PhotoForm()
    if not form.validate_on_submit():
        problems = " ".join(str(e) for errors in form.errors.values() for e in errors)
        flash(_("The photo was not added: %(problems)s", problems=problems), "danger")
        return _back_to_manage(resource)
    upload = form.photo.data.read()
    try:
        with transaction(db.session):
            add_photo(
                resource,
                upload,
                form.caption.data or "",
                actor=current_user,
                now=utcnow(),
                max_bytes=photo_max_bytes(),
            )
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(_("The photo is added."), "success")
    return _back_to_manage(resource)


@bp.route("/<code>/photos/<int:photo_id>/delete", methods=["POST"])
@login_required
def remove_photo(code: str, photo_id: int) -> Response:
    resource = _managed_resource(code)
    photo = get_photo(photo_id)
    if photo is None or photo.resource_id != resource.id:
        abort(404)
    if RemovePhotoForm().validate_on_submit():
        with transaction(db.session):
            delete_photo(photo, actor=current_user, now=utcnow())
        flash(_("The photo is removed."), "success")
    return _back_to_manage(resource)


def _send_photo(photo_id: int, *, thumbnail: bool) -> Response:
    photo = get_photo(photo_id)
    if photo is None:
        abort(404)
    resource = _visible_resource(photo.resource)
    return _send(photo.thumbnail if thumbnail else photo.image, "image/jpeg", resource)


@bp.route("/photos/<int:photo_id>.jpg")
def photo(photo_id: int) -> Response:
    return _send_photo(photo_id, thumbnail=False)


@bp.route("/photos/<int:photo_id>/thumb.jpg")
def photo_thumbnail(photo_id: int) -> Response:
    return _send_photo(photo_id, thumbnail=True)


# --- QR code and poster ------------------------------------------------------


def resource_url(resource: Resource) -> str:
    """The address the QR code carries: the resource's public page.

    With PUBLIC_BASE_URL set, that address is used, so a poster printed from an
    internal address (or behind a proxy) still opens on residents' phones.
    """
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for("directory.show", code=resource.code)
    return url_for("directory.show", code=resource.code, _external=True)


def make_qr(url: str) -> segno.QRCode:
    # A full QR code (never a Micro QR, which phone cameras and WeChat do not read) at level M, as asked.
    return segno.make_qr(url, error=QR_ERROR_LEVEL, boost_error=False)


@bp.route("/<code>/qr.svg")
def qr_svg(code: str) -> Response:
    resource = _visible_resource(_resource_or_404(code))
    out = io.BytesIO()
    make_qr(resource_url(resource)).save(
        out,
        kind="svg",
        border=QR_BORDER,
        omitsize=True,  # a viewBox instead of a fixed size: the poster scales it to print
        title=_("QR code: %(name)s", name=resource.name),
        light="#fff",  # a white ground, so it scans wherever it is shown
        svgclass=None,
        lineclass=None,
    )
    return _send(out.getvalue(), "image/svg+xml", resource, vary_language=True)


@bp.route("/<code>/qr.png")
def qr_png(code: str) -> Response:
    resource = _visible_resource(_resource_or_404(code))
    out = io.BytesIO()
    make_qr(resource_url(resource)).save(out, kind="png", scale=QR_PNG_SCALE, border=QR_BORDER)
    return _send(out.getvalue(), "image/png", resource)


@bp.route("/<code>/poster")
def poster(code: str) -> str:
    resource = _visible_resource(_resource_or_404(code))
    return render_template("directory/poster.html", resource=resource, resource_url=resource_url(resource))
