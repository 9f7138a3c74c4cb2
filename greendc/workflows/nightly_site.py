"""One site's night: check its inputs, plan it into a folder, add the scheduler and BMS exports.

Runs inside the site's own process (greendc/workflows/nightly.py starts it); ``dry_run`` runs the
same input checks in the orchestrator and prints what would run. Bad input raises InputError (the
site keeps its previous plan); a missing forecast falls back to the synthetic year when the fleet
file allows it, and the plan is then flagged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from greendc.fleet import SiteTask
from greendc.optimizer.io import publish
from greendc.weather.errors import InputError

if TYPE_CHECKING:
    from greendc.optimizer.day.inputs import PlanInputs
    from greendc.optimizer.types import Plan, PlanSettings

SETPOINTS_FILE = "setpoints.csv"
SLURM_FILE = "slurm-starttime.sh"


@dataclass
class NightInputs:
    """A site's checked inputs for one night, and what the nightly adds to them."""

    plan: PlanInputs
    """What the plan service (greendc.optimizer.day.service.plan_site_day) takes. [-]"""
    jobs_note: str
    """Where the jobs came from and how many, for the dry run and the log. [-]"""
    weather_note: str
    fallback_reasons: list[str] = field(default_factory=list)
    """Why the plan is flagged even if the solve is optimal (a missing forecast). [-]"""
    log_warnings: list[str] = field(default_factory=list)
    """Warnings for the JSON log only (no forecast configured). [-]"""


def settings_of(task: SiteTask) -> PlanSettings:
    """The planner's settings from a site task (checked on construction, like the CLI's)."""
    from greendc.optimizer.types import PlanSettings

    return PlanSettings(step_minutes=task.step_minutes, horizon_h=task.horizon_h,
                        carbon_price_per_t=task.carbon_price_per_t, time_limit_s=task.time_limit_s,
                        rel_gap=task.rel_gap)


def check_inputs(task: SiteTask) -> NightInputs:
    """Load the site, read tonight's queue, find the forecast; raise InputError when unusable.

    A forecast that is configured but missing means the synthetic year (the plan is flagged) or,
    with ``weather_fallback = "keep_previous"``, unusable input.
    """
    from greendc.optimizer.day.inputs import read_inputs

    weather_path, reasons, log_warnings = forecast_path(task)
    squeue = task.jobs_format == "squeue"
    jobs_path = None if task.jobs == "sample" or squeue else Path(task.jobs)
    plan_date = date.fromisoformat(task.plan_date)
    inputs = read_inputs(task.ref, plan_date=plan_date, jobs_path=jobs_path, weather_path=weather_path,
                         settings=settings_of(task), seed=task.seed if task.seed is not None else 0)
    source = Path(task.jobs).name if jobs_path else "sample queue"
    note = f"{source}, {len(inputs.jobs)} jobs"
    if squeue:
        inputs, note = with_squeue_jobs(inputs, Path(task.jobs))
    weather_note = str(weather_path) if weather_path else "synthetic year"
    inputs = replace(inputs, warnings=[*inputs.warnings, *reasons])  # recorded in plan.json
    return NightInputs(inputs, note, weather_note, reasons, log_warnings)


def forecast_path(task: SiteTask) -> tuple[Path | None, list[str], list[str]]:
    """The forecast file to use (None: synthetic year), fallback reasons, log-only warnings."""
    if task.weather is None:
        return None, [], ["no forecast configured; planning on the synthetic weather year"]
    forecast = Path(task.weather)
    if forecast.is_file():
        return forecast, [], []
    if task.weather_fallback == "synthetic":
        return None, [f"forecast {forecast} missing; planned on the synthetic weather year"], []
    raise InputError("forecast file missing (weather_fallback = keep_previous)", file=forecast, key="weather")


