"""What-if page: change the carbon price, the allowed setpoints, the battery or the deadline slack, re-plan.

The re-plan is a real optimiser run (the plan service, ``greendc.optimizer.day.service.solve_day``, on
the saved plan's profile) in a Dash background callback, so the server stays responsive and the
page shows a progress bar; the new plan is shown beside the saved one with the differences.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import dash
from dash import Dash, Input, Output, State, dcc, html
from greendc.dashboard import data, figures_plan, ids, replan
from greendc.dashboard.pages._common import (
    bad_value_card,
    date_choice,
    empty_card,
    error_card,
    free_text,
    graph,
    query_value,
    site_choice,
)
from greendc.weather.errors import InputError

PATH = "/whatif"
#: Carbon-price slider range and marks [CNY/tCO2] (the plan settings default to 0).
CARBON_MAX = 1000
CARBON_MARKS = {v: str(v) for v in (0, 100, 200, 400, 600, 800, 1000)}
#: Extra deadline slack for preemptible jobs [h].
SLACK_MAX_H = 24


def layout(site: str | None = None, date: str | None = None, **_query: Any) -> html.Div:
    """The page frame: the plan to start from, the what-if controls, progress, results."""
    return html.Div(
        [
            dcc.Store(id=ids.WHATIF_QUERY, data={"site": site, "date": date}),
            dcc.Store(id=ids.WHATIF_START),
            html.Div(
                [
                    html.Label(["Site", dcc.Dropdown(id=ids.WHATIF_SITE, clearable=False)],
                               className="control"),
                    html.Label(["Saved plan", dcc.Dropdown(id=ids.WHATIF_DATE, clearable=False)],
                               className="control"),
                ],
                className="controls",
            ),
            html.Div(
                [
                    html.Label(["Carbon price [CNY/tCO2]",
                                dcc.Slider(id=ids.WHATIF_CARBON_PRICE, min=0, max=CARBON_MAX, step=10,
                                           value=0, marks=CARBON_MARKS, updatemode="mouseup")],
                               className="control control-wide"),
                    html.Label(["Allowed setpoints [°C]",
                                dcc.RangeSlider(id=ids.WHATIF_SETPOINT_RANGE, min=15, max=32, step=1,
                                                value=[15, 32], updatemode="mouseup",
                                                marks={v: str(v) for v in range(15, 33, 3)})],
                               className="control control-wide"),
                    html.Label(["Deadline slack of preemptible jobs [h]",
                                dcc.Slider(id=ids.WHATIF_SLACK, min=0, max=SLACK_MAX_H, step=1, value=0,
                                           updatemode="mouseup",
                                           marks={v: str(v) for v in range(0, SLACK_MAX_H + 1, 6)})],
                               className="control control-wide"),
                    dcc.Checklist(id=ids.WHATIF_BATTERY, options=[{"label": " battery", "value": "on"}],
                                  value=["on"], className="control"),
                    html.Button("Re-plan", id=ids.WHATIF_RUN, className="button button-primary"),
                    html.Button("Cancel", id=ids.WHATIF_CANCEL, className="button"),
                ],
                className="controls",
            ),
            html.Div([html.Progress(id=ids.WHATIF_PROGRESS, value="0", max=str(len(replan.STAGES) - 1),
                                    className="progress", style={"visibility": "hidden"}),
                      html.Span(id=ids.WHATIF_STATUS, className="status")], className="controls"),
            html.Div(id=ids.WHATIF_SAVED),
            html.Div(id=ids.WHATIF_RESULT),
        ]
    )


def saved_summary(data_dir: Path, site: str | None, date: str | None) -> tuple[html.Div, dict[str, Any]]:
    """The saved plan's headline and the control values it was made with (carbon price, setpoints...)."""
    if not site or not date:
        if not data.plan_sites(data_dir):
            return empty_card(str(data_dir), "plans"), {}
        return html.Div("Choose a saved plan to start from.", className="hint"), {}
    try:
        plan = data.load_plan(data_dir, site, date)
        start = replan.controls_of(plan)
    except (data.DataError, KeyError, ValueError, TypeError) as exc:
        return error_card(f"The plan {site}/{date} cannot be used", str(exc)), {}
    return html.Div(f"Saved plan {site}/{date}: carbon price {start['carbon_price']:g} CNY/t, "
                    f"setpoints {start['setpoints'][0]:g}-{start['setpoints'][1]:g} °C, "
                    f"battery {'on' if start['battery'] else 'off/none'}.", className="hint"), start


