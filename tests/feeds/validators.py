"""Independent checks of iCalendar bytes: ical.js (Thunderbird's parser, under node) and libical
(Debian's libical3, through ctypes). Each skips the test, saying why, when its tool is missing."""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ICAL_JS = ROOT / "node_modules" / "ical.js"
SCRIPT = Path(__file__).with_name("ical_check.mjs")


def ical_js_missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (apt-get install nodejs npm; then npm ci)"
    if not ICAL_JS.is_dir():
        return "ical.js is not installed (npm ci installs it from package.json)"
    return None


def read_with_ical_js(data: bytes, *, until: str | None = None) -> dict[str, Any]:
    """What ical.js understood: the calendar's properties and each event (occurrences in UTC)."""
    reason = ical_js_missing()
    if reason:
        pytest.skip(reason)
    with tempfile.NamedTemporaryFile(suffix=".ics") as handle:
        handle.write(data)
        handle.flush()
        args = ["node", str(SCRIPT), handle.name] + ([until] if until else [])
        done = subprocess.run(args, capture_output=True, cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0, f"ical.js refused the calendar: {done.stderr.decode(errors='replace')}"
    return json.loads(done.stdout)  # type: ignore[no-any-return]


_LIBICAL: Any = None


def _libical() -> Any:
    global _LIBICAL
    if _LIBICAL is None:
        name = ctypes.util.find_library("ical") or "libical.so.3"
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            pytest.skip("libical is not installed (apt-get install libical3)")
        lib.icalparser_parse_string.restype = ctypes.c_void_p
        lib.icalparser_parse_string.argtypes = [ctypes.c_char_p]
        lib.icalcomponent_count_errors.argtypes = [ctypes.c_void_p]
        lib.icalrestriction_check.argtypes = [ctypes.c_void_p]
        lib.icalcomponent_as_ical_string.restype = ctypes.c_char_p
        lib.icalcomponent_as_ical_string.argtypes = [ctypes.c_void_p]
        lib.icalcomponent_free.argtypes = [ctypes.c_void_p]
        _LIBICAL = lib
    return _LIBICAL


def libical_errors(data: bytes) -> list[str]:
    """libical's parse errors and RFC 5545 restriction failures (the X-LIC-ERROR lines it adds)."""
    lib = _libical()
    component = lib.icalparser_parse_string(data)
    if not component:
        return ["libical could not parse the calendar at all"]
    try:
        lib.icalrestriction_check(component)
        text = lib.icalcomponent_as_ical_string(component).decode("utf-8", "replace")
    finally:
        lib.icalcomponent_free(component)
    unfolded = text.replace("\r\n ", "").replace("\n ", "")
    return [line for line in unfolded.splitlines() if line.startswith("X-LIC-ERROR")]
