"""Configuration: fixed defaults per environment, then values read from the environment."""

from __future__ import annotations

import os
from datetime import timedelta
from typing import Any


def normalise_database_url(url: str) -> str:
    """Map the URL forms people paste to the drivers Linli uses (psycopg 3)."""
    url = url.strip()
    if not url:
        # Relative: Flask-SQLAlchemy puts it in the app's instance/ folder.
        return "sqlite:///linli.sqlite3"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


class Config:
    """Defaults suited to running on one machine with the embedded database."""

    SECRET_KEY = "dev-only-change-me"
    # Pooled connections are pinged after a rest (app.db.ping_when_left_idle), not on every checkout.
    SQLALCHEMY_ENGINE_OPTIONS: dict[str, Any] = {}
    SQLITE_BUSY_TIMEOUT_MS = 15000
    REDIS_URL: str | None = None

    BOOTSTRAP_SERVE_LOCAL = True
    BOOTSTRAP_BOOTSWATCH_THEME = None
    BABEL_DEFAULT_LOCALE = "zh_Hans_CN"
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"
    BABEL_TRANSLATION_DIRECTORIES = "translations"
    LANGUAGES = {"zh_Hans_CN": "简体中文", "en": "English"}
    MAX_CONTENT_LENGTH = 16 * 1024 * 1024
    PHOTO_MAX_BYTES = 8 * 1024 * 1024
    # The address residents reach Linli at, for QR codes (e.g. https://linli.example.cn).
    PUBLIC_BASE_URL: str | None = None

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    SIGNIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
    SIGNIN_LIMIT_PER_ADDRESS = "30 per 15 minutes"
    API_TOKEN_TTL = timedelta(days=30)

    # The scheduler process (`flask scheduler run`): its zone for daily jobs, how often a
    # standby tries to take over (and the leader checks it still leads), and, for tests and
    # demos, one short period for every interval job instead of the job table's own.
    SCHEDULER_TIMEZONE = "Asia/Shanghai"
    SCHEDULER_STANDBY_SECONDS = 15.0
    SCHEDULER_TICK_SECONDS: float | None = None
    SCHEDULER_JOBS: str | None = None  # comma-separated job ids to run (default: all)
    # Email: smtp://user:password@host:587 (STARTTLS when the server offers it), smtps:// for
    # TLS from the start; unset, nothing is emailed (the in-app inbox still is).
    SMTP_URL: str | None = None
    SMTP_FROM = "Linli <noreply@linli.invalid>"
    SMTP_TIMEOUT = 30.0
    OUTBOX_MAX_ATTEMPTS = 8
    OUTBOX_BACKOFF_SECONDS = 60


class DevelopmentConfig(Config):
    pass


class TestConfig(Config):
    TESTING = True
    SECRET_KEY = "test-secret"


class ProductionConfig(Config):
    """Served over HTTPS behind a proxy: cookies are marked Secure."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def environment_settings(environ: os._Environ[str] | dict[str, str] = os.environ) -> dict[str, Any]:
    """The settings that deployments give through environment variables."""
    settings: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(environ.get("DATABASE_URL", "")),
    }
    if environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = environ["SECRET_KEY"]
    if environ.get("REDIS_URL"):
        settings["REDIS_URL"] = environ["REDIS_URL"]
        settings["RATELIMIT_STORAGE_URI"] = environ["REDIS_URL"]
    if environ.get("PUBLIC_BASE_URL"):
        settings["PUBLIC_BASE_URL"] = environ["PUBLIC_BASE_URL"]
    if environ.get("API_TOKEN_TTL_DAYS"):
        settings["API_TOKEN_TTL"] = timedelta(days=int(environ["API_TOKEN_TTL_DAYS"]))
    for key in ("SIGNIN_LIMIT_PER_ACCOUNT", "SIGNIN_LIMIT_PER_ADDRESS"):
        if environ.get(key):
            settings[key] = environ[key]
    for key in ("SCHEDULER_TIMEZONE", "SCHEDULER_JOBS", "SMTP_URL", "SMTP_FROM"):
        if environ.get(key):
            settings[key] = environ[key]
    for key in ("SCHEDULER_STANDBY_SECONDS", "SCHEDULER_TICK_SECONDS", "SMTP_TIMEOUT"):
        if environ.get(key):
            settings[key] = float(environ[key])
    return settings


def config_class(environ: os._Environ[str] | dict[str, str] = os.environ) -> type[Config]:
    return CONFIGS.get(environ.get("LINLI_ENV", "development"), DevelopmentConfig)
