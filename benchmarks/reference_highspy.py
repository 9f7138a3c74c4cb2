"""Reference: the planning MILP built directly as highspy arrays (no Pyomo), to measure Pyomo's overhead.

    .venv/bin/python -m benchmarks.reference_highspy [--jobs 200] [--steps 96] [--repeats 3]

Builds the same model as ``greendc.optimizer.day.model`` from the same ``ModelData`` (same columns, rows and
objective; see docs/model.md), solves it with the same options, and prints build, pass and solve
times beside the Pyomo path's, the objective of both (they must agree) and the overhead ratio.

Out of date since issue 12: it builds the fluid model of before (x in [0,1] per step, no slots of
the minimum run, no last-run lateness, no tie-break costs, no whole-slot or late-count cuts), so its
objective no longer agrees with the Pyomo model's; its build and pass times still show the order of
Pyomo's overhead.
"""

from __future__ import annotations

import argparse
import statistics
import time

import highspy
import numpy as np
from greendc.optimizer.day.model import build, model_data
from greendc.optimizer.day.model.data import ModelData
from greendc.optimizer.day.model.objective import unfinished_weight
from greendc.optimizer.day.model.variables import grid_bounds_kw, one_meter_steps
from greendc.optimizer.day.solve import solve_model
from greendc.optimizer.types import PlanSettings

from benchmarks.cases import benchmark_jobs, benchmark_profile

INF = highspy.kHighsInf


class Arrays:
    """Columns (cost, bounds, integrality) and row triplets of a MILP under construction."""

    def __init__(self) -> None:
        self.cost: list[float] = []
        self.lower: list[float] = []
        self.upper: list[float] = []
        self.integer: list[bool] = []
        self.rows_lo: list[float] = []
        self.rows_up: list[float] = []
        self.r: list[int] = []
        self.c: list[int] = []
        self.v: list[float] = []

    def cols(
        self,
        n: int,
        lo: float | np.ndarray = 0.0,
        up: float | np.ndarray = INF,
        cost: float | np.ndarray = 0.0,
        integer: bool = False,
    ) -> np.ndarray:
        """Add n columns; return their indices."""
        start = len(self.cost)
        self.cost += list(np.broadcast_to(np.asarray(cost, float), (n,)))
        self.lower += list(np.broadcast_to(np.asarray(lo, float), (n,)))
        self.upper += list(np.broadcast_to(np.asarray(up, float), (n,)))
        self.integer += [integer] * n
        return np.arange(start, start + n)

    def row(self, cols: list[int] | np.ndarray, vals: list[float] | np.ndarray, lo: float, up: float) -> None:
        """Add one row lo <= sum vals * x[cols] <= up."""
        i = len(self.rows_lo)
        self.rows_lo.append(lo)
        self.rows_up.append(up)
        self.r += [i] * len(cols)
        self.c += list(cols)
        self.v += list(vals)

    def highs(self) -> highspy.Highs:
        """The highspy model of these arrays."""
        lp = highspy.HighsLp()
        n, m = len(self.cost), len(self.rows_lo)
        lp.num_col_, lp.num_row_ = n, m
        lp.col_cost_ = np.array(self.cost)
        lp.col_lower_, lp.col_upper_ = np.array(self.lower), np.array(self.upper)
        lp.row_lower_, lp.row_upper_ = np.array(self.rows_lo), np.array(self.rows_up)
        order = np.lexsort((np.array(self.r), np.array(self.c)))
        cols = np.array(self.c)[order]
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_ = np.searchsorted(cols, np.arange(n + 1))
        lp.a_matrix_.index_ = np.array(self.r)[order]
        lp.a_matrix_.value_ = np.array(self.v)[order]
        lp.integrality_ = [
            highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous for i in self.integer
        ]
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        h.passModel(lp)
        return h


