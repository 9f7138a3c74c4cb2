"""The joint fluid LP: a lower bound on every joint plan's cost, and the master that assigns the jobs.

One LP over all hubs (``docs/model.md``, "Fleet"): for every job j, hub h it may run at and step t
from the step its data can first have arrived, w[j,h,t] in [0, 1] is the share of j's nodes busy; per
hub and step the grid import and export, curtailment, battery charge, discharge and state of charge,
the hub's peak import; per region, hub within the latency limit and step, the inference load served
s[r,h,t]. It is a relaxation of the joint MILP (each hub's day MILP plus the assignment, transfers and
inference), so its optimum is a valid lower bound on the cost of any joint plan:

* the setpoint level is relaxed to the cheapest level's facility coefficient at each step (facility
  power is coef[t,k] x nominal IT for the level chosen, never below the smallest coef);
* block (non-preemptible) jobs become fluid, need their exact hours (the MILP books whole steps),
  and minimum run lengths, checkpoint resumes, setpoint rate limits, the one-meter and battery
  binaries and the storage-export rule are dropped;
* lateness: a job's work after its deadline and its work not run cost its penalty per hour (the day
  model charges at least that: a block's finish delay is at least its work after the deadline, an
  unrun job is late by its run time and more);
* transfers: a job's data may reach another hub no earlier than its release plus the move at the
  link's full bandwidth plus its latency (sharing the link can only delay it), and the GB a link
  carries over the horizon stays within its capacity; a job split over hubs pays a share of the move.

The LP is built as arrays (scipy) and solved by HiGHS (highspy) directly: at 13 hubs x 96 steps x
2,000 jobs it has about a million columns, too many for Pyomo's build.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp
from greendc.optimizer.day.model import ModelData, model_data
from greendc.optimizer.fleet.inputs import FleetJob, FleetProblem

INF = highspy.kHighsInf


@dataclass(frozen=True)
class HubArrays:
    """One hub's day-model data reduced to what the LP needs."""

    data: ModelData
    coef: np.ndarray
    """Smallest facility kW per nominal IT kW over the levels at each step. [kW/kW]"""


def hub_arrays(problem: FleetProblem) -> list[HubArrays]:
    """Each hub's ModelData (no jobs) from the day model's inputs stage."""
    out = []
    for hub in problem.hubs:
        data = model_data(hub.profile, hub.site, [], problem.settings)
        out.append(HubArrays(data, data.facility_coef().min(axis=1)))
    return out


def step_of(times, stamps, side: str = "left") -> np.ndarray:
    """Index of the first step starting at or after each time (side='left'). [-]"""
    return np.searchsorted(times.asi8, np.asarray([s.value for s in stamps], dtype=np.int64), side=side)


def job_steps(problem: FleetProblem) -> tuple[np.ndarray, np.ndarray]:
    """Release step (first step starting at or after the release) and deadline step (steps ending by
    the deadline, capped at T) of every job, as the day model counts them. [-]"""
    times = problem.times
    step = times[1] - times[0] if len(times) > 1 else np.timedelta64(int(problem.step_h * 3600), "s")
    ends = times + step
    rel = np.searchsorted(times.asi8, np.array([fj.job.release.value for fj in problem.jobs], dtype=np.int64))
    dl = np.searchsorted(ends.asi8, np.array([fj.job.deadline.value for fj in problem.jobs], dtype=np.int64),
                         side="right")
    return rel, np.minimum(dl, len(times))


def whole_step_rows(preemptible: bool) -> bool:
    """Whether the day model holds a job's nodes for whole steps, so its busy hours are a multiple of
    the step: always for a block job; for a preemptible job when the day model runs it in whole slots
    (its ``PreemptibleJob`` has ``min_run_steps``, optimizer/day/model/data.py). Only then is the hull
    cut u_j >= r_j (n_j - B_j / dt) valid. [-]"""
    from greendc.optimizer.day.model.data import PreemptibleJob

    return (not preemptible) or "min_run_steps" in getattr(PreemptibleJob, "__dataclass_fields__", {})


