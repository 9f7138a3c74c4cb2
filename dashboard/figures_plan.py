"""Plan figures and tables: pure functions of a plan's tables (steps, runs, job status) -> plotly figures.

Used by the self-contained report (dashboard/report_plan.py) and by the dashboard's Plan and What-if
pages. Times in the files are UTC; every figure can show them on the site's local clock
(``timezone``), which is what a facility engineer reads. The power figure stacks the supply (grid
import, PV, wind, battery discharge) above zero and the sinks that are not the facility (battery
charge, export, curtailment) below it, so the stack's net is the facility load drawn as a line:
facility = import + PV + wind + discharge - charge - export - curtailed (the plan's energy balance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

#: Colour of each job status in the Gantt chart.
STATUS_COLOURS = {"on_time": "#2a9d8f", "late": "#e76f51", "not_run": "#9e9e9e"}
#: Columns of the job table (``job_rows``).
JOB_ROW_COLUMNS = ("job_id", "status", "first_start", "finish", "run_h", "nodes", "intervals", "lateness_h",
                   "reason")
#: Labels of the cooling modes in the profile (sites/cooling.py).
MODE_LABELS = {0: "free cooling", 1: "partial", 2: "mechanical"}
#: Supply flows stacked above zero: column, label, colour.
SUPPLY = (("grid_import_kw", "grid import", "#6c757d"), ("pv_kw", "PV", "#f4a261"),
          ("wind_kw", "wind", "#457b9d"), ("battery_discharge_kw", "battery discharge", "#8e44ad"))
#: Sinks other than the facility stacked below zero: column, label, colour.
SINKS = (("battery_charge_kw", "battery charge", "#c39bd3"), ("grid_export_kw", "export", "#2a9d8f"),
         ("curtailed_kw", "curtailed", "#e63946"))

_AXIS = {"gridcolor": "#EBF0F8", "linecolor": "#EBF0F8", "zerolinecolor": "#EBF0F8", "zerolinewidth": 2,
         "ticks": "", "automargin": True, "title": {"standoff": 15}}
#: The look of plotly's "plotly_white" as its layout part alone. The full template also carries defaults
#: for every trace type (3-D, maps, polar, ...), and plotly.js spent about half to two thirds of a plan
#: figure's drawing time applying them (measured in Chromium, docs/performance.md "Dashboard").
LIGHT_TEMPLATE = go.layout.Template(layout={
    "paper_bgcolor": "white", "plot_bgcolor": "white", "font": {"color": "#2a3f5f"},
    "colorway": ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880",
                 "#FF97FF", "#FECB52"],
    "xaxis": _AXIS, "yaxis": _AXIS, "hoverlabel": {"align": "left"}, "title": {"x": 0.05},
})


def local_clock(times: pd.Series | pd.DatetimeIndex, timezone: str | None) -> pd.DatetimeIndex:
    """UTC times as naive wall-clock times of ``timezone`` (plotly shows naive times as they are)."""
    index = pd.DatetimeIndex(pd.to_datetime(times, utc=True))
    return index.tz_convert(timezone).tz_localize(None) if timezone else index.tz_localize(None)


def _layout(fig: go.Figure, title: str, y_title: str) -> go.Figure:
    """Common look: title, axis label, legend on top, compact margins."""
    fig.update_layout(title=title, template=LIGHT_TEMPLATE, margin={"l": 60, "r": 20, "t": 60, "b": 40},
                      legend={"orientation": "h", "y": -0.15}, hovermode="x unified")
    fig.layout.yaxis.title.text = y_title
    return fig


def status_table(job_status: pd.DataFrame | Mapping[str, Any] | None) -> pd.DataFrame:
    """The job status as a table, from Plan.job_status or from plan.json's dict (its ``jobs`` list)."""
    if job_status is None:
        return pd.DataFrame(columns=["job_id", "status", "finish", "lateness_h", "reason"])
    if isinstance(job_status, pd.DataFrame):
        return job_status
    return pd.DataFrame(list(job_status.get("jobs", [])),
                        columns=["job_id", "status", "finish", "lateness_h", "penalty_per_h", "reason"])


