"""Linli (邻里): facility and resource sharing for city communities."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from app.config import config_class, environment_settings


def create_app(config: type | Mapping[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, error handlers, CLI. No I/O.

    `config` is a config class, or a mapping of settings laid over the
    environment's (tests pass a mapping with their own database URL).
    """
    app = Flask(__name__, instance_relative_config=False, template_folder="../templates", static_folder="../static")
    if isinstance(config, type):
        app.config.from_object(config)
        app.config.update(environment_settings())
    else:
        app.config.from_object(config_class())
        app.config.update(environment_settings())
        if config:
            app.config.update(config)

    app.jinja_env.add_extension("jinja2.ext.do")

    from app import errors, i18n, models, security, sessions  # noqa: F401  (models: complete metadata)
    from app.extensions import bootstrap, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    _configure_engines(app)
    migrate.init_app(app, db, directory=str(_project_dir() / "migrations"), render_as_batch=True)
    csrf.init_app(app)
    bootstrap.init_app(app)
    limiter.init_app(app)
    i18n.init_app(app)
    security.init_app(app)
    sessions.init_app(app)

    from app.accounts.auth import init_login

    init_login(app, login_manager)
    _register_blueprints(app, csrf)
    errors.init_app(app)

    from app.cli import register_cli

    register_cli(app)
    return app


def _project_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent


def _configure_engines(app: Flask) -> None:
    from app.db import configure_engine
    from app.extensions import db

    with app.app_context():
        for engine in db.engines.values():
            configure_engine(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])


def _register_blueprints(app: Flask, csrf: Any) -> None:
    from app.access import bp as access_bp
    from app.accounts import bp as accounts_bp
    from app.admin import bp as admin_bp
    from app.api import bp as api_bp
    from app.bookings import bp as bookings_bp
    from app.directory import bp as directory_bp
    from app.evaluations import bp as evaluations_bp
    from app.feeds import bp as feeds_bp
    from app.main import bp as main_bp
    from app.notifications import bp as notifications_bp
    from app.organisations import bp as organisations_bp
    from app.pairing import bp as pairing_bp
    from app.ratings import bp as ratings_bp
    from app.reports import bp as reports_bp
    from app.scheduler import bp as scheduler_bp
    from app.service_items import bp as service_items_bp
    from app.volunteers import bp as volunteers_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(accounts_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(directory_bp)
    app.register_blueprint(access_bp)
    app.register_blueprint(bookings_bp)
    app.register_blueprint(admin_bp)
    app.register_blueprint(notifications_bp)
    app.register_blueprint(scheduler_bp)
    app.register_blueprint(feeds_bp)
    app.register_blueprint(pairing_bp)
    app.register_blueprint(service_items_bp)
    app.register_blueprint(ratings_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(evaluations_bp)
    app.register_blueprint(volunteers_bp)
    # The API authenticates by bearer token only, never by cookie, so a forged
    # cross-site form cannot act through it.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp)
