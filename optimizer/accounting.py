"""Cost and KPI accounting of a plan from its own tables (steps.csv and the job status).

Every number a plan reports is recomputed here from the columns of the steps table alone, so a plan
folder can be audited without the model: the solver's objective, the baseline and the verifier all
use these functions. Energy per step is power times the step length (kW x h = kWh).

The job status table carries, per job, ``lateness_h`` [h] and ``penalty_per_h`` [currency/h], the
penalty rate the plan applied to that job (``job_penalty_per_h``: the job's own ``penalty_per_h_late``,
or the site's value of a node-hour times the job's nodes); the lateness penalty is their product,
summed.
"""

from __future__ import annotations

import calendar
import itertools
from typing import TYPE_CHECKING

import pandas as pd
from greendc.optimizer.types import (  # Rates lives with Plan, which carries it
    LEVERS,
    OBJECTIVE_TERMS,
    SAVINGS_COMPONENTS,
    ChainStep,
    Job,
    PlanSettings,
    Rates,
    SavingsBreakdown,
)
from greendc.weather.errors import InputError

if TYPE_CHECKING:
    from greendc.sites.model import Site

#: Rental value of one GPU-hour by currency: an H100 SXM on demand at USD 2.50 (specialty clouds,
#: 2026: USD 2.49-3.99 per GPU-hour, an 8-GPU node USD 20-32 per hour; docs/sources.md, "Value of a
#: node-hour"), converted at USD 1 = CNY 7.1 = EUR 0.87 = GBP 0.75. [currency/GPU-h]
GPU_HOUR_VALUE: dict[str, float] = {"USD": 2.5, "CNY": 18.0, "EUR": 2.2, "GBP": 1.9}


def late_penalty_per_node_h(site: Site) -> float:
    """The site's lateness penalty per node-hour: its own setting or the rental value of a node-hour.

    Default: ``gpus_per_node x GPU_HOUR_VALUE[currency]`` (an 8-GPU node: 144 CNY, 20 USD, 17.6 EUR per
    hour). A site in another currency must set ``[it] late_penalty_per_node_h``. [currency/node-h]
    """
    if site.it.late_penalty_per_node_h is not None:
        return float(site.it.late_penalty_per_node_h)
    value = GPU_HOUR_VALUE.get(site.site.currency.upper())
    if value is None:
        known = ", ".join(GPU_HOUR_VALUE)
        raise InputError(f"no default value of a node-hour in {site.site.currency}; set it (in the site's "
                         f"currency per node-hour) or use one of {known}", key="it.late_penalty_per_node_h")
    return site.it.gpus_per_node * value


def job_penalty_per_h(job: Job, site: Site, settings: PlanSettings) -> float:
    """A job's lateness penalty per hour late: its own rate, the settings' override, or the site's
    value of a node-hour times the job's nodes. [currency/h]"""
    if job.penalty_per_h_late is not None:
        return float(job.penalty_per_h_late)
    if settings.default_penalty_per_h_late is not None:
        return float(settings.default_penalty_per_h_late)
    return late_penalty_per_node_h(site) * job.nodes

#: Columns of the job status table (Plan.job_status), in order.
JOB_STATUS_COLUMNS: tuple[str, ...] = (
    "job_id",
    "status",
    "finish",
    "lateness_h",
    "penalty_per_h",
    "reason",
)


def demand_share_of_month(start_local: pd.Timestamp, horizon_h: float) -> float:
    """Share of a monthly demand charge borne by a horizon: its hours over the hours of its month. [-]

    A monthly capacity charge is billed on the month's peak; spreading it evenly over the month's hours
    charges each daily plan its own slice (a 24 h plan in a 30-day month bears 1/30).
    """
    days = calendar.monthrange(start_local.year, start_local.month)[1]
    return horizon_h / (24.0 * days)


def make_rates(
    step_minutes: int, demand_charge_per_kw_month: float, share_of_month: float, carbon_price_per_t: float
) -> Rates:
    """Rates from the site's monthly demand charge, the horizon's share of the month and the carbon price."""
    return Rates(
        step_h=step_minutes / 60.0,
        demand_charge_per_kw_horizon=demand_charge_per_kw_month * share_of_month,
        demand_share_of_month=share_of_month,
        carbon_price_per_t=carbon_price_per_t,
    )


