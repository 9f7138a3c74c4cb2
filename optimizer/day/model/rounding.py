"""A start solution for the MILP from its LP relaxation: round the integer decisions, re-solve the rest.

Relax-and-fix rounding (a primal heuristic in the family of RENS, Berthold 2014, Math. Program.
Comput. 6:33-54): solve the LP relaxation, place each group's runs at the quantiles of its
fractional start distribution, pick each step's meter direction by the larger flow, fix those integer
columns and solve the remaining LP. The job part of the relaxation is nearly integral (the start
formulation is an interval matrix per group), so the rounded plan is usually optimal or close: at
96 steps x 200 jobs it is the proven optimum on all five benchmark seeds
(``python -m benchmarks.root_time``). HiGHS then starts from it and only has to prove the bound, and
a solve killed at the wall-clock limit still has a good plan. Preemptible jobs run whole steps
(binary runs), rounded in a second round from the LP with the block starts, levels and battery
modes fixed: each job gets one contiguous run where it fits the nodes the rounded plan leaves free,
on time if it can be, where the LP ran it most (one run always keeps the minimum run length and has
no resume); the meter directions are then chosen so that the start stays feasible.

The functions here are pure: column indices in, fixed values out. ``day.solve`` applies them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.common.collections import ComponentMap
from pyomo.core.base.var import VarData


@dataclass(frozen=True)
class GroupColumns:
    """Columns of one group of identical non-preemptible jobs."""

    starts: tuple[int, ...]
    """Column of n[g,s] for each start step s, in step order. [-]"""
    not_run: int
    """Column of v[g]. [-]"""
    count: int
    """Jobs in the group. [-]"""


@dataclass(frozen=True)
class MeterColumns:
    """Columns of one step's one-meter direction binary and its flows."""

    mode: int
    grid_import: int
    grid_export: int
    step: int = 0
    """The step t. [-]"""
    discharge: int = -1
    """Column of the battery's discharge at t (-1: no battery). [-]"""


