"""The relax-and-fix start: HiGHS's LP relaxation rounded into a feasible plan that the MIP starts from
(docs/model.md, "The relax-and-fix start"); the roundings themselves are ``day.model.rounding``."""

from __future__ import annotations

import math
import time

import highspy
import numpy as np
from greendc.optimizer.day.model.rounding import JOB_ORDERS, StartHint, rounded_columns, rounded_runs


def rounding_start(
    h: highspy.Highs,
    hint: StartHint,
    time_limit_s: float,
    rounds: int = 3,
    orders: tuple[str, ...] = JOB_ORDERS,
) -> np.ndarray | None:
    """Solve the LP relaxation, fix the rounded integers, solve the rest; set it as HiGHS's start.

    The block starts, levels and battery modes are rounded from the relaxation; the run binaries
    then by relax-and-fix in ``rounds`` rounds (``rounded_runs``: the jobs the LP runs whole are
    fixed as they are, a share of the fractional ones placed, the LP re-solved so that the rest move
    around them), and the meter directions last. Once for each job order of ``orders`` (from the same
    LP with the block starts fixed); the cheapest start is kept.

    Returns the start's column values, or None when the rounding is infeasible, leaves an integer
    column fractional (a start HiGHS would have to complete by a sub-MIP), or the LPs did not finish
    in a third of the time limit. The model is left as it was, with the start set.
    """
    lp = h.getLp()
    integrality = list(lp.integrality_)
    integer = [i for i, kind in enumerate(integrality) if kind != highspy.HighsVarType.kContinuous]
    lower, upper = np.array(lp.col_lower_), np.array(lp.col_upper_)
    cost = np.asarray(lp.col_cost_, dtype=float)
    started = time.perf_counter()
    h.setOptionValue("time_limit", time_limit_s / 3)
    where = np.array(integer, dtype=np.int32)
    best: tuple[float, highspy.HighsSolution, np.ndarray] | None = None
    try:
        h.changeColsIntegrality(len(where), where, np.full(len(where), highspy.HighsVarType.kContinuous))
        if not _solved(h):  # the relaxation
            return None
        if not _fix_and_solve(h, rounded_columns(hint, np.asarray(h.getSolution().col_value))):
            return None
        blocks_fixed = h.getSolution()
        basis = h.getBasis()
        low_now, up_now = np.array(h.getLp().col_lower_), np.array(h.getLp().col_upper_)
        for k, order in enumerate(orders if hint.runs else orders[:1]):
            if k and time.perf_counter() - started > time_limit_s / 6:
                break  # the first order's start will do
            if k:  # back to the LP with the block starts fixed
                h.changeColsBounds(len(low_now), np.arange(len(low_now), dtype=np.int32), low_now, up_now)
                h.setBasis(basis)
            solution = _runs_rounded(h, hint, blocks_fixed, rounds, order)
            if solution is None:
                continue
            found = np.asarray(solution.col_value, dtype=float)
            if np.any(np.abs(found[where] - np.round(found[where])) > 1e-6):  # an integer the hint missed
                continue
            worth = float(cost @ found)
            if best is None or worth < best[0] - 1e-9:
                best = (worth, solution, found)
    finally:
        h.changeColsBounds(len(lower), np.arange(len(lower), dtype=np.int32), lower, upper)
        h.changeColsIntegrality(len(where), where, np.array([integrality[i] for i in integer]))
    if best is None:
        return None
    h.setSolution(best[1])
    return best[2]


def _runs_rounded(
    h: highspy.Highs, hint: StartHint, solution: highspy.HighsSolution, rounds: int, order: str
) -> highspy.HighsSolution | None:
    """Relax-and-fix of the run binaries and then the meter directions, from the LP ``solution`` with
    the block starts fixed; the LP's solution with all of them fixed, or None if an LP failed."""
    settled: frozenset[int] = frozenset()
    batch: int | None = None
    while True:
        values = np.asarray(solution.col_value)
        if batch is None and rounds > 1:
            open_jobs = sum(not np.allclose(values[list(j.columns)], np.round(values[list(j.columns)]),
                                            atol=1e-6) for j in hint.runs)
            batch = max(1, math.ceil(open_jobs / rounds))
        fixed, settled = rounded_runs(hint, values, np.asarray(solution.col_dual), settled, batch, order)
        if not _fix_and_solve(h, fixed):
            return None
        solution = h.getSolution()
        if len(settled) >= len(hint.runs):
            return solution


def _fix_and_solve(h: highspy.Highs, fixed: dict[int, float]) -> bool:
    """Fix columns at values and re-solve the LP; whether it found the optimum."""
    if fixed:
        cols = np.array(list(fixed), dtype=np.int32)
        values = np.array(list(fixed.values()), dtype=float)
        h.changeColsBounds(len(cols), cols, values, values)
    return _solved(h)


def _solved(h: highspy.Highs) -> bool:
    """Run HiGHS on its current model; whether it found the optimum."""
    h.run()
    return bool(h.getModelStatus() == highspy.HighsModelStatus.kOptimal)
