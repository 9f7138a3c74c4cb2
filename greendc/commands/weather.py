"""`greendc weather`: show a site's (or a weather file's) year month by month, export it as NetCDF."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    import xarray as xr

    from greendc.sites.model import Site

app = typer.Typer(help="Weather years: monthly summary and NetCDF export.", no_args_is_help=True)

#: Suffixes read as weather files rather than site files.
WEATHER_SUFFIXES = (".epw", ".csv", ".tm2", ".nc", ".nc4", ".netcdf")


@dataclass(frozen=True)
class Place:
    """Where and what is summarised: a label, a location and (for a site) its PV and cooling."""

    label: str
    latitude: float
    longitude: float
    altitude_m: float
    timezone: str


@contextmanager
def _warnings_as_lines() -> Iterator[None]:
    """Show weather warnings (gaps filled, far-away file) as one 'warning:' line each on stderr."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    from greendc.weather.dataset import WeatherWarning

    for item in caught:
        if issubclass(item.category, WeatherWarning):
            typer.echo(f"warning: {item.message}", err=True)


def _is_weather_file(target: str) -> bool:
    """True when the argument names a weather file rather than a site id or site file."""
    return Path(target).suffix.lower() in WEATHER_SUFFIXES


def _load(
    target: str, weather_file: Path | None, year: int, seed: int, step_minutes: int
) -> tuple[xr.Dataset, Site | None, Place]:
    """(weather Dataset, site or None, place) for a site id/path or a weather file."""
    from greendc.sites import load_site
    from greendc.sites.profile import default_weather
    from greendc.weather.dataset import check_location
    from greendc.weather.readers import read_weather
    from greendc.weather.timegrid import resample_weather

    if _is_weather_file(target):
        ds, _ = read_weather(target, year=year)
        place = Place(
            Path(target).name,
            float(ds.attrs["latitude"]),
            float(ds.attrs["longitude"]),
            float(ds.attrs["altitude_m"]),
            str(ds.attrs["timezone"]),
        )
        return resample_weather(ds, step_minutes), None, place
    site = load_site(target)
    loc = site.site
    place = Place(site.id, loc.latitude, loc.longitude, loc.altitude_m, loc.timezone)
    if weather_file is None:
        return default_weather(site, year=year, seed=seed, step_minutes=step_minutes), site, place
    options = {
        "year": year,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "altitude_m": loc.altitude_m,
        "timezone": loc.timezone,
    }
    ds, _ = read_weather(weather_file, **options)
    check_location(ds, loc.latitude, loc.longitude, site_id=site.id, file=weather_file)
    return resample_weather(ds, step_minutes), site, place


WeatherOpt = Annotated[
    Path | None,
    typer.Option(
        "--weather", help="Weather file (EPW, TMY3/TMY2, CSV, NetCDF) instead of the site's synthetic year."
    ),
]
YearOpt = Annotated[int, typer.Option("--year", help="Calendar year to put the typical year on.")]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the synthetic year.")]


@app.command("show")
def show(
    target: Annotated[
        str, typer.Argument(metavar="SITE|FILE", help="Built-in site id, site TOML, or weather file.")
    ],
    weather: WeatherOpt = None,
    year: YearOpt = 2025,
    seed: SeedOpt = 0,
) -> None:
    """Monthly means: temperature, wet-bulb, GHI, wind, PV yield and free-cooling hours."""
    from rich.console import Console
    from rich.table import Table

    from greendc.sites.model import CoolingPlant
    from greendc.sites.profile import monthly_summary
    from greendc.sites.renewables import reference_pv

    with _warnings_as_lines():
        ds, site, place = _load(target, weather, year, seed, 60)
    pv = site.pv if site is not None and site.pv is not None else reference_pv(place.latitude)
    plant = site.cooling if site is not None else CoolingPlant()
    table = monthly_summary(
        ds,
        pv,
        plant,
        latitude=place.latitude,
        longitude=place.longitude,
        altitude_m=place.altitude_m,
        timezone=place.timezone,
    )
    out = Table(
        title=f"{place.label}: {ds.attrs.get('source', '')}, {place.latitude:.2f}, "
        f"{place.longitude:.2f}, {place.altitude_m:.0f} m",
        caption=f"PV: tilt {pv.tilt_deg:g} deg, azimuth {pv.azimuth_deg:g} deg, losses {pv.losses_pct:g} %; "
        f"free cooling at the {plant.baseline_c:g} deg C baseline setpoint",
    )
    headers = ["month", "temp C", "wet-bulb C", "GHI kWh/m2", "wind m/s", "PV kWh/kWp", "free-cool h"]
    for header in headers:
        out.add_column(header, justify="right")
    for month, row in table.iterrows():
        out.add_row(
            str(month),
            f"{row.temp_air_c:.1f}",
            f"{row.temp_wet_bulb_c:.1f}",
            f"{row.ghi_kwh_m2:.0f}",
            f"{row.wind_ms:.1f}",
            f"{row.pv_kwh_per_kwp:.0f}",
            f"{row.free_cooling_h:.0f}",
        )
    console = Console()
    if not console.is_terminal:
        console.width = max(console.width, 120)  # redirected output: never wrap the table
    console.print(out)


@app.command("export")
def export(
    target: Annotated[
        str, typer.Argument(metavar="SITE|FILE", help="Built-in site id, site TOML, or weather file.")
    ],
    out: Annotated[Path, typer.Option("--out", help="NetCDF file to write (.nc).")],
    weather: WeatherOpt = None,
    seed: SeedOpt = 0,
    step: Annotated[
        int, typer.Option("--step", help="Step length in minutes (15 or 60, any divisor of 60).")
    ] = 60,
    year: YearOpt = 2025,
) -> None:
    """Write the weather year with the standard names and units as NetCDF."""
    from greendc.weather.errors import InputError
    from greendc.weather.readers import write_netcdf

    if step not in (5, 10, 15, 20, 30, 60):
        raise InputError(
            f"step of {step} min is not allowed; use a divisor of 60 such as 15 or 60", key="--step"
        )
    with _warnings_as_lines():
        ds, _, place = _load(target, weather, year, seed, step)
    written = write_netcdf(ds, out)
    typer.echo(f"wrote {written} ({ds.sizes['time']} steps of {step} min, {place.label})")


@app.command("turbines")
def turbines() -> None:
    """List the turbine types with power curves in windpowerlib's shipped library."""
    from greendc.sites.renewables import turbine_rated_kw, turbine_types

    for name in turbine_types():
        typer.echo(f"{name}\t{turbine_rated_kw(name):g} kW")
