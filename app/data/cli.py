"""`flask data import FILE --year 2024-25 [--kind ks2]`: the DfE data import from the command line."""

from __future__ import annotations

import os

import click

from app.data.catalogue import catalogue, year_label, year_start
from app.data.importer import DataFileError, import_file
from app.extensions import db


def _year(ctx, param, value: str) -> str:
    try:
        year_start(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None
    return value


def register(bp) -> None:
    """Add the commands to the blueprint's `flask data` group."""

    @bp.cli.command("import")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    @click.option("--year", required=True, callback=_year, help="The academic year the file is for, like 2024-25.")
    @click.option("--kind", type=click.Choice(sorted(catalogue().kinds)), help="The kind of data (default: worked out from the columns).")
    def import_command(path: str, year: str, kind: str | None) -> None:
        """Import a DfE performance tables or Explore Education Statistics CSV file for one academic year."""
        size = os.path.getsize(path)
        with open(path, "rb") as binary, click.progressbar(length=size, label=os.path.basename(path)[:40], show_pos=False) as bar:
            reached = 0

            def progress(position: int) -> None:
                nonlocal reached
                bar.update(max(0, position - reached))
                reached = max(reached, position)

            try:
                result = import_file(binary, year=year, kind=kind, filename=os.path.basename(path), progress=progress)
            except DataFileError as error:
                raise click.ClickException(f"{error.message}. Nothing was imported.")
        if not result.applied:
            db.session.rollback()
            for problem in result.problems:
                click.echo(f"  line {problem.line}: {('URN ' + problem.urn + ': ') if problem.urn else ''}{problem.reason}", err=True)
            raise click.ClickException(f"{result.problem_count} rows could not be read; nothing was imported.")
        db.session.commit()
        kind_label = catalogue().kinds[result.kind].label
        click.echo(
            f"Imported {kind_label.lower()} data for {year_label(year)} from {os.path.basename(path)}: "
            f"{result.schools:,} schools, {result.not_in_register:,} not on the register (skipped), "
            f"{result.comparators:,} LA and England rows; values {result.values_added:,} added, "
            f"{result.values_changed:,} changed, {result.values_unchanged:,} unchanged, {result.values_removed:,} removed."
        )
        for measure, reason in catalogue().not_published(result.kind, year):
            click.echo(f"{measure.label} is not published for {year_label(year)}: {reason}. Nothing was read for it.")