def with_squeue_jobs(inputs: PlanInputs, dump: Path) -> tuple[PlanInputs, str]:
    """The inputs with the pending jobs of a Slurm dump as the queue (digest of the dump's bytes)."""
    from greendc.optimizer.day.inputs import day_start, sha256_file
    from greendc.optimizer.io.slurm import read_squeue

    start = day_start(inputs.plan_date, inputs.site.site.timezone)
    end = start + pd.Timedelta(hours=inputs.settings.horizon_h)
    read = read_squeue(dump, default_release=start, default_deadline=end)
    left_out = [f"Slurm job {job_id} not planned: {why}" for job_id, why in sorted(read.skipped.items())]
    note = f"{dump.name}, {len(read.jobs)} pending Slurm jobs ({len(read.skipped)} left out)"
    digests = {**inputs.digests, "jobs": sha256_file(dump)}
    return replace(inputs, jobs=read.jobs, digests=digests, warnings=[*inputs.warnings, *left_out]), note


def plan_site_task(task: SiteTask, out: Path, *, heuristic_only: bool = False) -> dict[str, Any]:
    """Plan the site into ``out``, written once with its exports (same inputs, same bytes); history facts."""
    from greendc.workflows.plan import plan_with_report

    night = check_inputs(task)
    outcome = plan_with_report(night.plan, out, heuristic_only=heuristic_only, run_times=False,
                               exports=lambda plan: export_files(task, night.plan, plan))
    facts = outcome.facts()
    reasons = list(night.fallback_reasons)
    if facts["fallback"]:
        reasons.insert(0, str(facts["fallback_reason"]) or "heuristic fallback plan")
    return {
        "kind": "planned", "plan_dir": str(out), "fallback_reasons": reasons,
        "warnings": [*night.log_warnings, *outcome.warnings], "digests": night.plan.digests,
        "jobs_note": night.jobs_note, **facts,
    }


def export_files(task: SiteTask, inputs: PlanInputs, plan: Plan) -> dict[str, str]:
    """The BMS setpoint schedule and, for a Slurm queue, the scontrol script, by file name."""
    from greendc.optimizer.io.bms import setpoint_csv, setpoint_schedule

    timezone = inputs.site.site.timezone
    files = {SETPOINTS_FILE: setpoint_csv(setpoint_schedule(plan.steps, timezone, task.step_minutes))}
    if task.jobs_format == "squeue":
        from greendc.optimizer.io.slurm import scontrol_script

        planned = set(plan.runs["job_id"].astype(str))
        unplanned = [j.job_id for j in inputs.jobs if j.job_id not in planned]
        title = f"site {task.label}, plan date {task.plan_date}"
        files[SLURM_FILE] = scontrol_script(plan.runs, timezone, title=title, unplanned=unplanned)
    return files


def dry_run(tasks: list[SiteTask], root: Path, echo: Callable[[str], None]) -> int:
    """Check every site's inputs and print what would run; 0 all usable, 1 some would keep their plan."""
    from rich.console import Console
    from rich.table import Table

    from greendc.cluster import emit

    table = Table(title=f"greendc nightly --dry-run: {len(tasks)} sites, output {root}")
    for name in ("site", "date", "jobs", "weather", "limits s (solver/wall)", "would"):
        table.add_column(name, overflow="fold")
    usable = 0
    for task in tasks:
        would, jobs_note, weather_note = _dry_check(task)
        usable += would.startswith("plan")
        table.add_row(task.label, task.plan_date, jobs_note, weather_note,
                      f"{task.time_limit_s:g} / {task.wall_limit_s:g}", would)
        emit("dry_run_site", site=task.label, plan_date=task.plan_date, would=would, jobs=jobs_note,
             weather=weather_note)
    Console(width=160).print(table)
    lock = root / publish.LOCK_NAME
    echo(f"{usable} of {len(tasks)} sites would be planned; lock file {lock}; nothing was written")
    return 0 if usable == len(tasks) else 1


def _dry_check(task: SiteTask) -> tuple[str, str, str]:
    """What one site would do tonight, and notes on its jobs and weather."""
    folder = Path(task.output_root) / "plans" / task.label
    try:
        night = check_inputs(task)
    except InputError as exc:
        kept = publish.current_plan(folder)
        action = f"keep previous plan {kept.name}" if kept else "fail: no previous plan"
        return f"{action} ({exc})", "?", "?"
    flag = f"; flagged: {'; '.join(night.fallback_reasons)}" if night.fallback_reasons else ""
    return f"plan -> {folder / task.plan_date}{flag}", night.jobs_note, night.weather_note
