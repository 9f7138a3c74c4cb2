"""What-if re-planning: a saved plan's inputs with changed settings, solved again by the real optimiser.

A what-if keeps everything of the saved plan (site, day, horizon, step, job queue, weather) and
changes only what the user moved: the carbon price, the allowed setpoint range, whether the battery
may be used, and extra deadline slack for preemptible jobs. The KPIs of both plans are recomputed
the same way (``greendc.optimizer.accounting``) so the differences are like for like.

The saved plan's inputs come from its folder's ``inputs/`` (the queue, the site profile slice and
the site file it was planned on, ``greendc.optimizer.io.planfolder.read_saved_inputs``), whatever queue,
weather or site file it was made from. Folders written before ``inputs/`` existed are re-planned when
their inputs can be rebuilt inside the data folder (synthetic weather, the built-in sample queue, a
built-in site) and refused, saying which input is missing, otherwise.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from greendc.dashboard.data import PlanData
from greendc.dashboard.figures_plan import KPI_SPECS, Kpi, plan_kpis
from greendc.optimizer.day import inputs as day_inputs
from greendc.optimizer.day.service import DayPlans, solve_day
from greendc.optimizer.io.planfolder import SavedInputs, plan_metadata, read_saved_inputs
from greendc.optimizer.io.sample_queue import sample_queue
from greendc.optimizer.types import Job, PlanSettings
from greendc.sites import builtin_ids, load_site
from greendc.sites.model import CoolingPlant, Site

#: Progress stages of a re-plan, in order (the page shows stage i of len(STAGES)).
STAGES = ("reading the saved plan", "site and profile", "job queue", "solving with HiGHS", "done")

Progress = Callable[[int, str], None]
#: What to do about a plan folder whose inputs cannot be reached.
NO_INPUTS_HINT = "plan the day again with `greendc plan` to keep its inputs in the folder"
#: KPI keys where a larger value is better (figures_plan.KPI_SPECS says so for each KPI).
LARGER_IS_BETTER = frozenset(key for key, *_, smaller_is_better in KPI_SPECS if not smaller_is_better)
#: Each KPI's number format with a sign, for differences ("{:,.0f}" -> "{:+,.0f}").
SIGNED_FORMATS = {key: spec.replace("{:", "{:+", 1) for key, _, _, spec, _ in KPI_SPECS}


@dataclass(frozen=True)
class WhatIf:
    """What the user changed."""

    carbon_price_per_t: float
    """Price on emitted CO2 in the objective. [currency/tCO2]"""
    setpoint_min_c: float
    """Lowest allowed supply-air setpoint. [deg C]"""
    setpoint_max_c: float
    """Highest allowed supply-air setpoint. [deg C]"""
    battery: bool
    """May the battery be used (if the site has one). [-]"""
    slack_h: float
    """Extra time added to each preemptible job's deadline. [h]"""


@dataclass(frozen=True)
class Replan:
    """A what-if plan in the shapes the pages use for saved plans."""

    steps: pd.DataFrame
    """Per-step flows (STEP_COLUMNS). [-]"""
    runs: pd.DataFrame
    """Run intervals (RUN_COLUMNS). [-]"""
    job_status: pd.DataFrame
    """Per-job status. [-]"""
    meta: dict[str, Any]
    """plan.json-shaped facts: site, settings, objective, kpis, the saved plan's baseline, solver. [-]"""


@dataclass(frozen=True)
class KpiDiff:
    """One row of the comparison table, already formatted."""

    key: str
    label: str
    saved: str
    new: str
    diff: str
    css: str


def _noop(_stage: int, _text: str) -> None:
    """Progress sink when nobody listens."""


