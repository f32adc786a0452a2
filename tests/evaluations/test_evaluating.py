"""Giving an evaluation: communities evaluate their registered units and party members, units the
communities they are registered with; the form shows the pair's figures; every refusal, and nothing
half-written."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEntry
from app.db import utcnow
from app.domain.errors import DomainError
from app.domain.evaluations import EvaluationKind
from app.evaluations.models import Evaluation
from app.evaluations.services import close_round, get_round_locked, list_pairs, submit_evaluation
from app.extensions import db
from tests.evaluations.conftest import sign_in, text_of
from tests.factories import give_evaluation, make_evaluation_round

CU, UC, CM = EvaluationKind.COMMUNITY_UNIT, EvaluationKind.UNIT_COMMUNITY, EvaluationKind.COMMUNITY_MEMBER
ALL_FOURS = {"registration": 4, "pairing": 4, "service": 4, "sharing": 4, "satisfaction": 4}


def evaluations() -> list[Evaluation]:
    return list(db.session.scalars(select(Evaluation).order_by(Evaluation.id)))


def form_of(scores: dict[str, object], comment: str = "") -> dict[str, object]:
    return {**{f"score_{k}": v for k, v in scores.items()}, "comment": comment}


def url(evaluation_round, kind: str, evaluator: str, subject: str) -> str:
    return f"/evaluations/rounds/{evaluation_round.id}/{kind}/{evaluator}/{subject}"


@pytest.fixture
def opened(town):
    return make_evaluation_round(admin=town["admin"])


# --- giving one --------------------------------------------------------------------------------


def test_a_community_manager_evaluates_a_registered_unit_beside_the_pairs_figures(english, auth, town, opened):
    sign_in(auth, town["c1_manager"])
    page = english.get(url(opened, "community_unit", "T-S-01", "U-T"))
    assert page.status_code == 200
    text = text_of(page)
    assert "Evaluation of 测试中学" in text and "Hours its facilities were open to residents" in text
    assert "Hours its facilities were open to registered units" in text  # the community's own figures
    assert "Bookings the unit made at the community's facilities this year: 0" in text
    assert re.search(r"<legend[^>]*>\s*报到履职|Registering and taking part", text)
    assert 'type="radio"' in text and '<label class="form-check-label" for="score_service-3">4 – Good</label>' in text
    response = english.post_form(url(opened, "community_unit", "T-S-01", "U-T"), form_of(ALL_FOURS, "积极参与共建"))
    assert response.status_code == 302
    [given] = evaluations()
    assert (given.kind, given.evaluator_id, given.subject_org_id, given.subject_user_id) == (
        "community_unit",
        town["c1"].id,
        town["unit"].id,
        None,
    )
    assert (given.scores, given.score, given.comment) == (ALL_FOURS, 75.0, "积极参与共建")
    assert given.submitted_by_id == town["c1_manager"].id


def test_changing_an_evaluation_while_open_keeps_one_row_and_audits_both(english, auth, town, opened):
    sign_in(auth, town["c1_manager"])
    target = url(opened, "community_unit", "T-S-01", "U-T")
    english.post_form(target, form_of(ALL_FOURS))
    english.post_form(target, form_of({**ALL_FOURS, "service": 5}, "补充"))
    [given] = evaluations()
    assert given.scores["service"] == 5 and given.score == 81.25 and given.comment == "补充"
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject_type == "evaluation").order_by(AuditEntry.id)
    ).all()
    assert actions == ["submitted", "updated"]
    page = text_of(english.get(target))
    assert "Change your evaluation" in page
    assert re.search(r'<input(?=[^>]*name="score_service")(?=[^>]*value="5")(?=[^>]*checked)[^>]*>', page)


def test_a_unit_evaluates_the_community_it_is_registered_with(english, auth, town, opened):
    sign_in(auth, town["unit_manager"])
    response = english.post_form(url(opened, "unit_community", "U-T", "T-S-01"), form_of(ALL_FOURS))
    assert response.status_code == 302
    [given] = evaluations()
    assert (given.kind, given.evaluator_id, given.subject_org_id) == ("unit_community", town["unit"].id, town["c1"].id)


def test_a_community_evaluates_its_registered_party_member(english, auth, town, opened):
    sign_in(auth, town["c1_manager"])
    member = town["party_member"]
    page = text_of(english.get(url(opened, "community_member", "T-S-01", member.code)))
    assert "Evaluation of 党员张三" in page and "Registered here since" in page
    response = english.post_form(url(opened, "community_member", "T-S-01", member.code), form_of(ALL_FOURS))
    assert response.status_code == 302
    [given] = evaluations()
    assert (given.subject_user_id, given.subject_org_id) == (member.id, None)


def test_my_evaluations_lists_what_each_managed_organisation_has_to_give(english, auth, town, opened):
    give_evaluation(opened, "community_unit", town["c1"], town["unit"], 3, by=town["c1_manager"])
    sign_in(auth, town["c1_manager"])
    page = text_of(english.get("/evaluations/"))
    assert "年度双评价" in page and "1 of 2 given." in page  # the unit (given) and the party member
    assert "测试中学" in page and "党员张三" in page
    assert "居民李四" not in page  # not a party member
    assert "新单位" not in page and "党员王五" not in page  # registered with c2
    pairs = list_pairs(opened, [town["c1"], town["unit"]])
    assert {(p.kind, p.evaluator.code, p.subject_code) for p in pairs} == {
        (CU, "T-S-01", "U-T"),
        (CM, "T-S-01", town["party_member"].code),
        (UC, "U-T", "T-S-01"),
    }


def test_a_user_who_manages_nothing_has_nothing_to_evaluate(english, auth, town, opened):
    sign_in(auth, town["plain"])
    page = english.get("/evaluations/")
    assert page.status_code == 200 and "There is nothing to evaluate now" in text_of(page)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("manager", "kind", "evaluator", "subject"),
    [
        pytest.param("c1_manager", "community_unit", "T-S-01", "U-N", id="a unit registered with another community"),
        pytest.param(
            "unit_manager", "unit_community", "U-T", "T-S-02", id="a community the unit is not registered with"
        ),
        pytest.param("c1_manager", "community_member", "T-S-01", "elsewhere", id="a party member of another community"),
        pytest.param("c1_manager", "community_member", "T-S-01", "resident", id="a resident who is no party member"),
    ],
)
def test_evaluating_one_not_registered_with_you_is_refused(
    english, auth, town, opened, manager, kind, evaluator, subject
):
    if subject in town:
        subject = town[subject].code
    sign_in(auth, town[manager])
    page = english.get(url(opened, kind, evaluator, subject))
    assert page.status_code == 403 and "You can evaluate only" in text_of(page)
    response = english.post_form(url(opened, kind, evaluator, subject), form_of(ALL_FOURS))
    assert response.status_code == 403 and "registered (and acknowledged)" in text_of(response)
    assert evaluations() == []


def test_a_pending_registration_is_not_enough(town, opened):
    from app.organisations.services import register_unit

    register_unit(town["unit_n"], town["c1"], applicant=None)  # pending, not acknowledged
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        submit_evaluation(opened, CU, town["c1"], town["unit_n"], ALL_FOURS, "", actor=town["c1_manager"], now=utcnow())
    assert caught.value.code == "not_registered"


def test_an_evaluation_after_the_deadline_is_refused_even_before_the_job_locks_the_round(english, auth, town, opened):
    opened.deadline = utcnow() - timedelta(seconds=1)
    db.session.commit()
    sign_in(auth, town["c1_manager"])
    target = url(opened, "community_unit", "T-S-01", "U-T")
    page = english.get(target)
    assert page.status_code == 200 and 'type="radio"' not in text_of(page)
    response = english.post_form(target, form_of(ALL_FOURS))
    assert response.status_code == 409 and "This evaluation round is locked" in text_of(response)
    assert evaluations() == []
    with pytest.raises(DomainError) as caught:
        submit_evaluation(opened, CU, town["c1"], town["unit"], ALL_FOURS, "", actor=town["c1_manager"], now=utcnow())
    assert caught.value.code == "round_locked"


def test_a_locked_round_refuses_changes_to_an_evaluation_given(english, auth, town, opened):
    give_evaluation(opened, "community_unit", town["c1"], town["unit"], 4, by=town["c1_manager"])
    close_round(opened, actor=town["admin"], now=utcnow())
    db.session.commit()
    sign_in(auth, town["c1_manager"])
    target = url(opened, "community_unit", "T-S-01", "U-T")
    response = english.post_form(target, form_of({k: 1 for k in ALL_FOURS}, "改分"))
    assert response.status_code == 409 and "This evaluation round is locked" in text_of(response)
    [given] = evaluations()
    assert (given.score, given.comment) == (75.0, "")
    page = text_of(english.get(target))
    assert "Weighted score (0–100)" in page and "75.0" in page and 'type="radio"' not in page


def test_evaluating_in_a_draft_round_is_refused(english, auth, town):
    draft = make_evaluation_round(status="draft", admin=town["admin"])
    sign_in(auth, town["c1_manager"])
    response = english.post_form(url(draft, "community_unit", "T-S-01", "U-T"), form_of(ALL_FOURS))
    assert response.status_code == 409 and "not open yet" in text_of(response)
    with pytest.raises(DomainError) as caught:
        submit_evaluation(draft, CU, town["c1"], town["unit"], ALL_FOURS, "", actor=town["c1_manager"], now=utcnow())
    assert caught.value.code == "round_not_open"
    assert evaluations() == []


def test_a_kind_the_round_does_not_cover_is_not_found_and_refused(english, auth, town):
    only_units = make_evaluation_round(kinds=("community_unit",), admin=town["admin"])
    sign_in(auth, town["unit_manager"])
    assert english.get(url(only_units, "unit_community", "U-T", "T-S-01")).status_code == 404
    assert english.post_form(url(only_units, "unit_community", "U-T", "T-S-01"), form_of(ALL_FOURS)).status_code == 404
    with pytest.raises(DomainError) as caught:
        submit_evaluation(
            only_units, UC, town["unit"], town["c1"], ALL_FOURS, "", actor=town["unit_manager"], now=utcnow()
        )
    assert caught.value.code == "kind_not_in_round"


@pytest.mark.parametrize(
    ("who", "status"),
    [
        pytest.param("unit_manager", 403, id="the evaluated unit's manager cannot evaluate itself"),
        pytest.param("admin", 403, id="an administrator reads but does not evaluate"),
        pytest.param("c2_manager", 404, id="a third community's manager learns nothing"),
    ],
)
def test_only_the_evaluators_managers_may_give_its_evaluation(english, auth, town, opened, who, status):
    sign_in(auth, town[who])
    response = english.post_form(url(opened, "community_unit", "T-S-01", "U-T"), form_of(ALL_FOURS))
    assert response.status_code == status
    assert evaluations() == []
    with pytest.raises(DomainError) as caught:
        submit_evaluation(opened, CU, town["c1"], town["unit"], ALL_FOURS, "", actor=town[who], now=utcnow())
    assert caught.value.code == "forbidden"


def test_a_unit_cannot_give_a_communitys_evaluation_of_a_unit(town, opened):
    from tests.factories import make_membership

    make_membership(town["unit_manager"], town["unit_n"], "manager")
    with pytest.raises(DomainError) as caught:
        submit_evaluation(
            opened, CU, town["unit_n"], town["unit"], ALL_FOURS, "", actor=town["unit_manager"], now=utcnow()
        )
    assert caught.value.code == "forbidden"


@pytest.mark.parametrize(
    ("scores", "field", "words"),
    [
        pytest.param({**ALL_FOURS, "service": ""}, "score_service", "Choose a score from 1 to 5.", id="missing"),
        pytest.param({**ALL_FOURS, "sharing": "9"}, "score_sharing", "whole number from 1 to 5", id="too high"),
        pytest.param({**ALL_FOURS, "pairing": "0"}, "score_pairing", "whole number from 1 to 5", id="too low"),
        pytest.param({**ALL_FOURS, "pairing": "4.5"}, "score_pairing", "whole number from 1 to 5", id="fraction"),
    ],
)
def test_invalid_scores_are_refused_with_422_beside_the_dimension(english, auth, town, opened, scores, field, words):
    sign_in(auth, town["c1_manager"])
    response = english.post_form(url(opened, "community_unit", "T-S-01", "U-T"), form_of(scores))
    assert response.status_code == 422
    assert re.search(rf'id="{field}-error"[^>]*>.*?{words}', text_of(response), re.S)
    assert evaluations() == []


def test_a_comment_too_long_is_refused_beside_it(english, auth, town, opened):
    sign_in(auth, town["c1_manager"])
    response = english.post_form(url(opened, "community_unit", "T-S-01", "U-T"), form_of(ALL_FOURS, "字" * 2001))
    assert response.status_code == 422 and 'id="comment-error"' in text_of(response)
    assert evaluations() == []


def test_scores_for_dimensions_the_round_lacks_are_refused(town, opened):
    with pytest.raises(DomainError) as caught:
        submit_evaluation(
            opened, CU, town["c1"], town["unit"], {**ALL_FOURS, "extra": 3}, "", actor=town["c1_manager"], now=utcnow()
        )
    assert (caught.value.code, caught.value.field) == ("invalid_scores", "scores")


def test_the_round_row_is_read_afresh_under_its_lock(town, opened):
    """A close by another request between the page's read and the write is seen by the write."""
    close_round(get_round_locked(opened.id), actor=town["admin"], now=utcnow())
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        submit_evaluation(
            get_round_locked(opened.id),
            CU,
            town["c1"],
            town["unit"],
            ALL_FOURS,
            "",
            actor=town["c1_manager"],
            now=utcnow(),
        )
    assert caught.value.code == "round_locked"
    assert db.session.scalar(select(func.count()).select_from(Evaluation)) == 0


def test_an_evaluation_sent_without_the_forms_token_is_refused(english, auth, town, opened):
    sign_in(auth, town["c1_manager"])
    response = english.post(url(opened, "community_unit", "T-S-01", "U-T"), data=form_of(ALL_FOURS))
    assert response.status_code == 400 and "The form expired" in text_of(response)
    assert evaluations() == []
