"""Feed URLs (the public availability feed, the secret personal and organisation feeds), the
settings page that shows and regenerates them, and the resource page's subscribe links."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.db import transaction, utcnow
from app.directory.models import Resource
from app.directory.services import get_resource
from app.extensions import db
from app.feeds import bp
from app.feeds.calendars import (
    Fingerprint,
    Links,
    bookings_fingerprint,
    build_bookings_feed,
    build_resource_feed,
    organisation_feed_name,
    personal_feed_name,
    resource_fingerprint,
)
from app.feeds.forms import RegenerateForm
from app.feeds.models import ORGANISATION, PERSONAL
from app.feeds.services import feed_token_value, find_feed_token, issue_feed_token, list_feed_organisations
from app.i18n import CHINESE, normalise_locale
from app.urls import uid_host

CALENDAR_TYPE = "text/calendar; charset=utf-8"


# --- addresses --------------------------------------------------------------------


def external_url(endpoint: str, **values: object) -> str:
    """A full address on this site (PUBLIC_BASE_URL when set, as the posters' QR codes)."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def webcal(url: str) -> str:
    """The same address as a calendar app's subscription link."""
    return "webcal://" + url.split("://", 1)[1] if "://" in url else url


def links() -> Links:
    return Links(
        host=uid_host(),
        booking_url=lambda booking_id: external_url("bookings.detail", booking_id=booking_id),
        resource_url=lambda code: external_url("directory.show", code=code),
    )


def resource_feed_url(resource: Resource) -> str:
    return external_url("feeds.resource_feed", code=resource.code)


def secret_feed_url(token: str) -> str:
    return external_url("feeds.secret_feed", token=token)


# --- HTTP ---------------------------------------------------------------------------


def _not_modified(fingerprint: Fingerprint) -> bool:
    """RFC 9110: If-None-Match decides when sent; If-Modified-Since only without it."""
    if request.if_none_match:
        return request.if_none_match.contains_weak(fingerprint.etag)
    since = request.if_modified_since
    if since is not None:
        return fingerprint.last_modified.replace(microsecond=0) <= since.astimezone(UTC)
    return False


def _calendar_response(
    fingerprint: Fingerprint, build: Callable[[], bytes], *, public: bool, filename: str
) -> Response:
    if _not_modified(fingerprint):
        response = make_response("", 304)
    else:
        response = make_response(build())
        response.headers["Content-Type"] = CALENDAR_TYPE
        response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.set_etag(fingerprint.etag)
    response.last_modified = fingerprint.last_modified
    # Secret feeds are personal: no shared cache keeps them, no search engine lists them.
    response.headers["Cache-Control"] = "public, max-age=300" if public else "private, no-cache"
    if not public:
        response.headers["X-Robots-Tag"] = "noindex"
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def _not_found() -> Response:
    """The same plain answer for every missing feed: nothing tells a revoked token from one never made."""
    response = make_response("Not Found\n", 404)
    response.headers["Content-Type"] = "text/plain; charset=utf-8"
    response.headers["Cache-Control"] = "no-store"
    return response


def _locale() -> str:
    return str(get_locale() or CHINESE)


@bp.route("/resources/<code>.ics")
def resource_feed(code: str) -> Response:
    """The public availability feed of an active resource: open windows, closures, fully booked spans."""
    resource = get_resource(code)
    if resource is None or not resource.active:
        return _not_found()
    now, locale, link = utcnow(), _locale(), links()
    fingerprint = resource_fingerprint(resource, now, locale, link.host)
    return _calendar_response(
        fingerprint,
        lambda: build_resource_feed(resource, now, locale, link, fingerprint),
        public=True,
        filename=f"{resource.code}.ics",
    )


@bp.route("/<token>.ics")
def secret_feed(token: str) -> Response:
    """A personal or organisation feed by its secret token; unknown, revoked or lapsed tokens are 404."""
    found = find_feed_token(token)
    if found is None:
        return _not_found()
    locale = normalise_locale(found.user.locale) or CHINESE
    now, link = utcnow(), links()
    if found.kind == PERSONAL:
        kind, subject_id = PERSONAL, found.user_id
    else:
        kind, subject_id = ORGANISATION, found.organisation_id or 0
    fingerprint = bookings_fingerprint(kind, subject_id, now, locale, link.host)

    def build() -> bytes:
        with force_locale(locale):
            if found.kind == PERSONAL:
                name = personal_feed_name(found.user)
            else:
                assert found.organisation is not None
                name = organisation_feed_name(found.organisation)
            return build_bookings_feed(kind, subject_id, name, now, locale, link, fingerprint)

    return _calendar_response(fingerprint, build, public=False, filename="linli.ics")


# --- settings ---------------------------------------------------------------------


def _user() -> object:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def my_feed_urls(user: object, *, now: datetime) -> tuple[str, list[tuple[object, str]]]:
    """The user's personal feed URL and (organisation, URL) for each organisation they manage;
    tokens are made on first use. The caller commits."""
    secret = current_app.config["SECRET_KEY"]
    personal = secret_feed_url(feed_token_value(user, PERSONAL, secret=secret, now=now))  # type: ignore[arg-type]
    organisations = [
        (org, secret_feed_url(feed_token_value(user, ORGANISATION, org, secret=secret, now=now)))  # type: ignore[arg-type]
        for org in list_feed_organisations(user)  # type: ignore[arg-type]
    ]
    return personal, organisations


@bp.route("/")
@login_required
def settings() -> str:
    with transaction(db.session):
        personal, organisations = my_feed_urls(_user(), now=utcnow())
    return render_template(
        "feeds/settings.html",
        personal=personal,
        organisations=organisations,
        form=RegenerateForm(),
        webcal=webcal,
    )


@bp.route("/regenerate", methods=["POST"])
@login_required
def regenerate() -> Response:
    form = RegenerateForm()
    if not form.validate_on_submit():
        abort(400)
    which = form.feed.data or ""
    user = _user()
    secret = current_app.config["SECRET_KEY"]
    with transaction(db.session):
        if which == PERSONAL:
            issue_feed_token(user, PERSONAL, secret=secret, now=utcnow())  # type: ignore[arg-type]
        else:
            organisation = next((o for o in list_feed_organisations(user) if o.code == which), None)  # type: ignore[arg-type]
            if organisation is None:
                abort(404)
            issue_feed_token(user, ORGANISATION, organisation, secret=secret, now=utcnow())  # type: ignore[arg-type]
    flash(_("A new address is made; the old one no longer works. Subscribe again with the new one."), "success")
    return redirect(url_for("feeds.settings"))


def render_subscribe_section(resource: Resource) -> str:
    """The resource page's subscribe links (its public availability feed)."""
    if not resource.active:
        return ""
    url = resource_feed_url(resource)
    return render_template("feeds/_subscribe.html", url=url, webcal_url=webcal(url))


__all__ = ["force_locale", "my_feed_urls", "resource_feed_url", "secret_feed_url", "webcal"]
