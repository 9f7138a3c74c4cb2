"""The weather Dataset contract: standard names and units, checks on time axes, gaps and units.

Every reader and the synthetic generator end in :func:`weather_dataset`, so every weather source
comes out with the same variables, units and attributes (docs/architecture.md), each time step
labelled by its start (UTC, naive ``datetime64[ns]``) and describing the interval that follows.
"""

from __future__ import annotations

import math
import re
import warnings
import zoneinfo
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import xarray as xr
from greendc.weather import psychrometrics as psy
from greendc.weather.errors import InputError

#: Standard variables: name -> (unit, long name).
VARIABLES: dict[str, tuple[str, str]] = {
    "temp_air": ("degC", "air (dry-bulb) temperature"),
    "relative_humidity": ("%", "relative humidity"),
    "temp_dew": ("degC", "dew-point temperature"),
    "temp_wet_bulb": ("degC", "thermodynamic wet-bulb temperature"),
    "ghi": ("W m-2", "global horizontal irradiance"),
    "dni": ("W m-2", "direct normal irradiance"),
    "dhi": ("W m-2", "diffuse horizontal irradiance"),
    "wind_speed": ("m s-1", "wind speed"),
    "pressure": ("Pa", "air pressure"),
}
#: Variables a source must provide; the others can be derived.
REQUIRED = ("temp_air", "ghi", "wind_speed")
#: Gaps up to this long are interpolated (with a warning); longer ones are refused [h].
MAX_GAP_HOURS = 6.0
#: A weather file further than this from the site earns a warning [km].
FAR_AWAY_KM = 100.0
_MEAN_EARTH_RADIUS_KM = 6371.0088
#: Plausible position of a weather station: (low, high, unit) per attribute, as for a site.
POSITION_RANGES: dict[str, tuple[float, float, str]] = {
    "latitude": (-90.0, 90.0, "deg"),
    "longitude": (-180.0, 180.0, "deg"),
    "altitude_m": (-500.0, 9000.0, "m"),
}
#: A fixed UTC offset written as text, e.g. '+08:30' (what half-hour EPW zones are stored as).
OFFSET_PATTERN = re.compile(r"^[+-](0\d|1[0-4]):[0-5]\d$")


class WeatherWarning(UserWarning):
    """Something in a weather source was repaired or looks doubtful; the text names the file."""


def warn(message: str, file: str | Path | None) -> None:
    """Issue a one-line WeatherWarning that starts with the file name."""
    prefix = f"{file}: " if file is not None else ""
    warnings.warn(WeatherWarning(prefix + message), stacklevel=3)


def check_position(position: Mapping[str, object], file: str | Path | None) -> dict[str, float]:
    """Latitude, longitude and altitude as finite floats inside their ranges, else an InputError."""
    return {key: check_coordinate(key, position[key], file) for key in POSITION_RANGES}


def check_coordinate(key: str, value: object, file: str | Path | None) -> float:
    """One of latitude, longitude, altitude_m as a float inside its range, else an InputError."""
    low, high, unit = POSITION_RANGES[key]
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise InputError(
            f"{value!r} is not a number; need {low:g}..{high:g} {unit}", file=file, key=key
        ) from None
    if not low <= number <= high:  # also refuses NaN
        raise InputError(f"{number:g} is outside {low:g}..{high:g} {unit}", file=file, key=key)
    return number


def check_timezone(name: object, file: str | Path | None) -> str:
    """An IANA time zone name or a fixed offset '+HH:MM' (as text), else an InputError."""
    text = str(name).strip()
    if OFFSET_PATTERN.match(text):
        return text
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"unknown time zone {text!r}; use an IANA name such as 'Asia/Shanghai' or a UTC "
            "offset such as '+08:30'",
            file=file,
            key="timezone",
        ) from None
    return text


def numeric_columns(frame: pd.DataFrame, file: str | Path | None, first_line: int) -> pd.DataFrame:
    """The frame as floats; text in a value is an InputError naming the column and the file's line.

    ``first_line`` is the 1-based line of the file holding the frame's first row.
    """
    out = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    bad = out.isna() & frame.notna() & (frame.astype(str).apply(lambda c: c.str.strip()) != "")
    for name in frame.columns:
        rows = np.flatnonzero(bad[name].to_numpy())
        if rows.size:
            value = frame[name].iloc[int(rows[0])]
            raise InputError(
                f"{value!r} on line {first_line + int(rows[0])} is not a number", file=file, key=str(name)
            )
    return out


def check_time_index(index: pd.DatetimeIndex, file: str | Path | None) -> None:
    """Refuse duplicate or unordered timestamps, naming the first offender."""
    duplicated = index.duplicated()
    if duplicated.any():
        raise InputError(
            f"{int(duplicated.sum())} duplicate timestamp(s), first at {index[duplicated][0]} UTC; "
            "each time must appear once",
            file=file,
            key="time",
        )
    backwards = np.flatnonzero(np.diff(index.asi8) < 0)
    if backwards.size:
        i = int(backwards[0])
        raise InputError(
            f"timestamps are not in order: {index[i + 1]} follows {index[i]} (UTC); sort the file",
            file=file,
            key="time",
        )
    if len(index) < 2:
        raise InputError("need at least two time steps", file=file, key="time")


