"""The plan workflow: the plan service (``greendc.optimizer.day.service``) with the dashboard's report and
the files a site applies.

Everything about planning a day lives in the optimizer's plan service, the one path the CLI, the
nightly, What-if and the rolling year take; this module supplies what the optimizer may not import
(the HTML report renderer of ``greendc.dashboard.report_plan``) and what ``greendc plan`` and
``greendc nightly`` share on the way in and out:

* ``read_plan_inputs``: the inputs with the queue read as a job queue or as a Slurm ``squeue --json``
  dump (``jobs_format`` "squeue", or "auto" and the file is one), the running Slurm jobs' nodes held
  (``with_squeue_jobs``), and the settings the caller left unset taken from the site;
* ``plan_exports``: ``setpoints.csv``, the Slurm start-time script for a Slurm queue and the Pareto
  points' tables (``greendc.optimizer.io.exports.plan_files``), made from the final plan.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from greendc.dashboard.report_assets import plotly_src
from greendc.dashboard.report_plan import plan_report_html
from greendc.optimizer.day.inputs import PlanInputs
from greendc.optimizer.day.plan import Progress
from greendc.optimizer.day.service import Exports, PlanOutcome, plan_site_day
from greendc.optimizer.io.exports import SlurmQueue
from greendc.optimizer.io.planfolder import ReportRenderer
from greendc.optimizer.types import Plan, PlanSettings

#: Values of ``--jobs-format`` and the fleet file's ``jobs_format``: auto (a Slurm dump recognised by
#: its content, else a queue file by its extension), csv or json (a queue file), squeue (a Slurm dump).
JOBS_FORMATS = ("auto", "csv", "json", "squeue")


@dataclass(frozen=True)
class QueueInputs:
    """The plan's inputs, the Slurm queue when the jobs came from a dump, and a note on the jobs."""

    plan: PlanInputs
    slurm: SlurmQueue | None
    """The pending and held Slurm jobs (for the start-time script); None for a job queue file. [-]"""
    jobs_note: str
    """Where the jobs came from and how many, for the nightly's dry run and log. [-]"""


def plan_with_report(inputs: PlanInputs, out: Path, *, pareto: int = 0, progress: Progress | None = None,
                     heuristic_only: bool = False, exports: Exports | None = None,
                     run_times: bool = True, published_at: Path | None = None) -> PlanOutcome:
    """The plan service's folder at ``out`` with report.html rendered by the dashboard's report.

    ``published_at`` is where the folder will be read from when ``out`` is a staging folder (the
    nightly's ``<data>/plans/<site>/<date>``): the report's plotly.js is found from there.
    """
    return plan_site_day(inputs, out, pareto=pareto, progress=progress, heuristic_only=heuristic_only,
                         render_report=report_renderer(published_at or out), exports=exports,
                         run_times=run_times)


def report_renderer(folder: Path) -> ReportRenderer:
    """report.html's renderer for a plan folder read at ``folder``: plotly.js from its data folder's shared
    file (written with the report), or inlined in a folder outside a data folder (report_assets)."""

    def render(meta: dict[str, Any], steps: pd.DataFrame, runs: pd.DataFrame) -> str:
        return plan_report_html(meta, steps, runs, plotly_src=plotly_src(folder, "plan"))

    return render


def is_squeue(jobs_path: Path | None, jobs_format: str) -> bool:
    """Whether the queue is a Slurm dump: by ``jobs_format`` ("squeue"), or ("auto") by its content."""
    from greendc.optimizer.io.slurm import looks_like_squeue
    from greendc.weather.errors import InputError

    if jobs_format not in JOBS_FORMATS:
        raise InputError(f"unknown jobs format {jobs_format!r}; use one of {', '.join(JOBS_FORMATS)}",
                         key="--jobs-format")
    if jobs_path is None:
        if jobs_format == "squeue":
            raise InputError("a Slurm queue needs a dump file (--jobs squeue.json)", key="--jobs-format")
        return False
    return jobs_format == "squeue" or (jobs_format == "auto" and looks_like_squeue(jobs_path))


def read_plan_inputs(site_ref: str | Path, *, plan_date: date | None, jobs_path: Path | None,
                     jobs_format: str = "auto", weather_path: Path | None, settings: PlanSettings,
                     seed: int = 0, site_defaults: Iterable[str] = ()) -> QueueInputs:
    """The inputs of ``greendc plan`` and of a nightly site: a job queue file, the sample queue or a
    Slurm dump (running jobs' nodes held); ``site_defaults`` names settings taken from the site file."""
    from greendc.optimizer.day.inputs import read_inputs

    squeue = is_squeue(jobs_path, jobs_format)
    inputs = read_inputs(site_ref, plan_date=plan_date, jobs_path=None if squeue else jobs_path,
                         weather_path=weather_path, settings=settings, seed=seed, site_defaults=site_defaults)
    if squeue and jobs_path is not None:
        return with_squeue_jobs(inputs, jobs_path)
    source = Path(jobs_path).name if jobs_path is not None else "sample queue"
    return QueueInputs(inputs, None, f"{source}, {len(inputs.jobs)} jobs")


def with_squeue_jobs(inputs: PlanInputs, dump: Path) -> QueueInputs:
    """The inputs with the pending jobs of a Slurm dump as the queue (digest of the dump's bytes) and
    each running job's nodes held from the horizon start to its expected end (``slurm.held_jobs``)."""
    from greendc.optimizer.accounting import late_penalty_per_node_h
    from greendc.optimizer.day.inputs import day_start, sha256_file
    from greendc.optimizer.io.slurm import held_jobs, read_squeue

    start = day_start(inputs.plan_date, inputs.site.site.timezone).tz_convert("UTC")
    end = start + pd.Timedelta(hours=inputs.settings.horizon_h)
    read = read_squeue(dump, default_release=start, default_deadline=end)
    held, held_notes = held_jobs(read.running, start, end, inputs.settings.step_minutes,
                                 late_penalty_per_node_h(inputs.site))
    left_out = [f"Slurm job {job_id} not planned: {why}" for job_id, why in sorted(read.skipped.items())]
    note = (f"{dump.name}, {len(read.jobs)} pending Slurm jobs ({len(read.skipped)} left out), "
            f"{len(held)} running held")
    digests = {**inputs.digests, "jobs": sha256_file(dump)}
    plan = replace(inputs, jobs=[*held, *read.jobs], digests=digests,  # held first: today's practice too
                   warnings=[*inputs.warnings, *held_notes, *left_out])
    title = f"site {inputs.site.id}, plan date {inputs.plan_date.isoformat()}"
    queue = SlurmQueue(title=title, pending=tuple(j.job_id for j in read.jobs),
                       held=frozenset(j.job_id for j in held))
    return QueueInputs(plan, queue, note)


def plan_exports(inputs: PlanInputs, slurm: SlurmQueue | None) -> Exports:
    """The plan service's ``exports``: setpoints.csv, the Slurm script for a Slurm queue and the
    Pareto points' steps and jobs, each made from the final plan."""
    from greendc.optimizer.day.pareto import front_plans
    from greendc.optimizer.io.exports import plan_files

    timezone, step_minutes = inputs.site.site.timezone, inputs.settings.step_minutes

    def files(plan: Plan) -> dict[str, str]:
        return plan_files(plan, timezone=timezone, step_minutes=step_minutes, slurm=slurm,
                          front=front_plans(plan))

    return files
