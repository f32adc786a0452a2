"""Where a form may send people back to: paths on this site, never another host in disguise."""

from __future__ import annotations

import pytest

from app.urls import safe_local_path


@pytest.mark.parametrize(
    ("target", "expected", "why"),
    [
        ("/bookings/mine?show=past", "/bookings/mine?show=past", "a path here, with its query"),
        ("https://evil.example/", "/", "another site"),
        ("//evil.example/", "/", "protocol-relative"),
        ("/\\evil.example", "/", "browsers read the backslash as a slash"),
        ("/\t/evil.example", "/", "browsers drop tabs inside URLs"),
        ("/\n/evil.example", "/", "and newlines"),
        ("javascript:alert(1)", "/", "a script"),
        ("bookings/mine", "/", "a relative path"),
        ("", "/", "nothing"),
        (None, "/", "missing"),
    ],
)
def test_only_paths_on_this_site_are_accepted(target, expected, why):
    assert safe_local_path(target, "/") == expected, why