def step_minutes_of(index: pd.DatetimeIndex) -> int:
    """The regular step of a time index: the most common spacing [min]."""
    spacing_min = np.diff(index.asi8) / 60e9
    values, counts = np.unique(spacing_min, return_counts=True)
    return round(float(values[np.argmax(counts)]))


def check_temperature_units(temp_c: np.ndarray, file: str | Path | None, key: str = "temp_air") -> None:
    """Refuse temperatures that look like kelvin (median above 150) or are physically impossible."""
    finite = temp_c[np.isfinite(temp_c)]
    if finite.size == 0:
        raise InputError("no valid values", file=file, key=key)
    median = float(np.median(finite))
    if median > 150.0:
        raise InputError(
            f"values look like kelvin (median {median:.1f}); give degrees Celsius (subtract 273.15)",
            file=file,
            key=key,
        )
    if finite.min() < -90.0 or finite.max() > 65.0:
        raise InputError(
            f"values from {finite.min():.1f} to {finite.max():.1f} are outside -90..65 deg C",
            file=file,
            key=key,
        )


def fill_gaps(
    frame: pd.DataFrame, file: str | Path | None, max_gap_hours: float = MAX_GAP_HOURS
) -> pd.DataFrame:
    """Put a frame on a regular grid; interpolate short gaps with a warning, refuse long ones.

    A gap is a run of missing time steps or of missing values in any column.
    """
    step = pd.Timedelta(minutes=step_minutes_of(pd.DatetimeIndex(frame.index)))
    full = frame.reindex(pd.date_range(frame.index[0], frame.index[-1], freq=step))
    missing = full.isna().any(axis=1).to_numpy()
    if not missing.any():
        return full
    runs = _runs(missing)
    longest = max(end - start for start, end in runs)
    longest_h = longest * step / pd.Timedelta(hours=1)
    if longest_h > max_gap_hours:
        start, end = next((s, e) for s, e in runs if e - s == longest)
        raise InputError(
            f"gap of {longest_h:g} h from {full.index[start]} to {full.index[end - 1]} UTC; "
            f"gaps up to {max_gap_hours:g} h are interpolated, longer ones must be filled in "
            "the file",
            file=file,
            key="time",
        )
    hours = missing.sum() * step / pd.Timedelta(hours=1)
    warn(f"interpolated {hours:g} missing hour(s) in {len(runs)} gap(s) (longest {longest_h:g} h)", file)
    return full.interpolate(method="time", limit_direction="both")


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """[start, end) index pairs of the True runs of a boolean array."""
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1), strict=True))


def weather_dataset(
    frame: pd.DataFrame,
    *,
    latitude: float,
    longitude: float,
    altitude_m: float,
    timezone: str,
    source: str,
    wind_height_m: float = 10.0,
    file: str | Path | None = None,
    typical_year: bool = False,
    max_gap_hours: float = MAX_GAP_HOURS,
) -> xr.Dataset:
    """The standard weather Dataset from a frame with standard column names and a time index.

    The index is tz-aware (converted to UTC) or naive UTC, labelled by interval start. Missing
    derivable variables are filled: pressure from altitude, dew point or humidity from each other,
    wet-bulb always (ASHRAE 2017 psychrometrics), DNI and DHI from GHI by the Erbs model.
    """
    for column in REQUIRED:
        if column not in frame.columns:
            raise InputError(
                f"required column {column!r} is missing; need {', '.join(REQUIRED)} and "
                "relative_humidity or temp_dew",
                file=file,
                key=column,
            )
    if "relative_humidity" not in frame.columns and "temp_dew" not in frame.columns:
        raise InputError("need relative_humidity or temp_dew", file=file, key="relative_humidity")
    position = check_position({"latitude": latitude, "longitude": longitude, "altitude_m": altitude_m}, file)
    latitude, longitude, altitude_m = position["latitude"], position["longitude"], position["altitude_m"]
    timezone = check_timezone(timezone, file)
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    check_time_index(index, file)
    data = frame.set_axis(index).astype(float)
    for name in ("temp_air", "temp_dew"):
        if name in data.columns:
            check_temperature_units(data[name].to_numpy(), file, name)
    data = fill_gaps(data, file, max_gap_hours)
    _check_ranges(data, file)
    data = derive_missing(data, altitude_m=altitude_m, latitude=latitude, longitude=longitude)
    return _to_xarray(
        data,
        dict(
            latitude=float(latitude),
            longitude=float(longitude),
            altitude_m=float(altitude_m),
            timezone=timezone,
            source=source,
            step_minutes=step_minutes_of(pd.DatetimeIndex(data.index)),
            typical_year=int(typical_year),
            file=str(file or ""),
        ),
        wind_height_m,
    )


