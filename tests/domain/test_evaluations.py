"""The rules of evaluation rounds: dimensions and weights, scores, the round's states, who evaluates whom,
and the appraisal score (figures ranked among peers, combined 70/30 with the evaluations)."""

from datetime import UTC, datetime, timedelta

import pytest

from app.domain.errors import DomainError
from app.domain.evaluations import (
    DEFAULT_DIMENSIONS,
    Dimension,
    DimensionInput,
    EvaluationKind,
    RoundStatus,
    appraisal_score,
    check_can_close,
    check_can_open,
    check_comment,
    check_dimensions,
    check_editable,
    check_evaluations_accepted,
    check_kinds,
    check_pair,
    check_scores,
    check_title,
    check_year,
    competition_ranks,
    dimensions_from_json,
    effective_status,
    figures_scores,
    kinds_from_key,
    kinds_key,
    percentile_ranks,
    weighted_score,
)

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=30)
EARLIER = NOW - timedelta(seconds=1)
CU, UC, CM = EvaluationKind.COMMUNITY_UNIT, EvaluationKind.UNIT_COMMUNITY, EvaluationKind.COMMUNITY_MEMBER
TWO = (Dimension("a", "甲", "A", 0.75), Dimension("b", "乙", "B", 0.25))


def refused(call, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call(*args, **kwargs)
    return caught.value


def row(label_zh="", weight="", *, label_en="", key="") -> DimensionInput:
    return DimensionInput(key=key, label_zh=label_zh, label_en=label_en, weight=weight)


# --- dimensions ----------------------------------------------------------------------------------


def test_the_default_dimensions_are_the_articles_five_and_weigh_one_in_all():
    assert [d.label_zh for d in DEFAULT_DIMENSIONS] == ["报到履职", "结对共建", "领办服务", "资源共享", "群众满意"]
    assert sum(d.weight for d in DEFAULT_DIMENSIONS) == pytest.approx(1)


def test_weights_are_normalised_and_blank_rows_skipped():
    dimensions = check_dimensions([row("服务", "30"), row(), row("共享", "10", key="sharing"), row()])
    assert [(d.key, d.label_zh, d.weight) for d in dimensions] == [("d1", "服务", 0.75), ("sharing", "共享", 0.25)]


def test_weights_as_fractions_or_percentages_give_the_same_shares():
    assert [d.weight for d in check_dimensions([row("甲", "0.2"), row("乙", "0.8")])] == [0.2, 0.8]
    assert [d.weight for d in check_dimensions([row("甲", "20"), row("乙", "80")])] == [0.2, 0.8]


def test_an_english_name_alone_is_enough_and_a_repeated_key_gets_a_fresh_one():
    dimensions = check_dimensions([row(label_en="Service", weight="1", key="x"), row("共享", "1", key="x")])
    assert [d.key for d in dimensions] == ["x", "d1"]
    assert dimensions[0].label(chinese=True) == "Service"


@pytest.mark.parametrize(
    ("rows", "code", "field"),
    [
        pytest.param([row(), row()], "dimensions_required", "dimensions", id="no dimension at all"),
        pytest.param([row("甲", "0")], "invalid_weight", "dimensions-0-weight", id="a weight of zero"),
        pytest.param([row("甲", "1"), row("乙", "-5")], "invalid_weight", "dimensions-1-weight", id="negative"),
        pytest.param([row("甲", "abc")], "invalid_weight", "dimensions-0-weight", id="a weight that is no number"),
        pytest.param([row("甲", "nan")], "invalid_weight", "dimensions-0-weight", id="a weight that is not a number"),
        pytest.param([row("甲", "inf")], "invalid_weight", "dimensions-0-weight", id="an infinite weight"),
        pytest.param([row("甲", "")], "invalid_weight", "dimensions-0-weight", id="a name without a weight"),
        pytest.param([row("", "10")], "dimension_label_required", "dimensions-0-label_zh", id="nameless"),
        pytest.param([row("甲" * 101, "1")], "value_too_long", "dimensions-0-label_zh", id="a name too long"),
        pytest.param([row("甲", "1", key="Bad Key")], "invalid_code", "dimensions-0-key", id="a key that is no code"),
        pytest.param([row(f"维度{n}", "1") for n in range(11)], "too_many_dimensions", "dimensions", id="eleven"),
    ],
)
def test_refused_dimensions(rows, code, field):
    error = refused(check_dimensions, rows)
    assert (error.code, error.field) == (code, field)


def test_dimensions_read_back_from_their_json():
    assert dimensions_from_json([d.as_json() for d in DEFAULT_DIMENSIONS]) == DEFAULT_DIMENSIONS
    assert dimensions_from_json(None) == ()


# --- rounds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "deadline", "state"),
    [
        pytest.param("draft", EARLIER, RoundStatus.DRAFT, id="a draft stays a draft past its deadline"),
        pytest.param("open", LATER, RoundStatus.OPEN, id="open before the deadline"),
        pytest.param("open", NOW, RoundStatus.LOCKED, id="locked at the deadline itself"),
        pytest.param("open", EARLIER, RoundStatus.LOCKED, id="locked after it, before the sweep writes so"),
        pytest.param("locked", LATER, RoundStatus.LOCKED, id="closed early"),
    ],
)
def test_the_rounds_state_now(status, deadline, state):
    assert effective_status(status, deadline, NOW) is state


