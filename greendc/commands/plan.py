"""`greendc plan`: what should my site do tomorrow? A 15-minute plan of batches, cooling, battery and grid.

Exit codes: 0 a solver plan was written; 1 a flagged fallback plan was written (the solver gave none
in time); 2 bad input, nothing planned (one ``error:`` line).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from greendc.weather.errors import InputError

if TYPE_CHECKING:
    from rich.table import Table

    from greendc.optimizer.io.planjson import PlanMeta

EXIT_PLANNED = 0
EXIT_FALLBACK = 1

#: Most points of a cost-carbon front a plan computes (each is a full solve). [-]
MAX_PARETO_POINTS = 20


def parse_date(text: str) -> date:
    """An ISO date from the command line, or InputError naming --date."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError(f"not a date: {text!r}; use YYYY-MM-DD", key="--date") from None


def plan(
    site: Annotated[str, typer.Option("--site", help="Built-in site id or a site file (TOML).")],
    plan_date: Annotated[
        str | None, typer.Option("--date", help="Plan date YYYY-MM-DD (default: tomorrow, site's date).")
    ] = None,
    jobs: Annotated[
        Path | None,
        typer.Option("--jobs", help="Job queue (CSV, JSON) or a Slurm squeue --json dump (default: sample)."),
    ] = None,
    jobs_format: Annotated[
        str, typer.Option("--jobs-format", help="auto (a Slurm dump is recognised), csv, json or squeue.")
    ] = "auto",
    weather: Annotated[
        Path | None, typer.Option("--weather", help="Weather file (EPW, TMY, CSV, NetCDF); default synthetic")
    ] = None,
    step_min: Annotated[int, typer.Option("--step-min", help="Time step in minutes.")] = 15,
    horizon_h: Annotated[float, typer.Option("--horizon-h", help="Horizon from local midnight, h.")] = 24.0,
    carbon_price: Annotated[
        float | None,
        typer.Option("--carbon-price", help="Carbon price, currency/tCO2 (default: the site's)."),
    ] = None,
    time_limit: Annotated[float, typer.Option("--time-limit", help="Wall-clock solve limit, s.")] = 60.0,
    gap: Annotated[float, typer.Option("--gap", help="Relative MIP gap at which to stop.")] = 1e-3,
    pareto: Annotated[int, typer.Option("--pareto", help="Also N plans along the cost-carbon front.")] = 0,
    checkpoint_h: Annotated[
        float | None,
        typer.Option("--checkpoint-h", help="Run time lost per resume, h (default: the site's)."),
    ] = None,
    late_window_h: Annotated[
        float, typer.Option("--late-window-h", help="How long past its deadline a late job may still run, h.")
    ] = 6.0,
    out: Annotated[
        Path | None, typer.Option("--out", help="Plan folder (default greendc-data/plans/<site>/<date>/).")
    ] = None,
) -> None:
    """Plan one day of a site: batches, setpoints, battery and grid, against today's practice.

    Exit code 0: a solver plan was written; 1: a flagged fallback plan (today's practice) was written;
    2: bad input, nothing planned.
    """
    from greendc.optimizer.types import PlanSettings

    if not 0 <= pareto <= MAX_PARETO_POINTS:
        raise InputError(f"must be in 0-{MAX_PARETO_POINTS} plans", key="--pareto")
    # PlanSettings checks every bound, an error naming the option
    settings = PlanSettings(step_minutes=step_min, horizon_h=horizon_h,
                            carbon_price_per_t=carbon_price or 0.0,
                            time_limit_s=time_limit, rel_gap=gap, checkpoint_overhead_h=checkpoint_h or 0.0,
                            late_window_h=late_window_h)
    # left unset: the site file's (greendc.optimizer.day.inputs.SITE_DEFAULTS)
    site_defaults = [name for name, given in (("carbon_price_per_t", carbon_price),
                                              ("checkpoint_overhead_h", checkpoint_h)) if given is None]
    outcome = run(site, parse_date(plan_date) if plan_date else None, jobs, weather, settings, pareto, out,
                  site_defaults, jobs_format=jobs_format)
    raise typer.Exit(EXIT_FALLBACK if outcome.meta.solver.fallback else EXIT_PLANNED)


