"""flask commands: seed-demo, create-admin, schools import, schools import-links, notices send,
returns rebuild-facts."""

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

    notices = AppGroup("notices", help="Mail that falls due on a date: windows opening, returns due and overdue.")

    @notices.command("send")
    @click.option("--now", "moment", metavar="ISO-DATETIME", help="Send what is due at this moment instead of now (London time unless it has an offset).")
    @click.option("--dry-run", is_flag=True, help="List what would be sent, and send and record nothing.")
    def send_notices_command(moment: str | None, dry_run: bool) -> None:
        """Send every scheduled notice that is due and has not been sent: safe to run as often as you like."""
        from app.engine import notices as scheduled

        if moment:
            try:
                now = scheduled.parse_moment(moment)
            except ValueError:
                raise click.BadParameter("Give a date and time like 2026-10-03T09:00 or 2026-10-03T08:00+00:00.", param_hint="--now")
        else:
            now = None
        sent = scheduled.send_due(now, dry_run=dry_run)
        for line in scheduled.describe(sent):
            click.echo(line)
        if dry_run:
            db.session.rollback()
            click.echo(f"Dry run: {len(sent)} {'notice' if len(sent) == 1 else 'notices'} would be sent; nothing was sent or recorded.")
            return
        db.session.commit()  # the rows that say they were sent, and the mail with them
        click.echo(f"Sent {len(sent)} {'notice' if len(sent) == 1 else 'notices'}.")

    app.cli.add_command(notices)

    returns = AppGroup("returns", help="Returns: the facts the officers' views read.")

    @returns.command("rebuild-facts")
    @click.option("--batch-size", default=500, show_default=True, help="Submissions read and written at a time.")
    def rebuild_facts_command(batch_size: int) -> None:
        """Write the facts table afresh from every submission's snapshot: safe to run again."""
        from app.engine import facts

        total = facts.submission_count()
        with click.progressbar(length=total, label="Submissions") as bar:
            written = facts.rebuild(batch_size, progress=bar.update)
        db.session.commit()  # once: readers see the old table until the new one is whole
        click.echo(f"Rebuilt the facts of {total:,} submissions: {written:,} facts.")

    app.cli.add_command(returns)
