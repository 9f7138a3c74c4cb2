"""`greendc runs`: the nightly history, newest first, as a table or JSON lines."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from greendc import fleet as fleet_file
from greendc.optimizer.io import history
from greendc.optimizer.io.history import SiteRun
from greendc.optimizer.io.publish import DEFAULT_DATA_DIR

_STYLE = {"optimal": "green", "fallback": "yellow", "kept_previous": "magenta", "failed": "bold red"}


def runs(
    site: Annotated[str | None, typer.Option("--site", help="Only this site id.")] = None,
    last: Annotated[int, typer.Option("--last", min=1, help="At most N rows, newest first.")] = 20,
    data: Annotated[Path, typer.Option("--data", help="Data folder holding runs.sqlite.")] = DEFAULT_DATA_DIR,
    fleet: Annotated[
        Path | None, typer.Option("--fleet", help="Take the data folder from this fleet file instead.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per row, for scripts.")] = False,
) -> None:
    """Print the nightly run history: one row per site and night, with status, KPIs and errors."""
    data_dir = fleet_file.output_root(fleet_file.load_fleet(fleet), fleet) if fleet is not None else data
    path = history.default_path(data_dir)
    copies = history.corrupt_copies(path)
    if copies:
        typer.echo(f"note: an earlier run history was corrupt; it is kept at {copies[-1]}", err=True)
    with history.reader(path) as conn:
        rows = history.query(conn, site=site, last=last)
        nightly = history.runs(conn, last=1)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(asdict(row) | {"kpis": dict(row.kpis)}, sort_keys=True))
        return
    console = Console(width=max(Console().width, 140))
    console.print(runs_table(rows))
    if nightly:
        console.print(last_run_line(nightly[0]))


def runs_table(rows: list[SiteRun]) -> Table:
    """A rich table of site runs; empty cells where a value does not apply (no plan, no gap).

    ``status`` is the night's verdict; ``solver`` is HiGHS's own word as plan.json records it, so a
    plan stopped at the time limit reads ``time_limit`` (with its gap), never ``optimal``.
    """
    table = Table(title="greendc nightly history (newest first)")
    for name, justify in [
        ("started (UTC)", "left"), ("date", "left"), ("site", "left"), ("status", "left"),
        ("solver", "left"), ("objective", "right"), ("carbon kg", "right"), ("PUE", "right"),
        ("gap %", "right"),
        ("wall s", "right"), ("reason / error", "left"),
    ]:
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(
            row.started_utc, row.plan_date, row.site, f"[{_STYLE[row.status]}]{row.status}[/]",
            row.solver_status,
            _fmt(row.objective_total, "{:,.0f}"), _fmt(row.carbon_kg, "{:,.0f}"), _fmt(row.pue, "{:.3f}"),
            _fmt(None if row.gap is None else 100 * row.gap, "{:.2f}"), f"{row.wall_s:.1f}",
            "; ".join(t for t in (row.reason, row.error) if t),
        )
    return table


def last_run_line(run: dict[str, object]) -> str:
    """One line on the newest nightly invocation; an empty end means it was killed."""
    if run["finished_utc"] is None:
        return f"last run {run['run_id']} started {run['started_utc']} and never finished (killed?)"
    span = f"{run['started_utc']} -> {run['finished_utc']}"
    return f"last run {run['run_id']}: {span}, exit code {run['exit_code']}"


def _fmt(value: float | None, pattern: str) -> str:
    """A number formatted, or empty when absent."""
    return "" if value is None else pattern.format(value)