def build_arrays(data: ModelData) -> tuple[Arrays, float]:
    """The model of greendc.optimizer.day.model as arrays, and the objective's constant."""
    a = Arrays()
    T, dt, rates = data.n_steps, data.step_h, data.rates
    pre, blocks = data.preemptible, data.blocks
    busy_terms: list[list[tuple[int, float, float]]] = [[] for _ in range(T)]  # (col, nodes, extra kW)
    idle = data.node_idle_kw
    for job in pre:
        steps = np.arange(job.release_step, job.end_step)
        late_cost = np.where(steps >= job.deadline_step, job.penalty_per_h * dt, 0.0)
        x = a.cols(len(steps), 0.0, 1.0, late_cost)
        u = a.cols(1, 0.0, job.hours, job.penalty_per_h * unfinished_weight(job, T, dt))[0]
        a.row([*x, u], [dt] * len(x) + [1.0], job.hours, job.hours)
        for col, t in zip(x, steps, strict=True):
            busy_terms[t].append((col, job.nodes, job.nodes * (job.node_kw - idle)))
    for grp in blocks:
        starts = np.array(list(grp.starts))
        d, D = grp.deadline_step, grp.steps
        n = a.cols(len(starts), 0.0, grp.count, grp.penalty_per_h * np.maximum(0, starts + D - d) * dt, True)
        v = a.cols(1, 0.0, grp.count, grp.penalty_per_h * (T - d + D) * dt, True)[0]
        a.row([*n, v], [1.0] * (len(n) + 1), grp.count, grp.count)
        if not len(starts):
            continue
        n_at = dict(zip(starts.tolist(), n.tolist(), strict=True))
        on = a.cols(len(grp.running_steps), 0.0, grp.count)
        for i, t in enumerate(grp.running_steps):
            cols, vals = [on[i]], [1.0]
            if t in n_at:
                cols.append(n_at[t])
                vals.append(-1.0)
            if t - D in n_at:
                cols.append(n_at[t - D])
                vals.append(1.0)
            if i > 0:
                cols.append(on[i - 1])
                vals.append(-1.0)
            a.row(cols, vals, 0.0, 0.0)
            busy_terms[t].append((on[i], grp.nodes, grp.nodes * (grp.node_kw - idle)))
    busy = a.cols(T, 0.0, float(data.nodes))
    itn = a.cols(T)
    base = data.firm_kw + idle * data.nodes
    for t in range(T):
        terms = busy_terms[t]
        a.row([busy[t]] + [c for c, _, _ in terms], [1.0] + [-nd for _, nd, _ in terms], 0.0, 0.0)
        a.row([itn[t]] + [c for c, _, _ in terms], [1.0] + [-kw for _, _, kw in terms], base[t], base[t])
    allowed = data.allowed_levels()
    coef = data.facility_coef()
    big_m = data.max_nominal_it_kw()
    facility = a.cols(T)
    y_at: dict[tuple[int, int], int] = {}
    for t in range(T):
        ks = allowed[t]
        z = a.cols(len(ks))
        a.row([*z, itn[t]], [1.0] * len(ks) + [-1.0], 0.0, 0.0)
        a.row([facility[t], *z], [1.0] + [-coef[t, k] for k in ks], 0.0, 0.0)
        if len(ks) > 1:
            y = a.cols(len(ks), 0.0, 1.0, 0.0, True)
            a.row(y, [1.0] * len(ks), 1.0, 1.0)
            for zi, yi, k in zip(z, y, ks, strict=True):
                a.row([zi, yi], [1.0, -big_m[t]], -INF, 0.0)
                y_at[(t, k)] = yi
    levels = data.levels_c
    for t in range(T):
        for k in allowed[t]:
            if (t, k) not in y_at:
                continue
            far = [
                kk
                for kk in range(len(levels))
                if abs(levels[k] - levels[kk]) > data.max_change_c_per_h + 1e-9
            ]
            for lag in range(1, data.steps_per_hour + 1):
                prev = [y_at[(t - lag, kk)] for kk in far if (t - lag, kk) in y_at]
                if t - lag >= 0 and prev:
                    a.row([y_at[(t, k)], *prev], [1.0] * (1 + len(prev)), -INF, 1.0)
    renewable = data.pv_kw + data.wind_kw
    imp_max, exp_max = grid_bounds_kw(data)
    cp = rates.carbon_price_per_t / 1000.0
    curt = a.cols(T, 0.0, renewable)
    imp = a.cols(T, 0.0, imp_max, (data.price + cp * data.carbon) * dt)
    exp = a.cols(T, 0.0, exp_max, -data.export_price * dt)
    peak = a.cols(1, 0.0, data.import_limit_kw, rates.demand_charge_per_kw_horizon)[0]
    bat = data.battery
    if bat is not None:
        ch = a.cols(T, 0.0, bat.power_kw)
        dis = a.cols(T, 0.0, bat.power_kw)
        soc = a.cols(T, bat.soc_min_kwh, bat.energy_kwh)
        for t in range(T):
            cols = [soc[t], ch[t], dis[t]] + ([soc[t - 1]] if t else [])
            vals = [1.0, -bat.charge_eff * dt, dt / bat.discharge_eff] + ([-1.0] if t else [])
            rhs = 0.0 if t else bat.soc0_kwh
            a.row(cols, vals, rhs, rhs)
            if data.price[t] < 0:
                b = a.cols(1, 0.0, 1.0, 0.0, True)[0]
                a.row([ch[t], b], [1.0, -bat.power_kw], -INF, 0.0)
                a.row([dis[t], b], [1.0, bat.power_kw], -INF, bat.power_kw)
        a.row([soc[T - 1]], [1.0], bat.soc0_kwh, INF)
    binary_steps = set(one_meter_steps(data))
    fac_min, fac_max = data.facility_range_kw()
    for t in range(T):
        cols = [facility[t], exp[t], imp[t], curt[t]]
        vals = [1.0, 1.0, -1.0, 1.0]
        if bat is not None:
            cols += [dis[t], ch[t]]
            vals += [-1.0, 1.0]
        a.row(cols, vals, renewable[t], renewable[t])
        a.row([peak, imp[t]], [1.0, -1.0], 0.0, INF)
        if t in binary_steps:
            e = a.cols(1, 0.0, 1.0, 0.0, True)[0]
            a.row([imp[t], e], [1.0, -imp_max[t]], -INF, 0.0)
            a.row([exp[t], e], [1.0, exp_max[t]], -INF, exp_max[t])
            room, surplus = max(0.0, fac_max[t] - renewable[t]), max(0.0, renewable[t] - fac_min[t])
            battery_in = [ch[t]] if bat is not None else []  # the meter cuts of constraints.meter_cuts
            battery_out = [dis[t]] if bat is not None else []
            a.row([imp[t], e, curt[t], *battery_in], [1.0, -room, -1.0] + [-1.0] * len(battery_in), -INF, 0.0)
            a.row([exp[t], e, *battery_out], [1.0, surplus] + [-1.0] * len(battery_out), -INF, surplus)
        if not data.one_meter:
            a.row([exp[t], curt[t]], [1.0, 1.0], -INF, renewable[t])
    return a, 0.0