def controls_of(saved: PlanData) -> dict[str, Any]:
    """The control values the saved plan was made with: carbon price, setpoint range, battery."""
    levels = [float(v) for v in saved.meta["site"]["setpoint_levels_c"]]
    kept = read_saved_inputs(saved.folder, saved.meta)
    site = kept.site if kept is not None else _builtin_site(saved)
    return {
        "carbon_price": float(saved.meta["settings"]["carbon_price_per_t"]),
        "setpoints": [min(levels), max(levels)],
        "battery": site.battery is not None,
    }


def _builtin_site(saved: PlanData) -> Site:
    """The saved plan's site from the built-in catalogue (a user's site file lies outside the data folder)."""
    site_id = str(saved.meta["site"]["id"])
    if site_id not in builtin_ids():
        raise ValueError(f"this plan folder keeps no inputs/ (made by an older greendc) and {site_id!r} came "
                         f"from a site file outside the data folder; {NO_INPUTS_HINT}")
    return load_site(site_id)


def site_variant(site: Site, whatif: WhatIf) -> Site:
    """The site with only the setpoint levels inside the what-if range and, if asked, no battery."""
    allowed = site.cooling.setpoint_levels_c
    levels = [v for v in allowed if whatif.setpoint_min_c <= v <= whatif.setpoint_max_c]
    if not levels:
        raise ValueError(f"no setpoint level of {site.id} ({', '.join(f'{v:g}' for v in allowed)} deg C) "
                         f"lies in {whatif.setpoint_min_c:g}-{whatif.setpoint_max_c:g} deg C")
    baseline_c = min(levels, key=lambda v: abs(v - site.cooling.baseline_c))
    cooling = CoolingPlant.model_validate({**site.cooling.model_dump(), "setpoint_levels_c": levels,
                                           "baseline_setpoint_c": baseline_c})
    return site.model_copy(update={"cooling": cooling, "battery": site.battery if whatif.battery else None})


def profile_variant(profile: xr.Dataset, levels_c: list[float]) -> xr.Dataset:
    """The site profile with only the setpoint levels ``levels_c`` (each level's physics is its own)."""
    return profile.isel(level=np.isin(profile["setpoint_c"].to_numpy(), levels_c))


def plan_date(saved: PlanData) -> date:
    """The saved plan's date (its horizon starts at local midnight of it, as `greendc plan` does)."""
    return date.fromisoformat(str(saved.meta["plan_date"]))


def check_synthetic_weather(saved: PlanData) -> None:
    """Refuse a plan made on a weather file: that file lies outside the data folder."""
    weather = str(saved.meta.get("inputs", {}).get("weather", ""))
    if weather != "synthetic":
        raise ValueError("this plan folder keeps no inputs/ (made by an older greendc) and its weather file "
                         f"lies outside the data folder; {NO_INPUTS_HINT}")


def saved_jobs(saved: PlanData, site: Site, horizon_h: float) -> list[Job]:
    """The saved plan's job queue: the built-in sample queue, checked against the digest in plan.json."""
    recorded = str(saved.meta.get("inputs", {}).get("jobs", ""))
    match = re.fullmatch(r"(?:sample:(-?\d+):)?([0-9a-f]{64})", recorded)
    seed = int(match.group(1)) if match and match.group(1) else 0
    start = day_inputs.day_start(plan_date(saved), site.site.timezone)
    jobs = sample_queue(site, start, seed=seed, horizon_h=horizon_h)
    if match is None or day_inputs.jobs_digest(jobs) != match.group(2):
        raise ValueError("this plan folder keeps no inputs/ (made by an older greendc) and its job queue "
                         f"came from a file outside the data folder; {NO_INPUTS_HINT}")
    return jobs


def with_slack(jobs: list[Job], slack_h: float) -> list[Job]:
    """The jobs with ``slack_h`` hours added to each preemptible job's deadline."""
    extra = pd.Timedelta(hours=slack_h)
    return [dataclasses.replace(j, deadline=j.deadline + extra) if j.preemptible else j for j in jobs]


