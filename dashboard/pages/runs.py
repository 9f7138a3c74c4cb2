"""Runs page: the nightly job's history (per site and night), newest first, each row linking to its plan."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import dash
import pandas as pd
from dash import Dash, Input, Output, dcc, html
from greendc.dashboard import data, ids, tables
from greendc.dashboard.pages._common import (
    bad_value_card,
    empty_card,
    error_card,
    free_text,
    options,
    query_value,
)

PATH = "/runs"
#: Choices of how many nights to show.
LAST_CHOICES = (20, 50, 200, 1000)
#: Decimals shown per history column (energy and money to the unit, PUE to 3 places, gap as a fraction).
DECIMALS = {"gap": 5, "objective_total": 0, "energy_kwh": 0, "carbon_kg": 0, "pue": 3, "cost_saving": 0,
            "carbon_saving_kg": 0, "wall_s": 1, "build_s": 1, "solve_s": 1}
#: Row colours of the statuses that need attention.
STATUS_COLOURS = {"failed": "#fee2e2", "fallback": "#fef3c7", "kept_previous": "#fef3c7"}


def layout(site: str | None = None, **_query: Any) -> html.Div:
    """The page frame: a site filter, how many rows, and the history table."""
    return html.Div(
        [
            dcc.Store(id=ids.RUNS_QUERY, data={"site": site}),
            html.Div(
                [
                    html.Label(["Site", dcc.Dropdown(id=ids.RUNS_SITE, placeholder="all sites")],
                               className="control"),
                    html.Label(["Rows", dcc.Dropdown(id=ids.RUNS_LAST, options=[
                        {"label": str(n), "value": n} for n in LAST_CHOICES], value=LAST_CHOICES[1],
                        clearable=False)], className="control"),
                ],
                className="controls",
            ),
            dcc.Loading(html.Div(id=ids.RUNS_BODY), type="dot"),
        ]
    )


def history_view(history: pd.DataFrame, site: str | None, last: int) -> pd.DataFrame:
    """The rows to show: one site (or all), newest first, at most ``last``, with a link to each plan."""
    if history.empty:
        return history
    frame = history.copy()
    if site:
        frame = frame[frame[data.RUN_SITE] == site]
    order = [c for c in (data.RUN_DATE, data.RUN_STARTED) if c in frame.columns]
    frame = frame.sort_values(order, ascending=False, kind="stable").head(last)
    frame = frame.round({c: d for c, d in DECIMALS.items() if c in frame.columns})
    frame.insert(0, "plan", [
        f"[{s}/{d}](/plan?site={s}&date={d})" if isinstance(d, str) and d else ""
        for s, d in zip(frame[data.RUN_SITE], frame[data.RUN_DATE], strict=True)
    ])
    return frame


def runs_table(frame: pd.DataFrame) -> html.Div:
    """A sortable table of history rows whose first column links to the plan, problems highlighted."""
    return tables.table(ids.RUNS_TABLE, frame, page_size=25, links=("plan",),
                        colours=(data.RUN_STATUS, STATUS_COLOURS))


def site_options(data_dir: Path) -> list[dict[str, str]]:
    """Sites that appear in the history."""
    try:
        history = data.read_runs(data_dir)
    except data.DataError:
        return []
    return options(sorted(history[data.RUN_SITE].unique())) if not history.empty else []


def rows_wanted(last: Any) -> int | None:
    """The Rows choice when it is one the page offers (default when unset), else None."""
    if last is None:
        return LAST_CHOICES[1]
    return last if type(last) is int and last in LAST_CHOICES else None


def runs_body(data_dir: Path, site: Any, last: Any) -> html.Div:
    """The history table, an error card when the database cannot be read, a guide when there is none.

    ``site`` and ``last`` come from the browser, so anything may arrive: values no control offers get a
    card saying what is allowed.
    """
    rows = rows_wanted(last)
    if rows is None:
        return bad_value_card("Rows", last, ", ".join(map(str, LAST_CHOICES)))
    if site is not None and free_text(site) is None:
        return bad_value_card("Site", site, "a site id from the list, or none for all sites")
    try:
        history = data.read_runs(data_dir)
    except data.DataError as exc:
        return error_card("The nightly history cannot be read", str(exc))
    if history.empty:
        return empty_card(str(data_dir), "nightly runs")
    frame = history_view(history, site, rows)
    return html.Div([html.P(f"{len(frame)} of {len(history)} nights", className="hint"), runs_table(frame)])


def register(app: Dash, data_dir: Path) -> None:
    """Register the page and connect its controls to this module's functions."""
    dash.register_page(__name__, path=PATH, name="Runs", title="greendc · runs", layout=layout, order=3)

    @app.callback(Output(ids.RUNS_SITE, "options"), Output(ids.RUNS_SITE, "value"),
                  Input(ids.RUNS_QUERY, "data"))
    def _sites(query: dict[str, Any] | None) -> tuple[list[dict[str, str]], str | None]:
        choices = site_options(data_dir)
        wanted = query_value(query, "site")
        return choices, wanted if wanted in {c["value"] for c in choices} else None

    @app.callback(Output(ids.RUNS_BODY, "children"), Input(ids.RUNS_SITE, "value"),
                  Input(ids.RUNS_LAST, "value"))
    def _body(site: Any, last: Any) -> html.Div:
        return runs_body(data_dir, site, last)
