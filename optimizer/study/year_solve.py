"""Solving the year LP: HiGHS's dual simplex or Clarabel's interior point, and reading the solution back.

:func:`solve_year` builds the model (``greendc.optimizer.study.year_constraints``), hands it to the
back-end :func:`choose_solver` picks, and reads the columns back by family into a
:class:`~greendc.optimizer.study.problem.YearResult`.
"""

from __future__ import annotations

import time
from typing import Literal

import highspy
import numpy as np
import scipy.sparse as sp
from greendc.optimizer.study.matrix import INF, Layout, family_values
from greendc.optimizer.study.problem import MeterFix, YearProblem, YearResult
from greendc.optimizer.study.year_constraints import SIZE_COLUMNS, build_lp, surplus_bound_kw

Solver = Literal["auto", "highs", "clarabel"]
#: Resale below this is solver tolerance, not a plan. [kW]
RESALE_TOL_KW = 1e-3


def choose_solver(p: YearProblem) -> str:
    """HiGHS dual simplex unless a battery is sized; then Clarabel's interior point (see module doc).

    Measured on the 8760-hour year (docs/performance.md, "Compare"): without a battery HiGHS's dual
    simplex solves in about 1.4 s; with a battery to size, the 8760-step storage chain keeps HiGHS's
    simplex past 60 s and its IPX interior point (a basis-preconditioned CG method) at 13-17 s, while
    Clarabel's interior point with a direct sparse LDL factorisation takes 3-6 s for the same optimum.
    """
    return "clarabel" if p.has_battery and p.sizes.battery_kwh[0] < p.sizes.battery_kwh[1] else "highs"


def solve_year(p: YearProblem, *, solver: Solver = "auto", time_limit_s: float = 120.0) -> YearResult:
    """Build and solve the year LP (one thread), repair any resale through the meter, read it back.

    The site's one meter (docs/model.md, "Meter rules") exports only surplus: at each step either the
    grid supplies nothing but battery charge, or nothing is exported, a binary choice the LP relaxes
    (it buys for the load, or runs the battery into it, while it sells PV and wind). When the LP's
    solution resells at some step, every step where export is possible (:func:`export_possible`) is
    fixed to a direction read from that solution, by each of two rules (:func:`meter_directions`),
    and the LP is solved once per rule; no fixed LP can resell, and the cheaper is kept. Should both
    leave the flexible training no room, every such step is fixed importing (always feasible). The
    first LP's objective is kept as a bound (``YearResult.meter_bound``); sizes, series and duals are
    the kept LP's.
    """
    started = time.perf_counter()
    backend = choose_solver(p) if solver == "auto" else solver

    def fixed_at(exporting: np.ndarray) -> YearResult:
        """The LP with every step where export is possible fixed, exporting where ``exporting``."""
        left_s = max(time_limit_s - (time.perf_counter() - started), 1.0)
        return _solve_once(p, MeterFix.free(p.steps).fixing(export_possible(p), exporting), backend, left_s)

    first = _solve_once(p, MeterFix.free(p.steps), backend, time_limit_s)
    solves = [first]
    resold_kw = resale_kw(p, first.series) if first.status == "optimal" else np.zeros(0)
    result = first
    if (resold_kw > RESALE_TOL_KW).any():
        solves += [fixed_at(exporting) for exporting in meter_directions(p, first.series)]
        repaired = [r for r in solves[1:] if r.status == "optimal"]
        if not repaired:  # every step importing: the LP can always meet it
            solves.append(fixed_at(np.zeros(p.steps, dtype=bool)))
            repaired = [solves[-1]]
        result = min(repaired, key=lambda r: r.objective)
    result.lp_solves, result.meter_bound = len(solves), first.objective
    result.meter_resold_kwh = float(resold_kw.sum() * p.step_h)
    result.build_s, result.solve_s = sum(r.build_s for r in solves), sum(r.solve_s for r in solves)
    return result


def resale_kw(p: YearProblem, series: dict[str, np.ndarray]) -> np.ndarray:
    """Power sold beyond the surplus at each step: min(exp, imp + dis - ch) (storage export on:
    min(exp, imp - ch)), at least 0: grid (or, with storage export off, battery) energy exported. [kW]"""
    return np.clip(np.minimum(series["export_kw"], _supplied_kw(p, series)), 0.0, None)


def export_possible(p: YearProblem) -> np.ndarray:
    """Per step, True where the LP may export: a PV and wind surplus is possible there, or the battery
    may export (storage export on). Elsewhere export_source caps the export at 0. [bool]"""
    if p.storage_export and p.has_battery:
        return np.ones(p.steps, dtype=bool)
    return surplus_bound_kw(p) > 0


