"""flask commands: seed-demo, create-admin."""

from __future__ import annotations

import os
import secrets

import click
from flask import Flask, current_app

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
            click.echo(f"  {email:<45} {role:<16} {name}")
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
