"""The `greendc compare` workflow: a year per site and scenario on Dask, ranked, written as a study folder.

Three stages (REopt's inputs -> model -> results): :func:`resolve_study` validates everything a user
gave (sites, scenario file, year, fidelity, forecast error) before any computation; :func:`run_study`
submits one Dask task per site (weather year and profile) and one per site and scenario (business as
usual and optimum, KPIs) that depends on it; :func:`write_study` assembles results.nc, kpis.csv,
ranking.csv and report.html in a staging folder and renames it into place. A task that fails is
reported by site and scenario; the others still finish and are written.

The daily fidelity (``greendc.optimizer.study.rolling``) adds, per site and scenario, one task that solves the
aggregate LP for the sizes and the months' starting states, one task per calendar month that runs
the daily MILP over it on a rolling horizon, and one that joins the months into the year's dataset.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from greendc.optimizer.study.scenarios import (
    Scenario,
    ScenarioFile,
    check_site_exists,
    default_scenarios,
    load_scenarios,
)
from greendc.sites.loader import builtin_ids, load_site, resolve_site_path
from greendc.sites.model import Site
from greendc.weather.errors import InputError

#: Default data folder; studies go to <data>/studies/<name>/.
DEFAULT_DATA = Path("greendc-data")
#: Fidelities of the year simulation (docs/compare.md).
FIDELITIES = ("aggregate", "daily")
#: Largest forecast-error scale accepted (5 x typical day-ahead errors). [-]
MAX_FORECAST_ERROR = 5.0
#: Score used by ranking.csv.
SCORE_BASIS = (
    "total annual cost at the scenario's carbon price "
    "(energy + demand + carbon + capital + O&M - subsidy - export)"
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


@dataclass(frozen=True)
class SiteInputs:
    """What every scenario of one site shares: the site and its year profile with per-kW renewables."""

    site: Site
    profile: xr.Dataset
    pv_kw_per_kw: np.ndarray
    """PV AC output per kWp. [kW/kWp]"""
    wind_kw_per_kw: np.ndarray
    """Wind output per kW of turbine rating. [kW/kW]"""


@dataclass
class StudyOutcome:
    """Per-(site, scenario) datasets that finished and the failures, by site and scenario."""

    results: dict[tuple[str, str], xr.Dataset] = field(default_factory=dict)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    wall_s: float = 0.0


def check_size_limits(sites: list[Site], scenarios: Sequence[Scenario], file: Path | None) -> None:
    """Every scenario's minimum sizes fit every site's own sizing limits, before anything is computed."""
    from greendc.optimizer.study.annual import size_bounds

    for site in sites:
        for scenario in scenarios:
            try:
                size_bounds(scenario, site)
            except ValueError as exc:
                raise InputError(f"scenario {scenario.name!r} at site {site.id!r}: {exc}",
                                 file=file, key="limits") from None


def resolve_study(
    sites: str | None,
    site_files: list[Path] | None,
    scenarios_file: Path | None,
    year: int | None,
    name: str | None = None,
    seed: int = 0,
    fidelity: str = "aggregate",
    forecast_error: float | None = None,
) -> StudySpec:
    """Validate every input before computing; bad input raises one InputError naming file and key."""
    check_fidelity(fidelity, forecast_error)
    parsed: ScenarioFile | None = load_scenarios(scenarios_file) if scenarios_file else None
    scenarios = tuple(parsed.scenario) if parsed else tuple(default_scenarios())
    chosen: list[str] = []
    if sites:
        chosen = (
            builtin_ids() if sites.strip() == "all" else [s.strip() for s in sites.split(",") if s.strip()]
        )
        for site in chosen:
            check_site_exists(site, file=None, key="--sites")
    elif parsed and parsed.study.sites:
        chosen = list(parsed.study.sites)
    for path in site_files or []:
        check_site_exists(str(path), file=None, key="--site-file")
        chosen.append(str(path))
    if not chosen:
        chosen = builtin_ids()
    loaded = [load_site(s) for s in chosen]  # parses each site file now: errors before computing
    ids = [site.id for site in loaded]
    check_size_limits(loaded, scenarios, scenarios_file)
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise InputError(f"site id {duplicates[0]!r} is given twice", key="--sites")
    study_year = year or (parsed.study.year if parsed and parsed.study.year else 2025)
    if not 1900 <= study_year <= 2200:
        raise InputError(f"year {study_year} is outside 1900-2200", key="--year")
    study_name = (
        name
        or (parsed.study.name if parsed and parsed.study.name != "study" else None)
        or (scenarios_file.stem if scenarios_file else "default")
    )
    return StudySpec(
        name=study_name,
        sites=tuple(chosen),
        scenarios=scenarios,
        year=study_year,
        seed=seed,
        fidelity=fidelity,
        forecast_error=forecast_error,
    )


def check_fidelity(fidelity: str, forecast_error: float | None) -> None:
    """A known fidelity; a forecast error only with the daily one, between 0 and MAX_FORECAST_ERROR."""
    if fidelity not in FIDELITIES:
        raise InputError(
            f"fidelity {fidelity!r} is not known; use one of {', '.join(FIDELITIES)}", key="--fidelity"
        )
    if forecast_error is None:
        return
    if fidelity != "daily":
        raise InputError(
            "applies only to --fidelity daily (the aggregate year LP plans on perfect foresight)",
            key="--forecast-error",
        )
    if not 0.0 <= forecast_error <= MAX_FORECAST_ERROR:
        raise InputError(
            f"{forecast_error:g} is outside 0-{MAX_FORECAST_ERROR:g} "
            "(a scale of the day-ahead error spreads: 0 perfect, 1 typical)",
            key="--forecast-error",
        )


def site_inputs(site_ref: str, year: int, seed: int) -> SiteInputs:
    """One site's synthetic weather year and profile, with PV per kWp and wind per kW (a Dask task)."""
    from greendc.optimizer.study.annual import per_kw_site
    from greendc.sites.profile import default_weather, site_profile
    from greendc.sites.renewables import turbine_rated_kw

    site = load_site(site_ref)
    unit = per_kw_site(site)
    weather = default_weather(site, year=year, seed=seed)
    # a relative emission_series_file is relative to the site file's folder
    profile = site_profile(unit, weather, base_dir=resolve_site_path(site_ref).parent)
    assert unit.wind is not None
    wind_per_kw = profile["wind_kw"].to_numpy() / turbine_rated_kw(unit.wind.turbine_type)
    return SiteInputs(site, profile, profile["pv_kw"].to_numpy(), wind_per_kw)


