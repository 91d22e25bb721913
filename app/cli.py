"""flask commands: seed-demo, create-admin, schools import, schools import-links, returns remind."""

from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app.extensions import db


def register_cli(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--if-empty", is_flag=True, help="Do nothing if the database already holds schools or users.")
    def seed_demo_command(if_empty: bool) -> None:
        """Build the fictional demo borough, with a sign-in for every school's head teacher."""
        from app.demo import database_is_empty, seed_demo

        if not database_is_empty():
            if if_empty:
                click.echo("The database already holds data: the demo was not seeded again.")
                return
            raise click.ClickException("The database already holds data. Seed the demo into an empty database.")
        password = os.environ.get("DEMO_PASSWORD", "").strip()
        generated = not password
        if generated:
            password = secrets.token_urlsafe(12)
        sign_ins = seed_demo(current_app.config["LA_CODE"], password)
        db.session.commit()
        click.echo(f"Seeded the demo borough (LA {current_app.config['LA_CODE']}) with {len(sign_ins)} sign-ins:")
        for email, name, role in sign_ins:
            click.echo(f"  {email:<62} {role:<16} {name}")
        if generated:
            click.echo(f"\nEvery demo account's password (set DEMO_PASSWORD to choose one): {password}")
        else:
            click.echo("\nEvery demo account's password is the value of DEMO_PASSWORD.")

    @app.cli.command("create-admin")
    @click.option("--email", prompt=True)
    @click.option("--name", prompt=True)
    @click.password_option()
    def create_admin_command(email: str, name: str, password: str) -> None:
        """Create an administrator account (for a new installation)."""
        from app.models import Role
        from app.services.users import UserRuleError, create_user

        if len(password) < 12:
            raise click.ClickException("The password must be 12 characters or more.")
        try:
            user = create_user(name=name, email=email, role=Role.ADMIN, school=None, password=password)
        except UserRuleError as error:
            raise click.ClickException(error.message)
        db.session.commit()
        click.echo(f"Administrator {user.email} created.")

    schools = AppGroup("schools", help="The schools register.")

    @schools.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--la", "la_code", help="The LA code of the schools to import (default: LA_CODE).")
    @click.option("--all-las", is_flag=True, help="Import every LA's schools (the benchmark uses this).")
    def import_schools_command(path: str, la_code: str | None, all_las: bool) -> None:
        """Import a GIAS establishment extract (edubasealldataYYYYMMDD.csv)."""
        from app.services.gias import import_establishments

        la_code = None if all_las else (la_code or current_app.config["LA_CODE"])
        result = _run_import(path, lambda binary: import_establishments(binary, la_code), "nothing was imported")
        _record(path, "gias", la_code, result)
        click.echo(
            f"Imported {path}: {result.added} added, {result.updated} updated, {result.unchanged} unchanged, "
            f"{result.closed} closed, {result.skipped} skipped."
        )

    @schools.command("import-links")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_links_command(path: str) -> None:
        """Import a GIAS links file (links_edubasealldataYYYYMMDD.csv): successor links."""
        from app.services.gias import import_links

        result = _run_import(path, import_links, "nothing was linked")
        _record(path, "links", None, result)
        click.echo(f"Linked {result.linked} successors; {result.unchanged} already linked, {result.skipped} skipped.")

    def _run_import(path: str, run, outcome: str):
        """Run one import on a file; a refused file or unreadable rows end the command with the reasons."""
        from app.services.gias import GiasFileError

        with open(path, "rb") as binary:
            try:
                result = run(binary)
            except GiasFileError as error:
                raise click.ClickException(error.message)
        if not result.applied:
            db.session.rollback()
            for problem in result.problems:
                click.echo(f"  line {problem.line}: URN {problem.urn}: {problem.reason}", err=True)
            raise click.ClickException(f"{result.problem_count} rows could not be read; {outcome}.")
        return result

    def _record(path: str, kind: str, la_code: str | None, result) -> None:
        from app.services.schools import record_import_run

        record_import_run(kind, os.path.basename(path), la_code, None, result)
        db.session.commit()

    app.cli.add_command(schools)

    returns = AppGroup("returns", help="Returns and their collection windows.")

    @returns.command("remind")
    @click.option("--dry-run", is_flag=True, help="List the schools that would be reminded, and mail nobody.")
    def remind_command(dry_run: bool) -> None:
        """Remind schools whose returns are due in the next 7 days, or overdue, and not yet submitted."""
        from app.formatting import govuk_date
        from app.engine import notices as notifications

        reminders = notifications.due_reminders()
        schools_reminded: set[int] = set()
        mails = 0
        current_window = None
        for reminder in reminders:
            if reminder.window.id != current_window:
                current_window = reminder.window.id
                click.echo(reminder.window.title)
            when = "overdue" if reminder.overdue else "due"
            progress = "started" if reminder.return_id else "not started"
            people = len(reminder.people)
            who = f"{people} {'person' if people == 1 else 'people'}" if people else "nobody with an account to tell"
            click.echo(f"  {reminder.school.name}: {when} {govuk_date(reminder.due_on)}, {progress}: {who}")
            if not people:
                continue
            schools_reminded.add(reminder.school.id)
            mails += people if dry_run else notifications.send_reminder(reminder)
        if dry_run:
            db.session.rollback()
            click.echo(f"Dry run: {len(schools_reminded)} schools would be reminded, {mails} mails; nothing was sent.")
            return
        db.session.commit()  # queued mail leaves with the commit
        click.echo(f"Reminded {len(schools_reminded)} schools: {mails} mails sent.")

    app.cli.add_command(returns)
