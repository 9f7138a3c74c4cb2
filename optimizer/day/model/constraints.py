"""Constraint families of the planning MILP: one function per family, its maths and source in the docstring.

Notation: dt step length [h], N site nodes, P_idle idle node power [kW], p_j busy node power of job j
[kW], a_j its nodes, c[t,k] cooling kW per nominal IT kW at level k, u_k server-fan uplift, lambda
electrical loss share. Each function adds indexed components over whole sets (fast Pyomo build).
"""

from __future__ import annotations

import functools
import math
from collections import defaultdict

import pyomo.environ as pyo
from greendc.optimizer.day.model.data import ModelData
from greendc.optimizer.day.model.variables import guards_storage


def _jobs_by_step(
    m: pyo.ConcreteModel, data: ModelData
) -> tuple[dict[int, list[tuple[int, int]]], dict[int, list[int]]]:
    """(job, slot) pairs of preemptible jobs and the block groups that may run at each step."""
    pre: dict[int, list[tuple[int, int]]] = defaultdict(list)
    blk: dict[int, list[int]] = defaultdict(list)
    for j, t0 in m.JT:
        for t in range(t0, t0 + data.preemptible[j].min_run_steps):
            pre[t].append((j, t0))
    for g, t in m.GT:
        blk[t].append(g)
    return pre, blk


def _steps_by_job(m: pyo.ConcreteModel) -> dict[int, list[int]]:
    """First steps of the slots each preemptible job may run in."""
    steps: dict[int, list[int]] = defaultdict(list)
    for j, t in m.JT:
        steps[j].append(t)
    return steps


def preemptible_work(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Each preemptible job gets its run time, or reports the shortfall as unplanned work.

    L_j dt sum_t x[j,t] + u_j >= H_j + o (sum_t s[j,t] - ran_j), u_j the hours not planned in the
    horizon, o the checkpoint overhead per resume. A preemptible job runs in slots of L_j whole steps
    counted from its release (L_j the site's minimum run length in steps, or the job's whole run when
    that is shorter; x binary), so every run starts and ends on the step grid and lasts at least the
    minimum; its nodes are held for whole slots, like a non-preemptible job's whole steps (a last
    slot it needs only part of is still held). The fluid relaxation x in [0,1] (Brucker,
    *Scheduling Algorithms*, 2007, ch. 5) is only the LP relaxation the solve starts from and
    bounds with, never a plan. Slots instead of minimum up-time rows on steps (Takriti, Birge and
    Long 2000; Gentile, Morales-Espana and Ramos 2017): those rows made the LP relaxation at
    96 x 200 six times slower (docs/performance.md), slots halve the run binaries at L = 2.
    """
    pre = data.preemptible
    steps = _steps_by_job(m)
    dt, c = data.step_h, data.checkpoint_h

    def rule(_m: pyo.ConcreteModel, j: int) -> pyo.Expression:
        done = sum(_m.x[j, t] for t in steps[j]) * (pre[j].min_run_steps * dt) + _m.u[j]
        if c > 0:  # each resume adds the overhead to the run time
            return done - c * (sum(_m.s[j, t] for t in steps[j]) - _m.ran[j]) >= pre[j].hours
        return done >= pre[j].hours

    m.c_work = pyo.Constraint(m.J, rule=rule)


def whole_slot_work(m: pyo.ConcreteModel, data: ModelData) -> None:
    """The work row rounded to whole slots: r_j sum_t x[j,t] + u_j >= r_j n_j, where it is tighter.

    A job of H_j hours in slots of a_j = L_j dt hours needs n_j = ceil(H_j / a_j) slots, the last one
    used for r_j = H_j - (n_j - 1) a_j <= a_j hours. With S_j = sum_t x[j,t] whole, the hours not
    planned are u_j >= max(0, H_j - a_j S_j); the convex hull of those points (S_j = 0..n_j) adds the
    segment from (n_j - 1, r_j) to (n_j, 0): u_j >= r_j (n_j - S_j). The work row alone lets the
    relaxation run 2.6 slots of a 3-slot job (1.3 h in 0.5 h slots) and pay for 2.6, below any plan.
    Valid with a checkpoint overhead too (it only adds to the work). A mixed-integer rounding cut
    (Nemhauser and Wolsey 1988, II.1.7); only built where r_j < a_j.
    """
    pre = data.preemptible
    steps = _steps_by_job(m)
    dt = data.step_h
    rows = []
    for j, job in enumerate(pre if not data.fluid_work else ()):  # fluid shares are not whole slots
        a = job.min_run_steps * dt
        n = _slots_needed(job.hours, a)
        r = job.hours - (n - 1) * a
        if n >= 1 and r < a - 1e-9 and len(steps[j]) >= n:
            rows.append((j, r, n))
    m.J_round = pyo.Set(initialize=[j for j, _, _ in rows], ordered=True)
    facts = {j: (r, n) for j, r, n in rows}
    m.c_work_round = pyo.Constraint(
        m.J_round,
        rule=lambda _m, j: facts[j][0] * sum(_m.x[j, t] for t in steps[j]) + _m.u[j]
        >= facts[j][0] * facts[j][1],
    )


def _slots_needed(hours: float, slot_h: float) -> int:
    """Whole slots a job of ``hours`` needs. [-]"""
    return max(0, math.ceil(hours / slot_h - 1e-9)) if slot_h > 0 else 0


def checkpoint_resumes(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Resumes of preemptible jobs, so that each resume can cost the checkpoint overhead.

    s[j,t] >= x[j,t] - x[j,t-L_j] (a run starts with slot t; x before the release is 0);
    ran[j] <= sum_t s[j,t]. Resumes = sum_t s[j,t] - ran[j]: the first start is not a resume. Only
    built when the overhead is positive; the work equation above charges o per resume.
    Checkpoint/restart cost model: Daly 2006, FGCS 22:303-312.
    """
    if data.checkpoint_h <= 0:
        return
    pre = data.preemptible
    JT = set(m.JT)

    def start(_m: pyo.ConcreteModel, j: int, t: int) -> pyo.Expression:
        before = t - pre[j].min_run_steps
        return _m.s[j, t] >= _m.x[j, t] - (_m.x[j, before] if (j, before) in JT else 0)

    m.c_run_start = pyo.Constraint(m.JT, rule=start)
    steps = _steps_by_job(m)
    m.c_ran = pyo.Constraint(m.J, rule=lambda _m, j: _m.ran[j] <= sum(_m.s[j, t] for t in steps[j]))


