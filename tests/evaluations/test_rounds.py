"""Rounds: the organisation department prepares one (the article's dimensions by default), opens it,
closes it early; the deadline locks it (every write compares with now; the scheduler's job writes it);
once open its dimensions are fixed, once locked nothing changes. Every refusal."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.db import utcnow
from app.domain.errors import DomainError
from app.domain.evaluations import DEFAULT_DIMENSIONS, Dimension
from app.evaluations.models import EvaluationRound
from app.evaluations.services import close_round, create_round, lock_due_rounds, open_round, update_round
from app.extensions import db
from app.scheduler.jobs import JOBS_BY_ID
from app.scheduler.runner import run_job
from tests.evaluations.conftest import sign_in, text_of
from tests.factories import give_evaluation, make_evaluation_round


def rounds() -> list[EvaluationRound]:
    return list(db.session.scalars(select(EvaluationRound).order_by(EvaluationRound.id)))


def audit_actions(evaluation_round: EvaluationRound) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.subject_type == "evaluation_round", AuditEntry.subject_id == evaluation_round.id)
            .order_by(AuditEntry.id)
        )
    )


def round_form(**overrides) -> dict:
    deadline = (utcnow() + timedelta(days=20)).astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    data = {
        "year": "2026",
        "title": "2026年度双评价",
        "kinds": ["community_unit", "unit_community"],
        "deadline": deadline,
        "dimensions-0-label_zh": "服务",
        "dimensions-0-label_en": "Service",
        "dimensions-0-weight": "60",
        "dimensions-1-label_zh": "共享",
        "dimensions-1-weight": "40",
    }
    data.update(overrides)
    return data


# --- the pages ----------------------------------------------------------------------------------


def test_the_new_round_form_offers_the_articles_dimensions_and_every_kind(english, auth, town):
    sign_in(auth, town["admin"])
    page = text_of(english.get("/evaluations/rounds/new"))
    for dimension in DEFAULT_DIMENSIONS:
        assert f'value="{dimension.label_zh}"' in page and f'value="{dimension.label_en}"' in page
    assert 'value="25"' in page and 'value="15"' in page  # weights as percentages
    assert page.count('name="kinds"') == 3 and page.count("checked") >= 3
    assert '<label class="form-label small" for="dimensions-0-weight">Dimension 1, weight</label>' in page


def test_an_admin_saves_a_draft_and_opens_it(english, auth, town):
    sign_in(auth, town["admin"])
    response = english.post_form("/evaluations/rounds/new", round_form())
    [saved] = rounds()
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/evaluations/rounds/{saved.id}")
    assert (saved.status, saved.year, saved.kinds) == ("draft", 2026, "community_unit,unit_community")
    assert [(d.key, d.label_zh, d.label_en, d.weight) for d in saved.dimension_list] == [
        ("d1", "服务", "Service", 0.6),
        ("d2", "共享", "", 0.4),
    ]
    page = text_of(english.get(f"/evaluations/rounds/{saved.id}"))
    assert "Draft" in page and "Open the round" in page
    opened = english.post_form(f"/evaluations/rounds/{saved.id}/open")
    assert opened.status_code == 302
    db.session.refresh(saved)
    assert (saved.status, saved.opened_by_id) == ("open", town["admin"].id)
    page = text_of(english.get(f"/evaluations/rounds/{saved.id}"))
    assert "Open" in page and "Close the round now" in page and "60%" in page
    assert audit_actions(saved) == ["created", "opened"]


def test_an_admin_changes_a_draft_from_its_page(english, auth, town):
    draft = make_evaluation_round(status="draft", admin=town["admin"])
    sign_in(auth, town["admin"])
    response = english.post_form(f"/evaluations/rounds/{draft.id}", round_form(title="改过的标题"))
    assert response.status_code == 302
    db.session.refresh(draft)
    assert draft.title == "改过的标题" and len(draft.dimension_list) == 2
    assert audit_actions(draft) == ["created", "updated"]


@pytest.mark.parametrize(
    ("overrides", "error_id", "words"),
    [
        pytest.param({"dimensions-1-weight": "-1"}, "dimensions-1-weight-error", "Give the weight", id="weight"),
        pytest.param({"dimensions-1-weight": "abc"}, "dimensions-1-weight-error", "Give the weight", id="no number"),
        pytest.param(
            {"dimensions-1-label_zh": "", "dimensions-1-weight": "5"},
            "dimensions-1-label_zh-error",
            "Give the dimension a name",
            id="nameless",
        ),
        pytest.param({"kinds": []}, "kinds-error", "Choose at least one kind", id="no kind"),
        pytest.param({"year": "1999"}, "year-error", "between 2000 and 2100", id="year"),
        pytest.param({"deadline": "2020-01-01T00:00"}, "deadline-error", "in the future", id="deadline passed"),
    ],
)
def test_a_refused_round_says_why_beside_the_field_and_writes_nothing(english, auth, town, overrides, error_id, words):
    sign_in(auth, town["admin"])
    response = english.post_form("/evaluations/rounds/new", round_form(**overrides))
    assert response.status_code == 400
    assert re.search(rf'id="{error_id}"[^>]*>.*?{words}', text_of(response), re.S)
    assert rounds() == []


def test_a_round_without_any_dimension_is_refused(english, auth, town):
    sign_in(auth, town["admin"])
    data = round_form(**{"dimensions-0-label_zh": "", "dimensions-0-label_en": "", "dimensions-0-weight": ""})
    data.update({"dimensions-1-label_zh": "", "dimensions-1-weight": ""})
    response = english.post_form("/evaluations/rounds/new", data)
    assert response.status_code == 400 and "Give at least one dimension" in text_of(response)
    assert rounds() == []


def test_a_second_round_of_the_same_year_and_kind_is_refused(english, auth, town):
    make_evaluation_round(year=2026, kinds=("unit_community",), admin=town["admin"])
    sign_in(auth, town["admin"])
    response = english.post_form("/evaluations/rounds/new", round_form())
    assert response.status_code == 400 and "already a round for this year" in text_of(response)
    assert len(rounds()) == 1
    other_kind = english.post_form("/evaluations/rounds/new", round_form(kinds=["community_member"]))
    assert other_kind.status_code == 302 and len(rounds()) == 2


def test_an_open_round_cannot_be_changed(english, auth, town):
    opened = make_evaluation_round(admin=town["admin"])
    sign_in(auth, town["admin"])
    response = english.post_form(f"/evaluations/rounds/{opened.id}", round_form(title="改"))
    assert response.status_code == 409 and "An open round cannot be changed" in text_of(response)
    db.session.refresh(opened)
    assert opened.title == "年度双评价"
    with pytest.raises(DomainError) as caught:
        update_round(
            opened,
            year=opened.year,
            title="改",
            kinds=["community_unit"],
            dimensions=(Dimension("a", "甲", "A", 1.0),),
            deadline=opened.deadline,
            actor=town["admin"],
            now=utcnow(),
        )
    assert caught.value.code == "round_not_draft"


def test_closing_locks_the_round_at_once_and_then_nothing_changes(english, auth, town):
    opened = make_evaluation_round(admin=town["admin"])
    sign_in(auth, town["admin"])
    assert english.post_form(f"/evaluations/rounds/{opened.id}/close").status_code == 302
    db.session.refresh(opened)
    assert (opened.status, opened.locked_by_id) == ("locked", town["admin"].id)
    assert audit_actions(opened) == ["created", "opened", "closed"]
    page = text_of(english.get(f"/evaluations/rounds/{opened.id}"))
    assert "Locked" in page and "closed early by 组织部" in page and "Close the round now" not in page
    # Closing again, reopening or editing: refused, and the round stays as it is.
    again = english.post_form(f"/evaluations/rounds/{opened.id}/close", follow_redirects=True)
    assert "This evaluation round is locked" in text_of(again)
    reopen = english.post_form(f"/evaluations/rounds/{opened.id}/open", follow_redirects=True)
    assert "This evaluation round is locked" in text_of(reopen)
    edit = english.post_form(f"/evaluations/rounds/{opened.id}", round_form())
    assert edit.status_code == 409 and "This evaluation round is locked" in text_of(edit)
    db.session.refresh(opened)
    assert (opened.status, opened.title) == ("locked", "年度双评价")


@pytest.mark.parametrize(
    ("action", "status", "code"),
    [
        pytest.param(close_round, "draft", "round_not_open", id="closing a draft"),
        pytest.param(open_round, "open", "round_not_draft", id="opening an open round"),
    ],
)
def test_refused_moves_write_nothing(town, action, status, code):
    evaluation_round = make_evaluation_round(status=status, admin=town["admin"])
    with pytest.raises(DomainError) as caught:
        action(evaluation_round, actor=town["admin"], now=utcnow())
    db.session.rollback()
    assert caught.value.code == code
    db.session.refresh(evaluation_round)
    assert evaluation_round.status == status


def test_a_draft_whose_deadline_passed_cannot_be_opened(town):
    draft = make_evaluation_round(status="draft", admin=town["admin"])
    with pytest.raises(DomainError) as caught:
        open_round(draft, actor=town["admin"], now=draft.deadline + timedelta(minutes=1))
    assert caught.value.code == "deadline_in_past"


def test_a_round_cannot_be_created_with_a_past_deadline(town):
    now = utcnow()
    with pytest.raises(DomainError) as caught:
        create_round(
            year=2026,
            title="x",
            kinds=["community_unit"],
            dimensions=DEFAULT_DIMENSIONS,
            deadline=now - timedelta(minutes=1),
            actor=town["admin"],
            now=now,
        )
    assert caught.value.code == "deadline_in_past"


# --- the deadline and the scheduler's job ------------------------------------------------------------


def test_the_job_locks_rounds_past_their_deadline_at_their_deadline(town):
    due = make_evaluation_round(kinds=("community_unit",), admin=town["admin"])
    later = make_evaluation_round(
        kinds=("unit_community",), deadline=due.deadline + timedelta(days=5), admin=town["admin"]
    )
    draft = make_evaluation_round(kinds=("community_member",), status="draft", admin=town["admin"])
    outcome = run_job(JOBS_BY_ID["lock_evaluation_rounds"], now=due.deadline + timedelta(minutes=3))
    assert outcome.ok and outcome.result == "1 rounds locked"
    for each in (due, later, draft):
        db.session.refresh(each)
    assert (due.status, due.locked_at, due.locked_by_id) == ("locked", due.deadline, None)
    assert (later.status, draft.status) == ("open", "draft")
    assert audit_actions(due)[-1] == "locked"
    again = run_job(JOBS_BY_ID["lock_evaluation_rounds"], now=due.deadline + timedelta(minutes=8))
    assert again.result == "0 rounds locked"


def test_the_rounds_list_shows_a_round_past_its_deadline_as_locked_before_the_job_runs(english, auth, town):
    opened = make_evaluation_round(admin=town["admin"])
    opened.deadline = utcnow() - timedelta(minutes=1)  # as if the deadline passed a minute ago
    db.session.commit()
    sign_in(auth, town["admin"])
    page = text_of(english.get("/evaluations/rounds"))
    assert re.search(r"年度双评价.*?>Locked<", page, re.S)
    assert lock_due_rounds(now=utcnow()) == 1


def test_the_rounds_list_counts_evaluations(english, auth, town):
    opened = make_evaluation_round(admin=town["admin"])
    give_evaluation(opened, "community_unit", town["c1"], town["unit"], 4, by=town["c1_manager"])
    sign_in(auth, town["admin"])
    page = text_of(english.get("/evaluations/rounds"))
    assert "1 evaluation" in page and "Open" in page
    round_page = text_of(english.get(f"/evaluations/rounds/{opened.id}"))
    assert "Community evaluates unit" not in round_page  # the round page uses the long words
    assert "Communities evaluate the units registered with them: 1 evaluation" in round_page


def test_only_admins_reach_the_rounds(english, auth, town):
    sign_in(auth, town["c1_manager"])
    assert english.get("/evaluations/rounds").status_code == 403
    assert english.post_form("/evaluations/rounds/new", round_form()).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(EvaluationRound)) == 0
