"""`greendc fleet plan`: one joint plan for the whole fleet, moving work between hubs (docs/fleet.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from greendc.commands.plan import parse_date

app = typer.Typer(no_args_is_help=True, help="Plan a fleet of hubs jointly.")

FleetOption = Annotated[
    Path, typer.Option("--fleet", help="Joint fleet file (TOML): hubs, [joint], links, regions.")
]
DateOption = Annotated[str | None, typer.Option("--date", help="Plan date YYYY-MM-DD (default: today).")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Fleet plan folder (default: <data>/fleet/<name>/<date>).")
]
WorkersOption = Annotated[
    int | None, typer.Option("--workers", help="Dask worker processes (default: the fleet file's).")
]


@app.command("plan")
def plan(fleet: FleetOption, plan_date: DateOption = None, out: OutOption = None,
         workers: WorkersOption = None) -> None:
    """Plan every hub's day jointly: where each training job runs, its transfers, inference per hub.

    Writes the fleet plan folder (each hub's plan folder, assignments.csv, transfers.csv, fleet.json,
    report.html) and prints the comparison with per-site plans and the greedy heuristic.
    """
    from greendc.workflows.fleet_plan import run_fleet_plan

    day = parse_date(plan_date) if plan_date is not None else None
    folder, summary = run_fleet_plan(fleet, day, out, say=lambda m: typer.echo(m, err=True), workers=workers)
    typer.echo(f"fleet plan: {folder}")
    for line in summary_lines(summary):
        typer.echo(line)


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """The comparison for a person: chosen plan, bound and gap, one row per candidate, timings."""
    lines = [f"chosen: {summary['chosen']}, objective {summary['objective']:,.0f}, "
             f"bound {summary['bound']:,.0f}, proven gap {100 * summary['gap']:.3f} %",
             f"{'plan':<12} {'cost':>14} {'tCO2':>10} {'MWh':>10} {'GB moved':>10} {'moved':>6} "
             f"{'latency viol.':>13}"]
    for name, k in summary["comparisons"].items():
        lines.append(f"{name:<12} {k['cost']:>14,.0f} {k['carbon_kg'] / 1000:>10,.1f} "
                     f"{k['energy_kwh'] / 1000:>10,.1f} {k['transfer_gb']:>10,.0f} {k['moved_jobs']:>6.0f} "
                     f"{k['latency_violations']:>13.0f}")
    t = summary["timings_s"]
    lines.append(f"wall {t.get('wall_s', 0):.1f} s (LP {t.get('lp_s', 0):.1f} s, "
                 f"hub MILPs {t.get('hubs_s', 0):.1f} s)")
    return lines
