"""Sets and decision variables of the planning MILP, each with its unit and bounds.

Index conventions: ``t`` step, ``k`` setpoint level, ``j`` preemptible job, ``g`` group of identical
non-preemptible jobs, ``s`` a start step of a group. Only the (job, step) pairs a job may use exist.
"""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
from greendc.optimizer.day.model.data import ModelData


def add_sets(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Steps, levels, jobs and the sparse (job, step) pairs each job may use."""
    T = data.n_steps
    m.T = pyo.Set(initialize=range(T), ordered=True)
    m.K = pyo.Set(initialize=range(data.n_levels), ordered=True)
    m.TK = pyo.Set(
        dimen=2,
        ordered=True,
        initialize=[(t, k) for t, levels in enumerate(data.allowed_levels()) for k in levels],
    )
    m.J = pyo.Set(initialize=range(len(data.preemptible)), ordered=True)
    m.JT = pyo.Set(
        dimen=2,
        ordered=True,
        initialize=[(j, t) for j, job in enumerate(data.preemptible) for t in job.slots],
    )
    m.G = pyo.Set(initialize=range(len(data.blocks)), ordered=True)
    m.GS = pyo.Set(
        dimen=2, ordered=True, initialize=[(g, s) for g, grp in enumerate(data.blocks) for s in grp.starts]
    )
    m.GT = pyo.Set(
        dimen=2,
        ordered=True,
        initialize=[(g, t) for g, grp in enumerate(data.blocks) for t in grp.running_steps],
    )
    m.T_bat_excl = pyo.Set(initialize=[t for t in range(T) if data.battery is not None and data.price[t] < 0])
    m.T_grid_excl = pyo.Set(initialize=one_meter_steps(data))


def add_job_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Run shares of preemptible jobs, start counts of block groups, and their slack for unplanned work.

    x[j,t] in {0,1}: preemptible job j runs in its slot starting at step t (L_j whole steps, its nodes
    busy for all of them) [-]; in [0,1] with fluid work (the share of step t it runs);
    u[j] in [0, H_j]: hours of job j's work not planned in the horizon [h];
    n[g,s] in {0..c_g}: jobs of group g starting at step s [-]; v[g] in {0..c_g}: jobs not run [-];
    on[g,t] in [0, c_g]: jobs of group g running at step t (integral through n) [-].
    With a checkpoint overhead: s[j,t] in [0,1] a run of j starts with slot t (integral through x) [-];
    ran[j] in [0,1] job j runs at all [-] (resumes = sum_t s[j,t] - ran[j]).
    """
    pre, blocks = data.preemptible, data.blocks
    m.x = pyo.Var(m.JT, domain=pyo.UnitInterval if data.fluid_work else pyo.Binary)
    m.fluid_work = data.fluid_work
    m.run_facts = tuple((job.nodes, job.run_steps, job.deadline_step, job.min_run_steps,
                         data.checkpoint_h / (job.min_run_steps * data.step_h)) for job in pre)
    m.u = pyo.Var(m.J, bounds=lambda _m, j: (0.0, pre[j].hours))
    m.n = pyo.Var(m.GS, domain=pyo.NonNegativeIntegers, bounds=lambda _m, g, s: (0, blocks[g].count))
    m.v = pyo.Var(m.G, domain=pyo.NonNegativeIntegers, bounds=lambda _m, g: (0, blocks[g].count))
    m.on = pyo.Var(m.GT, bounds=lambda _m, g, t: (0.0, float(blocks[g].count)))
    if data.checkpoint_h > 0:  # only then do resumes cost anything
        m.s = pyo.Var(m.JT, bounds=(0.0, 1.0))
        m.ran = pyo.Var(m.J, bounds=(0.0, 1.0))


def add_site_variables(m: pyo.ConcreteModel, data: ModelData) -> None:
    """IT load, cooling level choice, facility power, renewables, battery and grid at each step.

    busy[t] [nodes], it_nominal[t] [kW], z[t,k] nominal IT kW served at level k [kW], y[t,k] level
    chosen [-] (over the allowed (t, k) pairs; fixed to 1 where a step has one allowed level),
    facility[t] [kW], curtail[t] [kW], grid_import[t], grid_export[t] [kW], charge[t], discharge[t] [kW],
    soc[t] state of charge at the end of step t [kWh], peak [kW].
    """
    m.busy = pyo.Var(m.T, bounds=(0.0, float(data.nodes)))
    m.it_nominal = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    m.z = pyo.Var(m.TK, domain=pyo.NonNegativeReals)
    m.y = pyo.Var(m.TK, domain=pyo.Binary)
    allowed = data.allowed_levels()
    for t, levels in enumerate(allowed):
        if len(levels) == 1:
            m.y[t, levels[0]].fix(1)
    m.facility = pyo.Var(m.T, domain=pyo.NonNegativeReals)
    renewable = data.pv_kw + data.wind_kw
    m.curtail = pyo.Var(m.T, bounds=lambda _m, t: (0.0, float(renewable[t])))
    imp_max, exp_max = grid_bounds_kw(data)
    m.grid_import = pyo.Var(m.T, bounds=lambda _m, t: (0.0, float(imp_max[t])))
    m.grid_export = pyo.Var(m.T, bounds=lambda _m, t: (0.0, float(exp_max[t])))
    m.grid_mode = pyo.Var(m.T_grid_excl, domain=pyo.Binary)
    m.peak = pyo.Var(bounds=(0.0, data.import_limit_kw))
    bat = data.battery
    if bat is not None:
        m.charge = pyo.Var(m.T, bounds=(0.0, bat.power_kw))
        m.discharge = pyo.Var(m.T, bounds=(0.0, bat.power_kw))
        m.soc = pyo.Var(m.T, bounds=(bat.soc_min_kwh, bat.energy_kwh))
        m.bat_mode = pyo.Var(m.T_bat_excl, domain=pyo.Binary)


def one_meter_steps(data: ModelData) -> list[int]:
    """Steps where a one-meter site needs a binary to keep import and export apart.

    Where exporting pays at least the import price (importing to export would pay) and the site could
    be either a net importer or a net exporter. Elsewhere doing both at once never pays. Without
    storage export (``ModelData.storage_export`` off), also every step where a PV and wind surplus is
    possible and the site has a battery: there the binary keeps discharging and exporting apart.
    """
    if not data.one_meter or data.export_limit_kw <= 0:
        return []
    low, high = data.net_import_range_kw()
    steps = {t for t in range(data.n_steps) if data.export_price[t] >= data.price[t] and low[t] < 0 < high[t]}
    if guards_storage(data):
        surplus = data.pv_kw + data.wind_kw - data.facility_range_kw()[0]
        steps |= {t for t in range(data.n_steps) if surplus[t] > 0}
    return sorted(steps)


def guards_storage(data: ModelData) -> bool:
    """True when a one-meter site must keep its battery's energy from being exported. [-]"""
    guarded = data.one_meter and not data.storage_export
    return guarded and data.battery is not None and data.export_limit_kw > 0


def grid_bounds_kw(data: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """Tight upper bounds on import and export at each step. [kW]

    One meter: import never exceeds the highest useful net import where importing costs money
    (curtailing while importing never pays), and export never exceeds the surplus possible at the
    lowest load with the battery discharging (more would need importing at the same time); without
    storage export, the PV and wind surplus over the lowest load. Two
    meters: import up to the highest load, export up to the renewable output (only the renewables'
    meter exports).
    """
    low, high = data.net_import_range_kw()
    renewable = data.pv_kw + data.wind_kw
    if not data.one_meter:
        imp = np.clip(high + renewable, 0.0, data.import_limit_kw)
        return imp, np.minimum(renewable, data.export_limit_kw)
    imp = np.where(data.price > 0, np.clip(high, 0.0, data.import_limit_kw), data.import_limit_kw)
    if not data.storage_export:
        return imp, np.clip(renewable - data.facility_range_kw()[0], 0.0, data.export_limit_kw)
    return imp, np.clip(-low, 0.0, data.export_limit_kw)
