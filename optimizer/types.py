"""The optimizer's value types: jobs, settings and the plan it returns (inputs and results stages)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
from greendc.weather.errors import InputError
from pydantic import ConfigDict, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.dataclasses import dataclass as pydantic_dataclass
from pydantic_core import PydanticCustomError

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


#: Each setting's command-line option: a refused value is one InputError line naming it.
SETTING_FLAGS: dict[str, str] = {
    "step_minutes": "--step-min",
    "horizon_h": "--horizon-h",
    "carbon_price_per_t": "--carbon-price",
    "time_limit_s": "--time-limit",
    "rel_gap": "--gap",
    "checkpoint_overhead_h": "--checkpoint-h",
    "default_penalty_per_h_late": "default_penalty_per_h_late",
    "simultaneous_import_export": "simultaneous_import_export",
    "late_window_h": "--late-window-h",
    "fluid_work": "fluid_work",
}
#: Longest planning horizon (a week). [h]
MAX_HORIZON_H = 24.0 * 7


def _finite(value: float) -> bool:
    """True for a finite number (NaN and infinities are refused)."""
    return math.isfinite(value)


def _steps_minutes() -> tuple[int, ...]:
    """The step lengths the site profile supports (imported when needed: sites.profile loads pvlib). [min]"""
    from greendc.sites.profile import STEPS_MINUTES

    return STEPS_MINUTES


#: Longest solve a plan may ask for: a day (a plan for tomorrow must exist by then). [s]
MAX_TIME_LIMIT_S = 86_400.0
#: Highest carbon price accepted: 1,000x today's ETS prices, far above any social cost of carbon. [/tCO2]
MAX_CARBON_PRICE_PER_T = 100_000.0

#: field -> (accepts the value, what to say when it does not); ``{value:g}`` is the value given.
_SETTING_RULES: dict[str, tuple[Callable[[Any], bool], str]] = {
    "step_minutes": (lambda v: v in _steps_minutes(),
                     "step of {value} min is not allowed; use one of {allowed}"),
    "horizon_h": (lambda v: 0 < v <= MAX_HORIZON_H, "must be in (0, 168] hours"),
    "carbon_price_per_t": (lambda v: _finite(v) and 0 <= v <= MAX_CARBON_PRICE_PER_T,
                           f"must be in [0, {MAX_CARBON_PRICE_PER_T:,.0f}] per tCO2"),
    "time_limit_s": (lambda v: _finite(v) and 0 < v <= MAX_TIME_LIMIT_S,
                     f"must be in (0, {MAX_TIME_LIMIT_S:,.0f}] seconds"),
    "rel_gap": (lambda v: 0 <= v < 1, "must be in [0, 1)"),
    "checkpoint_overhead_h": (lambda v: 0 <= v <= 24, "{value:g} is outside 0-24 h"),
    "default_penalty_per_h_late": (lambda v: v is None or (_finite(v) and v >= 0),
                                   "must be a finite number, not negative"),
    "late_window_h": (lambda v: v is None or 0 <= v <= MAX_HORIZON_H, "{value:g} is outside 0-168 h"),
}


@pydantic_dataclass(frozen=True, config=ConfigDict(extra="forbid"))
class PlanSettings:
    """How to plan: time grid, prices on carbon, solver limits; every bound checked once, on construction.

    A value out of range raises one InputError naming the command-line option (``SETTING_FLAGS``);
    ``dataclasses.replace`` checks the new value the same way.
    """

    step_minutes: int = 15
    """Length of a time step, one of greendc.sites.profile.STEPS_MINUTES. [min]"""
    horizon_h: float = 24.0
    """Planning horizon from local midnight of the plan date, (0, 168], whole steps. [h]"""
    carbon_price_per_t: float = 0.0
    """Price on emitted CO2 in the objective, >= 0. [currency/tCO2]"""
    time_limit_s: float = 60.0
    """Hard wall-clock limit of the solve, fallback after it; > 0 and finite. [s]"""
    rel_gap: float = 1e-3
    """Relative MIP gap at which the solver stops, [0, 1). [-]"""
    checkpoint_overhead_h: float = 0.0
    """Extra run time charged for each resume of a preemptible job, [0, 24]. [h]"""
    default_penalty_per_h_late: float | None = None
    """Lateness penalty per hour for jobs that do not give one, >= 0; None (default): the site's value
    of a node-hour times the job's nodes (``accounting.job_penalty_per_h``). [currency/h]"""
    simultaneous_import_export: bool = False
    """Allow import and export in the same step, as with separate meters for the renewables (REopt's
    ``allow_simultaneous_export_import``); False, one meter, keeps them apart with binaries. [-]"""
    late_window_h: float | None = 6.0
    """How long after its deadline (or its earliest finish, when later) a late job may still run, so
    late work is done soon after the deadline rather than wherever energy is cheapest; None: up to the
    horizon end. Work a window leaves unplanned is re-planned with full windows (``make_plan``). [h]"""
    fluid_work: bool = False
    """Preemptible work as fluid shares of a step's nodes (continuous x, one-step slots, no whole-slot
    cut): the year study's rolling days plan aggregated training energy this way
    (``greendc.optimizer.study.rolling``); not a schedule a cluster can run, so never a ``plan``. [-]"""

    @field_validator("*")
    @classmethod
    def _in_range(cls, value: Any, info: ValidationInfo) -> Any:
        """Refuse a value outside its field's range (``_SETTING_RULES``)."""
        rule = _SETTING_RULES.get(str(info.field_name))
        if rule is not None and not rule[0](value):
            allowed = ", ".join(map(str, _steps_minutes())) if "{allowed}" in rule[1] else ""
            raise ValueError(rule[1].format(value=value, allowed=allowed))
        return value

    @model_validator(mode="after")
    def _whole_steps(self) -> PlanSettings:
        """The horizon must hold a whole number of steps."""
        if (self.horizon_h * 60) % self.step_minutes:
            message = f"must be a whole number of {self.step_minutes}-minute steps"
            raise PydanticCustomError("horizon_h", message)
        return self