def meter_directions(p: YearProblem, series: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The repair's two readings of a solution's meter direction, per step True for exporting [bool]:

    net flow outward (export above what the grid, and with storage export off the battery, supplies
    beyond charging: PV and wind taken exceed the load as the LP placed it), and exporting with PV
    and wind taken above the least load (the load without flexible training: the LP may have moved
    training there only to resell). The second is left out when it equals the first.
    """
    outward = series["export_kw"] > _supplied_kw(p, series)
    over_least = (series["export_kw"] > RESALE_TOL_KW) & (series["renewable_kw"] > p.fixed_facility_kw)
    return [outward] if np.array_equal(outward, over_least) else [outward, over_least]


def _supplied_kw(p: YearProblem, series: dict[str, np.ndarray]) -> np.ndarray:
    """What the grid (and the battery, unless it may export) supplies beyond battery charge. [kW]"""
    supplied = series["import_kw"] - series["charge_kw"]
    return supplied if p.storage_export else supplied + series["discharge_kw"]


def _solve_once(p: YearProblem, fix: MeterFix, backend: str, time_limit_s: float) -> YearResult:
    """Build and solve the LP with the given meter directions fixed, and read the solution back."""
    t0 = time.perf_counter()
    lp, lay = build_lp(p, fix)
    t1 = time.perf_counter()
    run = _solve_clarabel if backend == "clarabel" else _solve_highs
    status, objective, x, upper_dual = run(lp, time_limit_s)
    t2 = time.perf_counter()
    if status != "optimal":
        return YearResult(status, float("nan"), {}, {}, np.zeros(0), t1 - t0, t2 - t1)
    return YearResult(
        status="optimal",
        objective=objective,
        sizes=_read_sizes(x, lay),
        series=_read_series(p, x, lay),
        peaks_kw=family_values(x, lay, "peak", 12),
        build_s=t1 - t0,
        solve_s=t2 - t1,
        green_purchase_kwh=float(family_values(x, lay, "G", 1)[0]),
        size_shadow_per_year=_size_shadow(p, upper_dual, lay),
    )


def _size_shadow(p: YearProblem, upper_dual: np.ndarray, lay: Layout) -> dict[str, float]:
    """What one more unit of each size's upper bound would save a year: -dObjective/du / (H / 8760).

    A size and its daily copies (size_copies) share the bound, so raising it raises every copy's:
    the marginal is the sum of their duals. Net of the size's own annualised cost; 0 below the
    bound. [currency/unit/yr]
    """
    out = {}
    for key, col in SIZE_COLUMNS.items():
        marginal = upper_dual[lay.slices[col]].sum() + upper_dual[lay.slices[f"{col}@"]].sum()
        out[key] = round(float(-marginal / p.year_share), 3) + 0.0
    return out


def _solve_highs(lp: highspy.HighsLp, time_limit_s: float) -> tuple[str, float, np.ndarray, np.ndarray]:
    """HiGHS dual simplex: a vertex solution. Returns (status, objective, x, upper-bound duals).

    The upper-bound dual of a column is its reduced cost where it sits at a finite upper bound
    (dObjective/du_j, <= 0 when minimising; any sign for a fixed column), else 0.
    """
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", 1)
    h.setOptionValue("solver", "simplex")
    h.setOptionValue("time_limit", float(time_limit_s))
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    if status != highspy.HighsModelStatus.kOptimal:
        return h.modelStatusToString(status).lower(), float("nan"), np.zeros(0), np.zeros(0)
    solution = h.getSolution()
    x, reduced = np.asarray(solution.col_value), np.asarray(solution.col_dual)
    lower, upper = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    finite = np.where(upper < INF, upper, 0.0)
    at_upper = (upper < INF) & (x >= finite - 1e-9 * np.maximum(1.0, np.abs(finite)))
    dual = np.where(at_upper, np.where(lower == upper, reduced, np.minimum(reduced, 0.0)), 0.0)
    return "optimal", float(h.getInfo().objective_function_value), x, dual


def _solve_clarabel(lp: highspy.HighsLp, time_limit_s: float) -> tuple[str, float, np.ndarray, np.ndarray]:
    """Clarabel interior point on the same LP, rewritten as A x + s = b with s in {0} x R+ cones.

    Rows with equal bounds and fixed columns go to the zero cone; finite upper (lower) row and
    column bounds become  a x <= u  (-a x <= -l)  in the non-negative cone (Goulart and Chen 2024,
    *Clarabel: an interior-point solver for conic programs with quadratic objectives*).
    Solutions are interior, so values within 1e-7 of zero are rounded to zero. The dual z of a
    row of A x + s = b is -dObjective/db, so a column's upper-bound dual is -z of its bound row.
    """
    import clarabel

    n, m = lp.num_col_, lp.num_row_
    a = sp.csc_matrix(
        (np.asarray(lp.a_matrix_.value_), np.asarray(lp.a_matrix_.index_), np.asarray(lp.a_matrix_.start_)),
        shape=(m, n),
    ).tocsr()
    row_lo, row_up = np.asarray(lp.row_lower_), np.asarray(lp.row_upper_)
    col_lo, col_up = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    eye = sp.identity(n, format="csr")
    eq_rows = row_lo == row_up
    fixed = col_lo == col_up
    up_rows = ~eq_rows & (row_up < INF)
    lo_rows = ~eq_rows & (row_lo > -INF)
    up_cols = ~fixed & (col_up < INF)
    lo_cols = ~fixed & (col_lo > -INF)
    zero_part = sp.vstack([a[eq_rows], eye[fixed]])
    ineq_part = sp.vstack([a[up_rows], -a[lo_rows], eye[up_cols], -eye[lo_cols]])
    matrix = sp.vstack([zero_part, ineq_part]).tocsc()
    rhs = np.concatenate(
        [row_lo[eq_rows], col_lo[fixed], row_up[up_rows], -row_lo[lo_rows], col_up[up_cols], -col_lo[lo_cols]]
    )
    cones = [clarabel.ZeroConeT(zero_part.shape[0]), clarabel.NonnegativeConeT(ineq_part.shape[0])]
    settings = clarabel.DefaultSettings()
    settings.verbose = False
    settings.max_threads = 1
    settings.time_limit = float(time_limit_s)
    # 1e-7 instead of the default 1e-8: a few iterations fewer, the objective within 1e-7 relative
    settings.tol_gap_abs = settings.tol_gap_rel = settings.tol_feas = 1e-7
    solution = clarabel.DefaultSolver(
        sp.csc_matrix((n, n)), np.asarray(lp.col_cost_), matrix, rhs, cones, settings
    ).solve()
    if str(solution.status) not in {"Solved", "AlmostSolved"}:
        return str(solution.status).lower(), float("nan"), np.zeros(0), np.zeros(0)
    x = np.asarray(solution.x)
    x[np.abs(x) < 1e-7] = 0.0
    z = np.asarray(solution.z)
    dual = np.zeros(n)
    first_fixed = int(eq_rows.sum())
    dual[fixed] = -z[first_fixed : first_fixed + int(fixed.sum())]
    first_up = zero_part.shape[0] + int(up_rows.sum()) + int(lo_rows.sum())
    dual[up_cols] = -z[first_up : first_up + int(up_cols.sum())]
    dual[np.abs(dual) < 1e-9] = 0.0
    return "optimal", float(solution.obj_val), x, dual


def _read_sizes(x: np.ndarray, lay: Layout) -> dict[str, float]:
    """Sizes rounded to 1 W / 1 Wh, at least 0: an interior point's "not built" reads 0. [kWp, kW, kWh]"""
    return {key: max(round(float(x[lay.slices[col]][0]), 3), 0.0) + 0.0 for key, col in SIZE_COLUMNS.items()}


def _read_series(p: YearProblem, x: np.ndarray, lay: Layout) -> dict[str, np.ndarray]:
    """The per-step flows of YearResult.series from the solution's columns. [kW, kWh]"""
    T = p.steps
    flexible = sum((family_values(x, lay, f"x{j}", T) for j in range(len(p.flex_windows_h))), np.zeros(T))
    it_kw = p.firm_it_kw + p.rigid_training_kw + flexible
    soc_above_min = family_values(x, lay, "soc", T)
    energy_kwh = float(x[lay.slices["E"]][0])
    return {
        "import_kw": family_values(x, lay, "imp", T),
        "export_kw": family_values(x, lay, "exp", T),
        "renewable_kw": _renewable_used(p, x, lay, it_kw),
        "charge_kw": family_values(x, lay, "ch", T),
        "discharge_kw": family_values(x, lay, "dis", T),
        "soc_kwh": soc_above_min + p.min_soc_frac * energy_kwh,
        "flexible_kw": flexible,
        "it_kw": it_kw,
        "facility_kw": p.facility_kw_per_it_kw * it_kw,
    }


def _renewable_used(p: YearProblem, x: np.ndarray, lay: Layout, it_kw: np.ndarray) -> np.ndarray:
    """PV and wind power used: the ren column, or (free disposal) what the balance needs of it. [kW]

    ren_t = f_t IT_t + ch_t + exp_t - imp_t - dis_t, within [0, available_t].
    """
    T = p.steps
    if "ren" in lay.slices or not p.has_renewables:
        return family_values(x, lay, "ren", T)
    available = p.pv_kw_per_kw * x[lay.slices["S_pv"]][0] + p.wind_kw_per_kw * x[lay.slices["S_w"]][0]
    needed = (
        p.facility_kw_per_it_kw * it_kw
        + family_values(x, lay, "ch", T)
        + family_values(x, lay, "exp", T)
        - family_values(x, lay, "imp", T)
        - family_values(x, lay, "dis", T)
    )
    return np.clip(needed, 0.0, available)
