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

from greendc.fleet import SiteTask
from greendc.optimizer.io import exports, publish
from greendc.weather.errors import InputError

if TYPE_CHECKING:
    from greendc.optimizer.day.inputs import PlanInputs
    from greendc.optimizer.types import PlanSettings

#: The export files' names (greendc.optimizer.io.exports, shared with `greendc plan`).
SETPOINTS_FILE, SLURM_FILE = exports.SETPOINTS_FILE, exports.SLURM_FILE


@dataclass
class NightInputs:
    """A site's checked inputs for one night, and what the nightly adds to them."""

    plan: PlanInputs
    """What the plan service (greendc.optimizer.day.service.plan_site_day) takes. [-]"""
    slurm: exports.SlurmQueue | None
    """The Slurm queue's pending and held jobs, for the start-time script; None for a job queue. [-]"""
    jobs_note: str
    """Where the jobs came from and how many, for the dry run and the log. [-]"""
    weather_note: str
    fallback_reasons: list[str] = field(default_factory=list)
    """Why the plan is flagged even if the solve is optimal (a missing forecast). [-]"""
    log_warnings: list[str] = field(default_factory=list)
    """Warnings for the JSON log only (no forecast configured). [-]"""


def settings_of(task: SiteTask) -> PlanSettings:
    """The planner's settings from a site task (checked on construction, like the CLI's).

    The carbon price when the fleet file leaves it unset, and the checkpoint overhead, are the site
    file's: ``check_inputs`` names them to ``read_plan_inputs`` (``site_defaults_of``).
    """
    from greendc.optimizer.types import PlanSettings

    return PlanSettings(step_minutes=task.step_minutes, horizon_h=task.horizon_h,
                        carbon_price_per_t=task.carbon_price_per_t or 0.0, time_limit_s=task.time_limit_s,
                        rel_gap=task.rel_gap)


def site_defaults_of(task: SiteTask) -> list[str]:
    """The settings a site task takes from the site file (greendc.optimizer.day.inputs.SITE_DEFAULTS)."""
    return ["checkpoint_overhead_h", *(["carbon_price_per_t"] if task.carbon_price_per_t is None else [])]


def check_inputs(task: SiteTask) -> NightInputs:
    """Load the site, read tonight's queue, find the forecast; raise InputError when unusable.

    A forecast that is configured but missing means the synthetic year (the plan is flagged) or,
    with ``weather_fallback = "keep_previous"``, unusable input. The queue is read as ``greendc plan``
    reads it (``greendc.workflows.plan.read_plan_inputs``: a Slurm dump's running jobs hold their nodes).
    """
    from greendc.workflows.plan import read_plan_inputs

    weather_path, reasons, log_warnings = forecast_path(task)
    jobs_path = None if task.jobs == "sample" else Path(task.jobs)
    queue = read_plan_inputs(task.ref, plan_date=date.fromisoformat(task.plan_date), jobs_path=jobs_path,
                             jobs_format=task.jobs_format, weather_path=weather_path,
                             settings=settings_of(task), seed=task.seed if task.seed is not None else 0,
                             site_defaults=site_defaults_of(task))
    weather_note = str(weather_path) if weather_path else "synthetic year"
    inputs = replace(queue.plan, warnings=[*queue.plan.warnings, *reasons])  # recorded in plan.json
    return NightInputs(inputs, queue.slurm, queue.jobs_note, weather_note, reasons, log_warnings)


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


def plan_site_task(task: SiteTask, out: Path, *, heuristic_only: bool = False) -> dict[str, Any]:
    """Plan the site into ``out``, written once with its exports (same inputs, same bytes); history facts."""
    from greendc.workflows.plan import plan_exports, plan_with_report

    night = check_inputs(task)
    outcome = plan_with_report(night.plan, out, heuristic_only=heuristic_only, run_times=False,
                               exports=plan_exports(night.plan, night.slurm),
                               published_at=Path(task.output_root) / "plans" / task.label / task.plan_date)
    facts = outcome.facts()
    reasons = list(night.fallback_reasons)
    if facts["fallback"]:
        reasons.insert(0, str(facts["fallback_reason"]) or "heuristic fallback plan")
    return {
        "kind": "planned", "plan_dir": str(out), "fallback_reasons": reasons,
        "warnings": [*night.log_warnings, *outcome.warnings], "digests": night.plan.digests,
        "jobs_note": night.jobs_note, **facts,
    }


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
