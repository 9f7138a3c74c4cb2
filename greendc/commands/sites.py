"""`greendc sites`: list the built-in catalogue, show a site, validate a site file."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console, JustifyMethod
from rich.markup import escape
from rich.table import Table

from greendc.sites import builtin_ids, load_site
from greendc.sites.cooling import pue_from_normals
from greendc.sites.grid import peak_valley_ratio
from greendc.sites.loader import resolve_site_path
from greendc.sites.model import Site
from greendc.sites.profile import irradiation_basis, spread_basis
from greendc.sites.renewables import wind_data_basis

app = typer.Typer(help="The site catalogue: list, show and validate site files.", no_args_is_help=True)

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Columns of `greendc sites list`: header and alignment (text left, numbers right).
LIST_COLUMNS: tuple[tuple[str, JustifyMethod], ...] = (
    ("id", "left"), ("name", "left"), ("province", "left"), ("climate", "left"),
    ("emission factor\nkgCO2/kWh", "right"), ("PUE target", "right"), ("PUE est.", "right"))


def _console() -> Console:
    """A console on stdout, wide enough that tables do not wrap in pipes and tests."""
    return Console(width=160, highlight=False)


@app.command("list")
def list_sites() -> None:
    """Table of the built-in sites with their estimated annual PUE (monthly-normals approximation)."""
    table = Table(title="greendc built-in sites", caption="PUE est.: best setpoint each hour, "
                  "from monthly climate normals (an approximation)")
    for header, justify in LIST_COLUMNS:
        table.add_column(header, justify=justify)
    for site_id in builtin_ids():
        site = load_site(site_id)
        annual_pue, _ = pue_from_normals(site)
        target = f"{site.site.pue_target:.2f}" if site.site.pue_target is not None else "-"
        table.add_row(site.id, site.site.name, site.site.province, site.site.climate,
                      f"{site.grid.emission_factor_kg_per_kwh:.4f}", target, f"{annual_pue:.3f}")
    _console().print(table)


@app.command("show")
def show(site: Annotated[str, typer.Argument(help="A built-in site id or the path of a site file.")]) -> None:
    """Everything about one site: location, IT, cooling, grid and tariff, climate, sources."""
    loaded = load_site(site)
    console = _console()
    console.print(f"[bold]{loaded.site.name}[/bold] ({loaded.id})  file: {resolve_site_path(site)}")
    for name in ("site", "it", "cooling", "pv", "wind", "battery"):
        section = getattr(loaded, name)
        if section is not None:
            console.print(_section_table(name, section.model_dump()))
    console.print(_section_table("grid", loaded.grid.model_dump(exclude={"tariff"})))
    console.print(_tariff_table(loaded))
    console.print(_climate_table(loaded))
    console.print(f"wind data: {escape(wind_data_basis(loaded))}")
    console.print(f"day-to-day spread: {escape(spread_basis(loaded))}")
    console.print(f"irradiation: {escape(irradiation_basis(loaded))}")
    console.print(_provenance_table(loaded))


@app.command("validate")
def validate(file: Annotated[str, typer.Argument(help="Path of a site file (TOML) to check.")]) -> None:
    """Check a site file; prints 'ok: FILE (id)' or one error line and exits with code 2."""
    site = load_site(file)
    typer.echo(f"ok: {file} ({site.id})")


def _section_table(name: str, values: dict[str, object]) -> Table:
    """A two-column key/value table of one section."""
    table = Table(title=escape(f"[{name}]"), show_header=False, title_justify="left")
    table.add_column("key")
    table.add_column("value")
    for key, value in values.items():
        table.add_row(key, _fmt(value))
    return table


def _tariff_table(site: Site) -> Table:
    """The time-of-use periods with their windows and months."""
    table = Table(title=f"tariff ({site.grid.tariff_label}, {site.site.currency}/kWh, "
                  f"peak:valley {peak_valley_ratio(site.grid):.2f})", title_justify="left")
    for column in ("period", "price", "windows", "months"):
        table.add_column(column)
    for period in site.grid.tariff:
        months = "all" if len(period.months) == 12 else ",".join(str(m) for m in period.months)
        table.add_row(period.name, f"{period.price_per_kwh:.4f}", " ".join(period.windows), months)
    return table


def _climate_table(site: Site) -> Table:
    """Monthly normals with the monthly PUE estimate of each month."""
    annual, monthly = pue_from_normals(site)
    table = Table(title=f"climate normals and PUE estimate (annual {annual:.3f}, best setpoint, "
                  "monthly-normals approximation)", title_justify="left")
    table.add_column("")
    for month in MONTHS:
        table.add_column(month, justify="right")
    climate = site.climate
    rows = (("mean deg C", climate.temp_mean_c), ("max deg C", climate.temp_max_c),
            ("min deg C", climate.temp_min_c), ("RH %", climate.rh_pct), ("sun h", climate.sunshine_h),
            ("wind m/s", climate.wind_speed_ms), ("PUE", list(monthly)))
    for label, values in rows:
        table.add_row(label, *(f"{v:.2f}" if label == "PUE" else f"{v:g}" for v in values))
    return table


def _provenance_table(site: Site) -> Table:
    """Where each fact comes from and how far to trust it."""
    table = Table(title="sources", title_justify="left")
    for column in ("fact", "status", "source", "note"):
        table.add_column(column, overflow="fold")
    for entry in site.provenance:
        table.add_row(entry.fact, entry.status, entry.source, entry.note)
    return table


def _fmt(value: object) -> str:
    """Compact text of a value for the tables."""
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v) for v in value) + "]"
    return "-" if value is None else str(value)
