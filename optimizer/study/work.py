"""Deferrable training work of the daily fidelity: the aggregate's flexibility windows as preemptible jobs.

The aggregate year LP (``greendc.optimizer.study.year_constraints.flexible_energy``) conserves each
flexibility class's energy within fixed, consecutive windows of the class's length, counted from the
start of the horizon. The daily fidelity keeps exactly those windows, so both fidelities move the same work
within the same bounds: each window (or the part of it inside a chunk of the year, see
:func:`split_at`) becomes one aggregated preemptible job per day it is open, whose run time is the
window's remaining energy at the full training headroom. Work a day leaves undone is carried to the
next day's job of the same window; its deadline is the window's end, which the daily horizon
always reaches (``greendc.optimizer.study.rolling.horizon_end``).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from greendc.optimizer.study.problem import YearProblem
from greendc.optimizer.types import Job, Plan

#: Remaining work below this is finished. [kWh]
DONE_KWH = 1e-6


@dataclass(frozen=True)
class FlexWindow:
    """One flexibility window of one class: energy to run within [start, end) steps of the year."""

    job_id: str
    """Name of the window's job, ``c<class>w<window>`` (``p<k>`` appended for a piece). [-]"""
    start: int
    """First step of the window. [-]"""
    end: int
    """One past the last step. [-]"""
    energy_kwh: float
    """Nominal IT energy above idle to run inside the window. [kWh]"""


def flex_windows(problem: YearProblem) -> list[FlexWindow]:
    """The aggregate LP's windows: class j cut into consecutive windows of W_j from step 0.

    Energy of window w = |w| dt s_j phi D
    (year_constraints.flexible_energy: sum_{t in w} x_jt = |w| s_j phi D).
    """
    if not problem.has_flex:
        return []
    T, dt = problem.steps, problem.step_h
    out = []
    for j, share in enumerate(problem.flex_shares):
        per_window = problem.flex_window_steps(j)
        for w, start in enumerate(range(0, T, per_window)):
            end = min(start + per_window, T)
            energy = (end - start) * dt * share * problem.flexible_share * problem.training_kw
            if energy > DONE_KWH:
                out.append(FlexWindow(f"c{j}w{w}", start, end, energy))
    return out


def split_at(windows: Iterable[FlexWindow], boundaries: Sequence[int]) -> list[FlexWindow]:
    """Windows cut at chunk boundaries, each piece with its pro-rata share of the energy.

    A window crossing a boundary of two independently simulated chunks of the year becomes one
    piece per chunk with energy x (piece steps / window steps): the work is conserved, and each
    chunk is self-contained (a restriction of the window, so never cheaper).
    """
    cuts = sorted(set(boundaries))
    out = []
    for w in windows:
        inner = [c for c in cuts if w.start < c < w.end]
        if not inner:
            out.append(w)
            continue
        edges = [w.start, *inner, w.end]
        for k, (a, b) in enumerate(itertools.pairwise(edges)):
            out.append(
                replace(
                    w,
                    job_id=f"{w.job_id}p{k}",
                    start=a,
                    end=b,
                    energy_kwh=w.energy_kwh * (b - a) / (w.end - w.start),
                )
            )
    return out


def open_windows(windows: Iterable[FlexWindow], first: int, last: int) -> list[FlexWindow]:
    """Windows with at least one step in [first, last). [-]"""
    return [w for w in windows if w.start < last and w.end > first]


@dataclass(frozen=True)
class JobPower:
    """How a window's energy turns into a job: nodes it may use and the power each adds over idle."""

    nodes: int
    """Nodes of each aggregated job (the site's nodes; the headroom caps the sum). [-]"""
    kw_above_idle_per_node: float
    """Busy minus idle power per node. [kW]"""
    penalty_per_h: float
    """Lateness penalty per job hour, above the cost of running it at the dearest hour. [currency/h]"""

    def hours(self, energy_kwh: float) -> float:
        """Run time of the job that delivers this energy with every node busy. [h]"""
        return energy_kwh / (self.nodes * self.kw_above_idle_per_node)


def day_jobs(
    windows: Sequence[FlexWindow],
    remaining_kwh: dict[str, float],
    first: int,
    last: int,
    times_utc: pd.DatetimeIndex,
    step_h: float,
    power: JobPower,
) -> list[Job]:
    """The preemptible jobs of a horizon [first, last): one per window ending inside it with work left.

    Release = max(window start, horizon start); deadline = window end. Windows that end after the
    horizon are left to a later horizon (the daily horizon reaches every window open on its day).
    """
    origin = times_utc[0]
    jobs = []
    for w in windows:
        left = remaining_kwh.get(w.job_id, 0.0)
        if left <= DONE_KWH or w.end > last or w.end <= first or w.start >= last:
            continue
        jobs.append(
            Job(
                job_id=w.job_id,
                nodes=power.nodes,
                duration_h=power.hours(left),
                release=origin + pd.Timedelta(hours=max(w.start, first) * step_h),
                deadline=origin + pd.Timedelta(hours=w.end * step_h),
                preemptible=True,
                penalty_per_h_late=power.penalty_per_h,
            )
        )
    return jobs


def done_kwh(plan: Plan, begin: pd.Timestamp, end: pd.Timestamp, power: JobPower) -> dict[str, float]:
    """Energy each job ran in [begin, end) by the plan's run intervals (the committed part). [kWh]"""
    out: dict[str, float] = {}
    runs = plan.runs
    if runs.empty:
        return out
    hour = pd.Timedelta(hours=1)
    span_h = (end - begin) / hour
    a = np.clip(((pd.to_datetime(runs["start"], utc=True) - begin) / hour).to_numpy(dtype=float), 0.0, span_h)
    b = np.clip(((pd.to_datetime(runs["end"], utc=True) - begin) / hour).to_numpy(dtype=float), 0.0, span_h)
    hours = np.clip(b - a, 0.0, None)
    for job_id, nodes, h in zip(runs["job_id"], runs["nodes"], hours, strict=True):
        out[str(job_id)] = out.get(str(job_id), 0.0) + float(h) * int(nodes) * power.kw_above_idle_per_node
    return out
