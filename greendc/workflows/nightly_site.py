"""One site's night: check its inputs, plan it into a folder, add the scheduler and BMS exports.

Runs inside the site's own process (greendc/workflows/nightly.py starts it); ``dry_run`` runs the
same input checks in the orchestrator and prints what would run. Bad input raises InputError (the
site keeps its previous plan); a missing forecast falls back to the synthetic year when the fleet
file allows it, and the plan is then flagged.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from greendc import atomic
from greendc.fleet import SiteTask
from weather.errors import InputError

SETPOINTS_FILE = "setpoints.csv"
SLURM_FILE = "slurm-starttime.sh"


@dataclass
class SiteInputs:
    """A site's inputs for one night, checked."""

    site: Any
    """sites.Site. [-]"""
    jobs: list[Any]
    """optimizer.types.Job list. [-]"""
    jobs_note: str
    """Where the jobs came from and how many, for the dry run and the log. [-]"""
    weather_path: Path | None
    """Forecast file, or None for the synthetic year. [-]"""
    fallback_reasons: list[str] = field(default_factory=list)
    """Why the plan must be flagged even if the solve is optimal (a missing forecast). [-]"""
    warnings: list[str] = field(default_factory=list)
    digests: dict[str, str] = field(default_factory=dict)
    """SHA-256 of the site file, the job queue and the forecast. [-]"""


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def jobs_digest(jobs: list[Any]) -> str:
    """SHA-256 of a job list in a canonical JSON form (for queues made, not read: the sample queue)."""
    rows = [{k: str(v) for k, v in sorted(vars(j).items())} for j in jobs]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def day_start(plan_date: str, timezone: str) -> pd.Timestamp:
    """Local midnight starting the plan day, timezone-aware."""
    return pd.Timestamp(date.fromisoformat(plan_date)).tz_localize(timezone)


def check_inputs(task: SiteTask) -> SiteInputs:
    """Load the site, read tonight's queue, find the forecast; raise InputError when unusable."""
    from sites.loader import load_site, resolve_site_path

    site = load_site(task.ref)
    start = day_start(task.plan_date, site.site.timezone)
    jobs, jobs_note, digest = read_queue(task, site, start)
    inputs = SiteInputs(site=site, jobs=jobs, jobs_note=jobs_note, weather_path=None)
    site_digest = sha256_file(resolve_site_path(task.ref))
    inputs.digests = {"site": site_digest, "jobs": digest, "weather": "synthetic"}
    if task.weather is None:
        inputs.warnings.append("no forecast configured; planning on the synthetic weather year")
        return inputs
    forecast = Path(task.weather)
    if forecast.is_file():
        from weather import read_weather

        read_weather(forecast)  # unreadable or invalid: InputError, the site keeps its plan
        inputs.weather_path = forecast
        inputs.digests["weather"] = sha256_file(forecast)
    elif task.weather_fallback == "synthetic":
        inputs.fallback_reasons.append(f"forecast {forecast} missing; planned on the synthetic weather year")
    else:
        raise InputError("forecast file missing (weather_fallback = keep_previous)", file=forecast)
    return inputs


def read_queue(task: SiteTask, site: Any, start: pd.Timestamp) -> tuple[list[Any], str, str]:
    """Tonight's jobs, a note on their source, and their digest, from the task's jobs setting."""
    if task.jobs == "sample":
        from optimizer.sample_queue import sample_queue

        jobs = sample_queue(site, start, seed=task.seed if task.seed is not None else 0)
        return jobs, f"sample queue, {len(jobs)} jobs", jobs_digest(jobs)
    path = Path(task.jobs)
    if not path.is_file():
        raise InputError("job queue file not found", file=path, key="jobs")
    kind = task.jobs_format if task.jobs_format != "auto" else path.suffix.lower().lstrip(".")
    if kind == "squeue":
        from optimizer.slurm import read_squeue

        end = start + pd.Timedelta(hours=task.horizon_h)
        dump = read_squeue(path, default_release=start, default_deadline=end)
        note = f"squeue dump, {len(dump.jobs)} pending jobs planned, {len(dump.skipped)} left out"
        return dump.jobs, note, sha256_file(path)
    if kind not in {"csv", "json"}:
        raise InputError("cannot tell the queue format; set jobs_format to csv, json or squeue", file=path)
    from optimizer.jobs import read_jobs

    jobs = read_jobs(path, site.site.timezone)
    return jobs, f"{path.name}, {len(jobs)} jobs", sha256_file(path)