def comparison(saved: data.PlanData, result: replan.Replan) -> html.Div:
    """The new plan beside the saved one: a KPI difference table and both Gantt and power charts."""
    rows = replan.kpi_differences(saved, result)
    timezone = str(saved.meta["site"]["timezone"])
    gantt, power = figures_plan.figure_gantt, figures_plan.figure_power
    table = html.Table(
        [html.Thead(html.Tr([html.Th(h) for h in ("KPI", "saved", "what-if", "difference")]))]
        + [html.Tr([html.Td(r.label), html.Td(r.saved), html.Td(r.new, className="whatif-value",
                                                               id=f"whatif-kpi-{r.key}"),
                    html.Td(r.diff, className=r.css)]) for r in rows],
        id=ids.WHATIF_DIFF, className="card diff-table",
    )
    return html.Div(
        [
            html.H3("What-if against the saved plan"),
            table,
            html.Div(
                [graph("whatif-gantt-saved", gantt(saved.runs, saved.meta, timezone)),
                 graph("whatif-gantt-new", gantt(result.runs, result.job_status, timezone))],
                className="columns",
            ),
            html.Div(
                [graph("whatif-power-saved", power(saved.steps, timezone)),
                 graph("whatif-power-new", power(result.steps, timezone))],
                className="columns",
            ),
        ]
    )


def unchanged(start: Any, carbon_price: Any, setpoints: Any, battery: Any, slack_h: Any) -> bool:
    """True when the controls still hold the saved plan's own settings (nothing to re-plan); a start
    Store or a control of another shape (a crafted request) is not: run_whatif then names it."""
    if not start:
        return True
    try:
        return (float(carbon_price) == float(start["carbon_price"])
                and [float(v) for v in setpoints] == [float(v) for v in start["setpoints"]]
                and ("on" in (battery or [])) == bool(start["battery"]) and float(slack_h) == 0.0)
    except (KeyError, IndexError, TypeError, ValueError):
        return False


def _number_in(value: Any, low: float, high: float) -> bool:
    """A JSON number (not a bool) from ``low`` to ``high``."""
    return isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high


def whatif_settings(carbon_price: Any, setpoints: Any, battery: Any,
                    slack_h: Any) -> replan.WhatIf | html.Div:
    """The controls' values as the re-plan's settings, or a card naming a value no control sends (their
    ranges are the plan settings' own, checked by the re-plan: a saved plan's may lie past a slider's)."""
    if not _number_in(carbon_price, 0, math.inf):
        return bad_value_card("Carbon price", carbon_price, "a number, 0 or more")
    if not (isinstance(setpoints, list) and len(setpoints) == 2
            and all(_number_in(v, -math.inf, math.inf) for v in setpoints) and setpoints[0] <= setpoints[1]):
        return bad_value_card("Allowed setpoints", setpoints, "two rising numbers (°C)")
    if battery is not None and not (isinstance(battery, list) and set(battery) <= {"on"}):
        return bad_value_card("Battery", battery, '[] or ["on"]')
    if not _number_in(slack_h, 0, SLACK_MAX_H):
        return bad_value_card("Deadline slack", slack_h, f"a number from 0 to {SLACK_MAX_H}")
    return replan.WhatIf(carbon_price_per_t=float(carbon_price), setpoint_min_c=float(setpoints[0]),
                         setpoint_max_c=float(setpoints[1]), battery="on" in (battery or []),
                         slack_h=float(slack_h))


def run_whatif(data_dir: Path, site: Any, date: Any, carbon_price: Any, setpoints: Any, battery: Any,
               slack_h: Any, progress: replan.Progress | None = None) -> html.Div:
    """Re-plan a saved plan with the controls' values and show the comparison, or an error card."""
    site, date = free_text(site), free_text(date)
    if not site or not date:
        return html.Div()
    settings = whatif_settings(carbon_price, setpoints, battery, slack_h)
    if isinstance(settings, html.Div):
        return settings
    try:
        saved = data.load_plan(data_dir, site, date)
    except data.DataError as exc:
        return error_card(f"The plan {site}/{date} cannot be used", str(exc))
    return run_whatif_plan(saved, settings, progress)