def settings_of(meta: dict[str, Any]) -> PlanSettings:
    """The saved plan's settings from plan.json (PlanSettings gives JSON's floats their types)."""
    known = {f.name for f in dataclasses.fields(PlanSettings)}
    return PlanSettings(**{name: value for name, value in meta["settings"].items() if name in known})


def rebuilt_inputs(saved: PlanData, settings: PlanSettings) -> SavedInputs:
    """A folder without ``inputs/`` (older greendc): its inputs made again where they can be."""
    check_synthetic_weather(saved)
    site = _builtin_site(saved)
    # the same profile as `greendc plan` (the plan service's horizon_profile): synthetic year
    profile = day_inputs.horizon_profile(site, None, plan_date(saved), settings)
    return SavedInputs(site=site, profile=profile, jobs=saved_jobs(saved, site, settings.horizon_h))


def replan(saved: PlanData, whatif: WhatIf, progress: Progress | None = None) -> Replan:
    """Solve the saved plan's day again with the what-if settings (a real HiGHS run)."""
    say = progress or _noop
    say(1, STAGES[1])
    settings = dataclasses.replace(settings_of(saved.meta), carbon_price_per_t=whatif.carbon_price_per_t)
    inputs = read_saved_inputs(saved.folder, saved.meta) or rebuilt_inputs(saved, settings)
    site = site_variant(inputs.site, whatif)
    profile = profile_variant(inputs.profile, list(site.cooling.setpoint_levels_c))
    say(2, STAGES[2])
    jobs = with_slack(inputs.jobs, whatif.slack_h)
    say(3, STAGES[3])
    day = solve_day(profile, site, jobs, settings)  # the plan service: guarded by today's practice
    say(4, STAGES[4])
    plan = day.plan
    return Replan(steps=plan.steps, runs=plan.runs, job_status=plan.job_status,
                  meta=whatif_meta(saved, day, site, profile, settings))


def whatif_meta(saved: PlanData, day: DayPlans, site: Site, profile: xr.Dataset,
                settings: PlanSettings) -> dict[str, Any]:
    """The what-if plan's plan.json (the service's model), against today's practice under the what-if."""
    meta = plan_metadata(plan=day.plan, baseline=day.baseline, site=site, profile=profile, settings=settings,
                         inputs=saved.meta.get("inputs", {}), plan_date=str(saved.meta["plan_date"]))
    return meta.to_json()


def _change(saved: Kpi, new: Kpi) -> tuple[str, str]:
    """The what-if minus the saved value (with the relative change) and a css class: better or worse."""
    if saved.plan is None or new.plan is None:
        return "–", ""
    delta = new.plan - saved.plan
    if math.isclose(delta, 0.0, abs_tol=1e-9 * max(1.0, abs(saved.plan))):
        return "no change", ""
    share = f" ({100.0 * delta / abs(saved.plan):+.1f} %)" if saved.plan else ""
    smaller_is_better = saved.key not in LARGER_IS_BETTER
    css = "diff-down" if (delta < 0) == smaller_is_better else "diff-up"
    signed = SIGNED_FORMATS.get(saved.key, "{:+,.0f}")
    return f"{signed.format(delta)}{share}", css


def kpi_differences(saved: PlanData, result: Replan) -> list[KpiDiff]:
    """Rows of the comparison: the carbon price, then each KPI of plan.json, saved against what-if."""
    currency = str(saved.meta["site"].get("currency", "CNY"))
    old_price = float(saved.meta["settings"]["carbon_price_per_t"])
    new_price = float(result.meta["settings"]["carbon_price_per_t"])
    unit = f"{currency}/t"
    rows = [KpiDiff("carbon_price", "Carbon price", f"{old_price:g} {unit}", f"{new_price:g} {unit}",
                    f"{new_price - old_price:+g} {unit}", "")]
    for before, after in zip(plan_kpis(saved.meta), plan_kpis(result.meta), strict=True):
        diff, css = _change(before, after)
        rows.append(KpiDiff(before.key, before.label, before.value, after.value, diff, css))
    return rows