def _check_ranges(data: pd.DataFrame, file: str | Path | None) -> None:
    """Refuse values outside physical ranges (negative irradiance beyond noise, RH above 100 %...)."""
    limits = {
        "relative_humidity": (0.0, 100.5),
        "ghi": (-10.0, 1500.0),
        "dni": (-10.0, 1500.0),
        "dhi": (-10.0, 1000.0),
        "wind_speed": (0.0, 75.0),
        "pressure": (30000.0, 110000.0),
    }
    for name, (low, high) in limits.items():
        if name in data.columns:
            values = data[name].to_numpy()
            if values.min() < low or values.max() > high:
                unit = VARIABLES[name][0]
                raise InputError(
                    f"values from {values.min():g} to {values.max():g} are outside {low:g}..{high:g} {unit}",
                    file=file,
                    key=name,
                )


def derive_missing(
    data: pd.DataFrame, *, altitude_m: float, latitude: float, longitude: float
) -> pd.DataFrame:
    """Add pressure, humidity, dew point, wet-bulb, DNI and DHI where the source lacks them."""
    out = data.copy()
    out[["ghi"] + [c for c in ("dni", "dhi") if c in out]] = out[
        ["ghi"] + [c for c in ("dni", "dhi") if c in out]
    ].clip(lower=0.0)
    if "pressure" not in out:
        out["pressure"] = float(psy.pressure_from_altitude_pa(altitude_m))
    if "temp_dew" not in out:
        out["temp_dew"] = psy.dew_point_c(out["temp_air"], out["relative_humidity"])
    if "relative_humidity" not in out:
        out["relative_humidity"] = psy.relative_humidity_pct(out["temp_air"], out["temp_dew"])
    out["relative_humidity"] = out["relative_humidity"].clip(0.0, 100.0)
    out["temp_dew"] = np.minimum(out["temp_dew"], out["temp_air"])
    # wet-bulb from the dew point (files give it to 0.1 K, humidity only to 1 %), so dew <= wet <= dry
    rh_from_dew = psy.relative_humidity_pct(out["temp_air"], out["temp_dew"])
    out["temp_wet_bulb"] = psy.wet_bulb_c(out["temp_air"], rh_from_dew, out["pressure"])
    if "dni" not in out or "dhi" not in out:
        out["dni"], out["dhi"] = decompose_ghi(out["ghi"], latitude, longitude, altitude_m)
    return out


def interval_midpoints(index: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """Midpoints of the intervals that start at each (naive UTC) timestamp, tz-aware UTC."""
    step = pd.Timedelta(minutes=step_minutes_of(index)) if len(index) > 1 else pd.Timedelta(hours=1)
    return (index + step / 2).tz_localize("UTC")


def decompose_ghi(
    ghi_w_m2: pd.Series, latitude: float, longitude: float, altitude_m: float
) -> tuple[np.ndarray, np.ndarray]:
    """DNI and DHI from GHI by the Erbs et al. (1982) diffuse-fraction correlation (pvlib) [W/m2]."""
    times = interval_midpoints(pd.DatetimeIndex(ghi_w_m2.index))
    solar = pvlib.solarposition.get_solarposition(times, latitude, longitude, altitude_m)
    parts = pvlib.irradiance.erbs(ghi_w_m2.to_numpy(), solar["zenith"].to_numpy(), times)
    return np.asarray(parts["dni"], dtype=float), np.asarray(parts["dhi"], dtype=float)


def _to_xarray(data: pd.DataFrame, attrs: Mapping[str, object], wind_height_m: float) -> xr.Dataset:
    """Dataset with the standard variables in contract order, units and location attributes."""
    index = pd.DatetimeIndex(data.index).astype("datetime64[ns]")
    ds = xr.Dataset(
        {name: ("time", data[name].to_numpy(dtype=float)) for name in VARIABLES},
        coords={"time": index.to_numpy()},
    )
    for name, (unit, long_name) in VARIABLES.items():
        ds[name].attrs.update(units=unit, long_name=long_name)
    ds["wind_speed"].attrs["height_m"] = float(wind_height_m)
    ds["time"].attrs["note"] = "UTC; each step labels the interval that starts there"
    ds.attrs.update(attrs)
    return ds


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance by the haversine formula on the mean Earth radius [km]."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _MEAN_EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def check_location(
    ds: xr.Dataset,
    latitude: float,
    longitude: float,
    *,
    site_id: str = "site",
    file: str | Path | None = None,
    max_km: float = FAR_AWAY_KM,
) -> float:
    """Warn when the weather's location is more than max_km from the site; returns the distance [km]."""
    km = distance_km(float(ds.attrs["latitude"]), float(ds.attrs["longitude"]), latitude, longitude)
    if km > max_km:
        warn(
            f"weather is for {ds.attrs['latitude']:.2f}, {ds.attrs['longitude']:.2f}, {km:,.0f} km from "
            f"{site_id} ({latitude:.2f}, {longitude:.2f}); its climate may not represent the site",
            file,
        )
    return km