def run_whatif_plan(saved: data.PlanData, settings: replan.WhatIf,
                    progress: replan.Progress | None = None) -> html.Div:
    """The comparison of a saved plan with its what-if re-plan, or an error card saying why there is none."""
    try:
        result = replan.replan(saved, settings, progress=progress)
    except (InputError, ValueError, KeyError, TypeError) as exc:
        return error_card("The what-if plan could not be made", str(exc))
    return comparison(saved, result)


def register(app: Dash, data_dir: Path) -> None:
    """Register the page; the re-plan runs as a background callback with progress and cancel."""
    dash.register_page(__name__, path=PATH, name="What-if", title="greendc · what-if", layout=layout, order=1)

    @app.callback(Output(ids.WHATIF_SITE, "options"), Output(ids.WHATIF_SITE, "value"),
                  Input(ids.WHATIF_QUERY, "data"))
    def _sites(query: dict[str, Any] | None) -> tuple[list[dict[str, str]], str | None]:
        return site_choice(data_dir, query_value(query, "site"))

    @app.callback(Output(ids.WHATIF_DATE, "options"), Output(ids.WHATIF_DATE, "value"),
                  Input(ids.WHATIF_SITE, "value"), State(ids.WHATIF_QUERY, "data"))
    def _dates(site: str | None, query: dict[str, Any] | None) -> tuple[list[dict[str, str]], str | None]:
        return date_choice(data_dir, site, query_value(query, "date"))

    @app.callback(Output(ids.WHATIF_SAVED, "children"), Output(ids.WHATIF_START, "data"),
                  Output(ids.WHATIF_CARBON_PRICE, "value"), Output(ids.WHATIF_SETPOINT_RANGE, "value"),
                  Output(ids.WHATIF_BATTERY, "value"), Output(ids.WHATIF_SLACK, "value"),
                  Input(ids.WHATIF_DATE, "value"), State(ids.WHATIF_SITE, "value"))
    def _saved(date: str | None, site: str | None) -> tuple[Any, ...]:
        summary, start = saved_summary(data_dir, site, date)
        if not start:
            return summary, None, dash.no_update, dash.no_update, dash.no_update, dash.no_update
        return (summary, start, start["carbon_price"], start["setpoints"],
                ["on"] if start["battery"] else [], 0)

    @app.callback(
        Output(ids.WHATIF_RESULT, "children"),
        Input(ids.WHATIF_RUN, "n_clicks"), Input(ids.WHATIF_CARBON_PRICE, "value"),
        Input(ids.WHATIF_SETPOINT_RANGE, "value"), Input(ids.WHATIF_BATTERY, "value"),
        Input(ids.WHATIF_SLACK, "value"),
        State(ids.WHATIF_SITE, "value"), State(ids.WHATIF_DATE, "value"), State(ids.WHATIF_START, "data"),
        background=True,
        running=[(Output(ids.WHATIF_RUN, "disabled"), True, False),
                 (Output(ids.WHATIF_CANCEL, "disabled"), False, True),
                 (Output(ids.WHATIF_STATUS, "children"), "re-planning with HiGHS…", ""),
                 (Output(ids.WHATIF_PROGRESS, "style"), {"visibility": "visible"}, {"visibility": "hidden"})],
        progress=[Output(ids.WHATIF_PROGRESS, "value"), Output(ids.WHATIF_STATUS, "title")],
        cancel=[Input(ids.WHATIF_CANCEL, "n_clicks")],
        prevent_initial_call=True,
    )
    def _replan(set_progress: Callable[[tuple[str, str]], None], _clicks: int | None, carbon: float,
                setpoints: list[float], battery: list[str] | None, slack: float, site: str | None,
                date: str | None, start: dict[str, Any] | None) -> html.Div:
        forced = dash.ctx.triggered_id == ids.WHATIF_RUN
        if not forced and unchanged(start, carbon, setpoints, battery, slack):
            raise dash.exceptions.PreventUpdate  # the controls were just set to the saved plan's values
        return run_whatif(data_dir, site, date, carbon, setpoints, battery, slack,
                          progress=lambda stage, text: set_progress((str(stage), text)))