def settings_error(exc: ValidationError) -> InputError:
    """A PlanSettings validation error as one InputError line naming the first refused option."""
    first = exc.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else str(first["type"])
    message = str(first["msg"]).removeprefix("Value error, ")
    return InputError(message, key=SETTING_FLAGS.get(field, field))


_validated_init = PlanSettings.__init__


def _checked_init(self: PlanSettings, *args: Any, **kwargs: Any) -> None:
    """pydantic's validating constructor, its ValidationError turned into an InputError."""
    try:
        _validated_init(self, *args, **kwargs)
    except ValidationError as exc:
        raise settings_error(exc) from None


PlanSettings.__init__ = _checked_init  # type: ignore[method-assign]


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


@dataclass(frozen=True)
class Rates:
    """The rates that turn a plan's flows into money, recorded in plan.json to recompute its cost."""

    step_h: float
    """Length of a time step. [h]"""
    demand_charge_per_kw_horizon: float
    """Demand charge on the horizon's peak import: monthly charge x demand_share_of_month. [currency/kW]"""
    demand_share_of_month: float
    """Share of the month's demand charge borne by this horizon (horizon hours / month hours). [-]"""
    carbon_price_per_t: float
    """Price on emitted CO2. [currency/tCO2]"""


@dataclass(frozen=True)
class ModelSize:
    """How big the solved model was."""

    variables: int
    constraints: int


@dataclass(frozen=True)
class SolveFacts:
    """What building and handing over the model took, and the solver's bound (profiling, benchmarks)."""

    build_stage_s: dict[str, float]
    """Build seconds of each model stage (variables, each constraint family). [s]"""
    handover_s: float
    """Seconds to hand the model to HiGHS. [s]"""
    model_size: ModelSize
    bound: float | None
    """The solver's best bound on the objective, None when it has none. [currency]"""


@dataclass(frozen=True)
class ParetoTag:
    """Where a plan sits on the cost-carbon front."""

    rank: int
    """0 the cheapest, n - 1 the cleanest. [-]"""
    carbon_cap_kg: float | None
    """The emissions cap of the plan, None for the cheapest (uncapped). [kgCO2]"""


#: The levers of the savings chain, in the order they are added to today's practice.
LEVERS: tuple[str, ...] = ("battery", "setpoints", "job_timing")
#: The savings components (the waterfall's bars), in order: each lever's energy cost, then the terms
#: that are the site's as a whole (demand charge, export revenue, carbon cost). Their sum is the cost
#: saving without lateness penalties.
SAVINGS_COMPONENTS: tuple[str, ...] = ("battery", "setpoints", "job_timing", "demand_charge", "export",
                                       "carbon_cost")


@dataclass(frozen=True)
class ChainStep:
    """One plan of the savings chain: today's practice with the levers up to this one optimised."""

    lever: str
    """'baseline', or the lever this plan adds (LEVERS). [-]"""
    objective: dict[str, float]
    """OBJECTIVE_TERMS plus 'total' of this plan. [currency]"""
    status: str
    """Solver status of the plan ('baseline' for today's practice, 'plan' for the final plan). [-]"""


@dataclass(frozen=True)
class SavingsBreakdown:
    """The cost saving against today's practice split into parts that add up to it exactly.

    A chain of plans adds one lever at a time (``LEVERS``): today's practice, + battery dispatch (jobs
    and setpoint as today), + cooling setpoints (jobs as today), + job timing (the plan). Each lever
    is credited with the energy cost it saves over the plan before it; the demand charge, the export
    revenue and the carbon cost are credited as wholes (baseline minus plan). The parts telescope, so
    they sum to the saving without lateness penalties by construction. Lateness is never a saving: its
    penalty change is reported apart, with the job-hours late of both plans.
    """

    components: dict[str, float]
    """SAVINGS_COMPONENTS -> saving, positive when the plan is cheaper. [currency]"""
    total: float
    """The cost saving without lateness penalties: the sum of the components. [currency]"""
    by_lever: dict[str, dict[str, float]]
    """Each lever's saving on each objective term (lateness left out), for audit. [currency]"""
    chain: list[ChainStep]
    """The plans of the chain, today's practice first, the plan last. [-]"""
    notes: list[str] = field(default_factory=list)
    """Why a step of the chain is missing (a solve without a plan), one line each. [-]"""


#: Where a plan came from: the solver, today's practice, or today's practice standing in for the solver.
PlanKind = Literal["optimised", "baseline", "fallback"]


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
    rates: Rates
    """The rates the objective was computed with (recorded in plan.json). [-]"""
    kind: PlanKind = "optimised"
    warnings: list[str] = field(default_factory=list)
    """Notes for plan.json, one line each (why a re-plan, why an incumbent is not proven optimal). [-]"""
    solve: SolveFacts | None = None
    """Build and solve facts, None when no model was solved. [-]"""
    solver_objective: dict[str, float] | None = None
    """The objective terms as the solver's model valued them (the verifier compares). [currency]"""
    pareto: ParetoTag | None = None
    rejected_objective: dict[str, float] | None = None
    """A dearer solver plan's objective that the baseline guard replaced by today's practice. [currency]"""

