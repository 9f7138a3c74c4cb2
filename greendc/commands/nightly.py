"""`greendc nightly`: re-plan a whole fleet unattended (cron, systemd timer, Airflow)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from greendc.commands.plan import parse_date


def nightly(
    fleet: Annotated[Path, typer.Option("--fleet", help="Fleet file (TOML): sites and their inputs.")],
    plan_date: Annotated[
        str | None, typer.Option("--date", help="Plan date YYYY-MM-DD (default: tomorrow, local calendar).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Check every input and say what would run; write nothing.")
    ] = False,
) -> None:
    """Plan every site of the fleet for the next day, in parallel, each isolated and time-limited.

    Exit code 0: every site optimal; 1: some fell back, kept the previous plan or failed; 2: the
    fleet file is unusable; 3: another run holds the lock. One JSON log line per event on stderr.
    """
    from greendc.workflows.nightly import run_nightly

    night = parse_date(plan_date) if plan_date is not None else None
    raise typer.Exit(run_nightly(fleet, night, dry_run=dry_run, echo=typer.echo))

