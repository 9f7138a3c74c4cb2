"""What-if re-planning: a saved plan's inputs with changed settings, solved again by the real optimiser.

A what-if keeps everything of the saved plan (site, day, horizon, step, job queue, weather) and
changes only what the user moved: the carbon price, the allowed setpoint range, whether the battery
may be used, and extra deadline slack for preemptible jobs. The KPIs of both plans are recomputed
the same way (``optimizer.accounting``) so the differences are like for like.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dashboard.data import PlanData
from dashboard.kpis import HEADLINES, change, fmt, headline, late_jobs, plan_headline
from optimizer.accounting import plan_kpis
from optimizer.plan import make_plan
from optimizer.sample_queue import sample_queue
from optimizer.types import Job, PlanSettings
from sites import builtin_ids, load_site
from sites.model import CoolingPlant, Site
from sites.profile import default_weather, site_profile

#: Progress stages of a re-plan, in order (the page shows stage i of len(STAGES)).
STAGES = ("reading the saved plan", "site and profile", "job queue", "solving with HiGHS", "done")

Progress = Callable[[int, str], None]


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
    runs: pd.DataFrame
    meta: dict[str, Any]
    kpis: dict[str, float]


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
    return {
        "carbon_price": float(saved.meta["settings"]["carbon_price_per_t"]),
        "setpoints": [min(levels), max(levels)],
        "battery": _builtin_site(saved).battery is not None,
    }


def _builtin_site(saved: PlanData) -> Site:
    """The saved plan's site from the built-in catalogue (a user's site file lies outside the data folder)."""
    site_id = str(saved.meta["site"]["id"])
    if site_id not in builtin_ids():
        raise ValueError(f"what-if re-plans built-in sites only; {site_id!r} came from a site file "
                         "outside the data folder")
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


def synthetic_seed(weather_source: str) -> int:
    """The seed of a synthetic typical year from its source text; ValueError for any other weather."""
    match = re.fullmatch(r"synthetic typical year \(seed (-?\d+)\)", weather_source.strip())
    if match is None:
        raise ValueError(f"what-if re-plans on the weather of the saved plan; {weather_source!r} is a file "
                         "outside the data folder (only plans on the synthetic year can be re-planned here)")
    return int(match.group(1))


def saved_jobs(saved: PlanData, site: Site, start_local: pd.Timestamp) -> list[Job]:
    """The saved plan's job queue: the built-in sample queue with the seed plan.json records."""
    source = str(saved.meta.get("inputs", {}).get("jobs_source", "sample"))
    match = re.fullmatch(r"sample(?: \(seed (-?\d+)\))?", source.strip())
    if match is None:
        raise ValueError(f"what-if needs the saved plan's job queue; {source!r} is not in the data folder")
    return sample_queue(site, start_local, seed=int(match.group(1) or 0))


def with_slack(jobs: list[Job], slack_h: float) -> list[Job]:
    """The jobs with ``slack_h`` hours added to each preemptible job's deadline."""
    extra = pd.Timedelta(hours=slack_h)
    return [dataclasses.replace(j, deadline=j.deadline + extra) if j.preemptible else j for j in jobs]


def replan(saved: PlanData, whatif: WhatIf, progress: Progress | None = None) -> Replan:
    """Solve the saved plan's day again with the what-if settings (a real HiGHS run)."""
    say = progress or _noop
    say(1, STAGES[1])
    site = site_variant(_builtin_site(saved), whatif)
    horizon = saved.meta["horizon"]
    start_local = pd.Timestamp(horizon["start_local"])
    seed = synthetic_seed(str(saved.meta["weather_source"]))
    weather = default_weather(site, year=start_local.year, seed=seed)
    profile = site_profile(site, weather, start=start_local,
                           end=start_local + pd.Timedelta(hours=float(horizon["hours"])),
                           step_minutes=int(horizon["step_minutes"]))
    say(2, STAGES[2])
    jobs = with_slack(saved_jobs(saved, site, start_local), whatif.slack_h)
    known = {k: v for k, v in saved.meta["settings"].items() if k in PlanSettings.__dataclass_fields__}
    settings = dataclasses.replace(PlanSettings(**known), carbon_price_per_t=whatif.carbon_price_per_t)
    say(3, STAGES[3])
    plan = make_plan(profile, site, jobs, settings)
    say(4, STAGES[4])
    step_h = float(horizon["step_minutes"]) / 60.0
    kpis = headline(plan.objective, plan_kpis(plan.steps, step_h), late_jobs(plan.job_status))
    meta = {"site": saved.meta["site"], "settings": dataclasses.asdict(settings), "objective": plan.objective,
            "solver": dataclasses.asdict(plan.solver), "horizon": horizon}
    return Replan(steps=plan.steps, runs=plan.runs, meta=meta, kpis=kpis)


def kpi_differences(saved: PlanData, result: Replan) -> list[KpiDiff]:
    """Rows of the comparison: the carbon price, then each headline number, saved against what-if."""
    currency = str(saved.meta["site"].get("currency", "CNY"))
    old_price = float(saved.meta["settings"]["carbon_price_per_t"])
    new_price = float(result.meta["settings"]["carbon_price_per_t"])
    unit = f"{currency}/t"
    rows = [KpiDiff("carbon_price", "Carbon price", f"{old_price:g} {unit}", f"{new_price:g} {unit}",
                    f"{new_price - old_price:+g} {unit}", "")]
    old = plan_headline(saved.meta, saved.job_status)
    for key, label, smaller in HEADLINES:
        diff, css = change(key, result.kpis[key], old[key], currency, smaller)
        rows.append(KpiDiff(key, label, fmt(key, old[key], currency), fmt(key, result.kpis[key], currency),
                            diff, css))
    return rows
