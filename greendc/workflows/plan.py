"""The plan workflow: site + weather + job queue -> site profile -> plan and baseline -> plan folder.

``plan_site_day`` is the one path every caller takes (``greendc plan``, the nightly batch, tests):
it builds the profile for the horizon from local midnight of the plan date, computes the baseline
(today's practice) and the optimised plan (``greendc.optimizer.day.plan.make_plan``, which falls back to a
flagged heuristic when the solver gives no plan in time), optionally a cost-carbon front, and
writes the plan folder atomically with its report. Input-reading warnings (naive job times, weather
gaps) are collected and recorded in plan.json.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import xarray as xr

from greendc.optimizer.io import publish
from greendc.optimizer.types import Job, Plan, PlanSettings
from greendc.sites.model import Site
from greendc.weather.errors import InputError

#: The data folder of DESIGN.md; plans go to ``plans/<site>/<date>/`` under it.
DEFAULT_DATA_DIR = publish.DEFAULT_DATA_DIR
Progress = Callable[[str], None]


@dataclass(frozen=True)
class PlanInputs:
    """What to plan: the site, the day, the queue, the weather and how."""

    site: Site
    plan_date: date
    jobs: list[Job]
    settings: PlanSettings
    weather: xr.Dataset | None = None
    """Weather Dataset, or None for the site's synthetic typical year. [-]"""
    digests: dict[str, str] = field(default_factory=dict)
    """SHA-256 of the site file, the queue and the weather (or a label for made inputs). [-]"""
    warnings: list[str] = field(default_factory=list)
    """Warnings raised while reading the inputs, one line each. [-]"""
    site_toml: bytes = b""
    """The site file's bytes, kept in the plan folder's inputs/ (empty: not kept). [-]"""


@dataclass
class PlanOutcome:
    """A finished plan: where it was written, the plan, the baseline and plan.json's content."""

    folder: Path
    plan: Plan
    baseline: Plan
    meta: dict[str, Any]
    warnings: list[str]
    input_files: dict[str, bytes] = field(default_factory=dict)
    """The files of the folder's inputs/ (planfolder.input_files), to write it again. [-]"""

    def facts(self) -> dict[str, Any]:
        """Solver facts and headline KPIs as plain data (the nightly run history records these)."""
        meta, kpis, saved = self.meta, self.meta["kpis"], self.meta["savings"]
        solver = meta["solver"]
        return {
            "fallback": bool(solver["fallback"]), "fallback_reason": solver["fallback_reason"],
            "solver_status": solver["status"], "gap": solver["gap"], "build_s": solver["build_s"],
            "solve_s": solver["solve_s"],
            "kpis": {"objective_total": meta["objective"]["total"], "energy_kwh": kpis["facility_kwh"],
                     "carbon_kg": kpis["carbon_kg"], "pue": kpis["pue"], "cost_saving": saved["cost"],
                     "carbon_saving_kg": saved["carbon_kg"], "renewable_share": kpis["renewable_share"],
                     "late_jobs": late_jobs(meta)},
        }


def late_jobs(meta: dict[str, Any]) -> int:
    """Jobs late or not run in a plan.json dict. [-]"""
    return sum(1 for j in meta.get("jobs", []) if j.get("status") != "on_time")


def tomorrow(timezone: str, now: pd.Timestamp | None = None) -> date:
    """Tomorrow on the site's local calendar (the default plan date)."""
    today = (now if now is not None else pd.Timestamp.now(tz="UTC")).tz_convert(timezone).date()
    return today + timedelta(days=1)


def day_start(plan_date: date, timezone: str) -> pd.Timestamp:
    """Local midnight starting the plan date, timezone-aware."""
    return pd.Timestamp(plan_date).tz_localize(timezone)


def default_out_dir(site_id: str, plan_date: date, data_dir: Path = DEFAULT_DATA_DIR) -> Path:
    """``<data>/plans/<site>/<date>/``, the folder the dashboard reads."""
    return data_dir / "plans" / site_id / plan_date.isoformat()


def check_out_dir(out: Path) -> None:
    """Refuse an output path that cannot become a plan folder (a file, or inside one) before any work."""
    path = Path(out)
    if path.is_file():
        raise InputError("exists and is a file, not a plan folder; give a folder path", file=path,
                         key="--out")
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(f"is a file, so {path} cannot be a plan folder; give a folder path", file=blocker,
                         key="--out")
    publish.check_target(path, publish.PLAN_FOLDER)  # never replace what greendc did not write


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def jobs_digest(jobs: Sequence[Job]) -> str:
    """SHA-256 of a job list in canonical JSON (for a queue that was made, not read)."""
    rows = [{k: str(v) for k, v in sorted(vars(j).items())} for j in jobs]
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