def case_problem(inputs: SiteInputs, scenario: Scenario, bau: bool) -> tuple[Any, Any]:
    """The aggregate year LP of a site and scenario, BAU or optimum, unsolved: (problem, cooling choice)."""
    from greendc.optimizer.study.annual import year_problem

    return year_problem(
        inputs.site,
        inputs.profile,
        scenario,
        pv_kw_per_kw=inputs.pv_kw_per_kw,
        wind_kw_per_kw=inputs.wind_kw_per_kw,
        business_as_usual=bau,
    )


def solve_case(inputs: SiteInputs, scenario: Scenario, bau: bool) -> tuple[Any, Any, Any]:
    """The aggregate year LP of a site and scenario, BAU or optimum: (problem, result, choice)."""
    from greendc.optimizer.study.annual import solve_year

    problem, choice = case_problem(inputs, scenario, bau)
    result = solve_year(problem)
    if result.status != "optimal":
        raise RuntimeError(f"{'business-as-usual' if bau else 'optimal'} year LP: {result.status}")
    return problem, result, choice


def site_scenario_year(inputs: SiteInputs, scenario: Scenario) -> xr.Dataset:
    """Business as usual and the optimum of one site under one scenario, with KPIs and NPV (a Dask task)."""
    from greendc.optimizer.study.kpis import year_dataset

    datasets = {}
    for label, bau in (("bau", True), ("opt", False)):
        problem, result, choice = solve_case(inputs, scenario, bau)
        datasets[label] = year_dataset(inputs.site, inputs.profile, scenario, problem, result, choice)
    return with_bau(datasets["opt"], datasets["bau"], inputs, scenario)


def with_bau(opt: xr.Dataset, bau_ds: xr.Dataset, inputs: SiteInputs, scenario: Scenario) -> xr.Dataset:
    """The optimum's dataset with business as usual's KPIs (``bau_`` prefix), the NPV and the site's place."""
    from greendc.optimizer.study.sizing import npv_against_baseline

    scalars = [name for name, v in bau_ds.data_vars.items() if v.ndim == 0]
    for name in scalars:
        opt[f"bau_{name}"] = bau_ds[name]
    opt["npv_vs_bau"] = (
        (),
        npv_against_baseline(
            float(bau_ds["total_cost"]),
            float(opt["total_cost"]),
            scenario.discount_rate,
            scenario.analysis_years,
        ),
        {"units": "currency"},
    )
    opt["bau_monthly_pue"] = bau_ds["monthly_pue"]
    loc = inputs.site.site
    opt.attrs.update(
        site=loc.id,
        scenario=scenario.name,
        name=loc.name,
        province=loc.province,
        latitude=loc.latitude,
        longitude=loc.longitude,
    )
    return opt


