"""Calendar feeds: a resource's availability, a person's and an organisation's bookings, by iCal URL."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("feeds", __name__, url_prefix="/feeds")

from app.feeds import views  # noqa: E402


@bp.record_once
def _add_sections(state: BlueprintSetupState) -> None:
    from app.directory.sections import add_resource_section

    # The resource's page offers its availability feed, below the week.
    add_resource_section(state.app, 90, views.render_subscribe_section)
