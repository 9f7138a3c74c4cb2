"""Lateness of a job and why it is late, one definition for the model, the results and the baseline.

A job's lateness is the time its last run ends after its deadline, in the plan's step convention
(``model.data``: the deadline step d counts the steps ending by the deadline, so a run in step t >= d
ends (t + 1 - d) dt after it). A preemptible job split into several runs is as late as its last run:
finishing the work an hour late is an hour late, however little of the work runs after the deadline.
Work not planned inside the horizon is late by more (``model.objective.unfinished_weight``).

Every reason given for a late or unrun job is true of the plan it is given in: "not enough free
nodes" only when the plan's own busy nodes left too few free before the deadline to run the job
there (``honest_reasons``); a job the plan chose to finish late although nodes were free says so.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import pyomo.environ as pyo
    from greendc.optimizer.day.model.data import ModelData

#: The late-job reason a plan's free nodes must bear out (model/results.py ``late_reason``'s last case).
NODES_REASON = "not enough free nodes before the deadline"


def finish_late_h(shares: np.ndarray, deadline_step: int, step_h: float) -> float:
    """Hours the last run of a job ends after its deadline step: max over its run steps t >= d of
    (t + 1 - d) dt. [h]

    ``shares`` is the job's run share of each step of the horizon (0 where it does not run).
    """
    late = np.flatnonzero(np.asarray(shares, dtype=float)[deadline_step:] > 1e-9)
    return float((late[-1] + 1) * step_h) if len(late) else 0.0


def add_finish_lateness(m: pyo.ConcreteModel, data: ModelData) -> None:
    """late_end[j] >= (t + 1 - d_j) dt x[j,t] for every step t >= d_j job j may run in. [h]

    With x binary (a preemptible job runs whole steps) late_end is, at an optimum, the time the job's
    last run ends after its deadline: the objective pays the penalty on it, so it is never larger.
    Also late_end[j] >= dt x (steps its slots run at or after d_j): implied for binary slots, but the
    max form alone is weak in the LP relaxation (Zhongwei's 150-job sample queue, 15 July: a 42.6 %
    gap after 30 s without it, 0.8 % with it).
    """
    import pyomo.environ as pyo

    dt = data.step_h
    # x[j,t] is the job's slot of L_j steps from t (model/variables.py): it ends (t + L_j - d) dt late
    late = [(j, t) for j, job in enumerate(data.preemptible) for t in job.slots
            if t + job.min_run_steps > job.deadline_step]
    m.late_end = pyo.Var(m.J, domain=pyo.NonNegativeReals)
    m.JT_late = pyo.Set(dimen=2, ordered=True, initialize=late)
    m.c_late_end = pyo.Constraint(
        m.JT_late,
        rule=lambda _m, j, t: _m.late_end[j]
        >= (t + data.preemptible[j].min_run_steps - data.preemptible[j].deadline_step) * dt * _m.x[j, t],
    )
    # Implied for binary slots, and what keeps the LP relaxation tight: the steps a job's slots run at
    # or after its deadline end at least that many steps after it (slots of one job do not overlap).
    by_job: dict[int, list[int]] = {}
    for j, t in late:
        by_job.setdefault(j, []).append(t)

    def after(j: int, t: int) -> int:
        job = data.preemptible[j]
        return min(job.min_run_steps, t + job.min_run_steps - job.deadline_step)

    m.c_late_work = pyo.Constraint(
        list(by_job),
        rule=lambda _m, j: _m.late_end[j] >= dt * sum(after(j, t) * _m.x[j, t] for t in by_job[j]),
    )


def free_steps(busy_nodes: np.ndarray, own: np.ndarray, nodes: int, site_nodes: int) -> np.ndarray:
    """Steps at which a job of ``nodes`` nodes fits beside the plan's other work (its own runs out). [-]"""
    return (site_nodes - (np.asarray(busy_nodes, dtype=float) - own)) >= nodes - 1e-6