#: Gantt rows: pixels per job row and tick-label font size, from few rows to many (``gantt_rows``).
GANTT_ROW_PX = ((40, 22, 12), (120, 16, 11), (300, 13, 10), (None, 12, 9))
#: Pixels of the Gantt chart above and below the rows (title, legend, time axis).
GANTT_MARGIN_PX = {"t": 60, "b": 90}


def gantt_rows(rows: int) -> tuple[int, int]:
    """Row pitch and label font size [px] for a Gantt of ``rows`` jobs: every label shown, none overlapping.

    The font is always at least 3 px smaller than the row pitch (a label's glyphs fit its row), and
    never below 9 px; the chart grows with the rows instead (500 jobs: 12 px rows, a 6,150 px chart).
    """
    for limit, pitch, font in GANTT_ROW_PX:
        if limit is None or rows <= limit:
            return pitch, font
    raise AssertionError("unreachable")


def figure_gantt(runs: pd.DataFrame, job_status: pd.DataFrame | Mapping[str, Any] | None = None,
                 timezone: str | None = None) -> go.Figure:
    """One bar per run interval, one row per job (ordered by first start), coloured by the job's status.

    ``job_status`` is Plan.job_status or the plan.json dict; the timezone defaults to the plan's site.
    Every job's row is labelled: the chart's height and the label font follow the number of rows
    (``gantt_rows``), so 500 jobs stay readable.
    """
    if timezone is None and isinstance(job_status, Mapping):
        timezone = job_status.get("site", {}).get("timezone")
    status = status_table(job_status)
    state = dict(zip(status["job_id"].astype(str), status["status"].astype(str), strict=True))
    frame = runs.copy()
    frame["job_id"] = frame["job_id"].astype(str)
    frame["start_local"] = local_clock(frame["start"], timezone)
    frame["end_local"] = local_clock(frame["end"], timezone)
    frame["status"] = [state.get(j, "on_time") for j in frame["job_id"]]
    order = frame.groupby("job_id")["start_local"].min().sort_values(kind="stable").index.tolist()
    late = status[status["status"] == "late"]
    late_by = {str(j): f", late by {float(h):.2f} h"
               for j, h in zip(late["job_id"], late["lateness_h"], strict=True)}
    fig = go.Figure()
    for name, group in frame.groupby("status", sort=True):
        duration_ms = (group["end_local"] - group["start_local"]).dt.total_seconds() * 1000.0
        hover = pd.DataFrame({"start": group["start_local"].dt.strftime("%H:%M"),
                              "end": group["end_local"].dt.strftime("%H:%M"), "nodes": group["nodes"],
                              "late": group["job_id"].map(late_by).fillna("")})
        fig.add_trace(go.Bar(
            y=group["job_id"], x=duration_ms, base=group["start_local"], orientation="h",
            name=str(name).replace("_", " "), marker_color=STATUS_COLOURS.get(str(name), "#333333"),
            customdata=hover.to_numpy(),
            hovertemplate="%{y}: %{customdata[0]}-%{customdata[1]}, %{customdata[2]} nodes%{customdata[3]}"
                          "<extra></extra>",
        ))
    not_run = status[status["status"] == "not_run"]
    pitch, font = gantt_rows(len(order))
    margin = {"l": 80, "r": 20, **GANTT_MARGIN_PX}
    fig.update_layout(barmode="overlay", height=max(300, pitch * len(order) + margin["t"] + margin["b"]))
    fig.update_xaxes(type="date", title_text="local time" if timezone else "UTC", side="top"
                     if len(order) > 120 else "bottom")
    # every category labelled (plotly would thin them out), at a size that fits the row
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], tickmode="array",
                     tickvals=order, ticktext=order, tickfont={"size": font}, automargin=True)
    title = f"Jobs: {len(order)} run" + (f", {len(not_run)} not run" if len(not_run) else "")
    fig.update_layout(title=title, template=LIGHT_TEMPLATE, margin=margin,
                      legend={"orientation": "h", "y": -0.1 if len(order) <= 120 else 1.0,
                              "yanchor": "top" if len(order) <= 120 else "bottom"},
                      bargap=0.25)
    return fig