def block_starts(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Every non-preemptible job starts exactly once inside the horizon or is reported not run.

    sum_s n[g,s] + v_g = c_g, s in [r_g, T - D_g]. With the running count below this is the
    start-variable formulation of fixed-duration jobs, whose constraint matrix is an interval matrix
    (totally unimodular), so a single group's LP relaxation is integral (Gentile, Morales-Espana and
    Ramos 2017, "A tight MIP formulation of the unit commitment problem with start-up and shut-down
    constraints", EURO J. Comput. Optim. 5:177-201).
    """
    starts: dict[int, list[int]] = defaultdict(list)
    for g, s in m.GS:
        starts[g].append(s)
    blocks = data.blocks
    m.c_starts = pyo.Constraint(
        m.G, rule=lambda _m, g: sum(_m.n[g, s] for s in starts[g]) + _m.v[g] == blocks[g].count
    )


def block_running(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Running count of a group by a sparse recursion instead of a dense window sum.

    on[g,t] = on[g,t-1] + n[g,t] - n[g,t-D_g] (terms outside the start range are zero, on[g,r_g-1] = 0).
    Equivalent to on[g,t] = sum_{s=t-D_g+1}^{t} n[g,s] but with 3-4 non-zeros per row instead of D_g
    per start column: the dense window form left HiGHS in presolve for 15 minutes at 192 steps x 200
    jobs (docs/sources.md, "Solver performance figures"); this one has the same LP relaxation.
    """
    blocks = data.blocks
    GS = set(m.GS)

    def rule(_m: pyo.ConcreteModel, g: int, t: int) -> pyo.Expression:
        grp = blocks[g]
        expr = (
            _m.on[g, t]
            - (_m.n[g, t] if (g, t) in GS else 0)
            + (_m.n[g, t - grp.steps] if (g, t - grp.steps) in GS else 0)
        )
        if t > grp.release_step:
            expr = expr - _m.on[g, t - 1]
        return expr == 0

    m.c_running = pyo.Constraint(m.GT, rule=rule)


def node_capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Busy nodes at each step: running jobs never use more than the site's nodes.

    busy[t] = sum_j a_j x[j,t] + sum_g a_g on[g,t] <= N (the bound of busy). For preemptible shares
    this is node-hours per step: sum_j a_j x[j,t] dt <= N dt.
    """
    pre_at, blk_at = _jobs_by_step(m, data)
    pre, blocks = data.preemptible, data.blocks

    def rule(_m: pyo.ConcreteModel, t: int) -> pyo.Expression:
        return _m.busy[t] == sum(pre[j].nodes * _m.x[j, t0] for j, t0 in pre_at[t]) + sum(
            blocks[g].nodes * _m.on[g, t] for g in blk_at[t]
        )

    m.c_busy = pyo.Constraint(m.T, rule=rule)


def it_load(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Nominal IT load: firm load, idle nodes and busy nodes at their jobs' power.

    it_nominal[t] = F_t + P_idle N + sum_j a_j (p_j - P_idle) x[j,t] + sum_g a_g (p_g - P_idle) on[g,t]
    (idle nodes draw P_idle: (N - busy) P_idle + sum busy p = N P_idle + sum busy (p - P_idle)).
    """
    pre_at, blk_at = _jobs_by_step(m, data)
    pre, blocks = data.preemptible, data.blocks
    idle = data.node_idle_kw
    base = data.firm_kw + idle * data.nodes

    def rule(_m: pyo.ConcreteModel, t: int) -> pyo.Expression:
        return _m.it_nominal[t] == float(base[t]) + sum(
            pre[j].nodes * (pre[j].node_kw - idle) * _m.x[j, t0] for j, t0 in pre_at[t]
        ) + sum(blocks[g].nodes * (blocks[g].node_kw - idle) * _m.on[g, t] for g in blk_at[t])

    m.c_it = pyo.Constraint(m.T, rule=rule)


def cooling_levels(m: pyo.ConcreteModel, data: ModelData) -> None:
    """One setpoint level per step; the nominal IT load is served at that level only.

    sum_k y[t,k] = 1; sum_k z[t,k] = it_nominal[t]; z[t,k] <= M_t y[t,k] with M_t the largest nominal
    IT load possible at t. Cooling = sum_k c[t,k] z[t,k] is then exact (disaggregated convex-hull
    formulation of a choice among linear functions: Balas 1985; docs/model.md, "Cooling level").
    """
    big_m = data.max_nominal_it_kw()
    allowed = data.allowed_levels()
    m.c_one_level = pyo.Constraint(
        m.T,
        rule=lambda _m, t: (
            sum(_m.y[t, k] for k in allowed[t]) == 1 if len(allowed[t]) > 1 else pyo.Constraint.Skip
        ),
    )
    m.c_split = pyo.Constraint(
        m.T, rule=lambda _m, t: sum(_m.z[t, k] for k in allowed[t]) == _m.it_nominal[t]
    )
    m.c_level_on = pyo.Constraint(
        m.TK,
        rule=lambda _m, t, k: (
            _m.z[t, k] <= float(big_m[t]) * _m.y[t, k] if len(allowed[t]) > 1 else pyo.Constraint.Skip
        ),
    )


def setpoint_rate(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Setpoints less than an hour apart differ by at most the site's rate limit (ASHRAE 5 deg C/h).

    |s_t - s_{t-l}| <= R for l = 1..h (h steps per hour), as the clique cuts
    y[t,k] + sum_{k': |L_k - L_k'| > R} y[t-l,k'] <= 1. ASHRAE TC9.9 *Thermal Guidelines* (2021)
    states the limit as a change within any 60-minute period, so at 15-minute steps it binds over a
    4-step window, not per step (per step it would allow 20 deg C in an hour). With hourly data the
    same hourly plan stays feasible when the step is halved.
    """
    levels = data.levels_c
    limit = data.max_change_c_per_h + 1e-9
    far = {
        k: [kk for kk in range(len(levels)) if abs(levels[k] - levels[kk]) > limit]
        for k in range(len(levels))
    }
    free = [len(levels_t) > 1 for levels_t in data.allowed_levels()]
    index = [
        (t, k, lag)
        for t in range(data.n_steps)
        if free[t]
        for k in range(len(levels))
        if far[k]
        for lag in range(1, data.steps_per_hour + 1)
        if t - lag >= 0
    ]
    m.RATE = pyo.Set(dimen=3, initialize=index, ordered=True)
    m.c_rate = pyo.Constraint(
        m.RATE, rule=lambda _m, t, k, lag: _m.y[t, k] + sum(_m.y[t - lag, kk] for kk in far[k]) <= 1
    )


def facility_power(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Facility power: IT with fan uplift, its electrical losses, and the cooling plant.

    facility[t] = sum_k ((1 + u_k)(1 + lambda) + c[t,k]) z[t,k]  (docs/architecture.md, "Site profile":
    it_kw = sum_k (1 + u_k) z, cooling_kw = sum_k c z, facility = it + cooling + lambda it).
    """
    coef = data.facility_coef()
    allowed = data.allowed_levels()
    m.c_facility = pyo.Constraint(
        m.T, rule=lambda _m, t: _m.facility[t] == sum(float(coef[t, k]) * _m.z[t, k] for k in allowed[t])
    )


def energy_balance(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Power balance at the site's meter at every step.

    facility[t] + charge[t] + export[t] = import[t] + pv[t] + wind[t] - curtail[t] + discharge[t].
    """
    renewable = data.pv_kw + data.wind_kw
    has_bat = data.battery is not None

    def rule(_m: pyo.ConcreteModel, t: int) -> pyo.Expression:
        battery = (_m.discharge[t] - _m.charge[t]) if has_bat else 0.0
        return (
            _m.facility[t] + _m.grid_export[t]
            == _m.grid_import[t] + float(renewable[t]) - _m.curtail[t] + battery
        )

    m.c_balance = pyo.Constraint(m.T, rule=rule)


def battery(m: pyo.ConcreteModel, data: ModelData) -> None:
    """State of charge dynamics, end state not below the start, no simultaneous charge and discharge.

    soc[t] = soc[t-1] + (eta_c charge[t] - discharge[t] / eta_d) dt, soc[-1] = soc_0; soc[T-1] >= soc_0.
    Charging and discharging at once only loses energy, which pays only when the import price is
    negative: there a binary forbids it (charge <= P b, discharge <= P (1 - b)); elsewhere the LP never
    does it at an optimum, so no binary is needed (PyPSA and REopt use the same split).
    """
    bat = data.battery
    if bat is None:
        return
    dt = data.step_h

    def soc_rule(_m: pyo.ConcreteModel, t: int) -> pyo.Expression:
        before = _m.soc[t - 1] if t > 0 else bat.soc0_kwh
        return (
            _m.soc[t] == before + (bat.charge_eff * _m.charge[t] - _m.discharge[t] / bat.discharge_eff) * dt
        )

    m.c_soc = pyo.Constraint(m.T, rule=soc_rule)
    m.c_soc_end = pyo.Constraint(expr=m.soc[data.n_steps - 1] >= bat.soc0_kwh)
    m.c_charge_mode = pyo.Constraint(
        m.T_bat_excl, rule=lambda _m, t: _m.charge[t] <= bat.power_kw * _m.bat_mode[t]
    )
    m.c_discharge_mode = pyo.Constraint(
        m.T_bat_excl, rule=lambda _m, t: _m.discharge[t] <= bat.power_kw * (1 - _m.bat_mode[t])
    )


def grid_exchange(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Import within the limit (a bound), peak import, and the meter rule.

    peak >= import[t]. One meter: where exporting pays at least the import price and the site could be
    a net importer or a net exporter (``one_meter_steps``), a binary e_t keeps the directions apart:
    import <= I_t e_t, export <= E_t (1 - e_t) with the tight bounds I_t, E_t of ``grid_bounds_kw``;
    elsewhere importing and exporting at once never pays. Two meters (REopt's simultaneous
    export/import): the renewables' own meter exports, export + curtail <= pv + wind, no binary.

    Storage export (the site's ``[grid] storage_export``, off by default): off, on one meter, the
    binary also keeps the battery from discharging while the site exports (discharge <= P e_t), so
    export = pv + wind - curtail - facility - charge <= the PV and wind surplus over the site's load;
    where no surplus is possible the export's bound is 0. Two meters: the battery sits behind the
    load's meter, which does not export, whatever the setting.
    """
    m.c_peak = pyo.Constraint(m.T, rule=lambda _m, t: _m.peak >= _m.grid_import[t])
    if not data.one_meter:  # two meters: only the renewables' meter exports, so export <= pv + wind - curtail
        renewable = data.pv_kw + data.wind_kw
        m.c_export_source = pyo.Constraint(
            m.T, rule=lambda _m, t: _m.grid_export[t] + _m.curtail[t] <= float(renewable[t])
        )
    m.c_import_mode = pyo.Constraint(
        m.T_grid_excl, rule=lambda _m, t: _m.grid_import[t] <= _m.grid_import[t].ub * _m.grid_mode[t]
    )
    m.c_export_mode = pyo.Constraint(
        m.T_grid_excl, rule=lambda _m, t: _m.grid_export[t] <= _m.grid_export[t].ub * (1 - _m.grid_mode[t])
    )
    if guards_storage(data):  # exporting, the battery does not discharge: only the PV and wind surplus leaves
        power = data.battery.power_kw if data.battery is not None else 0.0
        m.c_no_storage_export = pyo.Constraint(
            m.T_grid_excl, rule=lambda _m, t: _m.discharge[t] <= power * _m.grid_mode[t]
        )
    meter_cuts(m, data)


def meter_cuts(m: pyo.ConcreteModel, data: ModelData) -> None:
    """The one-meter disjunction's convex hull in import, export and facility power (Balas 1979).

    The facility power splits into its import-mode and export-mode parts, facility[t] = fa + fx[t]
    with fa = facility[t] - fx[t]: F^min_t e_t <= fa <= F^max_t e_t and F^min_t (1 - e_t) <= fx[t] <=
    F^max_t (1 - e_t), F^min_t, F^max_t the facility power range and R_t = pv + wind. Then
    import[t] <= fa - R_t e_t + charge[t] + curtail[t]: importing, the site draws its own load less
    every renewable kW (curtailing while importing only adds to the import), and charges the battery;
    export[t] + fx[t] <= R_t (1 - e_t) (+ discharge[t] with storage export): exporting, nothing is
    imported, so the export and the load together are at most the renewables (and the battery). At
    e_t in {0, 1} they follow from the balance; fractional, they stop the relaxation from running the
    load on grid power while it sells the renewables: with the load at F^max_t half of it sits in fx
    and leaves the export R_t (1 - e_t) - fx[t]. Held out (zhongwei, 15 Apr, 200 jobs, 40 % load):
    the LP as built sat 96 % below the best plan, 80 % of it the export revenue the relaxation sold.
    """
    if not len(m.T_grid_excl):
        return
    renewable = data.pv_kw + data.wind_kw
    fac_min, fac_max = data.facility_range_kw()
    has_bat = data.battery is not None
    m.fac_export = pyo.Var(m.T_grid_excl, domain=pyo.NonNegativeReals)

    def part(_m: pyo.ConcreteModel, t: int, exporting: bool) -> tuple[pyo.Expression, pyo.Expression]:
        """The facility power of one mode (fx or fa) and that mode's indicator (1 - e_t or e_t)."""
        if exporting:
            return _m.fac_export[t], 1 - _m.grid_mode[t]
        return _m.facility[t] - _m.fac_export[t], _m.grid_mode[t]

    def least(_m: pyo.ConcreteModel, t: int, exporting: bool) -> pyo.Expression:
        power, on = part(_m, t, exporting)
        return power >= float(fac_min[t]) * on

    def most(_m: pyo.ConcreteModel, t: int, exporting: bool) -> pyo.Expression:
        power, on = part(_m, t, exporting)
        return power <= float(fac_max[t]) * on

    def import_rule(_m: pyo.ConcreteModel, t: int) -> pyo.Expression:
        charge = _m.charge[t] if has_bat else 0.0
        drawn = _m.facility[t] - _m.fac_export[t] - float(renewable[t]) * _m.grid_mode[t]
        return _m.grid_import[t] <= drawn + charge + _m.curtail[t]

    def export_rule(_m: pyo.ConcreteModel, t: int) -> pyo.Expression:
        discharge = _m.discharge[t] if has_bat and data.storage_export else 0.0
        return _m.grid_export[t] + _m.fac_export[t] <= float(renewable[t]) * (1 - _m.grid_mode[t]) + discharge

    for mode, exporting in (("export", True), ("import", False)):
        for name, bound in (("least", least), ("most", most)):
            rule = functools.partial(bound, exporting=exporting)
            setattr(m, f"c_fac_{mode}_{name}", pyo.Constraint(m.T_grid_excl, rule=rule))
    m.c_import_cut = pyo.Constraint(m.T_grid_excl, rule=import_rule)
    m.c_export_cut = pyo.Constraint(m.T_grid_excl, rule=export_rule)
