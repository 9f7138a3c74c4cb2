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

RUNNING jobs (and CONFIGURING, COMPLETING) hold their nodes: each is read as a ``RunningJob`` (nodes,
expected end: ``end_time``, else ``start_time`` or ``begin_time`` plus ``time_limit``) and
``held_jobs`` turns it into a fixed run from the horizon start to that end (rounded up to the step),
so the plan and today's practice both see those nodes busy for the steps they hold.

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
#: Job states whose nodes are taken (squeue(1) "JOB STATE CODES").
HOLDING_STATES = frozenset({"RUNNING", "CONFIGURING", "COMPLETING"})
#: A held run's lateness penalty per node-hour as a multiple of the site's: a running job cannot move,
#: so no plan may find it cheaper to delay it. [-]
HELD_PENALTY_FACTOR = 100.0


@dataclass(frozen=True)
class RunningJob:
    """A job of the dump that holds nodes now (RUNNING), and until when."""

    job_id: str
    nodes: int
    """Nodes it holds. [-]"""
    end: pd.Timestamp | None
    """Expected end (UTC): ``end_time``, else start plus ``time_limit``; None when Slurm gives neither. [-]"""


@dataclass(frozen=True)
class SqueueJobs:
    """Jobs read from a dump, and the pending jobs left out with the reason."""

    jobs: list[Job]
    skipped: dict[str, str] = field(default_factory=dict)
    """job id -> why it is not planned (no time limit, no node count, bad id). [-]"""
    running: list[RunningJob] = field(default_factory=list)
    """Jobs that hold nodes now (``held_jobs`` reserves them in the plan). [-]"""


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


def running_job(record: Mapping[str, object]) -> RunningJob | None:
    """A RUNNING record as the nodes it holds and its expected end; None without a node count."""
    nodes = slurm_number(record.get("node_count"))
    if not nodes or nodes <= 0:
        return None
    end = _epoch(slurm_number(record.get("end_time")))
    minutes = slurm_number(record.get("time_limit"))
    start = _epoch(slurm_number(record.get("start_time"))) or _epoch(slurm_number(record.get("begin_time")))
    if end is None and start is not None and minutes and minutes > 0:
        end = start + pd.Timedelta(minutes=minutes)
    return RunningJob(slurm_job_id(record), nodes, end)


def held_jobs(running: Iterable[RunningJob], start: pd.Timestamp, end: pd.Timestamp, step_minutes: int,
              penalty_per_node_h: float) -> tuple[list[Job], list[str]]:
    """Each running job as a fixed run holding its nodes from ``start`` to its end, and a note on each.

    The run is a non-preemptible Job released at ``start`` whose window is its run time (its end
    rounded up to a step, at most ``end``), so it is on time only when it runs from the first step;
    its lateness penalty is HELD_PENALTY_FACTOR times the site's per node-hour. A job whose end is
    unknown holds its nodes to the horizon end; one that ends before ``start`` holds nothing.
    """
    step = pd.Timedelta(minutes=step_minutes)
    jobs: list[Job] = []
    notes: list[str] = []
    for job in running:
        until = end if job.end is None else min(job.end, end)
        if until <= start:
            notes.append(f"Slurm job {_shown(job.job_id)} is running but expected to end before the plan "
                         "starts: no nodes held")
            continue
        steps = -(-(until - start) // step)  # whole steps, rounded up
        hold = min(step * steps, end - start)
        penalty = HELD_PENALTY_FACTOR * penalty_per_node_h * job.nodes
        jobs.append(Job(job.job_id, job.nodes, hold / pd.Timedelta(hours=1), start, start + hold,
                        preemptible=False, penalty_per_h_late=penalty))
        why = "its end unknown: held to the horizon end" if job.end is None else "until its expected end"
        notes.append(f"Slurm job {_shown(job.job_id)} is running: {job.nodes} nodes held for "
                     f"{hold / pd.Timedelta(hours=1):g} h from the plan start ({why})")
    return jobs, notes


def looks_like_squeue(path: str | Path) -> bool:
    """True when a file is a ``squeue --json`` dump (a top-level ``jobs`` list of Slurm records).

    A greendc JSON queue is a list or ``{"jobs": [...]}`` of records without Slurm's ``job_state``; a
    dump also carries ``meta``. Never raises: an unreadable file is not a dump (its reader says why).
    """
    file = Path(path)
    if file.suffix.lower() != ".json":
        return False
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return False
    if not isinstance(data, Mapping) or not isinstance(data.get("jobs"), list):
        return False
    records = data["jobs"]
    return any(isinstance(r, Mapping) and "job_state" in r for r in records) or (
        not records and ("meta" in data or "last_update" in data))


def parse_squeue(
    data: object,
    *,
    default_release: pd.Timestamp,
    default_deadline: pd.Timestamp,
    file: str | Path = "<squeue>",
) -> SqueueJobs:
    """The PENDING jobs of a decoded ``squeue --json`` dump, and the RUNNING ones as the nodes they hold.

    A job without a deadline gets ``default_deadline`` (the end of the planning horizon, or its
    earliest finish if later); a job without a begin time gets ``default_release``. Other states
    (completed, cancelled, held pending are still PENDING) are ignored.
    """
    if not isinstance(data, Mapping) or not isinstance(data.get("jobs"), list):
        raise InputError("not a `squeue --json` dump: no top-level 'jobs' list", file=file, key="jobs")
    jobs: list[Job] = []
    skipped: dict[str, str] = {}
    running: list[RunningJob] = []
    for index, record in enumerate(data["jobs"]):
        if not isinstance(record, Mapping):
            raise InputError("each entry must be a JSON object", file=file, key=f"jobs[{index}]")
        states = job_states(record)
        if states & HOLDING_STATES:
            held = running_job(record)
            if held is not None:
                running.append(held)
            continue
        if "PENDING" not in states:
            continue
        try:
            jobs.append(squeue_job(record, default_release, default_deadline))
        except ValueError as exc:
            skipped[slurm_job_id(record)] = str(exc)
    return SqueueJobs(jobs=jobs, skipped=skipped, running=running)


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
