"""Language: the user's setting, then the page switch, then Accept-Language; Chinese by default."""

from __future__ import annotations

import os

from flask import Flask, current_app, g, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.extensions import babel
from app.sessions import API_PREFIX

CHINESE = "zh_Hans_CN"
ENGLISH = "en"
SUPPORTED = (CHINESE, ENGLISH)


def normalise_locale(value: str | None) -> str | None:
    """Map whatever a browser or a user sent to one of our catalogs, or None."""
    if not value:
        return None
    text = value.replace("-", "_").lower()
    if text.startswith("zh"):
        return CHINESE
    if text.startswith("en") or text in ("c", "c.utf_8", "posix"):
        return ENGLISH
    return None


def select_locale() -> str:
    if not has_request_context():
        # Commands and jobs: the shell's language, else the product's default.
        return normalise_locale(os.environ.get("LANGUAGE") or os.environ.get("LANG")) or CHINESE
    if request.path.startswith(API_PREFIX):
        # An API call speaks the request's language (API.md), else its token user's setting, noted
        # when the token was read (app.api.auth: the user may be expired by a commit since, and
        # reloading it would cost a statement). Never a page cookie's: no page user to load.
        return _asked() or normalise_locale(g.get("api_locale")) or CHINESE
    return _page_choice() or _asked() or CHINESE


def _asked() -> str | None:
    """The request's Accept-Language, when it names a language we have."""
    # Browsers send zh-CN; Babel's best_match would not map that to zh_Hans_CN,
    # so offer the bare language and fold any Chinese into the Simplified catalog.
    return normalise_locale(request.accept_languages.best_match([CHINESE, "zh", "zh_CN", ENGLISH]))


def _page_choice() -> str | None:
    """The signed-in user's setting, else the page switch's choice."""
    if current_user and current_user.is_authenticated and current_user.locale:
        chosen = normalise_locale(current_user.locale)
        if chosen:
            return chosen
    return normalise_locale(session.get("locale"))


def html_lang() -> str:
    return "zh-Hans" if str(get_locale()) == CHINESE else "en"


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)

    @app.context_processor
    def _inject_locale() -> dict[str, object]:
        return {
            "html_lang": html_lang(),
            "current_locale": str(get_locale()),
            "languages": current_app.config["LANGUAGES"],
        }
