"""`greendc compare`: a year per site and scenario, sized and ranked, in parallel on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from greendc.weather.errors import InputError


def compare(
    sites: Annotated[str | None, typer.Option("--sites", help="Site ids, comma-separated, or 'all'.")] = None,
    site_file: Annotated[
        list[Path] | None, typer.Option("--site-file", help="A site file (repeatable).")
    ] = None,
    scenarios: Annotated[
        Path | None,
        typer.Option(
            "--scenarios",
            help="Scenario file (TOML); default: the "
            "built-in set (carbon price low/high x grid only/on-site).",
        ),
    ] = None,
    year: Annotated[
        int | None, typer.Option("--year", help="Year of the synthetic weather (default 2025).")
    ] = None,
    fidelity: Annotated[
        str,
        typer.Option(
            "--fidelity",
            help="aggregate (one LP per year) or daily (the daily MILP on a rolling horizon, "
            "sizes from aggregate).",
        ),
    ] = "aggregate",
    forecast_error: Annotated[
        float | None,
        typer.Option(
            "--forecast-error",
            help="Daily fidelity: plan each day on a seeded forecast with this scale of the day-ahead "
            "error spreads (0 perfect, 1 typical) and settle on actuals.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Address of a running Dask scheduler.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local worker processes (default: cores).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Study folder (default greendc-data/studies/<name>/).")
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Study name (default: the scenario file's).")
    ] = None,
) -> None:
    """Simulate a year per site and scenario, size PV, wind and storage, rank the sites, write a study folder.

    Exit code 0 when every site and scenario finished, 1 when some failed (the others are written),
    2 for bad input (nothing computed).
    """
    from greendc.workflows.compare import check_fidelity, compare_main

    check_fidelity(fidelity, forecast_error)
    if workers is not None and workers < 1:
        raise InputError("must be at least 1", key="--workers")

    raise typer.Exit(
        compare_main(
            sites=sites,
            site_files=site_file,
            scenarios_file=scenarios,
            year=year,
            scheduler=scheduler,
            workers=workers,
            out=out,
            name=name,
            echo=typer.echo,
            fidelity=fidelity,
            forecast_error=forecast_error,
        )
    )