def objective_terms(steps: pd.DataFrame, job_status: pd.DataFrame, rates: Rates) -> dict[str, float]:
    """Each objective term and the total, recomputed from the steps and job status tables. [currency]

    energy_cost = sum_t import_t price_t dt; demand_charge = d_h max_t import_t;
    export_revenue = sum_t export_t export_price_t dt; carbon_cost = P_c/1000 sum_t import_t c_t dt
    (kg -> t); lateness_penalty = sum_j lateness_h_j penalty_per_h_j;
    total = energy + demand - export + carbon + lateness.
    """
    dt = rates.step_h
    imp = steps["grid_import_kw"].to_numpy(dtype=float)
    exp = steps["grid_export_kw"].to_numpy(dtype=float)
    terms = {
        "energy_cost": float((imp * steps["price_per_kwh"].to_numpy(dtype=float)).sum() * dt),
        "demand_charge": float(rates.demand_charge_per_kw_horizon * (imp.max() if len(imp) else 0.0)),
        "export_revenue": float((exp * steps["export_price_per_kwh"].to_numpy(dtype=float)).sum() * dt),
        "carbon_cost": float(rates.carbon_price_per_t / 1000.0 * carbon_kg(steps, dt)),
        "lateness_penalty": lateness_penalty(job_status),
    }
    assert tuple(terms) == OBJECTIVE_TERMS
    terms["total"] = (
        terms["energy_cost"]
        + terms["demand_charge"]
        - terms["export_revenue"]
        + terms["carbon_cost"]
        + terms["lateness_penalty"]
    )
    return terms


#: Objective terms that are the grid's bill (lateness left out), with the sign each has in the total.
BILL_TERMS: dict[str, float] = {"energy_cost": 1.0, "demand_charge": 1.0, "export_revenue": -1.0,
                                "carbon_cost": 1.0}


def bill(objective: dict[str, float]) -> float:
    """A plan's cost without its lateness penalty: energy + demand - export + carbon. [currency]"""
    return sum(sign * float(objective[term]) for term, sign in BILL_TERMS.items())


def savings_breakdown(chain: list[ChainStep], notes: list[str] | None = None) -> SavingsBreakdown:
    """The saving of the chain's last plan against its first, split into SAVINGS_COMPONENTS. [currency]

    ``chain`` is today's practice, then one plan per lever added (``LEVERS`` order; a lever whose plan
    is missing adds nothing and its effect falls to the next), the final plan last. Lever L, going from
    plan a to plan b, saves ``sign x (a.term - b.term)`` on each bill term; its component is the energy
    cost part, and the demand charge, export revenue and carbon cost are summed over the levers into
    one component each. The components telescope to bill(first) - bill(last) exactly.
    """
    by_lever: dict[str, dict[str, float]] = {lever: dict.fromkeys(BILL_TERMS, 0.0) for lever in LEVERS}
    for before, after in itertools.pairwise(chain):
        for term, sign in BILL_TERMS.items():
            saved = float(before.objective[term]) - float(after.objective[term])
            by_lever[after.lever][term] += sign * saved
    components = {lever: by_lever[lever]["energy_cost"] for lever in LEVERS}
    components["demand_charge"] = sum(v["demand_charge"] for v in by_lever.values())
    components["export"] = sum(v["export_revenue"] for v in by_lever.values())
    components["carbon_cost"] = sum(v["carbon_cost"] for v in by_lever.values())
    assert tuple(components) == SAVINGS_COMPONENTS
    total = bill(chain[0].objective) - bill(chain[-1].objective) if chain else 0.0
    return SavingsBreakdown(components=components, total=total, by_lever=by_lever, chain=list(chain),
                            notes=list(notes or []))


def gap_words(gap: float | None, objective_total: float | None, currency: str) -> str:
    """What a proven MIP gap is worth in money, in words: gap x |objective| bounds what a better plan saves.

    HiGHS's relative gap is |objective - bound| / |objective| (``highs_runner.relative_gap``); the
    objective holds energy, demand charge, export, carbon cost and lateness penalties, so no plan of
    the same inputs can have an objective lower than this one's by more than that amount.
    """
    if gap is None or objective_total is None:
        return "no proven gap (no solver bound)"
    worth = abs(gap * objective_total)
    if worth < 0.5:
        return f"gap {100 * gap:.2f} %: proven optimal to under 1 {currency}"
    return f"gap {100 * gap:.2f} %: no plan can cost more than {worth:,.0f} {currency} less"