# --- the daily fidelity: setup, months, year ------------------------------------------------------


@dataclass(frozen=True)
class DailySetup:
    """The aggregate solves a daily site-scenario starts from: sizes, month states, business as usual."""

    case: Any
    """greendc.optimizer.study.rolling.DailyCase. [-]"""
    bau: xr.Dataset
    """Business as usual (no decisions: the same under both fidelities). [-]"""
    aggregate_total_cost: float
    """The aggregate LP's optimum: perfect foresight over the year (a lower bound). [currency]"""


def daily_setup(
    inputs: SiteInputs, scenario: Scenario, forecast_error: float | None, seed: int
) -> DailySetup:
    """Sizes and month-start battery states from the aggregate optimum; BAU from its LP (a Dask task)."""
    from greendc.optimizer.study.annual import it_scale, per_kw_site
    from greendc.optimizer.study.kpis import year_dataset
    from greendc.optimizer.study.rolling import DailyCase
    from greendc.sites.renewables import turbine_rated_kw

    bau_problem, bau_result, bau_choice = solve_case(inputs, scenario, True)
    bau = year_dataset(inputs.site, inputs.profile, scenario, bau_problem, bau_result, bau_choice)
    problem, result, choice = solve_case(inputs, scenario, False)
    aggregate = year_dataset(inputs.site, inputs.profile, scenario, problem, result, choice)
    wind = per_kw_site(inputs.site).wind
    assert wind is not None
    case = DailyCase(
        site=inputs.site,
        unit_profile=inputs.profile,
        problem=problem,
        sizes=result.sizes,
        boundary_soc_kwh=result.series["soc_kwh"],
        it_scale=it_scale(inputs.site, scenario),
        carbon_price_per_t=scenario.carbon_price_per_t,
        wind_rated_kw=turbine_rated_kw(wind.turbine_type),
        forecast_error=forecast_error,
        seed=seed,
    )
    return DailySetup(case, bau, float(aggregate["total_cost"]))


def daily_month(setup: DailySetup, month: int) -> Any:
    """The rolling-horizon daily MILP over one local calendar month (0-11), None if outside (a Dask task)."""
    from greendc.optimizer.study.rolling import month_chunks, run_chunk

    for first, last in month_chunks(setup.case.problem):
        if int(setup.case.problem.month[first]) == month:
            return run_chunk(setup.case, first, last)
    return None


#: Units of the daily fidelity's own KPIs.
DAILY_UNITS = {
    "aggregate_total_cost": "currency",
    "daily_vs_aggregate_cost_frac": "1",
    "forecast_error": "1",
    "daily_solves": "1",
    "daily_optimal": "1",
    "daily_fallbacks": "1",
    "daily_max_gap": "1",
    "daily_solve_s": "s",
    "daily_build_s": "s",
    "boundary_surplus_kwh": "kWh",
    "unmet_work_kwh": "kWh",
    "import_over_limit_h": "h",
    "plan_energy_cost": "currency",
}


def daily_year(inputs: SiteInputs, scenario: Scenario, setup: DailySetup, *months: Any) -> xr.Dataset:
    """The year of the daily fidelity from its months: KPIs, BAU, NPV, the daily facts (a Dask task)."""
    from greendc.optimizer.study.kpis import year_dataset
    from greendc.optimizer.study.rolling import combine

    daily = combine(setup.case, [m for m in months if m is not None])
    ds = year_dataset(inputs.site, inputs.profile, scenario, setup.case.problem, daily.result, daily.choice)
    facts = dict(daily.facts)
    facts["aggregate_total_cost"] = setup.aggregate_total_cost
    facts["daily_vs_aggregate_cost_frac"] = float(ds["total_cost"]) / setup.aggregate_total_cost - 1.0
    error = setup.case.forecast_error
    facts["forecast_error"] = float("nan") if error is None else float(error)
    for name, value in facts.items():
        ds[name] = ((), float(value), {"units": DAILY_UNITS[name]})
    return with_bau(ds, setup.bau, inputs, scenario)


