"""Ratings pages: a booker rates a completed booking (and changes it for a week), a resource's ratings
with the managers' replies, and the administrators' hiding of abusive ones."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from markupsafe import Markup
from werkzeug.wrappers import Response

from app.accounts.auth import admin_required
from app.accounts.models import User
from app.bookings.booking_words import booking_when, moment
from app.bookings.console import get_booking, may_see_booking
from app.bookings.models import Booking
from app.db import transaction, utcnow
from app.directory.models import Resource
from app.directory.services import can_manage, get_resource
from app.domain.bookings import BookingStatus
from app.domain.errors import DomainError
from app.domain.ratings import DIMENSIONS, HIGHEST, editable_until, mask_name, may_edit
from app.extensions import db
from app.forms import show_domain_error
from app.messages import message_for
from app.queries import page_number
from app.ratings import bp
from app.ratings.forms import HideForm, RatingForm, ReplyForm, UnhideForm
from app.ratings.models import Rating
from app.ratings.services import (
    edit_rating,
    get_rating,
    get_rating_of_booking,
    hide_rating,
    list_latest_ratings,
    list_ratings,
    rate_booking,
    ratings_of_bookings,
    reply_to_rating,
    summarise_resource,
    unhide_rating,
)
from app.urls import safe_local_path

PER_PAGE = 20
# The resource page's section shows the latest few; the ratings page has the rest.
SECTION_LATEST = 3
DIMENSION_LABELS = {
    "cleanliness": _l("Cleanliness"),
    "equipment": _l("Equipment"),
    "service": _l("Service"),
}
# The rating form's fields, by the rules' field names.
FORM_FIELDS = {f"scores.{name}": name for name in DIMENSIONS}
# Refusals about the booking or the rating as a whole (the form is fine): 409, as the API answers.
CONFLICTS = frozenset({"not_completed", "already_rated", "edit_window_closed"})


@dataclass(frozen=True)
class RatingView:
    """One rating as the pages show it: the rater's name masked, times in the resource's zone."""

    id: int
    by: str
    when: str
    edited: bool
    scores: list[tuple[str, int]]  # (dimension's words, score)
    overall: int
    comment: str
    reply: str
    replied_when: str
    hidden: bool
    hidden_reason: str
    hidden_by: str
    hidden_when: str
    resource: Resource


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def stars(score: int) -> Markup:
    """Filled and empty stars for a whole score, hidden from screen readers (the number says it)."""
    return Markup('<span aria-hidden="true" class="rating-stars">{}{}</span>').format(
        "★" * score, "☆" * (HIGHEST - score)
    )


def rating_view(rating: Rating) -> RatingView:
    zone = rating.resource.timezone
    return RatingView(
        id=rating.id,
        by=mask_name(rating.user.name),
        when=moment(rating.created_at, zone),
        edited=rating.updated_at > rating.created_at,
        scores=[(str(DIMENSION_LABELS[name]), getattr(rating, name)) for name in DIMENSIONS],
        overall=rating.scores.overall,
        comment=rating.comment,
        reply=rating.reply,
        replied_when=moment(rating.replied_at, zone) if rating.replied_at else "",
        hidden=rating.hidden,
        hidden_reason=rating.hidden_reason,
        hidden_by=rating.hidden_by.name if rating.hidden_by is not None else "",
        hidden_when=moment(rating.hidden_at, zone) if rating.hidden_at else "",
        resource=rating.resource,
    )


@bp.app_context_processor
def _ratings_helpers() -> dict[str, object]:
    # Functions: the booking page and "my bookings" (below this feature) call them when they draw.
    return {"rating_stars": stars, "rating_panel": rating_panel, "booking_ratings": booking_ratings}


# --- rating a booking ------------------------------------------------------------------


def _own_booking(booking_id: int) -> Booking:
    """The booking when the signed-in user booked it: 404 when they may not see it (as its own page
    answers), 403 when they may see it but did not book it (a manager, an administrator)."""
    booking = get_booking(booking_id)
    if booking is None or not may_see_booking(current_user, booking):
        abort(404)
    if booking.user_id != current_user.id:
        abort(403)
    return booking


def _scores(form: RatingForm) -> dict[str, object]:
    return {name: getattr(form, name).data for name in DIMENSIONS}


@bp.route("/bookings/<int:booking_id>", methods=["GET", "POST"])
@login_required
def rate(booking_id: int) -> str | Response | tuple[str, int]:
    """Rate a completed booking of mine, or change my rating within seven days of giving it."""
    booking = _own_booking(booking_id)
    rating = get_rating_of_booking(booking.id)
    now = utcnow()
    completed = booking.status == BookingStatus.COMPLETED.value
    editable = rating is None or may_edit(rating.created_at, now)
    form = RatingForm(obj=rating) if request.method == "GET" else RatingForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            user, resource_name = _user(), booking.resource.name
            try:
                with transaction(db.session, write_lock=True):
                    if rating is None:
                        fresh = db.session.get(Booking, booking_id)
                        assert fresh is not None
                        rate_booking(fresh, user, scores=_scores(form), comment=form.comment.data, now=utcnow())
                    else:
                        locked = get_rating(rating.id, lock=True)
                        assert locked is not None
                        edit_rating(locked, user, scores=_scores(form), comment=form.comment.data, now=utcnow())
            except DomainError as error:
                show_domain_error(form, error, fields=FORM_FIELDS)
                status = 409 if error.code in CONFLICTS else 403 if error.code == "forbidden" else 400
            else:
                flash(_("Thank you: your rating of %(name)s is saved.", name=resource_name), "success")
                return redirect(url_for("bookings.detail", booking_id=booking_id))
        else:
            status = 400
    return render_template(
        "ratings/rate.html",
        booking=booking,
        resource=booking.resource,
        when=booking_when(booking),
        rating=rating_view(rating) if rating is not None else None,
        completed=completed,
        editable=editable,
        until=moment(editable_until(rating.created_at), booking.resource.timezone) if rating is not None else "",
        form=form,
    ), status


def rating_panel(booking: Booking, is_booker: bool) -> Markup:
    """The booking page's part: "rate this" once it is completed, then the rating (its booker may
    change it for a week); others who see the booking see its rating, if any."""
    if booking.status != BookingStatus.COMPLETED.value:
        return Markup("")
    rating = get_rating_of_booking(booking.id)
    if rating is None and not is_booker:
        return Markup("")
    now = utcnow()
    return Markup(
        render_template(
            "ratings/_booking_panel.html",
            booking=booking,
            rating=rating_view(rating) if rating is not None else None,
            is_booker=is_booker,
            editable=rating is not None and may_edit(rating.created_at, now),
            until=moment(editable_until(rating.created_at), booking.resource.timezone) if rating is not None else "",
        )
    )


def booking_ratings(bookings: Iterable[Booking]) -> dict[int, Rating]:
    """The ratings of a page of bookings (one query), for "my bookings"."""
    return ratings_of_bookings(b.id for b in bookings if b.status == BookingStatus.COMPLETED.value)


# --- a resource's ratings ----------------------------------------------------------------


def _visible_resource(code: str) -> Resource:
    resource = get_resource(code)
    if resource is None or (not resource.active and not can_manage(current_user, resource.owner)):
        abort(404)
    return resource


@bp.route("/resources/<code>")
def resource_ratings(code: str) -> str:
    """Everyone: the average per dimension and overall, the distribution, every visible rating with
    its reply; the owner's managers answer here; administrators also see hidden ones and hide."""
    resource = _visible_resource(code)
    admin = bool(current_user.is_authenticated and current_user.is_admin)
    page = list_ratings(resource, include_hidden=admin, page=page_number(request.args.get("page")), per_page=PER_PAGE)
    summary = summarise_resource(resource)
    return render_template(
        "ratings/resource.html",
        resource=resource,
        summary=summary,
        dimension_labels=DIMENSION_LABELS,
        ratings=[rating_view(r) for r in page.items],
        page=page,
        managing=can_manage(current_user, resource.owner),
        admin=admin,
        stars=stars,
    )