def _longest_true_run(mask: np.ndarray) -> int:
    """Length of the longest stretch of True. [-]"""
    best = current = 0
    for value in mask:
        current = current + 1 if value else 0
        best = max(best, current)
    return best


def honest_reasons(job_status: pd.DataFrame, steps: pd.DataFrame, runs: pd.DataFrame, data: ModelData,
                   baseline_status: pd.DataFrame | None = None, proven: bool = True) -> pd.DataFrame:
    """The job status with every "not enough free nodes" reason checked against the plan's busy nodes.

    A late job fitted before its deadline when the steps from its release to its deadline where its
    nodes were free (its own runs left out) could hold its run (for a non-preemptible job, in one
    stretch). Then nodes were not what made it late: the plan chose to finish it late (the energy it
    saved was worth more than the penalty; or, without a proven optimum, the solver stopped first),
    and the reason says so, with whether today's practice finished it on time.
    """
    status = job_status.copy()
    if status.empty:
        return status
    dt, n_steps = data.step_h, data.n_steps
    busy = steps["busy_nodes"].to_numpy(dtype=float)
    times = pd.DatetimeIndex(pd.to_datetime(steps["time"], utc=True))
    jobs: dict[str, tuple[int, int, int, int, bool, float]] = {}
    for job in data.preemptible:
        jobs[job.job_id] = (job.nodes, job.release_step, job.deadline_step,
                            max(1, int(np.ceil(job.hours / dt - 1e-9))), True, job.penalty_per_h)
    for grp in data.blocks:
        for job_id in grp.job_ids:
            jobs[job_id] = (grp.nodes, grp.release_step, grp.deadline_step, grp.steps, False,
                            grp.penalty_per_h)
    on_time_before = _on_time(baseline_status)
    for i, row in status.iterrows():
        job_id = str(row["job_id"])
        if row["status"] != "late" or not str(row["reason"]).startswith(NODES_REASON) or job_id not in jobs:
            continue
        nodes, release, deadline, need, preemptible, penalty = jobs[job_id]
        own = _own_nodes(runs, job_id, times, n_steps, dt)
        fits = free_steps(busy, own, nodes, data.nodes)[release:deadline]
        room = int(fits.sum()) if preemptible else _longest_true_run(fits)
        if room < need:
            continue
        why = ("the plan chose to finish it late: its nodes were free long enough before the deadline "
               f"({room * dt:g} h of {need * dt:g} h needed), and running it then would have cost more "
               f"than its lateness penalty of {penalty:,.0f} per hour")
        if not proven:
            why = ("its nodes were free long enough before the deadline "
                   f"({room * dt:g} h of {need * dt:g} h needed); the solver stopped before proving a plan "
                   "that runs it on time is dearer")
        if job_id in on_time_before:
            why += "; today's practice finished it on time"
        status.at[i, "reason"] = why
    return status


def _on_time(job_status: pd.DataFrame | None) -> set[str]:
    """Ids of the jobs a status table has on time. [-]"""
    if job_status is None or job_status.empty:
        return set()
    return set(job_status.loc[job_status["status"] == "on_time", "job_id"].astype(str))


def _own_nodes(runs: pd.DataFrame, job_id: str, times: pd.DatetimeIndex, n_steps: int,
               dt: float) -> np.ndarray:
    """Nodes the job's own runs hold at each step (the share of the step they cover). [-]"""
    own = np.zeros(n_steps)
    if runs.empty or not n_steps:
        return own
    t0 = times[0]
    mine = runs[runs["job_id"].astype(str) == job_id]
    starts, ends = pd.to_datetime(mine["start"], utc=True), pd.to_datetime(mine["end"], utc=True)
    for start, end, nodes in zip(starts, ends, mine["nodes"], strict=True):
        a = (start - t0) / pd.Timedelta(hours=dt)
        b = (end - t0) / pd.Timedelta(hours=dt)
        for t in range(max(0, int(np.floor(a))), min(n_steps, int(np.ceil(b - 1e-9)))):
            own[t] += float(nodes) * (min(b, t + 1) - max(a, t))
    return own
