"""Objective of the planning MILP and its terms as named Pyomo expressions (named as OBJECTIVE_TERMS)."""

from __future__ import annotations

import pyomo.environ as pyo
from greendc.optimizer.day.model.data import ModelData, PreemptibleJob


def job_lateness(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Lateness hours of each job, the quantity its penalty multiplies.

    Preemptible job j (deadline step d_j): late_j = sum_{t >= d_j} x[j,t] dt + u_j (1 + (T - d_j) dt / H_j),
    the hours of work done after the deadline plus the work not planned, which counts more per hour
    (a job left wholly unplanned is late by its run time plus the time from its deadline to the horizon
    end, as if it started there), so running late inside the horizon always beats not running.
    Block group g (D_g steps): late_g = sum_s n[g,s] max(0, s + D_g - d_g) dt + v_g (T - d_g + D_g) dt,
    the finish delay of each run; a job not run counts as if it started at the horizon end, later
    than any run inside the horizon, so running late always beats not running.
    """
    dt = data.step_h
    T = data.n_steps
    pre, blocks = data.preemptible, data.blocks
    late_steps = {j: [t for t in job.steps if t >= job.deadline_step] for j, job in enumerate(pre)}

    def pre_rule(_m: pyo.ConcreteModel, j: int) -> pyo.Expression:
        return sum(_m.x[j, t] for t in late_steps[j]) * dt + _m.u[j] * unfinished_weight(pre[j], T, dt)

    def block_rule(_m: pyo.ConcreteModel, g: int) -> pyo.Expression:
        grp = blocks[g]
        d, D = grp.deadline_step, grp.steps
        return sum(_m.n[g, s] * (max(0, s + D - d) * dt) for s in grp.starts if s + D > d) + _m.v[g] * (
            (T - d + D) * dt
        )

    m.late_h_pre = pyo.Expression(m.J, rule=pre_rule)
    m.late_h_block = pyo.Expression(m.G, rule=block_rule)


def objective(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Minimise energy cost + demand charge - export revenue + carbon cost + lateness penalty.

    energy = sum_t price_t import_t dt; demand = d_h peak (the horizon's share of the monthly charge);
    export = sum_t export_price_t export_t dt; carbon = P_c / 1000 sum_t c_t import_t dt (kg -> t);
    lateness = sum_j pen_j late_j + sum_g pen_g late_g. Terms match greendc.optimizer.accounting exactly.
    """
    dt = data.step_h
    rates = data.rates
    cp = rates.carbon_price_per_t / 1000.0
    m.energy_cost = pyo.Expression(expr=sum(float(data.price[t]) * dt * m.grid_import[t] for t in m.T))
    m.demand_charge = pyo.Expression(expr=rates.demand_charge_per_kw_horizon * m.peak)
    m.export_revenue = pyo.Expression(
        expr=sum(float(data.export_price[t]) * dt * m.grid_export[t] for t in m.T)
    )
    m.carbon_cost = pyo.Expression(expr=sum(cp * float(data.carbon[t]) * dt * m.grid_import[t] for t in m.T))
    m.lateness_penalty = pyo.Expression(
        expr=sum(data.preemptible[j].penalty_per_h * m.late_h_pre[j] for j in m.J)
        + sum(data.blocks[g].penalty_per_h * m.late_h_block[g] for g in m.G)
    )
    m.obj = pyo.Objective(
        expr=m.energy_cost + m.demand_charge - m.export_revenue + m.carbon_cost + m.lateness_penalty,
        sense=pyo.minimize,
    )


def unfinished_weight(job: PreemptibleJob, n_steps: int, step_h: float) -> float:
    """Lateness hours per hour of a preemptible job's work not planned in the horizon. [h/h]"""
    return 1.0 + (n_steps - job.deadline_step) * step_h / job.hours if job.hours > 0 else 1.0