def arrival_time(fj: FleetJob, hub: str, problem: FleetProblem):
    """Earliest arrival of a job's data at ``hub``: release + move at full bandwidth + latency. [-]"""
    import pandas as pd

    if hub == fj.home or fj.move_gb <= 0:
        return fj.job.release
    link = problem.network.link(fj.home, hub)
    assert link is not None
    seconds = fj.move_gb / link.gb_per_s() + link.latency_ms / 1000.0
    return fj.job.release + pd.Timedelta(seconds=seconds)


@dataclass
class LPResult:
    """The LP's optimum: the bound, the job shares per hub, inference per hub and step."""

    status: str
    bound: float
    """LP optimum: a lower bound on every joint plan's objective. [currency]"""
    share: dict[str, dict[str, float]]
    """job -> hub -> share of the job's hours planned there. [-]"""
    first_step: dict[tuple[str, str], int]
    """(job, hub) -> first step with work in the LP. [-]"""
    serve: dict[tuple[str, str], np.ndarray]
    """(region, hub) -> inference IT load served at each step. [kW]"""
    n_cols: int
    n_rows: int
    solve_s: float
    terms: dict[str, float]
    lp_value: float = float("nan")
    """The restricted master's optimum (equals ``bound`` when column generation converged). [currency]"""
    rounds: int = 0