def run(site: str, plan_date: date | None, jobs: Path | None, weather: Path | None, settings: Any,
        pareto: int, out: Path | None, site_defaults: list[str] | None = None, *,
        jobs_format: str = "auto") -> Any:
    """Read the inputs, plan with a progress indicator, print warnings, the summary and the report path.

    The folder gets setpoints.csv and, for a Slurm queue, the start-time script, as the nightly's does
    (``greendc.workflows.plan.plan_exports``); with ``--pareto`` each point's steps and jobs too.
    """
    from rich.console import Console

    from greendc.optimizer.day.inputs import check_out_dir, default_out_dir
    from greendc.workflows.plan import plan_exports, plan_with_report, read_plan_inputs

    if out is not None:
        check_out_dir(out)  # before reading anything, let alone solving
    console = Console(stderr=True)
    with console.status("reading the site, the job queue and the weather", spinner="dots") as status:
        queue = read_plan_inputs(site, plan_date=plan_date, jobs_path=jobs, jobs_format=jobs_format,
                                 weather_path=weather, settings=settings, site_defaults=site_defaults or ())
        inputs = queue.plan
        for line in inputs.warnings:
            console.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)
        folder = out or default_out_dir(inputs.site.id, inputs.plan_date)
        outcome = plan_with_report(inputs, folder, pareto=pareto, progress=lambda text: status.update(text),
                                   exports=plan_exports(inputs, queue.slurm))
        for line in outcome.warnings[len(inputs.warnings):]:
            console.print(f"warning: {line}", markup=False, highlight=False, soft_wrap=True)
    Console(width=110).print(summary_table(outcome.meta))
    typer.echo(f"report: {outcome.folder / 'report.html'}")
    return outcome


def _fmt(value: float | None, spec: str) -> str:
    """A number with a format, or '-' when missing."""
    return "-" if value is None else format(value, spec)


#: Labels of the savings components (plan.json's savings.components) in the summary and the report.
COMPONENT_LABELS = {"battery": "battery dispatch", "setpoints": "cooling setpoints",
                    "job_timing": "job timing", "demand_charge": "demand charge", "export": "export",
                    "carbon_cost": "carbon cost"}


def _bill(objective: dict[str, float | None]) -> float | None:
    """An objective's cost without its lateness penalty, or None when a term is missing."""
    total, late = objective.get("total"), objective.get("lateness_penalty")
    return None if total is None or late is None else total - late


def summary_table(meta: PlanMeta) -> Table:
    """The plan against today's practice: cost without lateness, carbon, PUE, renewables, lateness, solver."""
    from rich.table import Table

    from greendc.optimizer.accounting import gap_words

    cur = meta.site.currency
    kpis, base, saved, solver = meta.kpis, meta.baseline.kpis, meta.savings, meta.solver
    # a fallback is today's practice: the solver's gap belongs to the plan it rejected
    gap = gap_words(None if solver.fallback else solver.gap, meta.objective.get("total"), cur)
    seconds = (solver.build_s or 0.0) + (solver.solve_s or 0.0)
    title = f"{meta.site.id} {meta.plan_date}: {solver.status}, {gap}, {seconds:.1f} s"
    if solver.fallback:
        title += f" - FALLBACK: {solver.fallback_reason}"
    table = Table(title=title)
    for name in ("", "plan", "today's practice", "saving"):
        table.add_column(name, justify="left" if not name else "right")
    late_h = saved.job_hours_late or {}
    rows = [
        (f"cost without lateness ({cur})", _bill(meta.objective), _bill(meta.baseline.objective), ",.0f",
         saved["cost"], saved["cost_pct"]),
        ("carbon (kgCO2)", kpis["carbon_kg"], base["carbon_kg"], ",.0f", saved["carbon_kg"],
         saved["carbon_pct"]),
        ("energy (kWh)", kpis["facility_kwh"], base["facility_kwh"], ",.0f", saved["energy_kwh"],
         saved["energy_pct"]),
        ("PUE", kpis["pue"], base["pue"], ".3f", saved["pue_points"], None),
        ("renewable share", kpis["renewable_share"], base["renewable_share"], ".1%",
         _difference(kpis["renewable_share"], base["renewable_share"]), None),
        ("peak import (kW)", kpis["peak_import_kw"], base["peak_import_kw"], ",.0f",
         _difference(base["peak_import_kw"], kpis["peak_import_kw"]), None),
        ("job-hours late", late_h.get("plan"), late_h.get("baseline"), ",.2f",
         _difference(late_h.get("baseline"), late_h.get("plan")), None),
        (f"lateness penalty ({cur}, not a saving)", meta.objective.get("lateness_penalty"),
         meta.baseline.objective.get("lateness_penalty"), ",.0f", None, None),
    ]
    for label, value, baseline, spec, saving, pct in rows:
        share = "" if pct is None else f" ({pct:.1f} %)"
        table.add_row(label, _fmt(value, spec), _fmt(baseline, spec), _fmt(saving, spec) + share)
    table.add_row("late or not run jobs", str(meta.late_jobs), str(meta.baseline.late_jobs), "")
    if saved.components:
        parts = ", ".join(f"{COMPONENT_LABELS.get(k, k)} {_fmt(v if abs(v) >= 0.5 else 0.0, ',.0f')}"
                          for k, v in saved.components.items())
        table.caption = f"saving by part ({cur}): {parts}"
    return table


def _difference(a: float | None, b: float | None) -> float | None:
    """a - b, or None when either is missing."""
    return None if a is None or b is None else a - b