@dataclass(frozen=True)
class RunJob:
    """Columns and facts of one preemptible job's run binaries x[j,t]."""

    columns: tuple[int, ...]
    """Column of x[j,t] for each slot of its window, in step order. [-]"""
    first_step: int
    """The window's first step. [-]"""
    nodes: int
    run_steps: int
    """Whole steps its run takes. [-]"""
    deadline_step: int
    slot_steps: int = 1
    """Steps per slot. [-]"""
    resume_slots: float = 0.0
    """The checkpoint overhead of one resume, in slots. [-]"""

    @property
    def slots_needed(self) -> int:
        """Slots its run takes in one piece. [-]"""
        return -(-self.run_steps // self.slot_steps)

    def slots_for(self, runs: int) -> int:
        """Slots its work takes in ``runs`` pieces: each resume adds the checkpoint overhead. [-]"""
        return math.ceil(self.run_steps / self.slot_steps + max(0, runs - 1) * self.resume_slots - 1e-9)

    def per_step(self, per_slot: np.ndarray) -> np.ndarray:
        """A value per slot spread over the slots' steps (from the window's first step). [-]"""
        return np.repeat(np.asarray(per_slot, dtype=float), self.slot_steps)


@dataclass(frozen=True)
class StartHint:
    """Where the integer decisions sit among the solver's columns."""

    groups: tuple[GroupColumns, ...]
    meters: tuple[MeterColumns, ...]
    level_choices: tuple[tuple[int, ...], ...]
    """For each step with a free setpoint level, the columns of y[t,k] over its levels. [-]"""
    battery_modes: tuple[int, ...]
    """Columns of the no-simultaneous charge/discharge binaries (negative prices only). [-]"""
    runs: tuple[RunJob, ...] = ()
    """The preemptible jobs' run binaries. [-]"""
    busy: tuple[int, ...] = ()
    """Column of busy[t] at each step. [-]"""
    nodes: float = 0.0
    """The site's nodes. [-]"""


def start_hint(m: pyo.ConcreteModel, columns: Sequence[VarData]) -> StartHint | None:
    """The integer decisions of a planning model as solver columns; None if it has none in play."""
    index = ComponentMap((var, i) for i, var in enumerate(columns))

    def col(var: VarData) -> int:
        return int(index[var]) if var in index else -1

    by_group: dict[int, list[tuple[int, int]]] = {}
    for (g, s), var in m.n.items():
        by_group.setdefault(g, []).append((s, col(var)))
    groups = tuple(
        GroupColumns(tuple(c for _, c in sorted(cols)), col(m.v[g]), round(m.v[g].ub))
        for g, cols in by_group.items()
    )
    has_bat = hasattr(m, "discharge")
    meters = tuple(
        MeterColumns(col(m.grid_mode[t]), col(m.grid_import[t]), col(m.grid_export[t]), int(t),
                     col(m.discharge[t]) if has_bat else -1)
        for t in m.T_grid_excl
    )
    levels: dict[int, list[int]] = {}
    for (t, _k), var in m.y.items():
        if not var.fixed:
            levels.setdefault(t, []).append(col(var))
    battery = tuple(col(var) for var in m.bat_mode.values()) if hasattr(m, "bat_mode") else ()
    by_job: dict[int, list[tuple[int, int]]] = {}
    fluid = getattr(m, "fluid_work", False)  # fluid work: x is continuous, nothing to round
    for (j, t), var in () if fluid else m.x.items():
        by_job.setdefault(j, []).append((t, col(var)))
    facts = getattr(m, "run_facts", ())
    runs = tuple(
        RunJob(tuple(c for _, c in sorted(cols)), min(t for t, _ in cols), *facts[j])
        for j, cols in sorted(by_job.items())
    )
    busy = tuple(col(m.busy[t]) for t in m.T)
    hint = StartHint(groups, meters, tuple(tuple(c) for c in levels.values()), battery, runs, busy,
                     float(m.busy[0].ub or 0.0) if len(busy) else 0.0)
    everything = [c for g in groups for c in (*g.starts, g.not_run)] + [x.mode for x in meters]
    everything += [c for cs in hint.level_choices for c in cs] + list(battery)
    everything += [c for job in runs for c in job.columns] + list(busy)
    if any(c < 0 for c in everything):  # a decision the compiler dropped: no safe rounding
        return None
    return hint


def quantile_starts(fractions: np.ndarray, count: int) -> tuple[np.ndarray, int]:
    """Whole start counts from a group's fractional starts, and how many jobs are left unrun. [-]

    The k-th job (k = 1..K, K = the LP's total starts rounded) starts where the cumulative start mass
    first reaches k - 1/2, so the runs sit where the relaxation put most of them.
    """
    cumulative = np.cumsum(np.clip(fractions, 0.0, None))
    runs = min(count, round(float(cumulative[-1]))) if len(cumulative) else 0
    out = np.zeros(len(fractions))
    for k in range(runs):
        out[min(int(np.searchsorted(cumulative, k + 0.5 - 1e-9)), len(fractions) - 1)] += 1
    return out, count - runs


def rounded_columns(hint: StartHint, lp_values: np.ndarray) -> dict[int, float]:
    """Values to fix the block starts, levels and battery modes at, from the LP's values (the meter
    directions are chosen with the runs, ``rounded_runs``)."""
    fixed: dict[int, float] = {}
    for group in hint.groups:
        starts, unrun = quantile_starts(lp_values[list(group.starts)], group.count)
        fixed.update(zip(group.starts, starts.tolist(), strict=True))
        fixed[group.not_run] = float(unrun)
    for choice in hint.level_choices:
        best = choice[int(np.argmax(lp_values[list(choice)]))]
        fixed.update({c: 1.0 if c == best else 0.0 for c in choice})
    for c in hint.battery_modes:
        fixed[c] = 1.0 if lp_values[c] >= 0.5 else 0.0
    return fixed


def rounded_runs(
    hint: StartHint,
    lp_values: np.ndarray,
    reduced: np.ndarray | None = None,
    settled: frozenset[int] = frozenset(),
    batch: int | None = None,
    order: str = "deadline",
) -> tuple[dict[int, float], frozenset[int]]:
    """Values to fix run binaries (and, last, the meter directions) at, from the LP with the others
    fixed; and the jobs settled so far (indices into ``hint.runs``).

    Relax-and-fix over the jobs: of the jobs not yet ``settled``, those the LP runs in whole slots are
    fixed as the LP runs them; of the others (fractional), the first ``batch`` in ``order``
    (``JOB_ORDERS``; all when None) are placed in the slots where their nodes fit what the block
    starts, the settled jobs and the jobs placed so far leave free (``first_run``: on-time slots
    first, where the LP ran it most, then by the slot's reduced cost; late slots earliest first);
    the caller re-solves the LP with them fixed, so the jobs still fractional move around them, and
    calls again. A job that fits nowhere is left
    unplanned (its work goes to the slack). When every job is settled, the meter directions follow: a
    step exports (direction 0) only where the LP exports without importing or discharging and the
    runs placed add no load there; elsewhere it imports, always feasible.
    """
    fixed: dict[int, float] = {}
    n_steps = len(hint.busy)
    added = np.zeros(n_steps)
    done = set(settled)
    if hint.runs and n_steps:
        shares = [lp_values[list(job.columns)] for job in hint.runs]
        pending = [i for i in range(len(hint.runs)) if i not in done]
        whole = [i for i in pending if np.all(np.abs(shares[i] - np.round(shares[i])) <= 1e-6)]
        for i in whole:
            fixed.update(zip(hint.runs[i].columns, np.round(shares[i]).tolist(), strict=True))
        done.update(whole)
        fractional = sorted((i for i in pending if i not in done),
                            key=job_order(hint, order))
        chosen = fractional if batch is None else fractional[:batch]
        fluid = np.zeros(n_steps)
        for i in fractional:  # the fractional jobs' nodes are free to place them again
            job, x = hint.runs[i], shares[i]
            fluid[job.first_step:job.first_step + len(x) * job.slot_steps] += job.nodes * job.per_step(x)
        free = hint.nodes - (lp_values[list(hint.busy)] - fluid)
        for i in chosen:
            job, x = hint.runs[i], shares[i]
            window = slice(job.first_step, job.first_step + len(x) * job.slot_steps)
            cost = None if reduced is None else reduced[list(job.columns)]
            run = first_run(job, x, free[window], cost)
            free[window] -= job.nodes * job.per_step(run)
            added[window] += job.nodes * (job.per_step(run) - job.per_step(x))
            fixed.update(zip(job.columns, run.tolist(), strict=True))
        done.update(chosen)
        if len(done) < len(hint.runs):
            return fixed, frozenset(done)
    for meter in hint.meters:
        exporting = lp_values[meter.grid_export] > 1e-6 and lp_values[meter.grid_import] <= 1e-6
        if meter.discharge >= 0:
            exporting = exporting and lp_values[meter.discharge] <= 1e-6
        if meter.step < n_steps:
            exporting = exporting and added[meter.step] <= 1e-9
        fixed[meter.mode] = 0.0 if exporting else 1.0
    return fixed, frozenset(done)


def first_run(
    job: RunJob, shares: np.ndarray, free: np.ndarray, cost: np.ndarray | None = None
) -> np.ndarray:
    """The slots of a job's run pattern (0/1 per slot): as many as its run takes, or all that fit. [-]

    The slots where its nodes fit, on-time ones first, by the LP's share (the LP's own pattern,
    rounded), then by the LP's reduced cost of the slot (what running there costs at the LP's prices),
    ties to the earlier slot; then late ones, the earliest first (its last run's end is its lateness).
    Where fewer slots fit than the run takes, it runs in those (the rest of its
    work stays unplanned, a feasible and usually cheaper start than leaving the whole job out). With
    a checkpoint overhead, a pattern of k runs takes ``slots_for(k)`` slots, so the next-ranked
    slots are added until the work, overheads included, fits (or no slot is left).
    """
    n, width = job.slots_needed, len(shares)
    slot_fits = (free.reshape(width, job.slot_steps) >= job.nodes - 1e-6).all(axis=1)
    ends = job.first_step + (np.arange(width) + 1) * job.slot_steps
    on_time = ends <= job.deadline_step
    late_by = (ends - job.deadline_step).astype(float)  # the last run's end sets the lateness
    score = np.where(on_time, 10.0 + np.round(np.asarray(shares), 6), -late_by)
    score = np.where(slot_fits, score, -np.inf)
    tie = np.zeros(width) if cost is None else np.asarray(cost, dtype=float)
    ranked = np.lexsort((np.arange(width), tie, -score))[: int(slot_fits.sum())]
    run = np.zeros(width)
    for _ in range(width):  # with a checkpoint overhead each resume needs more slots: add them
        run[:] = 0.0
        run[ranked[:n]] = 1.0
        need = job.slots_for(runs_of(run))
        if need <= n or n >= len(ranked):
            break
        n = need
    return run


def runs_of(pattern: np.ndarray) -> int:
    """Separate runs (maximal consecutive slots) in a 0/1 slot pattern. [-]"""
    on = np.asarray(pattern) > 0.5
    return int(np.count_nonzero(on[1:] & ~on[:-1]) + (1 if len(on) and on[0] else 0))



#: Orders in which ``rounded_runs`` places the fractional jobs: by deadline (the most urgent first),
#: or by nodes (the widest first, as in first-fit-decreasing bin packing; the narrow ones fill gaps).
JOB_ORDERS = ("deadline", "nodes")


def job_order(hint: StartHint, order: str) -> Callable[[int], tuple[int, int]]:
    """Sort key of ``hint.runs`` indices for one of ``JOB_ORDERS``."""
    if order == "nodes":
        return lambda i: (-hint.runs[i].nodes, hint.runs[i].deadline_step)
    return lambda i: (hint.runs[i].deadline_step, -hint.runs[i].nodes)