#: Columns of the action table (``action_rows``): one row per run, times on the site's clock.
ACTION_COLUMNS = ("job_id", "run", "start", "end", "hours", "nodes")


def action_rows(runs: pd.DataFrame, meta: Mapping[str, Any] | None = None,
                timezone: str | None = None) -> pd.DataFrame:
    """What to do: every run of every job in start order, start and end in local time, its nodes.

    ``run`` is "k of n" for a job run in n pieces; the timezone defaults to plan.json's site.
    """
    if timezone is None and isinstance(meta, Mapping):
        timezone = meta.get("site", {}).get("timezone")
    if runs.empty:
        return pd.DataFrame(columns=list(ACTION_COLUMNS))
    frame = runs.copy()
    frame["job_id"] = frame["job_id"].astype(str)
    start = pd.Series(local_clock(frame["start"], timezone), index=frame.index)
    end = pd.Series(local_clock(frame["end"], timezone), index=frame.index)
    frame = frame.assign(_start=start, _end=end).sort_values(["_start", "job_id", "_end"], kind="stable")
    piece = frame.groupby("job_id").cumcount() + 1
    pieces = frame.groupby("job_id")["job_id"].transform("size")
    return pd.DataFrame({
        "job_id": frame["job_id"],
        "run": [f"{k} of {n}" for k, n in zip(piece, pieces, strict=True)],
        "start": frame["_start"].dt.strftime("%Y-%m-%d %H:%M"),
        "end": frame["_end"].dt.strftime("%Y-%m-%d %H:%M"),
        "hours": ((frame["_end"] - frame["_start"]).dt.total_seconds() / 3600.0).round(2),
        "nodes": frame["nodes"].astype(int),
    }).reset_index(drop=True)


def figure_front(meta: Mapping[str, Any]) -> go.Figure | None:
    """The cost-carbon front of ``--pareto`` (plan.json's ``pareto``) with the chosen plan marked.

    Cost is each point's objective total (its lateness is held at the cheapest plan's); the chosen
    plan is the one plan.json describes (the cheapest point, unless the plan fell back to today's
    practice, which is marked too). None when the plan has no front.
    """
    front = [p for p in meta.get("pareto") or [] if p.get("carbon_kg") is not None]
    if not front:
        return None
    currency = str(meta.get("site", {}).get("currency", ""))
    front = sorted(front, key=lambda p: int(p.get("rank", 0)))
    carbon = [float(p["carbon_kg"]) for p in front]
    cost = [float(p["objective"].get("total", float("nan"))) for p in front]
    caps = ["cheapest" if p.get("carbon_cap_kg") is None else f"cap {float(p['carbon_cap_kg']):,.0f} kg"
            for p in front]
    labels = [f"point {int(p.get('rank', 0))} ({cap})" for p, cap in zip(front, caps, strict=True)]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=carbon, y=cost, mode="lines+markers+text", name="front",
                             text=[str(int(p.get("rank", 0))) for p in front], textposition="top center",
                             customdata=labels, marker={"size": 9, "color": "#457b9d"},
                             hovertemplate="%{customdata}: %{x:,.0f} kgCO2, %{y:,.0f} " + currency
                                           + "<extra></extra>"))
    chosen_cost = meta.get("objective", {}).get("total")
    chosen_carbon = meta.get("kpis", {}).get("carbon_kg")
    if chosen_cost is not None and chosen_carbon is not None:
        fig.add_trace(go.Scatter(x=[float(chosen_carbon)], y=[float(chosen_cost)], mode="markers",
                                 name="chosen plan", marker={"symbol": "star", "size": 18, "color": "#e76f51",
                                                             "line": {"width": 1, "color": "#1d3557"}},
                                 hovertemplate="chosen plan: %{x:,.0f} kgCO2, %{y:,.0f} " + currency
                                               + "<extra></extra>"))
    base = meta.get("baseline", {})
    base_carbon, base_cost = base.get("kpis", {}).get("carbon_kg"), base.get("objective", {}).get("total")
    if base_carbon is not None and base_cost is not None:
        fig.add_trace(go.Scatter(x=[float(base_carbon)], y=[float(base_cost)],
                                 mode="markers", name="today's practice",
                                 marker={"symbol": "square", "size": 10, "color": "#6c757d"},
                                 hovertemplate="today's practice: %{x:,.0f} kgCO2, %{y:,.0f} " + currency
                                               + "<extra></extra>"))
    _layout(fig, "Cost-carbon front (lateness held at the cheapest plan's)", f"cost ({currency})")
    fig.update_layout(hovermode="closest", height=380)
    fig.update_xaxes(title_text="grid emissions (kgCO2)")
    return fig