@contextmanager
def collected_warnings(into: list[str]) -> Iterator[None]:
    """Collect the warnings raised inside as one-line strings in ``into`` (printed and recorded later)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    into.extend(str(w.message) for w in caught if issubclass(w.category, UserWarning))


def read_inputs(site_ref: str | Path, *, plan_date: date | None, jobs_path: Path | None,
                weather_path: Path | None, settings: PlanSettings, seed: int = 0) -> PlanInputs:
    """Load the site, the queue (or the sample queue) and the weather (or None: the synthetic year)."""
    from greendc.sites.loader import load_site, resolve_site_path

    check_settings(settings)
    site = load_site(site_ref)
    tz = site.site.timezone
    day = plan_date or tomorrow(tz)
    notes: list[str] = []
    site_toml = resolve_site_path(site_ref).read_bytes()
    digests = {"site": hashlib.sha256(site_toml).hexdigest()}
    with collected_warnings(notes):
        if jobs_path is None:
            from greendc.optimizer.io.sample_queue import sample_queue

            jobs = sample_queue(site, day_start(day, tz), seed=seed, horizon_h=settings.horizon_h)
            digests["jobs"] = f"sample:{seed}:{jobs_digest(jobs)}"
        else:
            from greendc.optimizer.io.jobs import read_jobs

            jobs = read_jobs(jobs_path, tz)
            digests["jobs"] = sha256_file(jobs_path)
        weather = None
        if weather_path is not None:
            from greendc.weather.readers import read_weather

            if not Path(weather_path).is_file():
                raise InputError("weather file not found", file=weather_path, key="--weather")
            weather, _meta = read_weather(weather_path)
            digests["weather"] = sha256_file(weather_path)
        else:
            digests["weather"] = "synthetic"
    return PlanInputs(site, day, jobs, settings, weather, digests, notes, site_toml)


def profile_for(inputs: PlanInputs) -> xr.Dataset:
    """The site profile over the horizon from local midnight of the plan date."""
    from greendc.sites.profile import site_profile

    tz = inputs.site.site.timezone
    start = day_start(inputs.plan_date, tz)
    end = start + pd.Timedelta(hours=inputs.settings.horizon_h)
    return site_profile(inputs.site, inputs.weather, start.tz_localize(None),
                        end.tz_convert(tz).tz_localize(None), inputs.settings.step_minutes)


def check_settings(settings: PlanSettings) -> None:
    """Refuse settings that cannot give a plan, naming the command-line option."""
    from greendc.sites.profile import STEPS_MINUTES

    if settings.step_minutes not in STEPS_MINUTES:
        raise InputError(f"step of {settings.step_minutes} min is not allowed; use one of "
                         f"{', '.join(map(str, STEPS_MINUTES))}", key="--step-min")
    checks = (
        (settings.horizon_h > 0 and settings.horizon_h <= 24 * 7, "--horizon-h", "must be in (0, 168] hours"),
        ((settings.horizon_h * 60) % settings.step_minutes == 0, "--horizon-h",
         f"must be a whole number of {settings.step_minutes}-minute steps"),
        (settings.time_limit_s > 0, "--time-limit", "must be greater than 0 seconds"),
        (0 <= settings.rel_gap < 1, "--gap", "must be in [0, 1)"),
        (settings.carbon_price_per_t >= 0, "--carbon-price", "must not be negative"),
    )
    for ok, key, message in checks:
        if not ok:
            raise InputError(message, key=key)


def heuristic_plan(profile: xr.Dataset, site: Site, jobs: Sequence[Job], settings: PlanSettings,
                   reason: str) -> Plan:
    """Today's practice flagged as a fallback (no solver): the nightly's retry after a crash or a kill."""
    from greendc.optimizer.day.baseline import baseline_plan
    from greendc.optimizer.day.verify import verify_plan

    plan = baseline_plan(profile, site, jobs, settings)
    plan.solver = replace(plan.solver, status="fallback", fallback=True, fallback_reason=reason)
    plan.extra["kind"] = "fallback"
    verify_plan(plan, profile, site, jobs, settings, strict_limits=False)
    return plan


def no_worse_than_baseline(plan: Plan, baseline: Plan) -> Plan:
    """The plan, or today's practice flagged as a fallback when the solver's incumbent costs more.

    A solve stopped by its time limit can return an incumbent dearer than the baseline (seen at 8 s on
    large sites); the baseline is then the better plan, and the reason says so.
    """
    if plan.solver.fallback or plan.objective["total"] <= baseline.objective["total"] + 1e-6:
        return plan
    solver = plan.solver
    gap = "" if solver.gap is None else f", gap {100 * solver.gap:.1f} %"
    cost, base_cost = plan.objective["total"], baseline.objective["total"]
    reason = (f"the solver's best plan ({solver.status}{gap}) costs "
              f"{cost:,.0f}, more than today's practice ({base_cost:,.0f}); today's practice kept")
    extra = {**baseline.extra, "kind": "fallback", "rejected_objective": dict(plan.objective)}
    return Plan(steps=baseline.steps, runs=baseline.runs, job_status=baseline.job_status,
                objective=dict(baseline.objective), extra=extra,
                solver=replace(solver, status="fallback", fallback=True, fallback_reason=reason))


def pareto_record(plan: Plan) -> dict[str, Any]:
    """One point of the cost-carbon front for plan.json: its cap, cost terms, carbon, PUE and solver facts."""
    from greendc.optimizer.accounting import plan_kpis

    rates = plan.extra["rates"]
    step_h = float(rates["step_h"] if isinstance(rates, dict) else rates.step_h)  # type: ignore[attr-defined]
    kpis = plan_kpis(plan.steps, step_h)
    tag = plan.extra.get("pareto", {})
    return {**(tag if isinstance(tag, dict) else {}), "objective": dict(plan.objective),
            "carbon_kg": kpis["carbon_kg"], "pue": kpis["pue"], "renewable_share": kpis["renewable_share"],
            "solver_status": plan.solver.status, "gap": plan.solver.gap, "fallback": plan.solver.fallback}


def optimised(profile: xr.Dataset, inputs: PlanInputs, pareto: int,
              progress: Progress) -> tuple[Plan, list[dict[str, Any]]]:
    """The optimised plan and, with ``pareto`` > 0, the front it starts (its first point is the plan)."""
    from greendc.optimizer.day.plan import make_plan

    if pareto <= 0:
        return make_plan(profile, inputs.site, inputs.jobs, inputs.settings, progress=progress), []
    from greendc.optimizer.day.pareto import pareto_plans

    progress(f"cost-carbon front: {pareto} plans")
    front = pareto_plans(profile, inputs.site, inputs.jobs, inputs.settings, pareto, progress=progress)
    return front[0], [pareto_record(p) for p in front]


def plan_site_day(inputs: PlanInputs, out: Path, *, pareto: int = 0, progress: Progress | None = None,
                  heuristic_only: bool = False) -> PlanOutcome:
    """Profile, baseline, plan (and front), then the plan folder at ``out``, written atomically."""
    from greendc.dashboard.report_plan import plan_report_html
    from greendc.optimizer.day.baseline import baseline_plan
    from greendc.optimizer.io.planfolder import input_files, plan_metadata, with_input_digests, write_folder

    say = progress or (lambda _text: None)
    check_settings(inputs.settings)
    check_out_dir(out)
    say(f"site profile: {inputs.site.id}, {inputs.plan_date}, "
        f"{'weather file' if inputs.weather is not None else 'synthetic weather year'}")
    profile_notes: list[str] = []
    with collected_warnings(profile_notes):  # e.g. a weather file far from the site
        profile = profile_for(inputs)
    say(f"baseline: {len(inputs.jobs)} jobs as today")
    baseline = baseline_plan(profile, inputs.site, inputs.jobs, inputs.settings)
    if heuristic_only:
        plan = heuristic_plan(profile, inputs.site, inputs.jobs, inputs.settings,
                              "heuristic-only run (no solver)")
        front: list[dict[str, Any]] = []
    else:
        plan, front = optimised(profile, inputs, pareto, say)
        plan = no_worse_than_baseline(plan, baseline)
    earlier = plan.extra.get("warnings")
    notes = [*inputs.warnings, *profile_notes]
    notes += [str(w) for w in earlier if w] if isinstance(earlier, list) else []
    plan.extra["warnings"] = notes
    say(f"writing the plan folder {out}")
    files = input_files(inputs.jobs, profile, inputs.site_toml)  # what a re-plan (What-if) starts from
    meta = with_input_digests(plan_metadata(plan=plan, baseline=baseline, site=inputs.site, profile=profile,
                                            settings=inputs.settings, inputs=inputs.digests,
                                            plan_date=inputs.plan_date.isoformat(), pareto=front), files)
    folder = write_folder(out, meta, plan.steps, plan.runs, plan_report_html, inputs=files)
    return PlanOutcome(folder, plan, baseline, meta, notes, files)
