"""The bookings tests' usual town: make_city() with a unit's staff; files override what differs."""

from __future__ import annotations

import pytest

from tests.factories import make_city, make_local_resident, make_unit_staff


@pytest.fixture
def city(app):
    return make_city()


@pytest.fixture
def staff(city):
    return make_unit_staff(city["unit"])


@pytest.fixture
def resident(city):
    return make_local_resident(city["c1"])
