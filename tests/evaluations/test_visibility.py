"""An evaluation is seen by its pair and administrators only: the evaluator's managers while giving it,
the evaluated side once the round is locked (its results final), administrators at any time; anyone
else learns nothing of it (404), and visitors are sent to sign in."""

from __future__ import annotations

import pytest

from app.db import utcnow
from app.evaluations.services import close_round
from app.extensions import db
from tests.evaluations.conftest import sign_in, text_of
from tests.factories import give_evaluation, make_evaluation_round


@pytest.fixture
def given(town):
    """c1's evaluation of the unit U-T (all 5s), U-T's of c1 (all 2s), c1's of its party member (all 4s)."""
    evaluation_round = make_evaluation_round(admin=town["admin"])
    give_evaluation(evaluation_round, "community_unit", town["c1"], town["unit"], 5, by=town["c1_manager"])
    give_evaluation(evaluation_round, "unit_community", town["unit"], town["c1"], 2, by=town["unit_manager"])
    give_evaluation(evaluation_round, "community_member", town["c1"], town["party_member"], 4, by=town["c1_manager"])
    return evaluation_round


def lock(town, evaluation_round) -> None:
    close_round(evaluation_round, actor=town["admin"], now=utcnow())
    db.session.commit()


def pair_url(evaluation_round, kind, evaluator, subject) -> str:
    return f"/evaluations/rounds/{evaluation_round.id}/{kind}/{evaluator}/{subject}"


def test_visitors_are_sent_to_sign_in(english, town, given):
    response = english.get(pair_url(given, "community_unit", "T-S-01", "U-T"))
    assert response.status_code == 302 and "/accounts/sign-in" in response.headers["Location"]


@pytest.mark.parametrize(
    "who",
    ["plain", "c2_manager", "unit_n_manager", "street_manager", "resident", "elsewhere"],
)
def test_a_third_party_learns_nothing_of_a_pairs_evaluation(english, auth, town, given, who):
    lock(town, given)
    sign_in(auth, town[who])
    for kind, evaluator, subject in (
        ("community_unit", "T-S-01", "U-T"),
        ("unit_community", "U-T", "T-S-01"),
        ("community_member", "T-S-01", town["party_member"].code),
    ):
        response = english.get(pair_url(given, kind, evaluator, subject))
        assert response.status_code == 404, (who, kind)
        assert response.status_code == english.post_form(pair_url(given, kind, evaluator, subject), {}).status_code
    mine = text_of(english.get("/evaluations/"))
    assert "100.0" not in mine and "Score" not in mine


def test_the_evaluator_reads_and_changes_its_evaluation_while_open(english, auth, town, given):
    sign_in(auth, town["c1_manager"])
    page = text_of(english.get(pair_url(given, "community_unit", "T-S-01", "U-T")))
    assert "Change your evaluation" in page


def test_the_evaluated_side_reads_the_result_once_the_round_is_locked(english, auth, town, given):
    sign_in(auth, town["unit_manager"])
    before = text_of(english.get(pair_url(given, "community_unit", "T-S-01", "U-T")))
    assert "shown to you once the round is locked" in before and "100.0" not in before
    assert "Score 100.0" not in text_of(english.get("/evaluations/"))
    lock(town, given)
    after = text_of(english.get(pair_url(given, "community_unit", "T-S-01", "U-T")))
    assert "Weighted score (0–100)" in after and "100.0" in after and "5 – Excellent" in after
    mine = text_of(english.get("/evaluations/"))
    assert "Evaluations received (locked rounds)" in mine and "Score 100.0" in mine  # c1's of the unit
    assert "Evaluations given in locked rounds" in mine and "Score 25.0" in mine  # the unit's of c1


def test_a_member_reads_their_own_evaluation_once_locked(english, auth, town, given):
    lock(town, given)
    sign_in(auth, town["party_member"])
    page = english.get(pair_url(given, "community_member", "T-S-01", town["party_member"].code))
    assert page.status_code == 200 and "75.0" in text_of(page)
    assert "Score 75.0" in text_of(english.get("/evaluations/"))


def test_administrators_read_every_evaluation_at_any_time(english, auth, town, given):
    sign_in(auth, town["admin"])
    for kind, evaluator, subject, score in (
        ("community_unit", "T-S-01", "U-T", "100.0"),
        ("unit_community", "U-T", "T-S-01", "25.0"),
        ("community_member", "T-S-01", town["party_member"].code, "75.0"),
    ):
        page = english.get(pair_url(given, kind, evaluator, subject))
        assert page.status_code == 200 and score in text_of(page) and 'type="radio"' not in text_of(page)


def test_unknown_rounds_organisations_and_people_are_not_found(english, auth, town, given):
    sign_in(auth, town["admin"])
    for url in (
        f"/evaluations/rounds/{given.id + 99}/community_unit/T-S-01/U-T",
        pair_url(given, "unit_unit", "T-S-01", "U-T"),
        pair_url(given, "community_unit", "NOPE", "U-T"),
        pair_url(given, "community_unit", "T-S-01", "NOPE"),
        pair_url(given, "community_member", "T-S-01", "nobody"),
        pair_url(given, "community_unit", "T-S-01", "U-N"),  # not a pair: U-N is registered with c2
    ):
        assert english.get(url).status_code == 404, url


def test_a_registered_pair_without_an_evaluation_says_so(english, auth, town, given):
    sign_in(auth, town["admin"])
    page = english.get(pair_url(given, "community_unit", "T-S-02", "U-N"))
    assert page.status_code == 200 and "No evaluation has been given." in text_of(page)
