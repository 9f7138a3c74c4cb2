"""Hand a Pyomo model to HiGHS, solve it, and load the values back: the solver part of ``day.solve``.

Two hand-overs from Pyomo to HiGHS, timed apart from the solve:

- ``MatrixRunner`` (``"matrix"``, default): Pyomo's own standard-form compiler (``pyomo.repn``) turns
  the model into sparse matrices, passed to highspy in one ``passModel`` call (about 0.2 s for a
  16k-column day model); HiGHS starts from the relax-and-fix rounding and stops at the gap;
- ``PyomoRunner`` (``"pyomo_highs"``): Pyomo's persistent ``highs`` interface
  (``pyomo.contrib.solver``), which adds rows one at a time and took about 1.6 s for the same model
  (docs/performance.md).

A runner is built in the parent, solved in the watchdog's child (``day.watchdog``) and loaded in
the parent again: ``solve`` returns plain data (values in ``columns`` order), ``load`` sets them.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import highspy
import numpy as np
import pyomo.environ as pyo
from greendc.optimizer.day.model.rounding import start_hint
from greendc.optimizer.day.relax_and_fix import rounding_start
from pyomo.common.collections import ComponentSet
from pyomo.common.enums import ObjectiveSense
from pyomo.common.tee import capture_output
from pyomo.contrib.solver.common.results import SolutionStatus, TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs
from pyomo.core.base.var import VarData
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

OnIncumbent = Callable[[dict[str, object]], None]
"""Receives each improving solution as plain data: objective, bound, gap, values."""


class Runner:
    """A model handed over to HiGHS: solve it (in the child) and load values back (in the parent)."""

    columns: list[VarData]

    def solve(
        self,
        time_limit_s: float,
        rel_gap: float,
        threads: int,
        on_incumbent: OnIncumbent,
        random_seed: int = 0,
    ) -> dict[str, object]:
        """Run HiGHS and describe the result as plain data (values in ``columns`` order).

        ``on_incumbent`` receives each improving solution as it is found, where the interface can;
        ``random_seed`` is HiGHS's ``random_seed`` (its search's tie-breaks and perturbations).
        """
        raise NotImplementedError

    def load(self, values: np.ndarray) -> None:
        """Set the model's variables from the values of ``columns``."""
        for var, value in zip(self.columns, values, strict=True):
            var.set_value(None if math.isnan(value) else float(value), skip_validation=True)


class GapWatch:
    """The state HiGHS's callbacks share during one MIP run: the dual bound seen, trust, the gap met.

    HiGHS checks its own gap only between nodes, so an incumbent found by a long sub-MIP can leave it
    searching for seconds with the gap already met (96 x 1000: 10 s); the interrupt callback stops it
    there. Only interrupt events may stop HiGHS (its API), and HiGHS raises them from its main search,
    not its sub-MIP heuristics. When it completes a partial start, though, the completing solve's
    events carry that solve's bound, so a stop counts as optimal only when the final bound proves it
    (``MatrixRunner.solve``), and ``rounding_start`` never hands over a partial start.
    """

    def __init__(
        self, rel_gap: float, offset: float, worth: Callable[[np.ndarray], float], on_incumbent: OnIncumbent
    ) -> None:
        self.rel_gap = rel_gap
        self.offset = offset
        self.worth = worth
        self.on_incumbent = on_incumbent
        self.reached = False
        """HiGHS was stopped because an interrupt event showed the gap met. [-]"""
        self.trusted = True
        """HiGHS's value of every incumbent so far agrees with its worth from the costs. [-]"""
        self.bound = -math.inf
        """The main search's latest finite dual bound, in HiGHS's space (no offset). [currency]"""

    def on_event(self, kind: Any, _message: str, out: Any, data_in: Any, _user: Any) -> None:
        """HiGHS's callback: an interrupt event may stop at the gap; an improving solution is sent on."""
        if kind == highspy.cb.HighsCallbackType.kCallbackMipInterrupt:
            self.on_interrupt(out, data_in)
        else:
            self.on_improving(out)

    def on_interrupt(self, out: Any, data_in: Any) -> None:
        """Keep the main search's dual bound; stop HiGHS when a trusted incumbent meets the gap."""
        bound, primal = float(out.mip_dual_bound), float(out.mip_primal_bound)
        self.bound = bound if math.isfinite(bound) else self.bound
        offset = self.offset
        gap = relative_gap(primal + offset, bound + offset) if math.isfinite(primal + bound) else None
        if gap is not None and gap <= self.rel_gap and self.trusted:
            self.reached = True
            data_in.user_interrupt = True

    def on_improving(self, out: Any) -> None:
        """Send an improving MIP solution on, valued from the costs, with the bound if it is trusted."""
        values = np.asarray(out.mip_solution, dtype=np.float64)
        worth = self.worth(values)
        self.trusted = self.trusted and consistent(float(out.objective_function_value) + self.offset, worth)
        known = math.isfinite(self.bound) and self.trusted
        bound_now = self.bound + self.offset if known else None
        self.on_incumbent(
            {"objective": worth, "bound": bound_now, "gap": relative_gap(worth, bound_now), "values": values}
        )