def render_ratings_section(resource: Resource) -> str:
    """The resource page's section: the average and count, and the latest ratings (read only when
    its counters say there are some)."""
    latest = list_ratings(resource, page=1, per_page=SECTION_LATEST) if resource.rating_count else None
    return render_template(
        "ratings/_section.html",
        resource=resource,
        ratings=[rating_view(r) for r in latest.items] if latest else [],
        total=latest.total if latest else 0,
        stars=stars,
    )


@bp.route("/resources/<code>/<int:rating_id>/reply", methods=["POST"])
@login_required
def reply(code: str, rating_id: int) -> Response:
    """The owner's managers answer a rating in public (an empty reply takes it away)."""
    resource = _visible_resource(code)
    if not can_manage(current_user, resource.owner):
        abort(403)
    back = url_for("ratings.resource_ratings", code=code) + f"#rating-{rating_id}"
    form = ReplyForm()
    if not form.validate_on_submit():
        flash(message_for("csrf_failed"), "danger")
        return redirect(back)
    user = _user()
    try:
        with transaction(db.session, write_lock=True):
            rating = get_rating(rating_id, lock=True)
            if rating is None or rating.resource_id != resource.id:
                abort(404)
            reply_to_rating(rating, user, text=form.reply.data, now=utcnow())
            replied = bool(rating.reply)
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        flash(_("Your reply is shown with the rating.") if replied else _("The reply is removed."), "success")
    return redirect(back)


# --- hiding (administrators) -------------------------------------------------------------


def _moderate(rating_id: int, act: str) -> Response:
    form: HideForm | UnhideForm = HideForm() if act == "hide" else UnhideForm()
    default = url_for("ratings.moderate")
    back = safe_local_path(form.next.data, default)
    if not form.validate_on_submit():
        flash(message_for("csrf_failed"), "danger")
        return redirect(back)
    admin = _user()
    try:
        with transaction(db.session, write_lock=True):
            rating = get_rating(rating_id, lock=True)
            if rating is None:
                abort(404)
            if act == "hide":
                hide_rating(rating, admin, reason=form.reason.data, now=utcnow())  # type: ignore[union-attr]
            else:
                unhide_rating(rating, admin, now=utcnow())
    except DomainError as error:
        flash(message_for(error.code), "danger")
    else:
        if act == "hide":
            flash(_("The rating is hidden: it no longer shows or counts, and is kept with your reason."), "success")
        else:
            flash(_("The rating shows and counts again."), "success")
    return redirect(back)


@bp.route("/<int:rating_id>/hide", methods=["POST"])
@admin_required
def hide(rating_id: int) -> Response:
    return _moderate(rating_id, "hide")


@bp.route("/<int:rating_id>/unhide", methods=["POST"])
@admin_required
def unhide(rating_id: int) -> Response:
    return _moderate(rating_id, "unhide")


@bp.route("/moderate")
@admin_required
def moderate() -> str:
    """The latest ratings of every resource (or the hidden ones), to hide what is abusive."""
    hidden_only = request.args.get("show") == "hidden"
    page = list_latest_ratings(hidden_only=hidden_only, page=page_number(request.args.get("page")), per_page=PER_PAGE)
    return render_template(
        "ratings/moderate.html",
        ratings=[rating_view(r) for r in page.items],
        page=page,
        hidden_only=hidden_only,
        stars=stars,
    )
