"""The `greendc compare` workflow: a year per site and scenario on Dask, ranked, written as a study folder.

Three stages (REopt's inputs -> model -> results): :func:`resolve_study` validates everything a user
gave (sites, scenario file, year) before any computation; :func:`run_study` submits one Dask task per
site (weather year and profile) and one per site and scenario (business as usual and optimum, KPIs)
that depends on it; :func:`write_study` assembles results.nc, kpis.csv, ranking.csv and report.html
in a staging folder and renames it into place. A task that fails is reported by site and scenario;
the others still finish and are written.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from optimizer.scenarios import Scenario, ScenarioFile, check_site_exists, default_scenarios, load_scenarios
from sites.loader import builtin_ids, load_site, resolve_site_path
from sites.model import Site
from weather.errors import InputError

#: Default data folder; studies go to <data>/studies/<name>/.
DEFAULT_DATA = Path("greendc-data")
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
    """Seed of the synthetic weather. [-]"""


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


def resolve_study(
    sites: str | None,
    site_files: list[Path] | None,
    scenarios_file: Path | None,
    year: int | None,
    name: str | None = None,
    seed: int = 0,
) -> StudySpec:
    """Validate every input before computing; bad input raises one InputError naming file and key."""
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
    ids = [load_site(s).id for s in chosen]  # parses each site file now: errors before computing
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
    return StudySpec(name=study_name, sites=tuple(chosen), scenarios=scenarios, year=study_year, seed=seed)


def site_inputs(site_ref: str, year: int, seed: int) -> SiteInputs:
    """One site's synthetic weather year and profile, with PV per kWp and wind per kW (a Dask task)."""
    from optimizer.annual import per_kw_site
    from sites.profile import default_weather, site_profile
    from sites.renewables import turbine_rated_kw

    site = load_site(site_ref)
    unit = per_kw_site(site)
    weather = default_weather(site, year=year, seed=seed)
    # a relative emission_series_file is relative to the site file's folder
    profile = site_profile(unit, weather, base_dir=resolve_site_path(site_ref).parent)
    assert unit.wind is not None
    wind_per_kw = profile["wind_kw"].to_numpy() / turbine_rated_kw(unit.wind.turbine_type)
    return SiteInputs(site, profile, profile["pv_kw"].to_numpy(), wind_per_kw)


def site_scenario_year(inputs: SiteInputs, scenario: Scenario) -> xr.Dataset:
    """Business as usual and the optimum of one site under one scenario, with KPIs and NPV (a Dask task)."""
    from optimizer.annual import solve_year, year_problem
    from optimizer.sizing import npv_against_baseline
    from optimizer.study_kpis import year_dataset

    datasets = {}
    for label, bau in (("bau", True), ("opt", False)):
        problem, choice = year_problem(
            inputs.site,
            inputs.profile,
            scenario,
            pv_kw_per_kw=inputs.pv_kw_per_kw,
            wind_kw_per_kw=inputs.wind_kw_per_kw,
            business_as_usual=bau,
        )
        result = solve_year(problem)
        if result.status != "optimal":
            raise RuntimeError(f"{'business-as-usual' if bau else 'optimal'} year LP: {result.status}")
        datasets[label] = year_dataset(inputs.site, inputs.profile, scenario, problem, result, choice)
    opt, bau_ds = datasets["opt"], datasets["bau"]
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
    opt.attrs.update(site=loc.id, scenario=scenario.name, name=loc.name, province=loc.province,
                     latitude=loc.latitude, longitude=loc.longitude)
    return opt


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
            future = client.submit(
                site_scenario_year,
                inputs,
                scenario,
                priority=int(scenario.renewables),  # the long (sized) years first: a shorter tail
                pure=False,
                key=f"year-{site_id}-{scenario.name}-{time.time_ns()}",
            )
            keys[future] = (site_id, scenario.name)
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
    return ranked[[*columns, "score_basis"]].reset_index(drop=True)


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
) -> int:
    """The command: validate, compute on Dask with a progress bar, write the folder; the exit code."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    spec = resolve_study(sites, site_files, scenarios_file, year, name)
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
            f"compare {len(spec.sites)} sites x {len(spec.scenarios)} scenarios", total=n_tasks
        )

        def done(site: str, scenario: str, error: str | None) -> None:
            if error:
                progress.console.print(f"[red]failed[/red] site {site}, scenario {scenario}: {error}")
            progress.advance(bar)

        with study_client(workers, scheduler, n_tasks) as client:
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


def write_outcome(folder: Path, outcome: StudyOutcome, spec: StudySpec) -> Path:
    """Assemble the tables and the report from an outcome and write the study folder."""
    from dashboard.report_study import study_report_html

    cube = assemble_results(outcome, spec)
    kpis = kpi_table(cube, outcome, spec)
    ranking = ranking_table(kpis)
    notes = [
        f"Weather: synthetic typical year {spec.year} (seed {spec.seed}) from each site's climate normals."
    ]
    notes += [f"Failed: site {s}, scenario {c}: {e}" for (s, c), e in sorted(outcome.failures.items())]
    report = study_report_html(spec.name, kpis, ranking, cube, notes)
    return write_study(folder, cube, kpis, ranking, report)