def figure_power(steps: pd.DataFrame, timezone: str | None = None) -> go.Figure:
    """Supply stacked above zero, other sinks below, facility, IT and cooling as lines. [kW]"""
    x = local_clock(steps["time"], timezone)
    fig = go.Figure()
    for column, label, colour in SUPPLY:
        fig.add_trace(go.Scatter(x=x, y=steps[column], name=label, stackgroup="supply", line={"width": 0},
                                 fillcolor=colour, line_shape="hv", hovertemplate="%{y:,.0f} kW"))
    for column, label, colour in SINKS:
        fig.add_trace(go.Scatter(x=x, y=-steps[column], name=label, stackgroup="sinks", line={"width": 0},
                                 fillcolor=colour, line_shape="hv", hovertemplate="%{y:,.0f} kW"))
    for column, label, colour, dash in (("facility_kw", "facility", "#000000", "solid"),
                                        ("it_kw", "IT", "#1d3557", "dot"),
                                        ("cooling_kw", "cooling", "#0096c7", "dash")):
        fig.add_trace(go.Scatter(x=x, y=steps[column], name=label, mode="lines", line_shape="hv",
                                 line={"color": colour, "dash": dash, "width": 2},
                                 hovertemplate="%{y:,.0f} kW"))
    return _layout(fig, "Power: supply (above 0), charge / export / curtailment (below 0), loads", "kW")


def figure_setpoint(steps: pd.DataFrame, timezone: str | None = None) -> go.Figure:
    """Supply-air setpoint and cooling mode against the outdoor dry- and wet-bulb temperatures."""
    x = local_clock(steps["time"], timezone)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=x, y=steps["setpoint_c"], name="setpoint", line_shape="hv",
                             line={"color": "#1d3557", "width": 3}), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=steps["temp_air_c"], name="outdoor dry-bulb",
                             line={"color": "#e76f51"}), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=steps["temp_wet_bulb_c"], name="outdoor wet-bulb",
                             line={"color": "#2a9d8f", "dash": "dot"}), secondary_y=False)
    mode = steps["cooling_mode"].astype(int)
    fig.add_trace(go.Scatter(x=x, y=mode, name="cooling mode", mode="lines", line_shape="hv",
                             line={"color": "#adb5bd", "width": 1},
                             text=[MODE_LABELS.get(int(m), str(m)) for m in mode],
                             hovertemplate="%{text}"), secondary_y=True)
    fig.update_yaxes(title_text="cooling mode", secondary_y=True, range=[-0.2, 2.2],
                     tickvals=list(MODE_LABELS), ticktext=list(MODE_LABELS.values()), showgrid=False)
    return _layout(fig, "Cooling: setpoint and mode against outdoor temperature", "deg C")


#: The dashboard's name for the setpoint figure.
figure_cooling = figure_setpoint


