"""The scheduler: one process (`flask scheduler run`), a leader lock, the job table, and its health page.

An in-process scheduler in every web worker would run every job once per worker, and APScheduler's
job stores cannot be shared between processes; so exactly one process runs the jobs, the others
wait as standbys, and every job is a sweep over the database that is safe to run twice.
"""

from flask import Blueprint

bp = Blueprint("scheduler", __name__, url_prefix="/admin/scheduler")

from app.scheduler import views  # noqa: E402,F401
