"""The optimizer's value types: jobs, settings and the plan it returns (inputs and results stages)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

#: Columns of steps.csv, in order (the plan folder contract).
STEP_COLUMNS: tuple[str, ...] = (
    "time",
    "it_kw",
    "cooling_kw",
    "facility_kw",
    "setpoint_c",
    "cooling_mode",
    "temp_air_c",
    "temp_wet_bulb_c",
    "pv_kw",
    "wind_kw",
    "curtailed_kw",
    "battery_charge_kw",
    "battery_discharge_kw",
    "battery_soc_kwh",
    "grid_import_kw",
    "grid_export_kw",
    "price_per_kwh",
    "export_price_per_kwh",
    "carbon_kg_per_kwh",
    "busy_nodes",
)

#: Columns of jobs.csv: one row per run interval.
RUN_COLUMNS: tuple[str, ...] = ("job_id", "start", "end", "nodes")

#: Objective terms, all in the site's currency over the horizon; total = sum of the others
#: with export_revenue counted negative.
OBJECTIVE_TERMS: tuple[str, ...] = (
    "energy_cost",
    "demand_charge",
    "export_revenue",
    "carbon_cost",
    "lateness_penalty",
)


@dataclass(frozen=True)
class Job:
    """One training batch of the queue."""

    job_id: str
    nodes: int
    """GPU nodes the job occupies while it runs. [-]"""
    duration_h: float
    """Run time needed in total. [h]"""
    release: pd.Timestamp
    """Earliest start, timezone-aware. [-]"""
    deadline: pd.Timestamp
    """Latest finish, timezone-aware; soft, with a lateness penalty. [-]"""
    preemptible: bool
    """May pause at any step boundary (True) or must run once, contiguously (False). [-]"""
    node_kw: float | None = None
    """Busy power per node; None means the site's node_busy_kw. [kW]"""
    penalty_per_h_late: float | None = None
    """Lateness penalty; None means the settings' default. [currency/h]"""


@dataclass(frozen=True)
class PlanSettings:
    """How to plan: time grid, prices on carbon, solver limits."""

    step_minutes: int = 15
    """Length of a time step. [min]"""
    horizon_h: float = 24.0
    """Planning horizon from local midnight of the plan date. [h]"""
    carbon_price_per_t: float = 0.0
    """Price on emitted CO2 in the objective. [currency/tCO2]"""
    time_limit_s: float = 60.0
    """Hard wall-clock limit of the solve, fallback after it. [s]"""
    rel_gap: float = 1e-3
    """Relative MIP gap at which the solver stops. [-]"""
    checkpoint_overhead_h: float = 0.0
    """Extra run time charged for each resume of a preemptible job. [h]"""
    default_penalty_per_h_late: float = 5000.0
    """Lateness penalty for jobs that do not give one. [currency/h]"""
    simultaneous_import_export: bool = False
    """Allow import and export in the same step, as with separate meters for the renewables (REopt's
    ``allow_simultaneous_export_import``); False, one meter, keeps them apart with binaries. [-]"""
    late_window_h: float | None = 6.0
    """How long after its deadline (or its earliest finish, when later) a late job may still run, so
    late work is done soon after the deadline rather than wherever energy is cheapest; None: up to the
    horizon end. Work a window leaves unplanned is re-planned with full windows (``make_plan``). [h]"""


@dataclass(frozen=True)
class SolverInfo:
    """What the solver did."""

    status: str
    """optimal, time_limit (incumbent), fallback, infeasible, error. [-]"""
    gap: float | None
    """Relative gap between incumbent and bound at the end, None for a fallback. [-]"""
    build_s: float
    """Model build and hand-over time. [s]"""
    solve_s: float
    """Solver wall-clock time. [s]"""
    fallback: bool = False
    """True when the plan came from the heuristic, not the solver. [-]"""
    fallback_reason: str = ""
    """Why the fallback was used. [-]"""


@dataclass
class Plan:
    """A plan: per-step flows, job run intervals, per-job status, objective terms and solver facts."""

    steps: pd.DataFrame
    """One row per step with STEP_COLUMNS (``time`` tz-aware UTC). [-]"""
    runs: pd.DataFrame
    """One row per run interval with RUN_COLUMNS. [-]"""
    job_status: pd.DataFrame
    """One row per job: job_id, status (on_time/late/not_run), finish, lateness_h, reason. [-]"""
    objective: dict[str, float]
    """OBJECTIVE_TERMS plus 'total'. [currency]"""
    solver: SolverInfo
    """Solver facts. [-]"""
    extra: dict[str, object] = field(default_factory=dict)
    """Anything else the writer should record (rates used, demand-charge share of the month). [-]"""