class MatrixRunner(Runner):
    """Hand-over through Pyomo's standard-form compiler and one highspy ``passModel``."""

    def __init__(self, m: pyo.ConcreteModel, rounding: bool = True) -> None:
        form = LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=ObjectiveSense.minimize)
        self.columns = list(form.columns)
        self.hint = start_hint(m, self.columns) if rounding and hasattr(m, "n") else None
        self.offset = float(form.c_offset[0]) if len(form.c_offset) else 0.0
        in_form = ComponentSet(self.columns)
        self.others = [
            v
            for v in m.component_data_objects(pyo.Var, descend_into=True)
            if not v.fixed and v not in in_form
        ]
        self.highs = highs_from_form(form, self.columns)
        self.cost = np.asarray(self.highs.getLp().col_cost_, dtype=np.float64)

    def solve(
        self,
        time_limit_s: float,
        rel_gap: float,
        threads: int,
        on_incumbent: OnIncumbent,
        random_seed: int = 0,
    ) -> dict[str, object]:
        """Run highspy on the passed matrices, streaming improving solutions through a HiGHS callback."""
        h = self.highs
        cb = highspy.cb.HighsCallbackType
        watch = GapWatch(rel_gap, self.offset, self.worth, on_incumbent)
        started = time.perf_counter()
        for name, value in (
            ("time_limit", time_limit_s),
            ("mip_rel_gap", rel_gap),
            ("threads", threads),
            ("output_flag", False),
            ("random_seed", int(random_seed)),
        ):
            h.setOptionValue(name, value)
        if self.hint is not None and h.getLp().integrality_:
            start_values = rounding_start(h, self.hint, time_limit_s)
            if start_values is not None:
                start = {"objective": self.worth(start_values), "bound": None, "gap": None}
                on_incumbent({**start, "values": start_values})
            h.setOptionValue("time_limit", max(0.05, time_limit_s - (time.perf_counter() - started)))
        h.setCallback(watch.on_event, None)
        h.startCallback(cb.kCallbackMipImprovingSolution)
        h.startCallback(cb.kCallbackMipInterrupt)
        h.run()
        return self.result(watch)

    def result(self, watch: GapWatch) -> dict[str, object]:
        """The finished run as plain data; optimal only when HiGHS's final bound proves the gap."""
        h = self.highs
        status = h.getModelStatus()
        info = h.getInfo()
        has = info.primal_solution_status == 2  # kSolutionStatusFeasible
        values = np.asarray(h.getSolution().col_value, dtype=float) if has else None
        objective = self.worth(values) if values is not None else None
        bound = info.mip_dual_bound + self.offset if h.getLp().integrality_ else objective
        bound = bound if bound is not None and math.isfinite(bound) else None
        final_gap = relative_gap(objective, bound)
        met = watch.reached and final_gap is not None and final_gap <= watch.rel_gap * (1 + 1e-9)
        word = "optimal" if met else highs_status(status, has)
        message = "" if has else f"HiGHS: {h.modelStatusToString(status)}"
        reported = info.objective_function_value + self.offset
        if objective is not None and not (watch.trusted and consistent(reported, objective)):
            word, bound = "feasible", None
            message = (
                f"HiGHS valued its solution at {reported:.6g}, "
                f"which is worth {objective:.6g}; optimality not proven"
            )
        payload: dict[str, object] = {
            "status": word,
            "objective": objective,
            "bound": bound,
            "message": message,
        }
        if values is not None:
            payload["values"] = values
            payload["gap"] = relative_gap(objective, bound)
        return payload

    def worth(self, values: np.ndarray) -> float:
        """The objective of column values, computed here rather than taken from HiGHS. [currency]"""
        return float(self.cost @ values) + self.offset

    def load(self, values: np.ndarray) -> None:
        """Set the columns' values; variables in no row or objective go to their bound nearest zero."""
        super().load(values)
        for var in self.others:
            lb, ub = var.bounds
            value = max(0.0, lb) if lb is not None else 0.0
            var.set_value(min(value, ub) if ub is not None else value, skip_validation=True)


