"""`greendc fleet plan`: one joint plan for the whole fleet, moving work between hubs (docs/fleet.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from greendc.commands.plan import parse_date

app = typer.Typer(no_args_is_help=True, help="Plan a fleet of hubs jointly.")


@app.command("plan")
def plan(
    fleet: Annotated[Path, typer.Option("--fleet", help="Joint fleet file (TOML): hubs, [joint], links, regions.")],
    plan_date: Annotated[str | None, typer.Option("--date", help="Plan date YYYY-MM-DD (default: today).")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="Fleet plan folder (default: <data>/fleet/<name>/<date>).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Dask worker processes (default: the fleet file's).")] = None,
) -> None:
    """Plan every hub's day jointly: where each training job runs, its transfers, inference per hub.

    Writes the fleet plan folder (each hub's plan folder, assignments.csv, transfers.csv, fleet.json,
    report.html) and prints the comparison with per-site plans and the greedy heuristic.
    """
    from greendc.workflows.fleet_plan import run_fleet_plan

    day = parse_date(plan_date) if plan_date is not None else None
    folder, summary = run_fleet_plan(fleet, day, out, say=lambda m: typer.echo(m, err=True), workers=workers)
    typer.echo(f"fleet plan: {folder}")
    typer.echo(f"chosen: {summary['chosen']}, objective {summary['objective']:,.0f}, bound {summary['bound']:,.0f}, "
               f"proven gap {100 * summary['gap']:.3f} %")
    typer.echo(f"{'plan':<12} {'cost':>14} {'tCO2':>10} {'MWh':>10} {'GB moved':>10} {'moved':>6} {'latency viol.':>13}")
    for name, k in summary["comparisons"].items():
        typer.echo(f"{name:<12} {k['cost']:>14,.0f} {k['carbon_kg'] / 1000:>10,.1f} {k['energy_kwh'] / 1000:>10,.1f} "
                   f"{k['transfer_gb']:>10,.0f} {k['moved_jobs']:>6.0f} {k['latency_violations']:>13.0f}")
    t = summary["timings_s"]
    typer.echo(f"wall {t.get('wall_s', 0):.1f} s (LP {t.get('lp_s', 0):.1f} s, hub MILPs {t.get('hubs_s', 0):.1f} s)")
