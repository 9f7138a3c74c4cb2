"""Solve a Pyomo model with HiGHS under a hard wall-clock limit: the one entry point, ``solve_model``.

The model is handed over to HiGHS in the parent (``day.highs_runner``, timed apart from the solve),
solved in a forked child that the parent kills at the limit (``day.watchdog``), and the values of
the answer, or of the best incumbent the child streamed before it was killed, are loaded back into
the model. HiGHS itself gets a slightly shorter limit, so it normally stops on its own and returns
its best incumbent; the kill is for when it does not (it was seen to stay in presolve for minutes).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Literal

import pyomo.environ as pyo
from greendc.optimizer.day.highs_runner import MatrixRunner, PyomoRunner, Runner, consistent, relative_gap
from greendc.optimizer.day.watchdog import Watched, run_with_hard_limit
from pyomo.common.gc_manager import PauseGC

__all__ = ["Handover", "SolveOutcome", "consistent", "highs_time_limit", "relative_gap", "solve_model"]

Handover = Literal["matrix", "pyomo_highs"]


@dataclass(frozen=True)
class SolveOutcome:
    """What the solve returned; variable values are loaded into the model when ``has_solution``."""

    status: str
    """optimal, time_limit (incumbent returned), infeasible, no_solution, killed, error. [-]"""
    has_solution: bool
    """True when a feasible solution was loaded into the model. [-]"""
    objective: float | None
    """Incumbent objective. [currency]"""
    bound: float | None
    """Best dual bound. [currency]"""
    gap: float | None
    """Relative gap |objective - bound| / |objective|. [-]"""
    handover_s: float
    """Time to pass the model to HiGHS. [s]"""
    solve_s: float
    """Wall-clock time of the solve, child process included. [s]"""
    message: str = ""
    """Why there is no solution, if there is none. [-]"""


def highs_time_limit(time_limit_s: float) -> float:
    """HiGHS's own limit: the hard limit less a margin to load and send the incumbent back. [s]"""
    margin = min(2.0, 0.1 * time_limit_s + 0.15)
    return max(0.05, time_limit_s - margin)


def solve_model(
    m: pyo.ConcreteModel,
    *,
    time_limit_s: float,
    rel_gap: float,
    threads: int = 1,
    handover: Handover = "matrix",
    rounding: bool = True,
    highs_limit_s: float | None = None,
    random_seed: int = 0,
) -> SolveOutcome:
    """Solve ``m`` with HiGHS, returning within ``time_limit_s`` of the solve start whatever happens.

    ``rounding`` (matrix hand-over only): start HiGHS from the relax-and-fix rounding of
    ``greendc.optimizer.day.model.rounding`` when the model has integer decisions. ``highs_limit_s``:
    HiGHS's own limit, ``highs_time_limit(time_limit_s)`` unless given (a limit past the hard one
    stands for a HiGHS that overstays, to test and time the kill). ``random_seed``: HiGHS's
    ``random_seed`` option (default 0, the same plan for the same inputs; another seed shows how
    much a plan owes to the solver's luck, tests/optimizer/day/test_model_executable.py).
    """
    start = time.perf_counter()
    with PauseGC():
        runner: Runner = MatrixRunner(m, rounding) if handover == "matrix" else PyomoRunner(m)
    handover_s = time.perf_counter() - start
    highs_limit_s = highs_time_limit(time_limit_s) if highs_limit_s is None else highs_limit_s
    watched = run_with_hard_limit(
        lambda report: runner.solve(highs_limit_s, rel_gap, threads, report, random_seed), time_limit_s
    )
    payload = solve_payload(watched, time_limit_s)
    values = payload.get("values")
    if values is not None:
        runner.load(values)
    return SolveOutcome(
        payload["status"],
        values is not None,
        payload.get("objective"),
        payload.get("bound"),
        payload.get("gap"),
        handover_s,
        watched.elapsed_s,
        payload.get("message", ""),
    )


def solve_payload(watched: Watched, time_limit_s: float) -> dict[str, Any]:
    """The runner's answer, or what stands in for it when the child failed or was killed.

    Killed with an incumbent streamed: that incumbent, status time_limit. Killed without one: killed.
    Died or raised: error. No values means no solution.
    """
    if watched.error:
        return {"status": "error", "message": watched.error}
    if watched.ending == "answered":
        return dict(watched.answer)
    if watched.progress is not None:  # HiGHS overstayed: keep the best incumbent it reported
        return {
            **watched.progress,
            "status": "time_limit",
            "message": f"HiGHS overstayed the {time_limit_s:g} s "
            "wall-clock limit; killed, best incumbent kept",
        }
    if watched.ending == "timeout":
        return {
            "status": "killed",
            "message": f"no answer from HiGHS within the {time_limit_s:g} s wall-clock limit; solve killed",
        }
    return {"status": "error", "message": "the solver process ended without an answer"}