@pytest.mark.parametrize(
    ("check", "status", "deadline", "code"),
    [
        pytest.param(check_evaluations_accepted, "draft", LATER, "round_not_open", id="evaluating in a draft"),
        pytest.param(check_evaluations_accepted, "open", NOW, "round_locked", id="evaluating at the deadline"),
        pytest.param(check_evaluations_accepted, "locked", LATER, "round_locked", id="evaluating once closed"),
        pytest.param(check_editable, "open", LATER, "round_not_draft", id="changing an open round"),
        pytest.param(check_editable, "open", EARLIER, "round_locked", id="changing one past its deadline"),
        pytest.param(check_editable, "locked", LATER, "round_locked", id="changing a locked round"),
        pytest.param(check_can_open, "draft", EARLIER, "deadline_in_past", id="opening past the deadline"),
        pytest.param(check_can_open, "open", LATER, "round_not_draft", id="opening twice"),
        pytest.param(check_can_open, "locked", LATER, "round_locked", id="reopening a locked round"),
        pytest.param(check_can_close, "draft", LATER, "round_not_open", id="closing a draft"),
        pytest.param(check_can_close, "locked", LATER, "round_locked", id="closing twice"),
        pytest.param(check_can_close, "open", EARLIER, "round_locked", id="closing after the deadline"),
    ],
)
def test_refused_moves_of_a_round(check, status, deadline, code):
    assert refused(check, status, deadline, NOW).code == code


def test_allowed_moves_of_a_round():
    check_evaluations_accepted("open", LATER, NOW)
    check_editable("draft", EARLIER, NOW)
    check_can_open("draft", LATER, NOW)
    check_can_close("open", LATER, NOW)


def test_kinds_are_kept_in_one_canonical_order():
    kinds = check_kinds(["community_member", "community_unit"])
    assert kinds == (CU, CM)
    assert kinds_key(reversed(kinds)) == "community_unit,community_member"
    assert kinds_from_key("community_unit,community_member") == (CU, CM)
    assert refused(check_kinds, []).code == "kinds_required"
    assert refused(check_kinds, ["unit_unit"]).code == "invalid_kind"


@pytest.mark.parametrize("year", [1999, 2101])
def test_years_outside_the_products_span_are_refused(year):
    assert refused(check_year, year).code == "invalid_year"


def test_a_round_needs_a_short_title():
    assert check_title("  2026年度双评价 ") == "2026年度双评价"
    assert refused(check_title, " ").code == "round_title_required"
    assert refused(check_title, "x" * 201).code == "value_too_long"


# --- who evaluates whom --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "evaluator", "subject", "registered", "code"),
    [
        pytest.param(CU, "community", "unit", True, None, id="a community evaluates its registered unit"),
        pytest.param(UC, "unit", "community", True, None, id="a unit evaluates its community"),
        pytest.param(CM, "community", "member", True, None, id="a community evaluates its party member"),
        pytest.param(CU, "community", "unit", False, "not_registered", id="a unit not registered with it"),
        pytest.param(UC, "unit", "community", False, "not_registered", id="a community it is not registered with"),
        pytest.param(CM, "community", "member", False, "not_registered", id="a member registered elsewhere"),
        pytest.param(CU, "community", "community", True, "not_registered", id="a community is no unit"),
        pytest.param(CU, "unit", "unit", True, "forbidden", id="a unit cannot give a community's evaluation"),
        pytest.param(UC, "community", "community", True, "forbidden", id="nor a community a unit's"),
        pytest.param(CM, "unit", "member", True, "forbidden", id="units do not evaluate members"),
        pytest.param(CM, "street", "member", True, "forbidden", id="streets evaluate no one here"),
    ],
)
def test_who_evaluates_whom(kind, evaluator, subject, registered, code):
    if code is None:
        check_pair(kind, evaluator, subject, registered=registered)
    else:
        assert refused(check_pair, kind, evaluator, subject, registered=registered).code == code


# --- scores -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scores", "expected"),
    [
        pytest.param({"a": 5, "b": 5}, 100.0, id="all excellent is 100"),
        pytest.param({"a": 1, "b": 1}, 0.0, id="all poor is 0"),
        pytest.param({"a": 3, "b": 3}, 50.0, id="all satisfactory is 50"),
        pytest.param({"a": 5, "b": 1}, 75.0, id="the heavier dimension counts three times"),
        pytest.param({"a": 4, "b": 2}, 62.5, id="between the marks"),
    ],
)
def test_the_weighted_score_is_on_0_to_100(scores, expected):
    assert weighted_score(TWO, scores) == expected


