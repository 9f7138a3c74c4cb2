"""Sites page: the built-in catalogue on an offline map of China, its climate, and a saved study's results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
import pandas as pd
from dash import Dash, Input, Output, dcc, html
from greendc.dashboard import data, figures_fleet, figures_sites, figures_study, geo, ids, tables
from greendc.dashboard.pages._common import error_card, graph, options, query_value
from greendc.sites import builtin_ids, load_site
from greendc.sites.model import Site

PATH = "/sites"


def layout(study: str | None = None, **_query: Any) -> html.Div:
    """The page frame: a study chooser, the map and catalogue table, the climate, the study's results."""
    return html.Div(
        [
            dcc.Store(id=ids.SITES_QUERY, data={"study": study}),
            html.Div([html.Label(["Study", dcc.Dropdown(id=ids.SITES_STUDY, placeholder="no study")],
                                 className="control")], className="controls"),
            dcc.Loading(html.Div(id=ids.SITES_BODY), type="dot"),
            dcc.Loading(html.Div(id=ids.SITES_STUDY_BODY), type="dot"),
        ]
    )


def catalogue() -> list[Site]:
    """The built-in sites (package files chosen by id, never a path from the browser)."""
    return [load_site(site_id) for site_id in builtin_ids()]


def load_study_or_none(data_dir: Path, name: str | None) -> data.StudyData | None:
    """The chosen study, or None when none is chosen."""
    return data.load_study(data_dir, name) if name else None


def scenario_of(study: data.StudyData | None) -> str | None:
    """The scenario whose KPIs go into the catalogue table: the first of the ranking, else of the KPIs."""
    if study is None:
        return None
    for frame in (study.ranking, study.kpis):
        if "scenario" in frame.columns and len(frame):
            return str(frame["scenario"].iloc[0])
    return None


def sites_body(data_dir: Path, study_name: str | None) -> html.Div:
    """The map and the catalogue table (with the study's annual KPIs when a study is chosen)."""
    sites = catalogue()
    frame = figures_sites.catalogue_frame(sites)
    try:
        study = load_study_or_none(data_dir, study_name)
    except data.DataError as exc:
        study = None
        problem: html.Div | None = error_card(f"The study {study_name} cannot be read", str(exc))
    else:
        problem = None
    catalogue_frame = figures_sites.with_study_kpis(frame, study.kpis if study else None, scenario_of(study))
    return html.Div(
        [
            *([problem] if problem else []),
            graph(ids.SITES_MAP, geo.figure_site_map(catalogue_frame, color=_map_colour(catalogue_frame),
                                                     title="Built-in sites")),
            *fleet_flows(data_dir, frame),
            html.H3("Catalogue"),
            tables.table(ids.SITES_TABLE, catalogue_frame),
            graph(ids.SITES_CLIMATE, figures_sites.figure_climate(sites)),
        ]
    )


def fleet_flows(data_dir: Path, frame: pd.DataFrame) -> list[Any]:
    """The latest joint fleet plan's moves on the map (nothing without one; an error card if unreadable)."""
    try:
        plan = data.latest_fleet_plan(data_dir)
    except data.DataError as exc:
        return [error_card("The latest fleet plan cannot be read", str(exc))]
    if plan is None:
        return []
    hubs = frame[frame["site"].isin(plan.summary.get("hubs", []))]
    flows = figures_fleet.flow_frame(plan.transfers, plan.assignments)
    title = f"Data moved between hubs: fleet plan {plan.name}, {plan.date}"
    figure = figures_fleet.figure_fleet_flows(hubs, flows, title=title, load_mw=plan.hub_it_mw)
    return [graph(ids.SITES_FLOWS, figure)]


def _map_colour(frame: pd.DataFrame) -> str | None:
    """The study column that colours the map markers: annual PUE when the study gives it."""
    column = figures_sites.STUDY_COLUMNS["pue"]
    return column if column in frame.columns and frame[column].notna().any() else None


def ranking_parts(ranking: pd.DataFrame) -> list[Any]:
    """The ranking table, with a column that holds one text for every row (the score's basis) as a caption."""
    constant = [c for c in ranking.columns
                if ranking[c].dtype == object and len(ranking) > 1 and ranking[c].nunique() == 1
                and ranking[c].astype(str).str.len().iloc[0] > 40]
    captions = [html.P(f"{c.replace('_', ' ')}: {ranking[c].iloc[0]}", className="hint") for c in constant]
    return [*captions, tables.table(ids.SITES_RANKING, ranking.drop(columns=constant))]


