"""What a site applies from a plan: the files a plan folder carries besides plan.json, steps and jobs.

One builder for ``greendc plan`` and ``greendc nightly`` (both pass it to the plan service's
``exports=``, so the folder is written once, complete):

* ``setpoints.csv``: the supply-air setpoint schedule for the BMS (``greendc.optimizer.io.bms``);
* ``slurm-starttime.sh``, for a Slurm queue: each pending job's earliest start
  (``greendc.optimizer.io.slurm.scontrol_script``); jobs that are already running (held) are not
  touched, pending jobs the plan does not run are listed as left unchanged;
* ``pareto/<k>/steps.csv`` and ``pareto/<k>/jobs.csv`` for each point of a ``--pareto`` front
  (``greendc.optimizer.io.planfolder.pareto_files``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from greendc.optimizer.io.bms import setpoint_csv, setpoint_schedule
from greendc.optimizer.io.planfolder import pareto_files
from greendc.optimizer.io.slurm import scontrol_script
from greendc.optimizer.types import Plan

SETPOINTS_FILE = "setpoints.csv"
SLURM_FILE = "slurm-starttime.sh"


@dataclass(frozen=True)
class SlurmQueue:
    """What the Slurm script needs besides the plan: the pending jobs, the held ones, a title."""

    title: str
    """One line naming the site and the plan date. [-]"""
    pending: tuple[str, ...]
    """Ids of the pending jobs that were planned (the script sets their start). [-]"""
    held: frozenset[str] = field(default_factory=frozenset)
    """Ids of running jobs whose nodes the plan holds (never in the script). [-]"""


def plan_files(plan: Plan, *, timezone: str, step_minutes: int, slurm: SlurmQueue | None = None,
               front: Sequence[Plan] = ()) -> dict[str, str]:
    """The folder's export files by name (relative path) for the final plan."""
    files = {SETPOINTS_FILE: setpoint_csv(setpoint_schedule(plan.steps, timezone, step_minutes))}
    if slurm is not None:
        runs = plan.runs[~plan.runs["job_id"].astype(str).isin(slurm.held)]
        planned = set(runs["job_id"].astype(str))
        unplanned = [j for j in slurm.pending if j not in planned]
        files[SLURM_FILE] = scontrol_script(runs, timezone, title=slurm.title, unplanned=unplanned)
    files.update(pareto_files(front))
    return files
