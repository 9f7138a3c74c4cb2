"""`greendc runs`: the nightly history, newest first, as a table or JSON lines."""

from __future__ import annotations

import json
from collections.abc import Callable
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


#: Every column a table of history rows can show: header -> (justification, the cell of a row).
COLUMNS: dict[str, tuple[str, Callable[[SiteRun], str]]] = {
    "started (UTC)": ("left", lambda r: r.started_utc),
    "date": ("left", lambda r: r.plan_date),
    "site": ("left", lambda r: r.site),
    "status": ("left", lambda r: f"[{_STYLE[r.status]}]{r.status}[/]"),
    "solver": ("left", lambda r: r.solver_status),
    "objective": ("right", lambda r: _fmt(r.objective_total, "{:,.0f}")),
    "carbon kg": ("right", lambda r: _fmt(r.carbon_kg, "{:,.0f}")),
    "PUE": ("right", lambda r: _fmt(r.pue, "{:.3f}")),
    "gap %": ("right", lambda r: _fmt(None if r.gap is None else 100 * r.gap, "{:.2f}")),
    "cost saving": ("right", lambda r: _fmt(r.cost_saving, "{:,.0f}")),
    "carbon saving kg": ("right", lambda r: _fmt(r.carbon_saving_kg, "{:,.0f}")),
    "wall s": ("right", lambda r: f"{r.wall_s:.1f}"),
    "reason / error": ("left", lambda r: "; ".join(t for t in (r.reason, r.error) if t)),
}
#: The columns of ``greendc runs``.
HISTORY_COLUMNS = ("started (UTC)", "date", "site", "status", "solver", "objective", "carbon kg", "PUE",
                   "gap %", "wall s", "reason / error")
#: The columns of the summary ``greendc nightly`` prints when it ends (savings against today's practice).
SUMMARY_COLUMNS = ("site", "status", "solver", "gap %", "cost saving", "carbon saving kg", "wall s",
                   "reason / error")


def runs_table(rows: list[SiteRun], columns: tuple[str, ...] = HISTORY_COLUMNS,
               title: str = "greendc nightly history (newest first)") -> Table:
    """A rich table of site runs; empty cells where a value does not apply (no plan, no gap).

    ``status`` is the night's verdict; ``solver`` is HiGHS's own word as plan.json records it, so a
    plan stopped at the time limit reads ``time_limit`` (with its gap), never ``optimal``.
    """
    table = Table(title=title)
    for name in columns:
        table.add_column(name, justify=COLUMNS[name][0], overflow="fold")  # type: ignore[arg-type]
    for row in rows:
        table.add_row(*(COLUMNS[name][1](row) for name in columns))
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