#: kpis.csv columns of the investment table under a study's ranking (those the study has), headed as
#: in the report (docs/compare.md, "Investment case", "Demand growth").
INVESTMENT_COLUMNS = {
    "scenario": "scenario",
    "site": "site",
    "net_cost_per_gpu_hour": "net cost / GPU-h",
    "cost_per_gpu_hour": "cost / GPU-h",
    "voucher": "voucher/yr",
    "npv_vs_bau": "NPV vs BAU",
    "irr": "IRR",
    "simple_payback_years": "payback yr",
    "discounted_payback_years": "disc. payback yr",
    "capex_total": "capex",
    "capex_net": "capex after subsidy",
    "annual_om": "O&M/yr",
    "annual_saving": "saving/yr vs BAU",
    "lcoe_onsite_per_kwh": "LCOE on-site /kWh",
    "at_limit": "at limit",
    "pv_kw_shadow_per_year": "PV limit value /kWp/yr",
    "wind_kw_shadow_per_year": "wind limit value /kW/yr",
    "battery_kwh_shadow_per_year": "battery limit value /kWh/yr",
    "pue": "PUE",
    "pue_cap": "PUE cap",
    "pue_over_cap": "PUE over cap",
    "wind_station_normals_only": "wind: 10 m normals only",
    "horizon_years": "growth years",
    "staged_sizes": "staged sizes",
    "currency": "currency",
}


def investment_frame(kpis: pd.DataFrame) -> pd.DataFrame:
    """The study's investment case, one row per site and scenario, with the page's headings."""
    shown = kpis[[c for c in INVESTMENT_COLUMNS if c in kpis.columns]].copy()
    for column in ("at_limit", "staged_sizes"):
        if column in shown:
            shown[column] = shown[column].fillna("")
    numeric = shown.select_dtypes("number").columns
    shown[numeric] = shown[numeric].round(3)
    return shown.rename(columns=INVESTMENT_COLUMNS)


def study_body(data_dir: Path, study_name: str | None) -> html.Div:
    """A saved study: ranking table, Pareto front, monthly PUE and optimal sizes; or how to make one."""
    if not study_name:
        return html.Div(["No study chosen. Make one with ", html.Code("greendc compare --sites all"), "."],
                        className="hint")
    try:
        study = data.load_study(data_dir, study_name)
        results = data.study_results_path(data_dir, study_name)
        figures = figures_study.study_figures(study.kpis, study.ranking, results)
    except (data.DataError, KeyError, ValueError, OSError) as exc:
        return error_card(f"The study {study_name} cannot be shown", str(exc))
    return html.Div(
        [html.H3(f"Study {study_name}"),
         *ranking_parts(study.ranking),
         html.H4("Investment case"),
         html.P("Against business as usual over each scenario's analysis period; 'at limit' names the "
                "size limit an optimum sits at, its value what one more unit would save a year.",
                className="hint"),
         tables.table(ids.SITES_STUDY + "-investment", investment_frame(study.kpis)),
         *[graph(f"sites-study-{name}", figure) for name, figure in figures.items()]]
    )


def register(app: Dash, data_dir: Path) -> None:
    """Register the page and connect its controls to this module's functions."""
    dash.register_page(__name__, path=PATH, name="Sites", title="greendc · sites", layout=layout, order=2)

    @app.callback(Output(ids.SITES_STUDY, "options"), Output(ids.SITES_STUDY, "value"),
                  Input(ids.SITES_QUERY, "data"))
    def _studies(query: dict[str, Any] | None) -> tuple[list[dict[str, str]], str | None]:
        names = data.study_names(data_dir)
        wanted = query_value(query, "study")
        return options(names), wanted if wanted in names else (names[-1] if names else None)

    @app.callback(Output(ids.SITES_BODY, "children"), Output(ids.SITES_STUDY_BODY, "children"),
                  Input(ids.SITES_STUDY, "value"))
    def _body(study: str | None) -> tuple[html.Div, html.Div]:
        return sites_body(data_dir, study), study_body(data_dir, study)
