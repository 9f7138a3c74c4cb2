"""The moves of a joint fleet plan on the offline map: data sent between hubs as lines, width by TB,
and each hub's mean IT load as its marker's area.

Pure functions of a fleet plan folder's tables (optimizer/fleet/folder.py: ``transfers.csv``,
``assignments.csv``) and the hubs' places; the Sites page shows the latest joint plan's moves.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from greendc.dashboard import geo

FLOW_COLUMNS = ("from_hub", "to_hub", "tb", "jobs")
#: Line width of the smallest and the largest flow on the map. [px]
MIN_WIDTH_PX = 1.5
MAX_WIDTH_PX = 12.0
GB_PER_TB = 1000.0
#: Diameter of the marker of a hub with no IT load and of the most loaded hub. [px]
MIN_MARKER_PX = 6.0
MAX_MARKER_PX = 30.0


def flow_frame(transfers: pd.DataFrame, assignments: pd.DataFrame) -> pd.DataFrame:
    """One row per hub pair and direction: TB sent (transfers.csv) and jobs moved (assignments.csv)."""
    if transfers.empty:
        return pd.DataFrame(columns=list(FLOW_COLUMNS))
    tb = transfers.groupby(["from_hub", "to_hub"])["gb"].sum() / GB_PER_TB
    moved = assignments[assignments["moved"].astype(bool)] if len(assignments) else assignments
    jobs = moved.groupby(["home_hub", "hub"])["job_id"].count() if len(moved) else pd.Series(dtype=int)
    jobs.index = jobs.index.set_names(["from_hub", "to_hub"])
    frame = pd.DataFrame({"tb": tb}).join(jobs.rename("jobs"), how="left").fillna({"jobs": 0})
    frame["jobs"] = frame["jobs"].astype(int)
    return frame.reset_index()[list(FLOW_COLUMNS)].sort_values("tb", ascending=False, ignore_index=True)


def line_width_px(tb: float, largest_tb: float) -> float:
    """A flow's line width: in proportion to its TB, the largest at MAX_WIDTH_PX, none below MIN. [px]"""
    if largest_tb <= 0 or not math.isfinite(tb):
        return MIN_WIDTH_PX
    return max(MIN_WIDTH_PX, MAX_WIDTH_PX * tb / largest_tb)


def flow_text(row: pd.Series) -> str:
    """Hover text of one flow: 'wuhu → zhongwei: 12.3 TB, 17 jobs moved'. [-]"""
    return f"{row['from_hub']} → {row['to_hub']}: {row['tb']:,.1f} TB, {int(row['jobs'])} jobs moved"


def marker_size_px(load_mw: float, largest_mw: float) -> float:
    """A hub marker's diameter: its area in proportion to the hub's mean IT load. [px]"""
    if largest_mw <= 0 or not math.isfinite(load_mw) or load_mw <= 0:
        return MIN_MARKER_PX
    return max(MIN_MARKER_PX, MAX_MARKER_PX * math.sqrt(load_mw / largest_mw))


def figure_fleet_flows(hubs: pd.DataFrame, flows: pd.DataFrame, title: str = "Data moved between hubs",
                       load_mw: dict[str, float] | None = None) -> go.Figure:
    """Hubs (columns site, latitude, longitude) and the flows between them on the offline map.

    Each flow is a line from its home hub to the hub the work moved to, width by TB, with an arrow
    head near its end and its hover text on every point; a flow whose hub has no place is left out.
    With ``load_mw`` (each hub's mean IT load) a hub's marker area is in proportion to its load.
    """
    place = hubs.set_index("site")[["longitude", "latitude"]]
    lon_range, lat_range = geo.map_extent(hubs["longitude"].tolist(), hubs["latitude"].tolist())
    figure = go.Figure(geo.outline_trace(lon_range, lat_range))
    shown = flows[flows["from_hub"].isin(place.index) & flows["to_hub"].isin(place.index)]
    largest = float(shown["tb"].max()) if len(shown) else 0.0
    for _, row in shown.iterrows():
        (x0, y0), (x1, y1) = place.loc[row["from_hub"]], place.loc[row["to_hub"]]
        text = flow_text(row)
        figure.add_trace(go.Scatter(
            x=list(np.linspace(x0, x1, 9)), y=list(np.linspace(y0, y1, 9)), mode="lines",
            line={"width": line_width_px(float(row["tb"]), largest), "color": "rgba(214, 39, 40, 0.65)"},
            hovertext=[text] * 9, hoverinfo="text", name=text, showlegend=False,
        ))
        figure.add_annotation(x=x0 + 0.9 * (x1 - x0), y=y0 + 0.9 * (y1 - y0), ax=x0 + 0.8 * (x1 - x0),
                              ay=y0 + 0.8 * (y1 - y0), xref="x", yref="y", axref="x", ayref="y", text="",
                              showarrow=True, arrowhead=2, arrowsize=1.2, arrowcolor="rgba(214, 39, 40, 0.9)")
    out_tb = shown.groupby("from_hub")["tb"].sum()
    in_tb = shown.groupby("to_hub")["tb"].sum()
    loads = load_mw or {}
    largest_mw = max(loads.values(), default=0.0)
    hover = [f"{h}: {out_tb.get(h, 0.0):,.1f} TB sent, {in_tb.get(h, 0.0):,.1f} TB received"
             + (f", mean IT load {loads[h]:,.1f} MW" if h in loads else "") for h in hubs["site"]]
    sizes = [marker_size_px(loads.get(h, 0.0), largest_mw) if loads else 10.0 for h in hubs["site"]]
    figure.add_trace(go.Scatter(
        x=hubs["longitude"], y=hubs["latitude"], mode="markers+text", text=hubs["site"],
        textposition="top center", textfont={"size": 10}, hovertext=hover, hoverinfo="text",
        marker={"size": sizes, "color": "#1f77b4", "line": {"width": 1, "color": "white"}},
        name="hubs", showlegend=False,
    ))
    mid_lat = math.radians(sum(lat_range) / 2.0)
    total = (f"{shown['tb'].sum():,.1f} TB, {int(shown['jobs'].sum())} jobs moved" if len(shown)
             else "no moves")
    figure.update_layout(
        title=f"{title} ({total}; line width by TB" + ("; marker area by mean IT load)" if loads else ")"),
        xaxis={"range": list(lon_range), "title": "longitude (deg E)", "showgrid": False, "zeroline": False},
        yaxis={"range": list(lat_range), "title": "latitude (deg N)", "showgrid": False, "zeroline": False,
               "scaleanchor": "x", "scaleratio": 1.0 / math.cos(mid_lat)},
        template="plotly_white", height=520, margin={"l": 50, "r": 10, "t": 40, "b": 40},
    )
    return figure
