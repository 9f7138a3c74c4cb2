"""plan.json as one pydantic model: written from it and read back through it (docs/file-formats.md).

``PlanMeta`` names every key of plan.json in the file's order, so a writer cannot drop or misspell
one and a reader gets typed values (the CLI summary, the nightly's facts, the dashboard, What-if).
``to_json`` gives the dict that is written: the same keys as before the model existed, with the
two optional parts left out when absent (``input_files`` for a folder without ``inputs/``, the
solver's run times in the nightly's deterministic folders).
"""

from __future__ import annotations

from typing import Any, Literal

from greendc.optimizer.types import PlanSettings
from greendc.weather.errors import InputError
from pydantic import BaseModel, ConfigDict, ValidationError

#: plan.json's schema version; a reader refuses any other.
SCHEMA_VERSION = 1
#: Numbers that may be missing (a percentage of a zero baseline, a NaN made JSON-safe).
Numbers = dict[str, float | None]


class _Part(BaseModel):
    """A frozen part of plan.json; unknown keys are refused (a misspelt key is an error, not ignored)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class SiteMeta(_Part):
    """The site the plan is for."""

    id: str
    name: str
    timezone: str
    currency: str
    latitude: float
    longitude: float
    nodes: int
    setpoint_levels_c: list[float]
    baseline_setpoint_c: float


class HorizonMeta(_Part):
    """The planned horizon: UTC and local start, step length and count."""

    start_utc: str | None
    end_utc: str | None
    start_local: str
    step_minutes: int
    steps: int
    hours: float


class RatesMeta(_Part):
    """Every rate needed to recompute the objective from steps.csv (accounting.Rates plus the month's)."""

    step_h: float
    demand_charge_per_kw_horizon: float
    demand_share_of_month: float
    carbon_price_per_t: float
    demand_charge_per_kw_month: float
    currency: str
    note: str


class BaselineMeta(_Part):
    """Today's practice: its objective, KPIs and late or unrun jobs."""

    objective: Numbers
    kpis: Numbers
    late_jobs: int


class JobRecord(_Part):
    """One job's outcome."""

    job_id: str
    status: str
    finish: str | None
    lateness_h: float
    penalty_per_h: float
    reason: str


class SolverMeta(_Part):
    """What the solver did; ``build_s`` and ``solve_s`` are absent from the nightly's folders."""

    status: str
    gap: float | None
    build_s: float | None = None
    solve_s: float | None = None
    fallback: bool
    fallback_reason: str


class ParetoPoint(_Part):
    """One point of the cost-carbon front."""

    rank: int
    carbon_cap_kg: float | None
    objective: Numbers
    carbon_kg: float | None
    pue: float | None
    renewable_share: float | None
    solver_status: str
    gap: float | None
    fallback: bool


class ChainStepMeta(_Part):
    """One plan of the savings chain (types.ChainStep): the lever it adds, its objective and status."""

    lever: str
    objective: Numbers
    status: str


class SavingsMeta(_Part):
    """Savings against today's practice (accounting.headline_savings) and their breakdown.

    ``cost`` is the headline: the saving without lateness penalties (late work is never money saved).
    ``components`` (types.SAVINGS_COMPONENTS) add up to ``cost`` exactly; ``method`` says how they
    were made. Absent parts (None) belong to a plan folder written without the chain.
    """

    cost: float | None
    cost_pct: float | None
    carbon_kg: float | None
    carbon_pct: float | None
    energy_kwh: float | None
    energy_pct: float | None
    pue_points: float | None
    cost_with_lateness: float | None = None
    """Difference of the objectives, lateness penalties included (baseline minus plan). [currency]"""
    lateness_penalty: float | None = None
    """Difference of the lateness penalties (baseline minus plan); not part of ``cost``. [currency]"""
    job_hours_late: dict[str, float] | None = None
    """Sum of the jobs' hours late, {"plan": .., "baseline": ..}. [h]"""
    node_hours_late: dict[str, float] | None = None
    """Hours late times the job's nodes, {"plan": .., "baseline": ..}. [node-h]"""
    components: dict[str, float] | None = None
    """The cost saving split into parts that sum to ``cost``. [currency]"""
    method: str | None = None
    by_lever: dict[str, dict[str, float]] | None = None
    """Each lever's saving on each bill term. [currency]"""
    chain: list[ChainStepMeta] | None = None
    notes: list[str] = []

    def __getitem__(self, key: str) -> Any:
        """Read a part by name, as from plan.json's dict (``meta.savings["cost"]``)."""
        return getattr(self, key)


class PlanMeta(_Part):
    """plan.json: everything needed to audit the plan and recompute it from steps.csv."""

    schema_version: Literal[1] = 1
    kind: Literal["greendc plan"] = "greendc plan"
    site: SiteMeta
    plan_date: str
    horizon: HorizonMeta
    settings: PlanSettings
    rates: RatesMeta
    objective: Numbers
    kpis: Numbers
    baseline: BaselineMeta
    savings: SavingsMeta
    job_counts: dict[str, int]
    jobs: list[JobRecord]
    solver: SolverMeta
    inputs: dict[str, str]
    weather_source: str
    pareto: list[ParetoPoint]
    warnings: list[str]
    input_files: dict[str, str] | None = None
    """SHA-256 of each file of ``inputs/``; None for a folder written without them. [-]"""

    @property
    def late_jobs(self) -> int:
        """Jobs late or not run in the plan. [-]"""
        return sum(1 for j in self.jobs if j.status != "on_time")

    def without_run_times(self) -> PlanMeta:
        """The same plan.json without the solver's wall-clock seconds (equal inputs give equal bytes)."""
        solver = self.solver.model_copy(update={"build_s": None, "solve_s": None})
        return self.model_copy(update={"solver": solver})

    def to_json(self) -> dict[str, Any]:
        """The dict written as plan.json (absent optional parts left out)."""
        out = self.model_dump(mode="json")
        if out["input_files"] is None:
            del out["input_files"]
        for key in ("build_s", "solve_s"):
            if out["solver"][key] is None:
                del out["solver"][key]
        return out


def parse_plan_meta(raw: object, file: object = "plan.json") -> PlanMeta:
    """plan.json's parsed JSON as a PlanMeta, or one InputError naming the file and the first bad key."""
    version = raw.get("schema_version") if isinstance(raw, dict) else None
    if version != SCHEMA_VERSION:
        raise InputError(f"schema_version {version!r} is not supported; this greendc reads {SCHEMA_VERSION}",
                         file=str(file), key="schema_version")
    try:
        return PlanMeta.model_validate(raw)
    except (ValidationError, InputError) as exc:
        raise _meta_error(exc, file) from None


def _meta_error(exc: ValidationError | InputError, file: object) -> InputError:
    """A plan.json validation error as one InputError line naming the dotted key."""
    if isinstance(exc, InputError):  # a settings value out of range
        return InputError(exc.message, file=str(file), key=f"settings.{exc.key}")
    first = exc.errors()[0]
    key = ".".join(str(part) for part in first["loc"]) or None
    return InputError(str(first["msg"]), file=str(file), key=key)
