"""The results stage of a study: the site x scenario cube, kpis.csv and ranking.csv, and the report's notes.

The study's tasks (``greendc.optimizer.study.cases``, ``greendc.optimizer.study.daily_cases``) each
give one site-scenario's year as a Dataset; :func:`assemble_results` stacks the finished ones into
the study cube (results.nc), :func:`kpi_table` and :func:`ranking_table` make the two tables
(docs/file-formats.md, "Study folder"). Pure functions of their inputs: no files, no Dask.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import xarray as xr
from greendc.optimizer.study.drivers import with_gap_drivers
from greendc.optimizer.study.scenarios import Scenario

#: Score used by ranking.csv.
SCORE_BASIS = (
    "net annual cost at the scenario's carbon price "
    "(energy + demand + carbon + capital + O&M + green purchases - subsidy - export - vouchers)"
)


@dataclass(frozen=True)
class StudySpec:
    """A validated study: what to compute, for which sites, and where it goes."""

    name: str
    """Study name. [-]"""
    sites: tuple[str, ...]
    """Site ids or site-file paths, in the order given. [-]"""
    scenarios: tuple[Scenario, ...]
    """Scenarios. [-]"""
    year: int
    """Calendar year of the synthetic weather. [-]"""
    seed: int = 0
    """Seed of the synthetic weather (and of the forecast errors). [-]"""
    fidelity: str = "aggregate"
    """aggregate (one LP per year) or daily (the daily MILP on a rolling horizon). [-]"""
    forecast_error: float | None = None
    """Scale of the forecast-error model for the daily fidelity; None plans on actuals. [-]"""
    currency: str = "CNY"
    """Reporting currency: every cost of the study is in it (greendc.optimizer.study.currency). [-]"""
    rates: dict[str, float] = field(default_factory=lambda: {"CNY": 1.0})
    """Units of the reporting currency per unit of each currency used. [-]"""


@dataclass
class StudyOutcome:
    """Per-(site, scenario) datasets that finished and the failures, by site and scenario."""

    results: dict[tuple[str, str], xr.Dataset] = field(default_factory=dict)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    wall_s: float = 0.0


def assemble_results(outcome: StudyOutcome, spec: StudySpec) -> xr.Dataset:
    """The study cube: series over site x scenario x step, KPIs over site x scenario, units in attrs."""
    site_ids = [s for s in dict.fromkeys(site for site, _ in outcome.results)]
    scenario_names = [s.name for s in spec.scenarios if any(k[1] == s.name for k in outcome.results)]
    per_site = []
    for site in site_ids:
        rows = []
        for name in scenario_names:
            ds = outcome.results.get((site, name))
            if ds is None:
                template = next(v for (s, _), v in outcome.results.items() if s == site)
                ds = xr.full_like(template, np.nan)
            rows.append(ds.assign_coords(step=("time", np.arange(ds.sizes["time"]))).swap_dims(time="step"))
        per_site.append(
            xr.concat(
                rows,
                dim=pd.Index(scenario_names, name="scenario"),
                coords="different",
                compat="equals",
                combine_attrs="drop",
            )
        )
    cube = xr.concat(
        per_site,
        dim=pd.Index(site_ids, name="site"),
        coords="different",
        compat="equals",
        join="outer",
        combine_attrs="drop",
    )
    cube = cube.rename({"time": "time_utc"}) if "time" in cube.variables else cube
    any_ds = next(iter(outcome.results.values()))
    for name in map(str, cube.data_vars):
        if name in any_ds and "units" in any_ds[name].attrs:
            cube[name].attrs["units"] = any_ds[name].attrs["units"]
        elif name.startswith("bau_") and name[4:] in any_ds:
            cube[name].attrs["units"] = any_ds[name[4:]].attrs.get("units", "")
    cube.attrs.update(
        study=spec.name,
        year=spec.year,
        seed=spec.seed,
        fidelity=spec.fidelity,
        forecast_error="none" if spec.forecast_error is None else f"{spec.forecast_error:g}",
        score=SCORE_BASIS,
        note="step = hour of the site's local year; time_utc gives its UTC start",
    )
    return cube


def kpi_table(cube: xr.Dataset, outcome: StudyOutcome, spec: StudySpec) -> pd.DataFrame:
    """kpis.csv: one row per finished site and scenario, with the site's place and every KPI."""
    scalar = [n for n, v in cube.data_vars.items() if set(v.dims) == {"site", "scenario"}]
    frame = cube[scalar].to_dataframe().reset_index()
    frame = frame[[k in outcome.results for k in zip(frame["site"], frame["scenario"], strict=True)]]
    # the place of each site as the task saw it (site files are not read again after computing)
    places = {
        site: {key: ds.attrs[key] for key in ("name", "province", "latitude", "longitude")}
        for (site, _), ds in outcome.results.items()
    }
    place = pd.DataFrame.from_dict(places, orient="index").rename_axis("site").reset_index()
    carbon = {s.name: s.carbon_price_per_t for s in spec.scenarios}
    limits = {key: ds.attrs.get("at_limit", "") for key, ds in outcome.results.items()}
    wind = {key: ds.attrs.get("wind_data", "") for key, ds in outcome.results.items()}
    staged = {key: ds.attrs.get("staged_sizes", "") for key, ds in outcome.results.items()}
    frame = frame.merge(place, on="site", how="left")
    frame.insert(2, "carbon_price_per_t", frame["scenario"].map(carbon))
    voucher = frame.get("voucher", 0.0)
    frame.insert(3, "score", frame["total_cost"] - voucher)
    frame["currency"] = spec.currency
    frame["at_limit"] = [limits[k] for k in zip(frame["site"], frame["scenario"], strict=True)]
    frame["wind_data"] = [wind[k] for k in zip(frame["site"], frame["scenario"], strict=True)]
    frame["staged_sizes"] = [staged[k] for k in zip(frame["site"], frame["scenario"], strict=True)]
    frame["fidelity"] = spec.fidelity
    frame = with_gap_drivers(frame)
    front = [
        "site",
        "scenario",
        "carbon_price_per_t",
        "score",
        "currency",
        "pue",
        "carbon_kg_per_mwh_it",
        "total_cost",
        "net_cost_per_gpu_hour",
        "pv_kw",
        "wind_kw",
        "battery_kwh",
        "battery_kw",
        "at_limit",
        "capex_total",
        "npv_vs_bau",
        "irr",
        "simple_payback_years",
        "discounted_payback_years",
        "lcoe_onsite_per_kwh",
        "pue_cap",
        "pue_over_cap",
        "wind_station_normals_only",
        "gap_to_best",
        "fidelity",
    ]
    front = [c for c in front if c in frame.columns]
    rest = [c for c in frame.columns if c not in front]
    return frame[front + rest].reset_index(drop=True)


