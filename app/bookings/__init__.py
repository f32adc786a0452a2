"""Bookings: the claims on a resource's capacity, and availability as people see it."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("bookings", __name__, url_prefix="/bookings")

# Routes register on the blueprint when their modules load.
from app.bookings import (  # noqa: E402,F401
    attendance_views,
    booking_page_views,
    booking_views,
    closure_views,
    console_views,
    inbox_views,
    views,
)


@bp.record_once
def _add_sections(state: BlueprintSetupState) -> None:
    from app.bookings.revisions import install
    from app.directory.sections import add_resource_section

    install()

    # The resource's page shows today and tomorrow, with a link to the week.
    add_resource_section(state.app, 20, views.render_week_section)
    # Above it, a signed-in user's booking here whose check-in is open now (the poster's QR code opens this page).
    add_resource_section(state.app, 15, attendance_views.render_checkin_section)