def plan_site_task(task: SiteTask, out: Path, *, heuristic_only: bool = False) -> dict[str, Any]:
    """Plan the site into ``out`` and return the facts the orchestrator records (JSON-able)."""
    inputs = check_inputs(task)
    facts = run_plan(task, inputs, out, heuristic_only=heuristic_only)
    write_exports(task, inputs, out)
    reasons = list(inputs.fallback_reasons)
    if facts["fallback"]:
        reasons.insert(0, str(facts["fallback_reason"]) or "heuristic fallback plan")
    return {
        "kind": "planned",
        "plan_dir": str(out),
        "fallback_reasons": reasons,
        "warnings": inputs.warnings,
        "digests": inputs.digests,
        "jobs_note": inputs.jobs_note,
        **facts,
    }


def run_plan(task: SiteTask, inputs: SiteInputs, out: Path, *, heuristic_only: bool) -> dict[str, Any]:
    """Call the planning workflow; return solver facts and KPIs for the history."""
    raise NotImplementedError("waiting for greendc/workflows/plan.py")


def write_exports(task: SiteTask, inputs: SiteInputs, out: Path) -> None:
    """Add the BMS setpoint schedule and, for a Slurm queue, the scontrol script to the plan folder."""
    from optimizer.bms import setpoint_csv, setpoint_schedule

    timezone = inputs.site.site.timezone
    steps = pd.read_csv(out / "steps.csv")
    schedule = setpoint_schedule(steps, timezone, task.step_minutes)
    (out / SETPOINTS_FILE).write_text(setpoint_csv(schedule))
    if task.jobs_format == "squeue":
        from optimizer.slurm import scontrol_script

        runs = pd.read_csv(out / "jobs.csv", dtype={"job_id": str})
        planned = set(runs["job_id"])
        unplanned = [j.job_id for j in inputs.jobs if j.job_id not in planned]
        title = f"site {task.label}, plan date {task.plan_date}"
        (out / SLURM_FILE).write_text(scontrol_script(runs, timezone, title=title, unplanned=unplanned))


def dry_run(tasks: list[SiteTask], root: Path, echo: Callable[[str], None]) -> int:
    """Check every site's inputs and print what would run; 0 all usable, 1 some would keep their plan."""
    from rich.console import Console
    from rich.table import Table

    from greendc.workflows.nightly import emit

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
    lock = root / atomic.LOCK_NAME
    echo(f"{usable} of {len(tasks)} sites would be planned; lock file {lock}; nothing was written")
    return 0 if usable == len(tasks) else 1


def _dry_check(task: SiteTask) -> tuple[str, str, str]:
    """What one site would do tonight, and notes on its jobs and weather."""
    folder = Path(task.output_root) / "plans" / task.label
    try:
        inputs = check_inputs(task)
    except InputError as exc:
        kept = atomic.current_plan(folder)
        action = f"keep previous plan {kept.name}" if kept else "fail: no previous plan"
        return f"{action} ({exc})", "?", "?"
    weather = str(inputs.weather_path) if inputs.weather_path else "synthetic year"
    flag = f"; flagged: {'; '.join(inputs.fallback_reasons)}" if inputs.fallback_reasons else ""
    return f"plan -> {folder / task.plan_date}{flag}", inputs.jobs_note, weather