def figure_signals(steps: pd.DataFrame, timezone: str | None = None, currency: str = "CNY") -> go.Figure:
    """Import and export price against the grid's carbon intensity."""
    x = local_clock(steps["time"], timezone)
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_trace(go.Scatter(x=x, y=steps["price_per_kwh"], name="import price", line_shape="hv",
                             line={"color": "#1d3557", "width": 2}), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=steps["export_price_per_kwh"], name="export price", line_shape="hv",
                             line={"color": "#1d3557", "dash": "dot"}), secondary_y=False)
    fig.add_trace(go.Scatter(x=x, y=steps["carbon_kg_per_kwh"], name="carbon intensity", line_shape="hv",
                             line={"color": "#6a994e", "width": 2}), secondary_y=True)
    fig.update_yaxes(title_text="kgCO2/kWh", secondary_y=True, showgrid=False, rangemode="tozero")
    return _layout(fig, "Grid signals: price and carbon intensity", f"{currency}/kWh")


#: Labels of plan.json's savings components, in the waterfall's order.
COMPONENT_LABELS = {"battery": "battery dispatch", "setpoints": "cooling setpoints",
                    "job_timing": "job timing", "demand_charge": "demand charge", "export": "export",
                    "carbon_cost": "carbon cost"}


def figure_savings_waterfall(meta: Mapping[str, Any]) -> go.Figure:
    """Today's practice's cost, each savings component as a step down (or up), the plan's cost. [currency]

    From plan.json: the baseline's and the plan's cost without lateness penalties and
    ``savings.components``, which add up to the difference (the chain of docs/planning.md). A plan
    folder without components shows the two bars only.
    """
    currency = str(meta.get("site", {}).get("currency", ""))
    base_obj, plan_obj = meta.get("baseline", {}).get("objective", {}), meta.get("objective", {})

    def bill(objective: Mapping[str, Any]) -> float:
        return float(objective.get("total") or 0.0) - float(objective.get("lateness_penalty") or 0.0)

    components = (meta.get("savings") or {}).get("components") or {}
    labels = ["today's practice", *(COMPONENT_LABELS.get(k, k) for k in components), "plan"]
    values = [bill(base_obj), *(-float(v) for v in components.values()), bill(plan_obj)]
    measures = ["absolute", *(["relative"] * len(components)), "total"]
    text = [f"{values[0]:,.0f}", *(f"{-v:+,.0f}" for v in values[1:-1]), f"{values[-1]:,.0f}"]
    fig = go.Figure(go.Waterfall(
        x=labels, y=values, measure=measures, text=text, textposition="outside",
        decreasing={"marker": {"color": "#2a9d8f"}}, increasing={"marker": {"color": "#e76f51"}},
        totals={"marker": {"color": "#1d3557"}}, connector={"line": {"color": "#adb5bd"}},
        hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    saving = (meta.get("savings") or {}).get("cost")
    title = "Where the saving comes from (cost without lateness penalties)"
    if saving is not None:
        title += f": {float(saving):,.0f} {currency}"
    fig = _layout(fig, title, currency)
    fig.update_layout(hovermode="closest", showlegend=False)
    levels = [values[0], *(values[0] + sum(values[1:i + 1]) for i in range(1, len(values) - 1)), values[-1]]
    low, high = min(levels), max(levels)
    pad = 0.15 * max(high - low, 1.0)
    fig.update_yaxes(range=[max(0.0, low - pad), high + pad])
    return fig


def savings_rows(meta: Mapping[str, Any]) -> list[tuple[str, float]]:
    """The savings components as (label, saving) rows, and their sum. [currency]"""
    components = (meta.get("savings") or {}).get("components") or {}
    rows = [(COMPONENT_LABELS.get(k, k), float(v)) for k, v in components.items()]
    return [*rows, ("total", sum(v for _, v in rows))] if rows else []


@dataclass(frozen=True)
class Kpi:
    """One KPI of a plan, formatted, with the baseline and the saving as a detail line."""

    key: str
    label: str
    value: str
    detail: str
    plan: float | None
    baseline: float | None


#: KPIs shown against the baseline: key in plan.json, label, unit, format, True when smaller is better.
KPI_SPECS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("total", "cost", "{currency}", "{:,.0f}", True),
    ("carbon_kg", "carbon", "kgCO2", "{:,.0f}", True),
    ("pue", "PUE", "", "{:.3f}", True),
    ("renewable_share", "renewable share", "%", "{:.1%}", False),
    ("facility_kwh", "facility energy", "kWh", "{:,.0f}", True),
    ("peak_import_kw", "peak import", "kW", "{:,.0f}", True),
    ("curtailed_kwh", "curtailed", "kWh", "{:,.0f}", True),
)


def _plan_value(meta: Mapping[str, Any], part: Mapping[str, Any], key: str) -> float | None:
    """A KPI from a plan.json part: the objective total, or a KPI."""
    source = part.get("objective", {}) if key == "total" else part.get("kpis", {})
    value = source.get(key)
    return None if value is None else float(value)


def plan_kpis(meta: Mapping[str, Any]) -> list[Kpi]:
    """The plan's KPIs against its baseline, from plan.json, formatted for cards and tables."""
    currency = str(meta.get("site", {}).get("currency", ""))
    baseline = meta.get("baseline", {})
    out = []
    for key, label, unit, fmt, smaller_better in KPI_SPECS:
        plan_value, base_value = _plan_value(meta, meta, key), _plan_value(meta, baseline, key)
        unit_text = unit.format(currency=currency)
        suffix = "" if unit in ("%", "") else f" {unit_text}"
        value = "-" if plan_value is None else fmt.format(plan_value) + suffix
        detail = ""
        if base_value is not None and plan_value is not None:
            better = (base_value - plan_value) if smaller_better else (plan_value - base_value)
            share = f" ({100.0 * better / abs(base_value):+.1f} %)" if base_value else ""
            detail = f"baseline {fmt.format(base_value)}{suffix}; better by {fmt.format(better)}{share}"
        out.append(Kpi(key, label, value, detail, plan_value, base_value))
    late = int(meta.get("job_counts", {}).get("late", 0)) + int(meta.get("job_counts", {}).get("not_run", 0))
    base_late = baseline.get("late_jobs")
    out.append(Kpi("late_jobs", "late or not run jobs", str(late),
                   "" if base_late is None else f"baseline {base_late}", float(late),
                   None if base_late is None else float(base_late)))
    return out


def job_rows(runs: pd.DataFrame, meta: Mapping[str, Any] | pd.DataFrame | None,
             steps: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per job: status, first start, finish (local time), run hours, nodes, lateness, reason."""
    timezone = meta.get("site", {}).get("timezone") if isinstance(meta, Mapping) else None
    status = status_table(meta).copy()
    status["job_id"] = status["job_id"].astype(str)
    frame = runs.copy()
    frame["job_id"] = frame["job_id"].astype(str)
    span = pd.to_datetime(frame["end"], utc=True) - pd.to_datetime(frame["start"], utc=True)
    frame["run_h"] = span.dt.total_seconds() / 3600.0
    per_job = frame.groupby("job_id").agg(first_start=("start", "min"), run_h=("run_h", "sum"),
                                          nodes=("nodes", "max"), intervals=("start", "size"))
    table = status.set_index("job_id").join(per_job, how="left").reset_index()
    for column in ("first_start", "finish"):
        clock = pd.Series(local_clock(table[column], timezone), index=table.index)
        table[column] = clock.dt.strftime("%Y-%m-%d %H:%M").fillna("")
    table["run_h"] = table["run_h"].fillna(0.0).round(2)
    table["lateness_h"] = table["lateness_h"].astype(float).round(2)
    return table[list(JOB_ROW_COLUMNS)]
