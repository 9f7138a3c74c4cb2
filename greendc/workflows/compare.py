"""The `greendc compare` workflow: a year per site and scenario on Dask, ranked, written as a study folder.

Three stages (REopt's inputs -> model -> results): :func:`resolve_study` validates everything a user
gave (sites, scenario file, year, fidelity, forecast error) before any computation; :func:`run_study`
submits one Dask task per site (weather year and profile) and one per site and scenario (business as
usual and optimum, KPIs) that depends on it; :func:`write_outcome` assembles results.nc, kpis.csv,
ranking.csv and report.html and :func:`write_study` publishes them as one folder. A task that fails is
reported by site and scenario; the others still finish and are written.

The daily fidelity (``greendc.optimizer.study.daily_cases``) adds, per site and scenario, one task that
solves the aggregate LP for the sizes and the months' starting states, one task per calendar month
that runs the daily MILP over it on a rolling horizon, and one that joins the months into the year's
dataset. What each task computes, and the tables, live in ``greendc.optimizer.study``
(``cases``, ``daily_cases``, ``assembly``); this module only reads inputs, runs the tasks and writes.
"""

from __future__ import annotations

import os
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

import pandas as pd
import xarray as xr

from greendc.optimizer.io import publish
from greendc.optimizer.study.assembly import (
    StudyOutcome,
    StudySpec,
    assemble_results,
    kpi_table,
    ranking_table,
    report_notes,
)
from greendc.optimizer.study.currency import scenario_in, study_rates
from greendc.optimizer.study.scenarios import (
    Scenario,
    ScenarioFile,
    check_site_exists,
    default_scenarios,
    load_scenarios,
)
from greendc.sites.loader import builtin_ids, load_site
from greendc.sites.model import Site
from greendc.weather.errors import InputError

#: Default data folder; studies go to <data>/studies/<name>/.
DEFAULT_DATA = publish.DEFAULT_DATA_DIR
#: Fidelities of the year simulation (docs/compare.md).
FIDELITIES = ("aggregate", "daily")
#: Largest forecast-error scale accepted (5 x typical day-ahead errors). [-]
MAX_FORECAST_ERROR = 5.0


def check_size_limits(sites: list[Site], scenarios: Sequence[Scenario], file: Path | None) -> None:
    """Every scenario's minimum sizes fit every site's own sizing limits, before anything is computed."""
    from greendc.optimizer.study.site_problem import size_bounds

    for site in sites:
        for scenario in scenarios:
            try:
                size_bounds(scenario, site)
            except ValueError as exc:
                raise InputError(
                    f"scenario {scenario.name!r} at site {site.id!r}: {exc}", file=file, key="limits"
                ) from None


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
    currency, rates = study_rates(
        {site.site.currency for site in loaded} | {s.currency for s in scenarios},
        parsed.study if parsed else None,
        scenarios_file,
    )
    if fidelity == "daily" and set(rates.values()) != {1.0}:
        raise InputError(
            "the daily fidelity plans in each site's own currency; use --fidelity aggregate "
            "for a study that converts currencies",
            key="--fidelity",
        )
    grown = [s.name for s in scenarios if s.horizon_years > 1]
    if fidelity == "daily" and grown:
        raise InputError(
            f"scenario {grown[0]!r} has a growth horizon (horizon_years > 1), which only the aggregate "
            "fidelity plans; use --fidelity aggregate",
            key="--fidelity",
        )
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
        scenarios=tuple(scenario_in(s, rates[s.currency], currency) for s in scenarios),
        year=study_year,
        seed=seed,
        fidelity=fidelity,
        forecast_error=forecast_error,
        currency=currency,
        rates=rates,
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

    from greendc.optimizer.study.cases import site_inputs

    t0 = time.perf_counter()
    outcome = StudyOutcome()
    keys: dict[Any, tuple[str, str]] = {}
    for ref in spec.sites:
        site = load_site(ref)
        site_id = site.id
        inputs = client.submit(
            site_inputs,
            ref,
            spec.year,
            spec.seed,
            spec.rates.get(site.site.currency, 1.0),
            key=f"inputs-{site_id}-{time.time_ns()}",
            pure=False,
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
    from greendc.optimizer.study.cases import site_scenario_year

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
    from greendc.optimizer.study.daily_cases import daily_month, daily_setup, daily_year

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
    from greendc.cluster import dask_client

    with dask_client(workers or default_workers(), n_tasks, scheduler) as client:
        yield client


#: NetCDF engine of results.nc, made in memory: netCDF-C reports a failed write to a file (a full disk among
#: them) as "NetCDF: HDF error", a write of the bytes says what failed (ENOSPC).
RESULTS_ENGINE: Final = "h5netcdf"


def results_bytes(cube: xr.Dataset) -> bytes:
    """results.nc's bytes: the cube as NetCDF-4, its per-step series (3 dimensions and more) compressed."""
    encoding = {name: {"zlib": True, "complevel": 4} for name, v in cube.data_vars.items() if v.ndim >= 3}
    return bytes(cube.to_netcdf(engine=RESULTS_ENGINE, encoding=encoding))


def write_study(
    folder: Path, cube: xr.Dataset, kpis: pd.DataFrame, ranking: pd.DataFrame, report_html: str
) -> Path:
    """Write the study folder through the one atomic publisher (``publish.staged_folder``): a full disk or
    a permission error is one line naming the folder, nothing half-written is left, an older study stays."""
    folder = Path(folder)
    results = results_bytes(cube)
    with publish.staged_folder(folder, publish.STUDY_FOLDER) as staging:
        (staging / "results.nc").write_bytes(results)
        kpis.to_csv(staging / "kpis.csv", index=False, float_format="%.6g")
        ranking.to_csv(staging / "ranking.csv", index=False, float_format="%.6g")
        (staging / "report.html").write_text(report_html, encoding="utf-8")
    return folder


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
    publish.check_target(folder, publish.STUDY_FOLDER)  # before any work
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


def write_outcome(folder: Path, outcome: StudyOutcome, spec: StudySpec) -> Path:
    """Assemble the tables and the report from an outcome and write the study folder; the report loads
    plotly.js from the data folder's shared file, or inlines it for a folder outside a data folder."""
    from greendc.dashboard.report_assets import plotly_src
    from greendc.dashboard.report_study import study_report_html

    cube = assemble_results(outcome, spec)
    kpis = kpi_table(cube, outcome, spec)
    ranking = ranking_table(kpis)
    report = study_report_html(spec.name, kpis, ranking, cube, report_notes(outcome, spec),
                               plotly_src=plotly_src(folder, "study"))
    return write_study(folder, cube, kpis, ranking, report)