def default_workers() -> int:
    """Worker processes for a local cluster: the cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_study(
    spec: StudySpec, client: Any, on_done: Callable[[str, str, str | None], None] | None = None
) -> StudyOutcome:
    """Submit every site and site-scenario task to a Dask client and collect them as they finish.

    ``on_done(site, scenario, error_or_None)`` is called once per site-scenario (the progress bar).
    """
    from distributed import as_completed

    t0 = time.perf_counter()
    outcome = StudyOutcome()
    keys: dict[Any, tuple[str, str]] = {}
    for ref in spec.sites:
        site_id = load_site(ref).id
        inputs = client.submit(
            site_inputs, ref, spec.year, spec.seed, key=f"inputs-{site_id}-{time.time_ns()}", pure=False
        )
        for scenario in spec.scenarios:
            submit = submit_daily if spec.fidelity == "daily" else submit_aggregate
            keys[submit(client, spec, inputs, site_id, scenario)] = (site_id, scenario.name)
    for future in as_completed(list(keys)):
        site_id, scenario_name = keys[future]
        error = _task_error(future)
        if error is None:
            outcome.results[(site_id, scenario_name)] = future.result()
        else:
            outcome.failures[(site_id, scenario_name)] = error
        if on_done:
            on_done(site_id, scenario_name, error)
    outcome.wall_s = time.perf_counter() - t0
    return outcome


def submit_aggregate(client: Any, spec: StudySpec, inputs: Any, site_id: str, scenario: Scenario) -> Any:
    """One task: business as usual and the optimum's year LPs, and the KPIs."""
    return client.submit(
        site_scenario_year,
        inputs,
        scenario,
        priority=int(scenario.renewables),  # the long (sized) years first: a shorter tail
        pure=False,
        key=f"year-{site_id}-{scenario.name}-{time.time_ns()}",
    )


def submit_daily(client: Any, spec: StudySpec, inputs: Any, site_id: str, scenario: Scenario) -> Any:
    """Setup (aggregate LPs), twelve independent month tasks, and the year that joins them."""
    tag = f"{site_id}-{scenario.name}-{time.time_ns()}"
    setup = client.submit(
        daily_setup,
        inputs,
        scenario,
        spec.forecast_error,
        spec.seed,
        key=f"daily-setup-{tag}",
        pure=False,
        priority=1,
    )
    months = [
        client.submit(daily_month, setup, month, key=f"daily-month-{month}-{tag}", pure=False)
        for month in range(12)
    ]
    return client.submit(daily_year, inputs, scenario, setup, *months, key=f"daily-year-{tag}", pure=False)


def _task_error(future: Any) -> str | None:
    """None for a finished task, else one line: the exception type and message."""
    if future.status == "finished":
        return None
    exc = future.exception()
    lines = traceback.format_exception_only(type(exc), exc)
    return lines[-1].strip() if lines else repr(exc)


@contextmanager
def study_client(workers: int | None, scheduler: str | None, n_tasks: int) -> Iterator[Any]:
    """A Dask client: on an existing scheduler, or a local cluster of processes (one thread each)."""
    from greendc.workflows.nightly import dask_client

    with dask_client(workers or default_workers(), n_tasks, scheduler) as client:
        yield client


# --- results stage ----------------------------------------------------------------------------------


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
    frame = frame.merge(place, on="site", how="left")
    frame.insert(2, "carbon_price_per_t", frame["scenario"].map(carbon))
    frame.insert(3, "score", frame["total_cost"])
    frame["fidelity"] = spec.fidelity
    front = [
        "site",
        "scenario",
        "carbon_price_per_t",
        "score",
        "pue",
        "carbon_kg_per_mwh_it",
        "total_cost",
        "pv_kw",
        "wind_kw",
        "battery_kwh",
        "battery_kw",
        "npv_vs_bau",
        "fidelity",
    ]
    rest = [c for c in frame.columns if c not in front]
    return frame[front + rest].reset_index(drop=True)


