"""Fixtures of the ratings tests: the town (tests.ratings.town)."""

from __future__ import annotations

import pytest

from tests.ratings.town import Town, make_town


@pytest.fixture
def town(city) -> Town:
    return make_town(city)
