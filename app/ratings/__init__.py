"""Ratings after use (评价): a booker rates a completed booking; the average and count show on the
resource's page and in the directory; the owner's managers reply; administrators hide abuse."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("ratings", __name__, url_prefix="/ratings")

from app.ratings import views  # noqa: E402


@bp.record_once
def _add_sections(state: BlueprintSetupState) -> None:
    from app.directory.sections import add_resource_section

    # The resource's page shows its ratings below its week, above the feeds.
    add_resource_section(state.app, 80, views.render_ratings_section)
