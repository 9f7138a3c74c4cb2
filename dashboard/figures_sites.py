"""Catalogue figures and tables for the Sites page: pure functions of Site models and a study's KPIs."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from greendc.sites.model import Site

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
#: Study KPI columns shown in the catalogue table when a study gives them, with their labels.
STUDY_COLUMNS = {
    "pue": "annual PUE",
    "free_cooling_h": "free-cooling h",
    "pv_yield_kwh_per_kwp": "PV yield kWh/kWp",
}


def catalogue_frame(sites: Sequence[Site]) -> pd.DataFrame:
    """One row per site with the facts of its site file: place, climate, annual mean temperature, grid."""
    rows = []
    for site in sites:
        loc = site.site
        rows.append({
            "site": loc.id,
            "name": loc.name,
            "province": loc.province,
            "hub": loc.hub,
            "climate": loc.climate,
            "latitude": loc.latitude,
            "longitude": loc.longitude,
            "altitude_m": loc.altitude_m,
            # annual mean of the monthly normals, weighted equally by month [deg C]
            "temp_mean_c": round(sum(site.climate.temp_mean_c) / 12.0, 1),
            "grid_kg_per_kwh": site.grid.emission_factor_kg_per_kwh,
            "pv_kwp": site.pv.kwp if site.pv else 0.0,
            "wind_mw": round(site.wind.count * _turbine_mw(site.wind.turbine_type), 1) if site.wind else 0.0,
            "battery_kwh": site.battery.energy_kwh if site.battery else 0.0,
        })
    return pd.DataFrame(rows)


def _turbine_mw(turbine_type: str) -> float:
    """Rated power of a windpowerlib turbine name such as 'E-82/2350' (kW after the slash) in MW."""
    _, _, rated = turbine_type.partition("/")
    try:
        return float(rated) / 1000.0
    except ValueError:
        return float("nan")


def with_study_kpis(catalogue: pd.DataFrame, kpis: pd.DataFrame | None, scenario: str | None) -> pd.DataFrame:
    """The catalogue with a study's annual PUE, free-cooling hours and PV yield for one scenario added."""
    if kpis is None or kpis.empty:
        return catalogue
    rows = kpis if scenario is None else kpis[kpis["scenario"] == scenario]
    present = [c for c in STUDY_COLUMNS if c in rows.columns]
    if not present:
        return catalogue
    per_site = rows.groupby("site")[present].first().rename(columns=STUDY_COLUMNS).round(3)
    return catalogue.merge(per_site, left_on="site", right_index=True, how="left")


def figure_climate(sites: Sequence[Site]) -> go.Figure:
    """Monthly mean dry-bulb temperature of each site from its climate normals [deg C]."""
    figure = go.Figure()
    for site in sites:
        figure.add_trace(go.Scatter(x=list(MONTHS), y=site.climate.temp_mean_c, mode="lines",
                                    name=site.site.id, hovertemplate="%{x}: %{y:.1f} °C"))
    figure.update_layout(title="Monthly mean temperature (climate normals)", yaxis_title="°C",
                         margin={"l": 50, "r": 10, "t": 40, "b": 30}, height=360, template="plotly_white")
    return figure