def solve_bound(problem: FleetProblem, arrays: list[HubArrays] | None = None, *, time_limit_s: float = 600.0,
                threads: int = 1) -> LPResult:
    """Build and solve the joint fluid LP (see the module docstring)."""
    start = time.perf_counter()
    arrays = arrays if arrays is not None else hub_arrays(problem)
    hubs = problem.hub_ids
    hidx = {h: i for i, h in enumerate(hubs)}
    T, H, dt = len(problem.times), len(hubs), problem.step_h
    rel, dl = job_steps(problem)
    times = problem.times

    cost: list[np.ndarray] = []
    upper: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    vals: list[np.ndarray] = []
    row_lo: list[np.ndarray] = []
    row_hi: list[np.ndarray] = []
    n_col = 0
    n_row = 0

    def new_cols(c: np.ndarray, ub: np.ndarray) -> int:
        nonlocal n_col
        first = n_col
        cost.append(np.asarray(c, float))
        upper.append(np.asarray(ub, float))
        n_col += len(c)
        return first

    def new_rows(lo: np.ndarray, hi: np.ndarray) -> int:
        nonlocal n_row
        first = n_row
        row_lo.append(np.asarray(lo, float))
        row_hi.append(np.asarray(hi, float))
        n_row += len(lo)
        return first

    def entries(r: np.ndarray, c: np.ndarray, v: np.ndarray | float) -> None:
        r, c = np.asarray(r, np.int64), np.asarray(c, np.int64)
        rows.append(r)
        cols.append(c)
        vals.append(np.broadcast_to(np.asarray(v, float), r.shape).copy())

    # Per hub rows: capacity (<= N), balance (= rhs), peak (peak - imp >= 0), inference capacity.
    cap0 = new_rows(np.full(H * T, -INF), np.concatenate([np.full(T, a.data.nodes, float) for a in arrays]))
    rhs = np.concatenate([a.coef * (a.data.firm_kw + a.data.node_idle_kw * a.data.nodes)
                          - a.data.pv_kw - a.data.wind_kw for a in arrays])
    bal0 = new_rows(rhs, rhs)
    peak0 = new_rows(np.zeros(H * T), np.full(H * T, INF))
    icap0 = new_rows(np.full(H * T, -INF), np.repeat([hub.inference_kw for hub in problem.hubs], T))
    t_idx = np.arange(T)
    soc_lower: list[tuple[int, np.ndarray]] = []
    site_cols: dict[str, tuple[int, int]] = {}
    for i, a in enumerate(arrays):
        d = a.data
        rates = d.rates
        bal = bal0 + i * T + t_idx
        # import
        imp_cost = (d.price + rates.carbon_price_per_t / 1000.0 * d.carbon) * dt
        imp = new_cols(imp_cost, np.full(T, d.import_limit_kw))
        entries(bal, imp + t_idx, 1.0)
        entries(peak0 + i * T + t_idx, imp + t_idx, -1.0)
        exp = new_cols(-d.export_price * dt, np.full(T, d.export_limit_kw))
        entries(bal, exp + t_idx, -1.0)
        curt = new_cols(np.zeros(T), d.pv_kw + d.wind_kw)
        entries(bal, curt + t_idx, -1.0)
        peak = new_cols(np.array([rates.demand_charge_per_kw_horizon]), np.array([INF]))
        entries(peak0 + i * T + t_idx, np.full(T, peak), 1.0)
        site_cols[problem.hubs[i].id] = (imp, peak)
        if d.battery is not None:
            b = d.battery
            ch = new_cols(np.zeros(T), np.full(T, b.power_kw))
            dis = new_cols(np.zeros(T), np.full(T, b.power_kw))
            soc_lo = np.full(T, b.soc_min_kwh)
            soc_lo[-1] = max(b.soc_min_kwh, b.soc0_kwh)
            soc = new_cols(np.zeros(T), np.full(T, b.energy_kwh))
            entries(bal, ch + t_idx, -1.0)
            entries(bal, dis + t_idx, 1.0)
            # soc[t] - soc[t-1] - eta_c dt ch[t] + dt/eta_d dis[t] = 0 (soc[-1] = soc0)
            dyn_rhs = np.zeros(T)
            dyn_rhs[0] = b.soc0_kwh
            dyn = new_rows(dyn_rhs, dyn_rhs)
            entries(dyn + t_idx, soc + t_idx, 1.0)
            entries(dyn + t_idx[1:], soc + t_idx[:-1], -1.0)
            entries(dyn + t_idx, ch + t_idx, -b.charge_eff * dt)
            entries(dyn + t_idx, dis + t_idx, dt / b.discharge_eff)
            soc_lower.append((soc, soc_lo))

    # Inference: s[r,h,t] for hubs within the latency limit; each region's demand met at each step.
    demand = problem.demand_kw()
    inf_blocks: list[tuple[str, int, int]] = []
    for d in problem.demands:
        reach = [hidx[h] for h in hubs if problem.network.latency(d.region, h) <= d.latency_ms + 1e-9]
        dem = demand[d.region]
        row = new_rows(dem, dem)
        for i in reach:
            s = new_cols(np.zeros(T), np.full(T, INF))
            entries(row + t_idx, s + t_idx, 1.0)
            entries(icap0 + i * T + t_idx, s + t_idx, 1.0)
            entries(bal0 + i * T + t_idx, s + t_idx, -arrays[i].coef)
            inf_blocks.append((d.region, i, s))

    # Jobs: w[j,h,t] for t from the arrival step to T; u_j hours not run.
    links = problem.network.link_index()
    link_rows: dict[tuple[str, str], int] = {}
    horizon_s = T * dt * 3600.0
    job_cols: list[tuple[int, int, int, int]] = []  # (job index, hub index, first col, first step)
    # Work rows: B_j + u_j >= H_j (B_j = dt sum w, the busy hours) and, where nodes are held for whole
    # steps, the hull of the whole-step points u_j >= r_j (n_j - B_j / dt) (see whole_step_rows).
    hours = np.array([fj.job.duration_h for fj in problem.jobs])
    jrow0 = new_rows(hours, np.full(len(hours), INF))
    n_steps_job = np.ceil(hours / dt - 1e-9)
    r_last = hours - (n_steps_job - 1) * dt
    hull = [j for j in range(len(hours)) if whole_step_rows(problem.jobs[j].job.preemptible)
            and r_last[j] < dt - 1e-9]
    hrow: dict[int, int] = {}
    if hull:
        first_hull = new_rows(np.array([r_last[j] * n_steps_job[j] for j in hull]), np.full(len(hull), INF))
        hrow = {j: first_hull + k for k, j in enumerate(hull)}
    for j, fj in enumerate(problem.jobs):
        job = fj.job
        pen = float(job.penalty_per_h_late or 0.0)
        u = new_cols(np.array([pen]), np.array([INF]))
        entries(np.array([jrow0 + j]), np.array([u]), 1.0)
        if j in hrow:
            entries(np.array([hrow[j]]), np.array([u]), 1.0)
        for hub in problem.candidates(fj):
            i = hidx[hub]
            a = arrays[i].data
            first = max(int(rel[j]), int(np.searchsorted(times.asi8, arrival_time(fj, hub, problem).value)))
            if first >= T:
                continue
            ts = np.arange(first, T)
            n = len(ts)
            p = job.node_kw if job.node_kw is not None else a.node_busy_kw
            c = np.where(ts >= dl[j], pen * dt, 0.0)
            move = 0.0
            if hub != fj.home and fj.move_gb > 0:
                link = links[frozenset((fj.home, hub))]
                # GB per unit of w: the share of the job's busy hours (whole steps where the day model
                # holds nodes for whole steps: a finished job's busy hours are then n_j dt, not H_j)
                busy_h = n_steps_job[j] * dt if whole_step_rows(job.preemptible) else job.duration_h
                move = fj.move_gb / max(busy_h, job.duration_h) * dt
                c = c + link.price_per_gb * move
                key = (fj.home, hub)
                if key not in link_rows:
                    cap_gb = link.gb_per_s() * horizon_s
                    link_rows[key] = new_rows(np.array([-INF]), np.array([cap_gb]))
            w = new_cols(c, np.ones(n))
            entries(np.full(n, jrow0 + j), w + np.arange(n), dt)
            if j in hrow:
                entries(np.full(n, hrow[j]), w + np.arange(n), r_last[j])
            entries(cap0 + i * T + ts, w + np.arange(n), float(job.nodes))
            kw = -arrays[i].coef[ts] * job.nodes * (p - a.node_idle_kw)
            entries(bal0 + i * T + ts, w + np.arange(n), kw)
            if move > 0:
                entries(np.full(n, link_rows[(fj.home, hub)]), w + np.arange(n), move)
            job_cols.append((j, i, w, first))

    col_cost = np.concatenate(cost)
    col_upper = np.concatenate(upper)
    col_lower = np.zeros(n_col)
    for soc, lower in soc_lower:
        col_lower[soc:soc + T] = lower
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_row, n_col))
    A.sum_duplicates()
    # Column generation: start from every column but the jobs' away-from-home ones, price the rest.
    optional = np.zeros(n_col, dtype=bool)
    group = np.full(n_col, -1, dtype=np.int64)
    for j, i, w, first in job_cols:
        group[w:w + T - first] = j
        if problem.hubs[i].id != problem.jobs[j].home:
            optional[w:w + T - first] = True
        else:  # at home, work after the deadline (priced at the lateness penalty) enters when it pays
            optional[w + max(0, int(dl[j]) - first):w + T - first] = True
    x, bound, lp_value, status, rounds = _column_generation(
        A, col_cost, col_lower, col_upper, np.concatenate(row_lo), np.concatenate(row_hi), optional, group,
        time_limit_s=time_limit_s - (time.perf_counter() - start), threads=threads)
    share: dict[str, dict[str, float]] = {}
    first_step: dict[tuple[str, str], int] = {}
    for j, i, w, first in job_cols:
        fj = problem.jobs[j]
        vals_w = x[w:w + T - first]
        hours = float(vals_w.sum() * dt)
        if hours > 1e-9:
            share.setdefault(fj.job_id, {})[hubs[i]] = hours / fj.job.duration_h
            first_step[(fj.job_id, hubs[i])] = first + int(np.argmax(vals_w > 1e-9))
    serve = {(region, hubs[i]): x[s:s + T].copy() for region, i, s in inf_blocks}
    terms = {"transfer": 0.0}
    return LPResult(status, bound, share, first_step, serve, n_col, n_row,
                    time.perf_counter() - start, terms, lp_value, rounds)