def ranking_table(kpis: pd.DataFrame) -> pd.DataFrame:
    """ranking.csv: within each scenario, sites from the lowest score (annual cost) up."""
    columns = [
        "scenario",
        "rank",
        "site",
        "score",
        "total_cost",
        "carbon_t",
        "carbon_kg_per_mwh_it",
        "pue",
        "pv_kw",
        "wind_kw",
        "battery_kwh",
        "battery_kw",
        "npv_vs_bau",
    ]
    ranked = kpis.sort_values(["scenario", "score"]).copy()
    ranked["rank"] = ranked.groupby("scenario").cumcount() + 1
    order = {name: i for i, name in enumerate(dict.fromkeys(kpis["scenario"]))}
    ranked = ranked.sort_values(
        ["scenario", "rank"], key=lambda s: s.map(order) if s.name == "scenario" else s
    )
    ranked["score_basis"] = SCORE_BASIS
    extra = ["fidelity"] if "fidelity" in ranked else []
    return ranked[[*columns, *extra, "score_basis"]].reset_index(drop=True)


def write_study(
    folder: Path, cube: xr.Dataset, kpis: pd.DataFrame, ranking: pd.DataFrame, report_html: str
) -> Path:
    """Write the study folder atomically: build it in a sibling staging folder, then rename it into place."""
    folder = Path(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.staging-", dir=folder.parent))
    try:
        encoding = {name: {"zlib": True, "complevel": 4} for name, v in cube.data_vars.items() if v.ndim >= 3}
        cube.to_netcdf(staging / "results.nc", engine="netcdf4", encoding=encoding)
        kpis.to_csv(staging / "kpis.csv", index=False, float_format="%.6g")
        ranking.to_csv(staging / "ranking.csv", index=False, float_format="%.6g")
        (staging / "report.html").write_text(report_html, encoding="utf-8")
        _swap_into_place(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def _swap_into_place(staging: Path, folder: Path) -> None:
    """Rename staging to folder; an existing folder is moved aside first and removed after."""
    if not folder.exists():
        staging.rename(folder)
        return
    old = folder.with_name(f".{folder.name}.old-{time.time_ns()}")
    folder.rename(old)
    staging.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def compare_main(
    *,
    sites: str | None,
    site_files: list[Path] | None,
    scenarios_file: Path | None,
    year: int | None,
    scheduler: str | None,
    workers: int | None,
    out: Path | None,
    name: str | None,
    echo: Callable[..., Any] = print,
    data_dir: Path = DEFAULT_DATA,
    fidelity: str = "aggregate",
    forecast_error: float | None = None,
) -> int:
    """The command: validate, compute on Dask with a progress bar, write the folder; the exit code."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    spec = resolve_study(
        sites, site_files, scenarios_file, year, name, fidelity=fidelity, forecast_error=forecast_error
    )
    folder = out or data_dir / "studies" / spec.name
    n_tasks = len(spec.sites) * len(spec.scenarios)
    console = Console(stderr=True)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        bar = progress.add_task(
            f"compare {len(spec.sites)} sites x {len(spec.scenarios)} scenarios ({spec.fidelity})",
            total=n_tasks,
        )

        def done(site: str, scenario: str, error: str | None) -> None:
            """Advance the bar; name a failed site-scenario above it."""
            if error:
                progress.console.print(f"[red]failed[/red] site {site}, scenario {scenario}: {error}")
            progress.advance(bar)

        with study_client(workers, scheduler, n_tasks * (12 if spec.fidelity == "daily" else 1)) as client:
            outcome = run_study(spec, client, done)
    if not outcome.results:
        echo(f"error: every site and scenario failed ({len(outcome.failures)}); nothing written", err=True)
        return 1
    write_outcome(folder, outcome, spec)
    echo(
        f"study {spec.name}: {len(outcome.results)} of {n_tasks} site-scenarios in {outcome.wall_s:.1f} s "
        f"-> {folder}"
    )
    for (site, scenario), error in sorted(outcome.failures.items()):
        echo(f"failed: site {site}, scenario {scenario}: {error}", err=True)
    return 0 if not outcome.failures else 1


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


def write_outcome(folder: Path, outcome: StudyOutcome, spec: StudySpec) -> Path:
    """Assemble the tables and the report from an outcome and write the study folder."""
    from greendc.dashboard.report_study import study_report_html

    cube = assemble_results(outcome, spec)
    kpis = kpi_table(cube, outcome, spec)
    ranking = ranking_table(kpis)
    notes = [
        f"Weather: synthetic typical year {spec.year} (seed {spec.seed}) from each site's climate normals.",
        fidelity_note(spec),
    ]
    notes += [f"Failed: site {s}, scenario {c}: {e}" for (s, c), e in sorted(outcome.failures.items())]
    report = study_report_html(spec.name, kpis, ranking, cube, notes)
    return write_study(folder, cube, kpis, ranking, report)
