"""Which kind of organisation may sit under which."""

import pytest

from app.domain.errors import DomainError
from app.domain.organisations import RESERVED_ORG_CODES, OrgKind, UnitType, check_code, check_placement

D, S, C, U = OrgKind.DISTRICT, OrgKind.STREET, OrgKind.COMMUNITY, OrgKind.UNIT


@pytest.mark.parametrize(
    ("kind", "unit_type", "parent"),
    [
        pytest.param(D, None, None, id="a district stands alone"),
        pytest.param(S, None, D, id="a street belongs to a district"),
        pytest.param(C, None, S, id="a community belongs to a street"),
        pytest.param(U, UnitType.SCHOOL, None, id="a unit may stand outside the tree"),
        pytest.param(U, UnitType.HOSPITAL, C, id="a unit may stand in a community"),
        pytest.param(U, UnitType.ORGAN, D, id="a district office stands in the district"),
    ],
)
def test_allowed_placements(kind, unit_type, parent):
    check_placement(kind, unit_type, parent)


@pytest.mark.parametrize(
    ("kind", "unit_type", "parent", "code"),
    [
        pytest.param(C, None, D, "invalid_parent", id="a community cannot skip the street"),
        pytest.param(S, None, None, "invalid_parent", id="a street needs its district"),
        pytest.param(D, None, S, "invalid_parent", id="a district cannot sit under a street"),
        pytest.param(U, UnitType.SCHOOL, U, "invalid_parent", id="units do not nest"),
        pytest.param(U, None, C, "unit_type_required", id="a unit needs a type"),
        pytest.param(C, UnitType.SCHOOL, S, "unit_type_only_for_units", id="only units have a type"),
    ],
)
def test_refused_placements(kind, unit_type, parent, code):
    with pytest.raises(DomainError) as caught:
        check_placement(kind, unit_type, parent)
    assert caught.value.code == code


@pytest.mark.parametrize("code", ["LZ", "LZ-DB-01", "U-GYYZ", "a.b_c", "9"])
def test_codes_of_letters_digits_and_separators_are_accepted(code):
    assert check_code(code) == code


@pytest.mark.parametrize("code", ["", "-LZ", "东坝", "LZ DB", "a/b", "x" * 65])
def test_other_codes_are_refused(code):
    with pytest.raises(DomainError):
        check_code(code)


@pytest.mark.parametrize("code", ["new", "registrations"])
def test_codes_that_name_other_pages_are_reserved(code):
    with pytest.raises(DomainError) as caught:
        check_code(code, reserved=RESERVED_ORG_CODES)
    assert caught.value.code == "reserved_code"
    assert check_code(code.upper(), reserved=RESERVED_ORG_CODES) == code.upper()