def highs_from_form(form: object, columns: list[VarData]) -> highspy.Highs:
    """A highspy model from a mixed-form standard form: bounds, integrality, rows, objective."""
    inf = highspy.kHighsInf
    lp = highspy.HighsLp()
    n = len(columns)
    lp.num_col_ = n
    lp.col_cost_ = form.c.toarray()[0].astype(float) if n else np.zeros(0)  # type: ignore[attr-defined]
    lb = np.array([-inf if v.lb is None else v.lb for v in columns], dtype=float)
    ub = np.array([inf if v.ub is None else v.ub for v in columns], dtype=float)
    lp.col_lower_, lp.col_upper_ = lb, ub
    rhs: np.ndarray = np.array(form.rhs, dtype=np.float64)  # type: ignore[attr-defined]
    kinds: np.ndarray = np.array([kind for _, kind in form.rows], dtype=np.int64)  # type: ignore[attr-defined]
    lp.num_row_ = len(rhs)
    lp.row_lower_ = np.where(kinds <= 0, rhs, -inf)
    lp.row_upper_ = np.where(kinds >= 0, rhs, inf)
    a = form.A.tocsc()  # type: ignore[attr-defined]
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    lp.a_matrix_.num_col_ = n
    lp.a_matrix_.num_row_ = len(rhs)
    integer = [v.is_integer() for v in columns]
    if any(integer):
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in integer
        ]
    with capture_output(capture_fd=True):  # the banner HiGHS prints on construction
        h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.passModel(lp)
    return h


def highs_status(status: highspy.HighsModelStatus, has_solution: bool) -> str:
    """Our status word for a HiGHS model status."""
    s = highspy.HighsModelStatus
    if status == s.kOptimal:
        return "optimal"
    if status in (s.kInfeasible, s.kUnboundedOrInfeasible):
        return "infeasible"
    if has_solution:
        return "time_limit" if status == s.kTimeLimit else "feasible"
    return "no_solution"


class PyomoRunner(Runner):
    """Hand-over through Pyomo's persistent ``highs`` interface (``pyomo.contrib.solver``)."""

    def __init__(self, m: pyo.ConcreteModel) -> None:
        self.model = m
        self.opt = Highs()
        for flag in (
            "check_for_new_or_removed_constraints",
            "check_for_new_or_removed_vars",
            "check_for_new_or_removed_params",
            "check_for_new_objective",
            "update_constraints",
            "update_vars",
            "update_parameters",
            "update_named_expressions",
            "update_objective",
        ):
            setattr(self.opt.config.auto_updates, flag, False)
        self.opt.set_instance(m)
        self.columns = list(m.component_data_objects(pyo.Var, sort=False))

    def solve(
        self,
        time_limit_s: float,
        rel_gap: float,
        threads: int,
        on_incumbent: OnIncumbent,
        random_seed: int = 0,
    ) -> dict[str, object]:
        """Run HiGHS through Pyomo and read the incumbent and bound (no incumbent stream here)."""
        res = self.opt.solve(
            self.model,
            time_limit=time_limit_s,
            rel_gap=rel_gap,
            threads=threads,
            solver_options={"random_seed": int(random_seed)},
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
        )
        term = res.termination_condition
        has = res.solution_status in (SolutionStatus.optimal, SolutionStatus.feasible)
        objective = res.incumbent_objective if has else None
        bound = res.objective_bound
        bound = None if bound is None or not math.isfinite(bound) else float(bound)
        payload: dict[str, object] = {
            "status": pyomo_status(term, has),
            "objective": objective,
            "bound": bound,
            "message": "" if has else f"HiGHS: {term.name}, no feasible solution",
        }
        if has:
            res.solution_loader.load_vars()
            payload["values"] = np.array([np.nan if v.value is None else v.value for v in self.columns])
            payload["gap"] = relative_gap(objective, bound)
        return payload


def pyomo_status(term: TerminationCondition, has_solution: bool) -> str:
    """Our status word for a Pyomo termination condition."""
    if term == TerminationCondition.convergenceCriteriaSatisfied:
        return "optimal"
    if term in (TerminationCondition.provenInfeasible, TerminationCondition.infeasibleOrUnbounded):
        return "infeasible"
    if has_solution:
        return "time_limit" if term == TerminationCondition.maxTimeLimit else "feasible"
    return "no_solution"


def consistent(reported: float, worth: float) -> bool:
    """Whether HiGHS's value of a solution matches its worth from the costs (highspy 1.16.0 did not).

    highspy 1.16.0 valued a MIP start wrongly after presolve (a 6-step case: 16.06 for a solution
    worth 19.43) and then pruned against that value, so its optimum and bound were not to be trusted.
    """
    return abs(reported - worth) <= 1e-6 * max(1.0, abs(worth))


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """|objective - bound| / |objective| as HiGHS reports it (0 when both are 0). [-]"""
    if objective is None or bound is None:
        return None
    diff = abs(objective - bound)
    return 0.0 if diff <= 1e-9 else diff / max(abs(objective), 1e-9)
