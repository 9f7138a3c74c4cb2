"""Solve a Pyomo model with HiGHS under a hard wall-clock limit.

HiGHS's own ``time_limit`` is not enough: HiGHS 1.16 was seen to stay in presolve long past it
(performance-notes.md, a dense 192-step x 200-job model, 15 minutes). So the model is handed to HiGHS
in this process (Pyomo's ``highs`` interface, ``pyomo.contrib.solver``), then the solve runs in a
forked child process that shares the built model copy-on-write and sends the variable values back
through a pipe. The parent waits at most ``time_limit_s`` and kills the child if it has not answered:
whatever HiGHS does, control returns in time. HiGHS itself gets a slightly shorter limit, so it
normally stops on its own and returns its best incumbent.
"""

from __future__ import annotations

import math
import os
import pickle
import select
import signal
import struct
import time
from dataclasses import dataclass

import numpy as np
import pyomo.environ as pyo
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs


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


def solve_model(m: pyo.ConcreteModel, *, time_limit_s: float, rel_gap: float, threads: int = 1) -> SolveOutcome:
    """Solve ``m`` with HiGHS, returning within ``time_limit_s`` of the solve start whatever happens."""
    start = time.perf_counter()
    opt = Highs()
    for flag in ("check_for_new_or_removed_constraints", "check_for_new_or_removed_vars",
                 "check_for_new_or_removed_params", "check_for_new_objective", "update_constraints",
                 "update_vars", "update_parameters", "update_named_expressions", "update_objective"):
        setattr(opt.config.auto_updates, flag, False)
    opt.set_instance(m)
    handover_s = time.perf_counter() - start
    solve_start = time.perf_counter()
    deadline = solve_start + time_limit_s
    variables = list(m.component_data_objects(pyo.Var, sort=False))
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # child: solve, send values, exit without running the parent's cleanup
        os.close(read_fd)
        code = 0
        try:
            payload = _child_solve(opt, m, variables, time_limit_s, rel_gap, threads)
        except BaseException as exc:  # report anything to the parent, never raise in the child
            payload = {"status": "error", "message": f"{type(exc).__name__}: {exc}"}
            code = 1
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        try:
            os.write(write_fd, struct.pack("!Q", len(data)))
            view = memoryview(data)
            while view:
                view = view[os.write(write_fd, view):]
        finally:
            os._exit(code)
    os.close(write_fd)
    try:
        raw = _read_until(read_fd, deadline)
    finally:
        os.close(read_fd)
        _reap(pid, killed=False)
    solve_s = time.perf_counter() - solve_start
    if raw is None:
        return SolveOutcome("killed", False, None, None, None, handover_s, solve_s,
                            f"no answer from HiGHS within the {time_limit_s:g} s wall-clock limit; solve killed")
    payload = pickle.loads(raw)
    values = payload.get("values")
    if values is not None:
        for var, value in zip(variables, values, strict=True):
            var.set_value(None if math.isnan(value) else float(value), skip_validation=True)
    return SolveOutcome(payload["status"], values is not None, payload.get("objective"), payload.get("bound"),
                        payload.get("gap"), handover_s, solve_s, payload.get("message", ""))


def _child_solve(opt: Highs, m: pyo.ConcreteModel, variables: list[pyo.Var], time_limit_s: float,
                 rel_gap: float, threads: int) -> dict[str, object]:
    """Run HiGHS in the child and describe the result as plain data."""
    res = opt.solve(m, time_limit=highs_time_limit(time_limit_s), rel_gap=rel_gap, threads=threads,
                    load_solutions=False, raise_exception_on_nonoptimal_result=False)
    term = res.termination_condition
    has = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
    status = _status(term, has)
    objective = res.incumbent_objective if has else None
    bound = res.objective_bound
    payload: dict[str, object] = {"status": status, "objective": objective,
                                  "bound": None if bound is None or not math.isfinite(bound) else float(bound),
                                  "message": "" if has else f"HiGHS: {term.name}, no feasible solution"}
    if has:
        res.solution_loader.load_vars()
        payload["values"] = np.array([np.nan if v.value is None else v.value for v in variables], dtype=float)
        payload["gap"] = relative_gap(objective, payload["bound"])  # type: ignore[arg-type]
    return payload


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / |objective| as HiGHS reports it (0 when both are 0). [-]"""
    if objective is None or bound is None:
        return None
    diff = abs(objective - bound)
    return 0.0 if diff <= 1e-9 else diff / max(abs(objective), 1e-9)


def _status(term: TerminationCondition, has_solution: bool) -> str:
    """Our status word for a Pyomo termination condition."""
    if term == TerminationCondition.convergenceCriteriaSatisfied:
        return "optimal"
    if term in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
        return "infeasible"
    if has_solution:
        return "time_limit" if term == TerminationCondition.maxTimeLimit else "feasible"
    return "no_solution"


def _read_until(fd: int, deadline: float) -> bytes | None:
    """A length-prefixed message from ``fd``, or None if it is not complete by ``deadline``."""
    buf = bytearray()
    need: int | None = None
    while need is None or len(buf) < need + 8:
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return None
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            return None
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return None if need is None or len(buf) < need + 8 else bytes(buf[8:])
        buf.extend(chunk)
        if need is None and len(buf) >= 8:
            need = struct.unpack("!Q", bytes(buf[:8]))[0]
    return bytes(buf[8:need + 8])


def _reap(pid: int, *, killed: bool) -> None:
    """Kill the child if it still runs and collect its exit status (no zombie left)."""
    done, _ = os.waitpid(pid, os.WNOHANG)
    if done == 0:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
