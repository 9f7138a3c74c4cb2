"""`greendc nightly`: re-plan a whole fleet unattended (cron, systemd timer, Airflow)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from greendc.commands.plan import parse_date

if TYPE_CHECKING:
    from greendc.optimizer.io.history import SiteRun

#: Least width of the summary table (a pipe or cron's mail would give rich 80 columns).
SUMMARY_WIDTH = 120


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
    fleet file is unusable; 3: another run holds the lock. A summary table on stdout; one JSON log
    line per event on stderr.
    """
    from greendc.workflows.nightly import run_nightly

    night = parse_date(plan_date) if plan_date is not None else None
    raise typer.Exit(run_nightly(fleet, night, dry_run=dry_run, echo=typer.echo, summary=print_summary))


def print_summary(rows: list[SiteRun], code: int) -> None:
    """One screen for a human on stdout: each site's status, solver, gap, savings and time."""
    from rich.console import Console

    from greendc.commands.runs import SUMMARY_COLUMNS, runs_table

    statuses = [row.status for row in rows]
    counts = ", ".join(f"{statuses.count(s)} {s}" for s in dict.fromkeys(statuses))
    night = rows[0].plan_date if rows else "-"
    title = f"greendc nightly {night}, exit code {code}: {counts or 'no sites'}"
    table = runs_table(rows, SUMMARY_COLUMNS, title=title)
    table.caption = "savings against today's practice, in each site's currency; JSON log events on stderr"
    Console(width=max(Console().width, SUMMARY_WIDTH)).print(table)
