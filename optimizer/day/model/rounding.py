"""A start solution for the MILP from its LP relaxation: round the integer decisions, re-solve the rest.

Relax-and-fix rounding (a primal heuristic in the family of RENS, Berthold 2014, Math. Program.
Comput. 6:33-54): solve the LP relaxation, place each group's runs at the quantiles of its
fractional start distribution, pick each step's meter direction by the larger flow, fix those integer
columns and solve the remaining LP. The job part of the relaxation is nearly integral (the start
formulation is an interval matrix per group), so the rounded plan is usually optimal or close: at
96 steps x 200 jobs it is the proven optimum on all five benchmark seeds
(``python -m benchmarks.root_time``). HiGHS then starts from it and only has to prove the bound, and
a solve killed at the wall-clock limit still has a good plan. With a checkpoint overhead a
preemptible job's step runs where its share is positive once the other integers are fixed.

The functions here are pure: column indices in, fixed values out. ``day.solve`` applies them.
"""

from __future__ import annotations

from collections.abc import Sequence
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


@dataclass(frozen=True)
class StartHint:
    """Where the integer decisions sit among the solver's columns."""

    groups: tuple[GroupColumns, ...]
    meters: tuple[MeterColumns, ...]
    level_choices: tuple[tuple[int, ...], ...]
    """For each step with a free setpoint level, the columns of y[t,k] over its levels. [-]"""
    battery_modes: tuple[int, ...]
    """Columns of the no-simultaneous charge/discharge binaries (negative prices only). [-]"""
    runs: tuple[tuple[int, int], ...] = ()
    """(w[j,t], x[j,t]) columns: whether a preemptible job runs in a step, and its share there. [-]"""


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
    meters = tuple(
        MeterColumns(col(m.grid_mode[t]), col(m.grid_import[t]), col(m.grid_export[t])) for t in m.T_grid_excl
    )
    levels: dict[int, list[int]] = {}
    for (t, _k), var in m.y.items():
        if not var.fixed:
            levels.setdefault(t, []).append(col(var))
    battery = tuple(col(var) for var in m.bat_mode.values()) if hasattr(m, "bat_mode") else ()
    runs = tuple((col(var), col(m.x[jt])) for jt, var in m.w.items()) if hasattr(m, "w") else ()
    hint = StartHint(groups, meters, tuple(tuple(c) for c in levels.values()), battery, runs)
    everything = [c for g in groups for c in (*g.starts, g.not_run)] + [x.mode for x in meters]
    everything += [c for cs in hint.level_choices for c in cs] + list(battery) + [w for w, _ in runs]
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
    """Values to fix the block starts, meter directions, levels and battery modes at, from the LP's values."""
    fixed: dict[int, float] = {}
    for group in hint.groups:
        starts, unrun = quantile_starts(lp_values[list(group.starts)], group.count)
        fixed.update(zip(group.starts, starts.tolist(), strict=True))
        fixed[group.not_run] = float(unrun)
    for meter in hint.meters:
        importing = lp_values[meter.grid_import] >= lp_values[meter.grid_export]
        fixed[meter.mode] = 1.0 if importing else 0.0
    for choice in hint.level_choices:
        best = choice[int(np.argmax(lp_values[list(choice)]))]
        fixed.update({c: 1.0 if c == best else 0.0 for c in choice})
    for c in hint.battery_modes:
        fixed[c] = 1.0 if lp_values[c] >= 0.5 else 0.0
    return fixed


def rounded_runs(hint: StartHint, lp_values: np.ndarray) -> dict[int, float]:
    """Values to fix the checkpoint run binaries at: a job runs in a step where its share is positive."""
    return {runs_col: 1.0 if lp_values[share_col] > 1e-6 else 0.0 for runs_col, share_col in hint.runs}
