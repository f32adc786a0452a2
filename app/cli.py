"""flask commands: users, the directory import and the demo city."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click
from flask import Flask
from flask.cli import AppGroup
from flask_babel import gettext as _

from app.db import transaction, utcnow
from app.domain.errors import DomainError
from app.extensions import db
from app.importer import ImportRefused, ImportReport, import_directory, read_file
from app.messages import message_for

users_cli = AppGroup("users", help="Manage user accounts.")
directory_cli = AppGroup("directory", help="The shared resource directory.")
demo_cli = AppGroup("demo", help="The demo city.")
workdays_cli = AppGroup("workdays", help="The official workday calendar.")
bookings_cli = AppGroup("bookings", help="Bookings: sweeps that keep them in step with time.")


@workdays_cli.command("seed")
def workdays_seed_command() -> None:
    """Store the holidays and make-up workdays of the chinesecalendar package (idempotent)."""
    from app.workdays.services import seed_from_package

    with transaction(db.session):
        created, updated = seed_from_package(now=utcnow())
    click.echo(_("Workday calendar: %(created)s days added, %(updated)s updated.", created=created, updated=updated))


@users_cli.command("create-admin")
@click.option("--login", required=True, help="Mobile number or email.")
@click.option("--name", default="管理员", show_default=True)
@click.password_option(help="Asked for when not given.")
def create_admin_command(login: str, name: str, password: str) -> None:
    """Create an administrator, or make an existing user one."""
    from app.accounts.services import create_admin

    try:
        with transaction(db.session):
            user = create_admin(login=login, name=name, password=password)
    except DomainError as error:
        raise click.ClickException(message_for(error.code)) from error
    click.echo(_("%(name)s (%(login)s) is an administrator.", name=user.name, login=user.login))


def _print_report(report: ImportReport) -> None:
    sections = sorted(set(report.created) | set(report.updated) | set(report.unchanged) | set(report.removed))
    for section in sections:
        line = _(
            "%(section)s: %(created)s created, %(updated)s updated, %(unchanged)s unchanged",
            section=section,
            created=report.created[section],
            updated=report.updated[section],
            unchanged=report.unchanged[section],
        )
        if report.removed[section]:
            line += _(", %(removed)s removed", removed=report.removed[section])
        click.echo(line)
    if not report.changed:
        click.echo(_("Nothing changed."))


@directory_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check the file and report, but write nothing.")
def import_command(path: str, dry_run: bool) -> None:
    """Import organisations, users, resources and the workday calendar from a JSON or YAML file."""
    try:
        doc = read_file(path)
        with transaction(db.session):
            report = import_directory(doc, now=utcnow())
            if dry_run:
                raise _DryRun(report)
    except _DryRun as dry:
        _print_report(dry.report)
        click.echo(_("Dry run: nothing was written."))
        return
    except ImportRefused as refused:
        _print_refusal(refused)
    _print_report(report)


@directory_cli.command("export")
@click.argument("path", required=False, type=click.Path(dir_okay=False, writable=True))
def export_command(path: str | None) -> None:
    """Write the whole directory as the district's CSV spreadsheet, to FILE or to standard output."""
    from app.directory.bulk import list_all_resources
    from app.directory.spreadsheet import export_csv

    resources = list_all_resources()
    data = export_csv(resources).encode("utf-8")
    if path is None:
        click.echo(data, nl=False)  # bytes go out as they are, whatever the terminal's encoding
        return
    Path(path).write_bytes(data)
    click.echo(_("%(count)s resources written to %(file)s.", count=len(resources), file=path), err=True)


def _print_refusal(refused: ImportRefused) -> NoReturn:
    click.echo(_("The file was refused; nothing was written. Problems:"), err=True)
    for line in refused.problems:
        click.echo(f"  {line}", err=True)
    raise SystemExit(1) from refused


class _DryRun(Exception):  # noqa: N818 - not an error: it carries the report out of the rolled-back transaction
    def __init__(self, report: ImportReport) -> None:
        self.report = report


@demo_cli.command("load")
def demo_load_command() -> None:
    """Build the demo city (idempotent) and print its logins."""
    from app.demo import DEMO_LOGINS, load_demo

    try:
        with transaction(db.session):
            report = load_demo(now=utcnow())
    except ImportRefused as refused:
        # Rows already in the database may clash with the demo's, e.g. a taken phone number.
        _print_refusal(refused)
    _print_report(report)
    click.echo(_("Demo logins:"))
    for demo in DEMO_LOGINS:
        click.echo(f"  {demo.role}: {demo.name}  {demo.login} / {demo.password}")


@bookings_cli.command("mark-no-shows")
def mark_no_shows_command() -> None:
    """Bookings not checked in by the end of their check-in window become no-shows (idempotent)."""
    from app.bookings.attendance import mark_no_shows

    with transaction(db.session, write_lock=True):
        marked = mark_no_shows(now=utcnow())
    click.echo(_("%(count)s bookings marked as no-shows.", count=marked))


def register_cli(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(directory_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(workdays_cli)
    app.cli.add_command(bookings_cli)

    from app.scheduler.cli import scheduler_cli

    app.cli.add_command(scheduler_cli)
