"""Slurm in and out: pending jobs from a ``squeue --json`` dump, earliest starts back as ``scontrol`` lines.

In: ``squeue --json`` (Slurm 21.08 and later). From data_parser v0.0.39 (Slurm 23.02) numbers are
objects ``{"set": true, "infinite": false, "number": N}``; before, plain integers; from 23.11
``job_state`` is a list. Both shapes are read. Mapping (Slurm's sbatch(1) options):

| Job field   | squeue field                   | sbatch option            |
|-------------|--------------------------------|--------------------------|
| job_id      | job_id (array_job_id_task_id)  |                          |
| nodes       | node_count                     | --nodes                  |
| duration_h  | time_limit [min] / 60          | --time (an upper bound)  |
| release     | begin_time [epoch s]           | --begin                  |
| deadline    | deadline [epoch s]; 0 = none   | --deadline               |

Slurm runs a job once, contiguously: ``scontrol update StartTime`` can set one earliest start, not
pauses, so every Slurm job is planned non-preemptible and the exported start is exact.

Out: a POSIX shell script of ``scontrol update JobId=<id> StartTime=<local time>`` lines (scontrol
reads the time in the caller's timezone, so the script exports the site's ``TZ``).
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from greendc.optimizer.types import Job
from greendc.weather.errors import InputError

#: Job ids that scontrol accepts and that are safe in a shell line: 123 or 123_4 (array task).
_JOB_ID = re.compile(r"^\d+(_\d+)?$")


@dataclass(frozen=True)
class SqueueJobs:
    """Jobs read from a dump, and the pending jobs left out with the reason."""

    jobs: list[Job]
    skipped: dict[str, str] = field(default_factory=dict)
    """job id -> why it is not planned (no time limit, no node count, bad id). [-]"""


def slurm_number(value: object) -> int | None:
    """A Slurm number in either dump shape; None when unset or infinite."""
    if isinstance(value, Mapping):
        if not value.get("set", False) or value.get("infinite", False):
            return None
        value = value.get("number")
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def job_states(record: Mapping[str, object]) -> set[str]:
    """A job's state flags: ``job_state`` as a string (before 23.11) or a list (from 23.11)."""
    state = record.get("job_state", "")
    if isinstance(state, str):
        return {state.upper()}
    if isinstance(state, list):
        return {str(s).upper() for s in state}
    return set()


def slurm_job_id(record: Mapping[str, object]) -> str:
    """``123``, or ``123_4`` for a task of array job 123 (the id scontrol takes)."""
    task = slurm_number(record.get("array_task_id"))
    array = slurm_number(record.get("array_job_id"))
    if task is not None and array:
        return f"{array}_{task}"
    return str(slurm_number(record.get("job_id")) or record.get("job_id"))


def _epoch(seconds: int | None) -> pd.Timestamp | None:
    """An epoch second as a UTC timestamp; None or 0 (Slurm's 'not set') as None."""
    return pd.Timestamp(seconds, unit="s", tz="UTC") if seconds else None


def squeue_job(
    record: Mapping[str, object], default_release: pd.Timestamp, default_deadline: pd.Timestamp
) -> Job:
    """One pending squeue record as a Job; raises ValueError saying which field is unusable."""
    job_id = slurm_job_id(record)
    if not _JOB_ID.match(job_id):
        raise ValueError(f"job id {job_id!r} is not a Slurm id (digits, or digits_digits)")
    minutes = slurm_number(record.get("time_limit"))
    if not minutes or minutes <= 0:
        raise ValueError("time_limit is unset or infinite; the job needs --time to be planned")
    nodes = slurm_number(record.get("node_count"))
    if not nodes or nodes <= 0:
        raise ValueError("node_count is unset")
    release = _epoch(slurm_number(record.get("begin_time"))) or default_release
    deadline = _epoch(slurm_number(record.get("deadline")))
    if deadline is None:
        deadline = max(default_deadline, release + pd.Timedelta(minutes=minutes))
    duration_h = minutes / 60.0
    return Job(job_id, nodes, duration_h, release, deadline, preemptible=False)


def parse_squeue(
    data: object,
    *,
    default_release: pd.Timestamp,
    default_deadline: pd.Timestamp,
    file: str | Path = "<squeue>",
) -> SqueueJobs:
    """The PENDING jobs of a decoded ``squeue --json`` dump; others (running, held by state) ignored.

    A job without a deadline gets ``default_deadline`` (the end of the planning horizon, or its
    earliest finish if later); a job without a begin time gets ``default_release``.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("jobs"), list):
        raise InputError("not a `squeue --json` dump: no top-level 'jobs' list", file=file, key="jobs")
    jobs: list[Job] = []
    skipped: dict[str, str] = {}
    for index, record in enumerate(data["jobs"]):
        if not isinstance(record, Mapping):
            raise InputError("each entry must be a JSON object", file=file, key=f"jobs[{index}]")
        if "PENDING" not in job_states(record):
            continue
        try:
            jobs.append(squeue_job(record, default_release, default_deadline))
        except ValueError as exc:
            skipped[slurm_job_id(record)] = str(exc)
    return SqueueJobs(jobs=jobs, skipped=skipped)


def read_squeue(
    path: str | Path, *, default_release: pd.Timestamp, default_deadline: pd.Timestamp
) -> SqueueJobs:
    """Read a ``squeue --json`` file; malformed JSON is an InputError naming the file and line."""
    file = Path(path)
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("Slurm queue dump not found", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read Slurm queue dump: {exc}", file=file) from None
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON: {exc}", file=file) from None
    return parse_squeue(data, default_release=default_release, default_deadline=default_deadline, file=file)


def first_starts(runs: pd.DataFrame) -> pd.Series:
    """Each job's first planned start (UTC), indexed by job id, in job-id order of first appearance."""
    if runs.empty:
        return pd.Series(dtype="datetime64[ns, UTC]")
    starts = pd.to_datetime(runs["start"], utc=True)
    return starts.groupby(runs["job_id"].astype(str), sort=False).min()


def _shown(job_id: str) -> str:
    """A job id safe inside a shell comment: as is when it is a Slurm id, else quoted on one line."""
    return job_id if _JOB_ID.match(job_id) else repr(job_id)


def scontrol_script(
    runs: pd.DataFrame,
    timezone: str,
    *,
    title: str,
    unplanned: Iterable[str] = (),
) -> str:
    """A shell script setting each planned job's earliest start (site-local ``StartTime``).

    ``runs`` has RUN_COLUMNS (``job_id``, ``start`` ...). Ids that are not Slurm ids are left out as
    comments, so nothing from a queue file reaches the shell unquoted. Each line that fails (a job
    already started or cancelled) sets the exit status; the others still apply.
    """
    lines = [
        "#!/bin/sh",
        f"# greendc: earliest start of each pending Slurm job; {' '.join(title.split())}",
        "# Times are site-local; scontrol reads StartTime in the caller's timezone, set here.",
        f"export TZ={shlex.quote(timezone)}",
        "status=0",
    ]
    starts = first_starts(runs).sort_values(kind="stable")
    for job_id, start in starts.items():
        local = pd.Timestamp(start).tz_convert(timezone).strftime("%Y-%m-%dT%H:%M:%S")
        if _JOB_ID.match(str(job_id)):
            lines.append(f"scontrol update JobId={job_id} StartTime={local} || status=1")
        else:
            lines.append(f"# skipped {job_id!r}: not a Slurm job id")
    lines += [f"# {_shown(j)}: not run in this plan's horizon; left unchanged" for j in sorted(unplanned)]
    lines.append('exit "$status"')
    return "\n".join(lines) + "\n"
