"""The in-app inbox: what happened to the user's bookings, and the menu's counts (unread, awaiting approval)."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, g, make_response, render_template, request, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from app.bookings import bp
from app.bookings.booking_words import OTHER_NOTICES, moment, notice_link, notice_sentence
from app.bookings.console import BADGE_CAP, count_pending_approvals, count_unread, list_notifications, mark_read
from app.db import transaction, utcnow
from app.extensions import db
from app.queries import page_number

PER_PAGE = 30


@dataclass(frozen=True)
class NoticeView:
    sentence: str
    reason: str
    when: str
    new: bool
    link_url: str | None
    link_text: str


@bp.route("/inbox")
@login_required
def inbox() -> Response:
    """The user's notifications, newest first; those shown are marked read."""
    user = current_user._get_current_object()  # type: ignore[attr-defined]
    page = list_notifications(user, page=page_number(request.args.get("page")), per_page=PER_PAGE)
    default_zone = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    notices = []
    for n in page.items:
        link = notice_link(n)
        notices.append(
            NoticeView(
                sentence=notice_sentence(n),
                # A notice about no booking says its one value in its sentence already.
                reason="" if n.kind in OTHER_NOTICES else n.reason,
                when=moment(n.created_at, n.booking.resource.timezone if n.booking is not None else default_zone),
                new=n.read_at is None,
                link_url=url_for(link.endpoint, **link.values) if link is not None else None,
                link_text=link.text if link is not None else "",
            )
        )
    unread = [n.id for n in page.items if n.read_at is None]
    if unread:
        # Marked before the page is drawn, so the menu's count already leaves them out.
        with transaction(db.session):
            mark_read(user, unread, now=utcnow())
        g.pop("linli_inbox_unread", None)  # counted with the user, before these were read
    response = make_response(render_template("bookings/inbox.html", notices=notices, page=page))
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the menu's counts ------------------------------------------------------------


def _badge(count: int) -> str:
    return f"{BADGE_CAP}+" if count > BADGE_CAP else str(count)


def inbox_unread_badge() -> str:
    """The signed-in user's unread count for the menu ("" for none): one query, only when the menu asks."""
    if not current_user.is_authenticated:
        return ""
    if "linli_inbox_unread" not in g:
        g.linli_inbox_unread = count_unread(current_user)
    return _badge(g.linli_inbox_unread) if g.linli_inbox_unread else ""


def approvals_pending_badge() -> str:
    """How many bookings wait for the signed-in manager's decision ("" for none), for the menu."""
    if not current_user.is_authenticated:
        return ""
    if "linli_approvals_pending" not in g:
        g.linli_approvals_pending = count_pending_approvals(current_user, now=utcnow())
    return _badge(g.linli_approvals_pending) if g.linli_approvals_pending else ""


@bp.app_context_processor
def _menu_counts() -> dict[str, object]:
    # Functions, not values: a page runs the query only if its menu calls them.
    return {"inbox_unread_badge": inbox_unread_badge, "approvals_pending_badge": approvals_pending_badge}
