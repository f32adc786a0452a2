"""Redirect targets we accept from users: paths on this site only."""

from __future__ import annotations

from urllib.parse import urlsplit


def safe_local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    # Browsers read a backslash as a slash ("/\\evil.example" opens evil.example), and ignore
    # tabs and newlines inside URLs: none of them belongs in a path we send people back to.
    if target and not any(c in target for c in "\\\t\r\n"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return default
