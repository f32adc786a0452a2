"""The scheduler's health, from its records: on the administrators' page and in /healthz."""

from __future__ import annotations

from datetime import timedelta

from app.db import transaction, utcnow
from app.extensions import db
from app.scheduler.health import scheduler_health
from app.scheduler.jobs import JOBS_BY_ID
from app.scheduler.models import JobRun
from app.scheduler.runner import beat, run_job
from tests.factories import PASSWORD, make_user


def test_before_any_scheduler_ran_health_says_never(app, client):
    report = scheduler_health(now=utcnow())
    assert report.state == "never"
    assert {j.state for j in report.jobs} == {"never"}
    answer = client.get("/healthz")
    assert answer.status_code == 200
    assert answer.json["status"] == "ok" and answer.json["scheduler"]["status"] == "never"


def test_healthz_shows_the_leader_and_the_last_run_of_each_job(app, client):
    now = utcnow()
    beat(since=now - timedelta(hours=1), now=now)
    run_job(JOBS_BY_ID["reminders"], now=now)
    answer = client.get("/healthz").json
    scheduler = answer["scheduler"]
    assert scheduler["leader"]["alive"] is True
    assert scheduler["jobs"]["reminders"]["status"] == "ok"
    assert scheduler["jobs"]["reminders"]["last_run"] is not None
    assert scheduler["jobs"]["outbox"] == {"status": "never", "last_run": None, "last_ok": None}
    assert "error" not in str(scheduler)  # no error texts on a public address


def test_a_silent_leader_is_down_and_a_failing_or_late_job_degrades(app):
    now = utcnow()
    beat(since=now - timedelta(hours=2), now=now - timedelta(minutes=5))
    assert scheduler_health(now=now).state == "down"
    beat(since=now - timedelta(hours=2), now=now)
    run_job(JOBS_BY_ID["outbox"], now=now)
    assert scheduler_health(now=now).state == "ok"
    with transaction(db.session):
        db.session.get(JobRun, "outbox").last_finished_at = now - timedelta(minutes=6)
    report = scheduler_health(now=now)
    assert report.state == "degraded"
    assert {j.id: j.state for j in report.jobs}["outbox"] == "late"


def test_admins_see_each_job_with_its_state_in_words(app, client, auth):
    admin = make_user(is_admin=True, locale="en")
    now = utcnow()
    beat(since=now, now=now)
    run_job(JOBS_BY_ID["expire_pending"], now=now)
    auth.sign_in(admin.phone, PASSWORD)
    page = client.get("/admin/scheduler/").get_data(as_text=True)
    assert "Expire undecided bookings at their start" in page
    assert "Working" in page and "Never run" in page  # words, not colour alone
    assert "0 expired" in page
    assert "Email is not set up" in page
    assert "/admin/scheduler/" in client.get("/admin/").get_data(as_text=True)