def _highs_lp(A: sp.csc_matrix, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray,
              row_lo: np.ndarray, row_hi: np.ndarray) -> highspy.HighsLp:
    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = A.shape[1], A.shape[0]
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_, lp.row_upper_ = row_lo, row_hi
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = A.indptr.astype(np.int32)
    lp.a_matrix_.index_ = A.indices.astype(np.int32)
    lp.a_matrix_.value_ = A.data
    return lp


#: Reduced cost below which a column enters the restricted master. [currency]
RC_TOL = 1e-6
#: Most columns added per round. [-]
MAX_ADD = 40_000
#: Column generation stops when its Lagrangian bound is this close to the master's value (relative). [-]
CG_REL_TOL = 2e-5
#: Most columns added per job per round. [-]
PER_JOB = 6


def _column_generation(A: sp.csc_matrix, cost: np.ndarray, lower: np.ndarray, upper: np.ndarray,
                       row_lo: np.ndarray, row_hi: np.ndarray, optional: np.ndarray, group: np.ndarray, *,
                       time_limit_s: float,
                       threads: int) -> tuple[np.ndarray, float, float, str, int]:
    """Solve the LP by column generation over the ``optional`` columns (HiGHS simplex, warm restarts).

    Every round prices all optional columns not in the master, rc = c - A^T y with the master's row
    duals y, and adds those with rc < -RC_TOL (the most negative MAX_ADD). The Lagrangian bound
    z_master + sum over left-out columns of min(0, rc) x their upper bound (each w <= 1) is a valid
    lower bound on the LP at every round (Lasdon 1970, Lubbecke and Desrosiers 2005); when no column
    prices out it equals the master's optimum, the LP's. Returns (x, bound, master value, status, rounds).
    """
    start = time.perf_counter()
    active = ~optional
    idx = np.flatnonzero(active)
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", threads)
    h.passModel(_highs_lp(A[:, idx].tocsc(), cost[idx], lower[idx], upper[idx], row_lo, row_hi))
    order = list(idx)
    rounds = 0
    bound = -np.inf
    value = np.inf
    status = "not solved"
    while True:
        left = time_limit_s - (time.perf_counter() - start)
        h.setOptionValue("time_limit", max(1.0, left))
        h.run()
        rounds += 1
        if _DEBUG:
            print(f"round {rounds}: {int(active.sum())} cols, {time.perf_counter() - start:.1f} s "
                  f"it {h.getInfo().simplex_iteration_count}", flush=True)
        status = h.modelStatusToString(h.getModelStatus())
        if status != "Optimal":
            break
        sol = h.getSolution()
        y = np.asarray(sol.row_dual)
        value = float(h.getInfo().objective_function_value)
        rc = cost - A.T @ y
        out = np.flatnonzero(~active)
        neg = out[rc[out] < -RC_TOL]
        bound = value + float(np.minimum(0.0, rc[out]) @ upper[out])
        if _DEBUG:
            print(f"   value {value:.2f} bound {bound:.2f}", flush=True)
        if rounds == 1:
            h.setOptionValue("presolve", "off")  # later rounds restart from the basis
        close = value - bound <= CG_REL_TOL * max(1.0, abs(value))
        if len(neg) == 0 or close or time.perf_counter() - start > time_limit_s:
            break
        # the PER_JOB most negative columns of each job, at most MAX_ADD in all
        order_neg = np.lexsort((rc[neg], group[neg]))
        neg = neg[order_neg]
        g = group[neg]
        rank = np.arange(len(neg)) - np.searchsorted(g, g, side="left")
        neg = neg[rank < PER_JOB]
        if len(neg) > MAX_ADD:
            neg = neg[np.argsort(rc[neg])[:MAX_ADD]]
        neg = np.sort(neg)
        sub = A[:, neg].tocsc()
        h.addCols(len(neg), cost[neg], lower[neg], upper[neg], sub.nnz, sub.indptr[:-1].astype(np.int32),
                  sub.indices.astype(np.int32), sub.data)
        active[neg] = True
        order.extend(neg.tolist())
    x = np.zeros(A.shape[1])
    if status == "Optimal":
        x[np.asarray(order)] = np.asarray(h.getSolution().col_value)
    return x, bound, value, status, rounds

_SOLVER = ""
_DEBUG = False