def test_weights_that_round_off_still_give_0_to_100():
    thirds = tuple(Dimension(k, k, k, 0.333333) for k in "abc")
    assert weighted_score(thirds, {"a": 5, "b": 5, "c": 5}) == 100.0


def test_scores_may_come_as_form_text_or_numbers():
    assert check_scores(TWO, {"a": "4", "b": 2}) == {"a": 4, "b": 2}
    assert check_scores(TWO, {"a": 4.0, "b": "5 "}) == {"a": 4, "b": 5}


@pytest.mark.parametrize(
    ("scores", "code", "field"),
    [
        pytest.param({"a": 3}, "score_required", "scores.b", id="a dimension left out"),
        pytest.param({"a": 3, "b": ""}, "score_required", "scores.b", id="a blank score"),
        pytest.param({"a": 0, "b": 3}, "score_out_of_range", "scores.a", id="below 1"),
        pytest.param({"a": 6, "b": 3}, "score_out_of_range", "scores.a", id="above 5"),
        pytest.param({"a": "3.5", "b": 3}, "score_out_of_range", "scores.a", id="not whole"),
        pytest.param({"a": 3.5, "b": 3}, "score_out_of_range", "scores.a", id="a fraction"),
        pytest.param({"a": True, "b": 3}, "score_out_of_range", "scores.a", id="a boolean"),
        pytest.param({"a": "五", "b": 3}, "score_out_of_range", "scores.a", id="words"),
        pytest.param({"a": [3], "b": 3}, "score_out_of_range", "scores.a", id="a list"),
        pytest.param({"a": 3, "b": 3, "c": 3}, "invalid_scores", "scores", id="a dimension the round lacks"),
    ],
)
def test_refused_scores(scores, code, field):
    error = refused(check_scores, TWO, scores)
    assert (error.code, error.field) == (code, field)


def test_a_comment_is_trimmed_and_kept_short():
    assert check_comment("  很好 ") == "很好"
    assert refused(check_comment, "字" * 2001).code == "value_too_long"


# --- the appraisal ------------------------------------------------------------------------------


def test_percentile_ranks_count_the_peers_below_and_half_the_ties():
    assert percentile_ranks({"a": 1.0, "b": 2.0, "c": 3.0}) == {"a": 0.0, "b": 50.0, "c": 100.0}
    assert percentile_ranks({"a": 1.0, "b": 1.0, "c": 3.0}) == {"a": 25.0, "b": 25.0, "c": 100.0}
    assert percentile_ranks({"a": 7.0}) == {"a": 50.0}
    assert percentile_ranks({}) == {}


def test_an_outlier_does_not_flatten_the_others():
    ranks = percentile_ranks({"a": 1.0, "b": 2.0, "c": 3.0, "huge": 10_000.0})
    assert ranks["c"] - ranks["b"] == ranks["b"] - ranks["a"]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        pytest.param(
            {"a": (1, 10), "b": (2, 20), "c": (3, 30)},
            {"a": 0.0, "b": 50.0, "c": 100.0},
            id="two figures that agree",
        ),
        pytest.param(
            {"a": (1, 30), "b": (2, 20), "c": (3, 10)},
            {"a": 50.0, "b": 50.0, "c": 50.0},
            id="two figures that disagree cancel out",
        ),
        pytest.param(
            {"a": (1, 0), "b": (3, 0)},
            {"a": 0.0, "b": 100.0},
            id="a figure all share is left out",
        ),
        pytest.param(
            {"a": (1, None), "b": (2, 4.5), "c": (3, 3.5)},
            {"a": 0.0, "b": 75.0, "c": 50.0},
            id="without a rating, ranked on the other figures",
        ),
        pytest.param(
            {"a": (0, 0), "b": (0, 0)},
            {"a": None, "b": None},
            id="no figure tells anything",
        ),
    ],
)
def test_figures_scores(table, expected):
    assert figures_scores(table) == expected


@pytest.mark.parametrize(
    ("evaluation", "figures", "expected"),
    [
        pytest.param(80.0, 50.0, 71.0, id="70 % evaluations, 30 % figures"),
        pytest.param(100.0, 100.0, 100.0, id="the best of both"),
        pytest.param(80.0, None, 80.0, id="no telling figure: the evaluations alone"),
        pytest.param(None, 90.0, None, id="no evaluation received: no appraisal score"),
    ],
)
def test_the_appraisal_score(evaluation, figures, expected):
    assert appraisal_score(evaluation, figures) == expected


def test_ranks_share_ties_skip_after_them_and_leave_out_the_unscored():
    assert competition_ranks({"a": 90.0, "b": 80.0, "c": 80.0, "d": 70.0, "e": None}) == {
        "a": 1,
        "b": 2,
        "c": 2,
        "d": 4,
        "e": None,
    }
