"""Objective of the planning MILP and its terms as named Pyomo expressions (named as OBJECTIVE_TERMS)."""

from __future__ import annotations

import pyomo.environ as pyo
from greendc.optimizer.day.lateness import add_finish_lateness
from greendc.optimizer.day.model.data import (
    BATTERY_THROUGHPUT_COST_PER_KWH,
    CARBON_TIE_BREAK_PER_KG,
    SETPOINT_CHANGE_COST_PER_C,
    ModelData,
    PreemptibleJob,
)


def job_lateness(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Lateness hours of each job, the quantity its penalty multiplies.

    Preemptible job j (deadline step d_j): late_j = late_end_j + u_j (1 + (T - d_j) dt / H_j), the time
    its last run ends after the deadline (late_end_j >= (t + 1 - d_j) dt x[j,t], day/lateness.py) plus
    the work not planned, which counts more per hour
    (a job left wholly unplanned is late by its run time plus the time from its deadline to the horizon
    end, as if it started there), so running late inside the horizon always beats not running.
    Block group g (D_g steps): late_g = sum_s n[g,s] max(0, s + D_g - d_g) dt + v_g (T - d_g + D_g) dt,
    the finish delay of each run; a job not run counts as if it started at the horizon end, later
    than any run inside the horizon, so running late always beats not running.
    """
    dt = data.step_h
    T = data.n_steps
    pre, blocks = data.preemptible, data.blocks

    def pre_rule(_m: pyo.ConcreteModel, j: int) -> pyo.Expression:
        return _m.late_end[j] + _m.u[j] * unfinished_weight(pre[j], T, dt)

    def block_rule(_m: pyo.ConcreteModel, g: int) -> pyo.Expression:
        grp = blocks[g]
        d, D = grp.deadline_step, grp.steps
        return sum(_m.n[g, s] * (max(0, s + D - d) * dt) for s in grp.starts if s + D > d) + _m.v[g] * (
            (T - d + D) * dt
        )

    add_finish_lateness(m, data)  # late_end[j]: its last run's end after the deadline (day/lateness.py)
    m.late_h_pre = pyo.Expression(m.J, rule=pre_rule)
    m.late_h_block = pyo.Expression(m.G, rule=block_rule)


def objective(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Minimise energy cost + demand charge - export revenue + carbon cost + lateness penalty.

    energy = sum_t price_t import_t dt; demand = d_h peak (the horizon's share of the monthly charge);
    export = sum_t export_price_t export_t dt; carbon = P_c / 1000 sum_t c_t import_t dt (kg -> t);
    lateness = sum_j pen_j late_j + sum_g pen_g late_g. Terms match greendc.optimizer.accounting exactly.
    The objective adds ``tie_break`` (below), which is no money and in no plan's terms.
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
    tie_break(m, data)
    m.obj = pyo.Objective(
        expr=m.energy_cost + m.demand_charge - m.export_revenue + m.carbon_cost + m.lateness_penalty
        + m.tie_break,
        sense=pyo.minimize,
    )


def tie_break(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Small costs that choose among plans of equal money, so that the same inputs give the same plan.

    tie_break = a_c sum_t e_t import_t dt + a_b sum_t discharge_t dt + a_s sum_t |L(t) - L(t-1)|, with
    a_c = CARBON_TIE_BREAK_PER_KG (of two plans of equal cost the one that emits less, at any carbon
    price), a_b = BATTERY_THROUGHPUT_COST_PER_KWH (the battery cycles only when that saves money) and
    a_s = SETPOINT_CHANGE_COST_PER_C per deg C the setpoint moves between steps where the levels are
    decisions (where they are not, ``ModelData.allowed_levels`` keeps the setpoint where it is unless
    another level is better). L(t) = sum_k L_k y[t,k].
    """
    dt = data.step_h
    expr = sum(CARBON_TIE_BREAK_PER_KG * float(data.carbon[t]) * dt * m.grid_import[t] for t in m.T)
    if data.battery is not None:
        expr += sum(BATTERY_THROUGHPUT_COST_PER_KWH * dt * m.discharge[t] for t in m.T)
    allowed = data.allowed_levels()
    moves = [t for t in range(1, data.n_steps) if len(allowed[t]) > 1 or len(allowed[t - 1]) > 1]
    if moves:
        levels = data.levels_c

        def setpoint(t: int) -> pyo.Expression:
            return sum(float(levels[k]) * m.y[t, k] for k in allowed[t])

        m.MOVES = pyo.Set(initialize=moves, ordered=True)
        m.setpoint_move = pyo.Var(m.MOVES, domain=pyo.NonNegativeReals)
        m.c_move_up = pyo.Constraint(
            m.MOVES, rule=lambda _m, t: _m.setpoint_move[t] >= setpoint(t) - setpoint(t - 1)
        )
        m.c_move_down = pyo.Constraint(
            m.MOVES, rule=lambda _m, t: _m.setpoint_move[t] >= setpoint(t - 1) - setpoint(t)
        )
        expr += SETPOINT_CHANGE_COST_PER_C * sum(m.setpoint_move[t] for t in m.MOVES)
    m.tie_break = pyo.Expression(expr=expr)


def unfinished_weight(job: PreemptibleJob, n_steps: int, step_h: float) -> float:
    """Lateness hours per hour of a preemptible job's work not planned in the horizon. [h/h]"""
    return 1.0 + (n_steps - job.deadline_step) * step_h / job.hours if job.hours > 0 else 1.0