def ranking_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """ranking.csv: within each scenario, sites from the lowest score (annual cost) up."""
    columns = [
        "scenario",
        "rank",
        "site",
        "score",
        "currency",
        "total_cost",
        "net_cost_per_gpu_hour",
        "carbon_t",
        "carbon_kg_per_mwh_it",
        "pue",
        "pv_kw",
        "wind_kw",
        "battery_kwh",
        "battery_kw",
        "at_limit",
        "npv_vs_bau",
        "irr",
        "discounted_payback_years",
    ]
    ranked = kpis.sort_values(["scenario", "score"]).copy()
    ranked["rank"] = ranked.groupby("scenario").cumcount() + 1
    order = {name: i for i, name in enumerate(dict.fromkeys(kpis["scenario"]))}
    ranked = ranked.sort_values(
        ["scenario", "rank"], key=lambda s: s.map(order) if s.name == "scenario" else s
    )
    ranked["score_basis"] = SCORE_BASIS
    extra = ["fidelity"] if "fidelity" in ranked else []
    return ranked[[c for c in [*columns, *extra, "score_basis"] if c in ranked]].reset_index(drop=True)


def fidelity_note(spec: StudySpec) -> str:
    """One line for the report: which fidelity computed the year, and on what forecast."""
    if spec.fidelity == "aggregate":
        return "Fidelity: aggregate (one LP per year, perfect foresight)."
    forecast = (
        "planned on actuals (perfect forecast)"
        if spec.forecast_error is None
        else f"planned on seeded forecasts (error scale {spec.forecast_error:g}) and settled on actuals"
    )
    return (
        "Fidelity: daily (the daily MILP on a rolling horizon, hourly, sizes fixed at the aggregate "
        "optimum), "
        f"{forecast}."
    )


def report_notes(outcome: StudyOutcome, spec: StudySpec) -> list[str]:
    """The report's notes: the weather, the fidelity and every site-scenario that failed."""
    notes = [
        f"Weather: synthetic typical year {spec.year} (seed {spec.seed}) from each site's climate normals.",
        fidelity_note(spec),
    ]
    return (
        notes
        + wind_data_notes(outcome)
        + [f"Failed: site {s}, scenario {c}: {e}" for (s, c), e in sorted(outcome.failures.items())]
    )


def wind_data_notes(outcome: StudyOutcome) -> list[str]:
    """One note per site whose wind rests only on 10 m station normals (``wind_station_normals_only``).

    Its wind capacity factor and any wind size the study gives it say nothing about the site's wind
    potential (greendc.sites.renewables.wind_data_basis).
    """
    seen: dict[str, str] = {}
    for (site, _), ds in sorted(outcome.results.items()):
        flagged = "wind_station_normals_only" in ds and float(ds["wind_station_normals_only"]) > 0
        if flagged and site not in seen:
            seen[site] = str(ds.attrs.get("wind_data", ""))
    return [f"Wind data, site {site}: {basis}" for site, basis in seen.items()]
