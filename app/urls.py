"""Redirect targets we accept from users: paths on this site only."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def safe_local_path(target: str | None, default: str) -> str:
    """`target` if it is a path on this site, else `default` (no open redirects)."""
    # Browsers read a backslash as a slash ("/\\evil.example" opens evil.example), and ignore
    # tabs and newlines inside URLs: none of them belongs in a path we send people back to.
    if target and not any(c in target for c in "\\\t\r\n"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return default


def uid_host() -> str:
    """The host in calendar events' UIDs (booking-<id>@<host>): the public address's when it is
    configured, else "linli"; never the address a client happened to use, so the download, the
    feeds and the emails give one booking one UID and a calendar holding them all sees one event."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    return (urlsplit(base).netloc if base else "") or "linli"