def main() -> None:
    """Time the array build against the Pyomo path on the same instance; print the overhead ratio."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=96)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--two-meters", action="store_true")
    args = parser.parse_args()
    profile, site = benchmark_profile(args.steps)
    jobs = benchmark_jobs(site, profile, args.jobs)
    settings = PlanSettings(simultaneous_import_export=args.two_meters)
    ref_build, pyomo_build = [], []
    for _ in range(args.repeats):
        start = time.perf_counter()
        data = model_data(profile, site, jobs, settings)
        arrays, _offset = build_arrays(data)
        h = arrays.highs()
        ref_build.append(time.perf_counter() - start)
        start = time.perf_counter()
        m = build(model_data(profile, site, jobs, settings))
        pyomo_build.append(time.perf_counter() - start)
    for name, value in (("time_limit", 60.0), ("mip_rel_gap", 1e-3), ("threads", 1)):
        h.setOptionValue(name, value)
    start = time.perf_counter()
    h.run()
    ref_solve = time.perf_counter() - start
    out = solve_model(m, time_limit_s=60.0, rel_gap=1e-3)
    ref_obj = h.getInfo().objective_function_value
    rb, pb = statistics.median(ref_build), statistics.median(pyomo_build)
    print(f"{args.steps} steps x {args.jobs} jobs, {len(arrays.cost)} columns x {len(arrays.rows_lo)} rows")
    print(f"highspy arrays: build + pass {rb:.3f} s, solve {ref_solve:.2f} s, objective {ref_obj:.2f}")
    print(
        f"Pyomo: build {pb:.3f} s, hand-over {out.handover_s:.3f} s, solve {out.solve_s:.2f} s, "
        f"objective {out.objective:.2f}"
    )
    print(f"Pyomo overhead (build + hand-over) / (array build + pass): {(pb + out.handover_s) / rb:.1f}x")


if __name__ == "__main__":
    main()