def lateness_hours(job_status: pd.DataFrame, nodes: dict[str, int] | None = None) -> dict[str, float]:
    """Job-hours late (sum of each job's hours late) and node-hours late (times its nodes). [h, node-h]"""
    if job_status.empty:
        return {"job_hours": 0.0, "node_hours": 0.0}
    hours = job_status["lateness_h"].astype(float)
    width = job_status["job_id"].astype(str).map(nodes or {}).fillna(0.0).astype(float)
    return {"job_hours": float(hours.sum()), "node_hours": float((hours * width).sum())}


def headline_savings(plan_kpi: dict[str, float], plan_objective: dict[str, float], base_kpi: dict[str, float],
                     base_objective: dict[str, float]) -> dict[str, float | None]:
    """Savings against the baseline: cost without lateness penalties (the headline), carbon, energy.

    ``cost`` leaves the lateness penalties out (late work is never money saved); ``cost_with_lateness``
    is the objective's difference and ``lateness_penalty`` the penalty's (baseline minus plan).
    """
    def pct(saved: float, base: float) -> float | None:
        return 100.0 * saved / abs(base) if base else None

    cost = bill(base_objective) - bill(plan_objective)
    carbon = base_kpi["carbon_kg"] - plan_kpi["carbon_kg"]
    energy = base_kpi["facility_kwh"] - plan_kpi["facility_kwh"]
    return {"cost": cost, "cost_pct": pct(cost, bill(base_objective)), "carbon_kg": carbon,
            "carbon_pct": pct(carbon, base_kpi["carbon_kg"]), "energy_kwh": energy,
            "energy_pct": pct(energy, base_kpi["facility_kwh"]),
            "pue_points": base_kpi["pue"] - plan_kpi["pue"],
            "cost_with_lateness": float(base_objective["total"] - plan_objective["total"]),
            "lateness_penalty": float(base_objective["lateness_penalty"]
                                      - plan_objective["lateness_penalty"])}


def lateness_penalty(job_status: pd.DataFrame) -> float:
    """Soft-deadline penalty: sum_j lateness_h_j [h] x penalty_per_h_j [currency/h]. [currency]"""
    if job_status.empty:
        return 0.0
    return float((job_status["lateness_h"].astype(float) * job_status["penalty_per_h"].astype(float)).sum())


def carbon_kg(steps: pd.DataFrame, step_h: float) -> float:
    """Emissions of the grid import: sum_t import_t [kW] x intensity_t [kg/kWh] x dt [h]. [kgCO2]"""
    return float((steps["grid_import_kw"] * steps["carbon_kg_per_kwh"]).sum() * step_h)


def plan_kpis(steps: pd.DataFrame, step_h: float) -> dict[str, float]:
    """Energy KPIs of a plan from its steps table: kWh by use, PUE, carbon, renewables, peak import.

    PUE = facility kWh / IT kWh (The Green Grid, WP#49, 2012). Renewable share is the on-site
    renewable energy used on site (PV + wind - curtailed - exported, not below zero) over the facility
    energy, capped at 1; battery losses are not attributed to a source.
    """
    kwh = {name: float(steps[col].sum() * step_h) for name, col in _ENERGY_COLUMNS.items()}
    renewable_used = max(0.0, kwh["pv_kwh"] + kwh["wind_kwh"] - kwh["curtailed_kwh"] - kwh["grid_export_kwh"])
    facility = kwh["facility_kwh"]
    return {
        **kwh,
        "pue": facility / kwh["it_kwh"] if kwh["it_kwh"] > 0 else float("nan"),
        "carbon_kg": carbon_kg(steps, step_h),
        "renewable_share": min(1.0, renewable_used / facility) if facility > 0 else 0.0,
        "peak_import_kw": float(steps["grid_import_kw"].max()) if len(steps) else 0.0,
    }


_ENERGY_COLUMNS = {
    "facility_kwh": "facility_kw",
    "it_kwh": "it_kw",
    "cooling_kwh": "cooling_kw",
    "grid_import_kwh": "grid_import_kw",
    "grid_export_kwh": "grid_export_kw",
    "pv_kwh": "pv_kw",
    "wind_kwh": "wind_kw",
    "curtailed_kwh": "curtailed_kw",
    "battery_charge_kwh": "battery_charge_kw",
    "battery_discharge_kwh": "battery_discharge_kw",
}
