"""The rules of ratings: scores, the seven days a rating may change, averages, masked names."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.domain.errors import DomainError
from app.domain.ratings import (
    EDIT_WINDOW,
    Scores,
    average,
    check_editable,
    check_hide_reason,
    check_scores,
    check_text,
    distribution,
    mask_name,
    may_edit,
    overall_score,
)

GIVEN = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("score", [1, 2, 3, 4, 5])
def test_every_whole_score_from_one_to_five_is_accepted(score):
    assert check_scores({"cleanliness": score, "equipment": score, "service": score}) == Scores(score, score, score)


@pytest.mark.parametrize(
    ("scores", "field"),
    [
        pytest.param({"cleanliness": 0, "equipment": 3, "service": 3}, "scores.cleanliness", id="below one"),
        pytest.param({"cleanliness": 3, "equipment": 6, "service": 3}, "scores.equipment", id="above five"),
        pytest.param({"cleanliness": 3, "equipment": 3, "service": 4.5}, "scores.service", id="not whole"),
        pytest.param({"cleanliness": 3, "equipment": 3, "service": "5"}, "scores.service", id="text, not a number"),
        pytest.param({"cleanliness": True, "equipment": 3, "service": 3}, "scores.cleanliness", id="a boolean"),
        pytest.param({"cleanliness": 3, "equipment": None, "service": 3}, "scores.equipment", id="null"),
        pytest.param({"cleanliness": 3, "service": 3}, "scores.equipment", id="missing"),
        pytest.param({"cleanliness": 0, "equipment": 0, "service": 0}, "scores.cleanliness", id="the first at fault"),
        pytest.param([5, 5, 5], "scores", id="a list, not an object"),
        pytest.param(None, "scores", id="no scores"),
    ],
)
def test_anything_else_is_refused_naming_the_score_at_fault(scores, field):
    with pytest.raises(DomainError) as caught:
        check_scores(scores)
    assert (caught.value.code, caught.value.field) == ("invalid_score", field)


@pytest.mark.parametrize(
    ("now", "editable"),
    [
        pytest.param(GIVEN, True, id="at once"),
        pytest.param(GIVEN + timedelta(days=6, hours=23, minutes=59), True, id="on the seventh day"),
        pytest.param(GIVEN + EDIT_WINDOW - timedelta(microseconds=1), True, id="to the last instant"),
        pytest.param(GIVEN + EDIT_WINDOW, False, id="seven days on: closed"),
        pytest.param(GIVEN + timedelta(days=30), False, id="long after"),
    ],
)
def test_a_rating_may_change_for_seven_days(now, editable):
    assert may_edit(GIVEN, now) is editable
    if editable:
        check_editable(GIVEN, now)
    else:
        with pytest.raises(DomainError) as caught:
            check_editable(GIVEN, now)
        assert caught.value.code == "edit_window_closed"


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        pytest.param("张三", "张*", id="a two-character Chinese name"),
        pytest.param("欧阳娜娜", "欧*", id="a compound surname shows its first character only"),
        pytest.param("李", "*", id="one character gives nothing away"),
        pytest.param("Alice Smith", "A*", id="a latin name: its first letter"),
        pytest.param("bob", "b*", id="lower case stays as written"),
        pytest.param("  王五 ", "王*", id="spaces around do not count"),
        pytest.param("A", "*", id="one latin letter"),
        pytest.param("", "*", id="no name"),
        pytest.param(None, "*", id="none at all"),
    ],
)
def test_names_beside_ratings_are_masked(name, shown):
    assert mask_name(name) == shown


@pytest.mark.parametrize(
    ("total", "count", "per_rating", "places", "expected"),
    [
        pytest.param(0, 0, 3, 1, None, id="no ratings: no average"),
        pytest.param(13, 1, 3, 1, Decimal("4.3"), id="one rating of 5, 4, 4"),
        pytest.param(26, 2, 3, 2, Decimal("4.33"), id="two places for the API"),
        pytest.param(9, 2, 1, 1, Decimal("4.5"), id="one dimension"),
        pytest.param(5, 2, 3, 1, Decimal("0.8"), id="rounds 0.8333"),
        pytest.param(27, 6, 1, 0, Decimal("5"), id="4.5 rounds half up, not to even"),
    ],
)
def test_averages(total, count, per_rating, places, expected):
    assert average(total, count, per_rating=per_rating, places=places) == expected


@pytest.mark.parametrize(
    ("scores", "overall"),
    [
        pytest.param((1, 1, 1), 1, id="all lowest"),
        pytest.param((1, 1, 2), 1, id="1.33 rounds down"),
        pytest.param((1, 2, 2), 2, id="1.67 rounds up"),
        pytest.param((5, 4, 4), 4, id="4.33 rounds down"),
        pytest.param((5, 5, 4), 5, id="4.67 rounds up"),
        pytest.param((5, 5, 5), 5, id="all highest"),
    ],
)
def test_the_overall_score_is_the_mean_rounded(scores, overall):
    assert Scores(*scores).overall == overall == round(sum(scores) / 3)


def test_every_total_rounds_as_the_mean_does():
    for total in range(3, 16):
        assert overall_score(total) == round(total / 3), total


def test_the_distribution_lists_every_score_from_five_down():
    assert distribution({4: 2, 1: 1}) == {5: 0, 4: 2, 3: 0, 2: 0, 1: 1}
    assert list(distribution({})) == [5, 4, 3, 2, 1]


def test_comments_are_trimmed_and_kept_short():
    assert check_text("  很干净 ", field="comment", limit=10) == "很干净"
    assert check_text(None, field="comment", limit=10) == ""
    with pytest.raises(DomainError) as caught:
        check_text("好" * 11, field="comment", limit=10)
    assert (caught.value.code, caught.value.field) == ("value_too_long", "comment")


@pytest.mark.parametrize("reason", ["", "   ", None], ids=["empty", "blank", "none"])
def test_hiding_needs_a_reason(reason):
    with pytest.raises(DomainError) as caught:
        check_hide_reason(reason)
    assert (caught.value.code, caught.value.field) == ("hide_reason_required", "reason")


def test_a_hiding_reason_is_kept_trimmed():
    assert check_hide_reason(" 辱骂他人 ") == "辱骂他人"
