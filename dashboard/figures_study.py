"""Figures of a site-comparison study: pure builders from kpis.csv, ranking.csv, results.nc to plotly.

Each builder takes the study's tables (and, for monthly PUE, the results cube) and returns a
``go.Figure``; nothing here reads files except :func:`study_figures`, which opens results.nc.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import xarray as xr
from greendc.dashboard import geo

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LAYOUT = {"template": "plotly_white", "margin": {"l": 60, "r": 10, "t": 50, "b": 40}, "height": 420}


def figure_ranking(ranking: pd.DataFrame) -> go.Figure:
    """Score (annual cost at the scenario's carbon price) per site, one bar group per scenario, best first."""
    figure = go.Figure()
    first = ranking["scenario"].iloc[0]
    order = ranking[ranking["scenario"] == first].sort_values("rank")["site"].tolist()
    for scenario, rows in ranking.groupby("scenario", sort=False):
        rows = rows.set_index("site").reindex(order)
        figure.add_trace(
            go.Bar(
                x=order,
                y=rows["score"] / 1e6,
                name=str(scenario),
                hovertemplate="%{x}: %{y:.2f} M<extra>" + str(scenario) + "</extra>",
            )
        )
    figure.update_layout(
        title=f"Annual cost at each scenario's carbon price (sites ordered by {first})",
        yaxis_title="million currency / yr",
        barmode="group",
        **_LAYOUT,
    )
    return figure


def pareto_front(cost: np.ndarray, carbon: np.ndarray) -> np.ndarray:
    """Indices of the points no other point beats on both cost and carbon, ordered by carbon. [-]"""
    order = np.lexsort((cost, carbon))
    front, best_cost = [], np.inf
    for i in order:
        if cost[i] < best_cost:
            front.append(i)
            best_cost = cost[i]
    return np.asarray(front, dtype=int)


def figure_pareto(kpis: pd.DataFrame) -> go.Figure:
    """Cost without the carbon charge against carbon per MWh of IT, every site and scenario, the front joined.

    Every carbon price in the study gives each site a different optimum; the non-dominated points
    across them are the cost-carbon trade-off an investor can buy.
    """
    it_mwh = kpis["it_energy_mwh"].to_numpy()
    cost = (kpis["total_cost"] - kpis["carbon_cost"]).to_numpy() / it_mwh
    carbon = kpis["carbon_kg_per_mwh_it"].to_numpy()
    figure = go.Figure()
    for scenario, idx in kpis.groupby("scenario", sort=False).indices.items():
        figure.add_trace(
            go.Scatter(
                x=carbon[idx],
                y=cost[idx],
                mode="markers",
                name=str(scenario),
                text=kpis["site"].to_numpy()[idx],
                hovertemplate="%{text}: %{x:.0f} kg/MWh, %{y:.1f} per MWh<extra>"
                + str(scenario)
                + "</extra>",
            )
        )
    front = pareto_front(cost, carbon)
    figure.add_trace(
        go.Scatter(
            x=carbon[front],
            y=cost[front],
            mode="lines+markers+text",
            name="Pareto front",
            text=[f"{kpis['site'].iloc[i]}/{kpis['scenario'].iloc[i]}" for i in front],
            textposition="top right",
            line={"color": "black", "dash": "dot"},
            marker={"symbol": "circle-open", "size": 12, "color": "black"},
        )
    )
    figure.update_layout(
        title="Cost-carbon trade-off across sites and carbon prices",
        xaxis_title="location-based carbon, kgCO2 per MWh of IT",
        yaxis_title="cost without carbon charge, per MWh of IT",
        **_LAYOUT,
    )
    return figure


def figure_monthly_pue(monthly: xr.DataArray, scenario: str) -> go.Figure:
    """Monthly PUE of each site (a site x month array for one scenario)."""
    figure = go.Figure()
    for site in monthly["site"].to_numpy():
        figure.add_trace(
            go.Scatter(
                x=list(MONTHS),
                y=monthly.sel(site=site).to_numpy(),
                mode="lines+markers",
                name=str(site),
                hovertemplate="%{x}: %{y:.3f}<extra>" + str(site) + "</extra>",
            )
        )
    figure.update_layout(title=f"Monthly PUE ({scenario})", yaxis_title="PUE", **_LAYOUT)
    return figure


def figure_sizes(kpis: pd.DataFrame) -> go.Figure:
    """Optimal PV, wind and battery sizes per site for the scenarios that size them."""
    sized = kpis[(kpis[["pv_kw", "wind_kw", "battery_kwh", "battery_kw"]].sum(axis=1) > 0)]
    figure = go.Figure()
    labels = (sized["site"] + " / " + sized["scenario"]).tolist()
    for column, name in (
        ("pv_kw", "PV MWp"),
        ("wind_kw", "wind MW"),
        ("battery_kwh", "battery MWh"),
        ("battery_kw", "battery MW"),
    ):
        figure.add_trace(go.Bar(x=labels, y=sized[column] / 1000.0, name=name))
    figure.update_layout(
        title="Optimal sizes per site" + ("" if len(sized) else " (no scenario sizes any)"),
        yaxis_title="MW / MWp / MWh",
        barmode="group",
        **_LAYOUT,
    )
    return figure


def figure_study_map(kpis: pd.DataFrame, scenario: str) -> go.Figure:
    """The sites on the offline map of China, coloured by their score in one scenario."""
    rows = kpis[kpis["scenario"] == scenario].copy()
    rows["score, M/yr"] = rows["score"] / 1e6
    return geo.figure_site_map(rows, color="score, M/yr", title=f"Sites by annual cost ({scenario})")


#: Drivers of a score gap and their labels in the waterfall (greendc.optimizer.study.drivers).
GAP_DRIVERS = {
    "energy_price": "energy price",
    "pue": "PUE / facility energy",
    "renewables": "renewables",
    "demand_charge": "demand charge",
    "carbon": "carbon",
    "capex": "capex + O&M",
    "vouchers": "vouchers",
}


def figure_rank_waterfall(kpis: pd.DataFrame, scenario: str) -> go.Figure:
    """Why this rank: each site's score gap to the best site of a scenario, as a waterfall of its drivers."""
    ranked = kpis[kpis["scenario"] == scenario].sort_values("score")
    rows = ranked[ranked["gap_to_best"] > 0] if "gap_to_best" in ranked else ranked.iloc[0:0]
    sites, labels, values, measures = [], [], [], []
    for _, row in rows.iterrows():
        for driver, label in GAP_DRIVERS.items():
            sites.append(row["site"])
            labels.append(label)
            values.append(row[f"gap_{driver}"] / 1e6)
            measures.append("relative")
        sites.append(row["site"])
        labels.append("gap to best")
        values.append(row["gap_to_best"] / 1e6)
        measures.append("total")
    figure = go.Figure(
        go.Waterfall(
            x=[sites, labels],
            y=values,
            measure=measures,
            hovertemplate="%{x}: %{y:+.2f} M<extra></extra>",
        )
    )
    best = ranked["site"].iloc[0]
    figure.update_layout(
        title=f"Why this rank ({scenario}): each site's annual cost above {best}, by driver",
        yaxis_title="million currency / yr",
        showlegend=False,
        **{**_LAYOUT, "height": 480},
    )
    return figure


def study_figures(
    kpis: pd.DataFrame, ranking: pd.DataFrame, results: Path | xr.Dataset | None = None
) -> dict[str, go.Figure]:
    """Every figure of a study by name: map, ranking, pareto, monthly_pue (when results are given), sizes
    and one why_<scenario> waterfall per scenario."""
    scenario = str(ranking["scenario"].iloc[0])
    figures = {
        "map": figure_study_map(kpis, scenario),
        "ranking": figure_ranking(ranking),
        "pareto": figure_pareto(kpis),
    }
    if isinstance(results, xr.Dataset):
        figures["monthly_pue"] = figure_monthly_pue(results["monthly_pue"].sel(scenario=scenario), scenario)
    elif results is not None:
        with xr.open_dataset(results) as cube:
            figures["monthly_pue"] = figure_monthly_pue(
                cube["monthly_pue"].sel(scenario=scenario).load(), scenario
            )
    figures["sizes"] = figure_sizes(kpis)
    for name in dict.fromkeys(ranking["scenario"]):
        figures[f"why_{name}"] = figure_rank_waterfall(kpis, str(name))
    return figures
