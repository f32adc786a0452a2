"""A resource's booking policy and fields: the rules a manager's input must keep."""

from dataclasses import replace

import pytest

from app.domain.errors import DomainError
from app.domain.resources import Policy, check_capacity, check_coordinates, check_policy, check_timezone, normalise_tags

BASE = Policy()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        pytest.param({"slot_minutes": 7}, "slot_minutes", id="a slot must divide the day"),
        pytest.param({"slot_minutes": 0}, "slot_minutes", id="a slot cannot be empty"),
        pytest.param({"min_minutes": 45}, "min_minutes", id="shortest booking off the 30-minute grid"),
        pytest.param({"min_minutes": 0}, "min_minutes", id="shortest booking below one slot"),
        pytest.param({"max_minutes": 20}, "max_minutes", id="longest booking off the grid"),
        pytest.param({"min_minutes": 120, "max_minutes": 60}, "max_minutes", id="longest shorter than shortest"),
        pytest.param({"book_ahead_days": -1}, "book_ahead_days", id="negative horizon"),
        pytest.param({"book_ahead_days": 400}, "book_ahead_days", id="horizon over a year"),
        pytest.param({"buffer_minutes": -5}, "buffer_minutes", id="negative buffer"),
        pytest.param({"cancel_before_minutes": -1}, "cancel_before_minutes", id="negative cancellation deadline"),
    ],
)
def test_a_broken_policy_names_its_field(changes, field):
    with pytest.raises(DomainError) as caught:
        check_policy(replace(BASE, **changes))
    assert caught.value.field == field


@pytest.mark.parametrize(
    "policy",
    [
        pytest.param(BASE, id="defaults"),
        pytest.param(Policy(slot_minutes=60, min_minutes=60, max_minutes=600), id="hourly parking up to 10 h"),
        pytest.param(Policy(slot_minutes=15, min_minutes=15, max_minutes=15), id="one 15-minute slot"),
        pytest.param(Policy(slot_minutes=1440, min_minutes=1440, max_minutes=1440 * 3), id="whole days"),
    ],
)
def test_sensible_policies_pass(policy):
    check_policy(policy)


def test_capacity_timezone_and_coordinates():
    check_capacity(40)
    with pytest.raises(DomainError):
        check_capacity(0)
    assert str(check_timezone("Asia/Shanghai")) == "Asia/Shanghai"
    with pytest.raises(DomainError):
        check_timezone("Mars/Olympus")
    check_coordinates(32.43, 105.84)
    check_coordinates(None, None)
    with pytest.raises(DomainError):
        check_coordinates(32.43, None)
    with pytest.raises(DomainError):
        check_coordinates(95, 105)


@pytest.mark.parametrize(
    ("raw", "tags"),
    [
        pytest.param("灯光、更衣室，无障碍通道", ["灯光", "更衣室", "无障碍通道"], id="Chinese separators"),
        pytest.param("wifi, projector ,wifi", ["wifi", "projector"], id="trimmed and unique"),
        pytest.param(["淋浴", " ", "淋浴"], ["淋浴"], id="from a list"),
    ],
)
def test_amenity_tags_are_normalised(raw, tags):
    assert normalise_tags(raw) == tags
