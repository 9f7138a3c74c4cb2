"""Weather file readers: EPW, TMY3, TMY2 (through pvlib.iotools), NetCDF and CSV with a column map.

Each ``read_*`` returns ``(xarray.Dataset, metadata)`` in the standard names and units of
docs/architecture.md, as pvlib's iotools return ``(data, metadata)``. Typical-year files (EPW, TMY)
are put on one calendar year (``year``, default 2025) and relabelled to interval start, so that a
step at 00:00 UTC describes 00:00-01:00. Bad files raise :class:`~greendc.weather.errors.InputError` naming
the file and the problem; repairs (short gaps) warn with :class:`~greendc.weather.dataset.WeatherWarning`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pvlib
import xarray as xr
from greendc.weather.dataset import (
    VARIABLES,
    check_coordinate,
    check_temperature_units,
    numeric_columns,
    weather_dataset,
)
from greendc.weather.errors import InputError

#: Calendar year typical-year files are put on when no year is given.
DEFAULT_YEAR = 2025
#: EPW "missing" markers (EnergyPlus Auxiliary Programs, ch. 2.9 "Data field descriptions").
EPW_MISSING = {
    "temp_air": 99.9,
    "temp_dew": 99.9,
    "relative_humidity": 999.0,
    "pressure": 999999.0,
    "ghi": 9999.0,
    "dni": 9999.0,
    "dhi": 9999.0,
    "wind_speed": 999.0,
}
#: Suffixes :func:`read_weather` recognises.
SUFFIXES = (".epw", ".csv", ".tm2", ".nc", ".nc4", ".netcdf")

Metadata = dict[str, Any]


def _existing(path: str | Path) -> Path:
    """The path if it is a readable file, else an InputError naming it."""
    file = Path(path)
    if not file.is_file():
        raise InputError("no such weather file", file=file)
    return file


def offset_timezone(offset_h: float, file: str | Path | None = None) -> str:
    """The time zone of a fixed UTC offset [h]: 'Etc/GMT+5' (UTC-5) for whole hours, '+08:30' otherwise.

    IANA has no names for half- and quarter-hour offsets (India +5.5, Nepal +5.75), which pandas
    takes as '+05:30'; an offset outside -12..+14 h is an InputError.
    """
    offset = float(offset_h)
    if not -12.0 <= offset <= 14.0:  # also refuses NaN
        raise InputError(f"time zone {offset_h!r} h is outside -12..+14 h of UTC", file=file, key="timezone")
    if offset.is_integer():
        return "UTC" if offset == 0 else f"Etc/GMT{-int(offset):+d}"
    minutes = round(abs(offset) * 60)
    return f"{'+' if offset > 0 else '-'}{minutes // 60:02d}:{minutes % 60:02d}"


def _put_on_year(index: pd.DatetimeIndex, year: int) -> pd.DatetimeIndex:
    """Replace the year of a typical-year index, keeping local month, day and clock time."""
    local = index.tz_localize(None)
    moved = pd.to_datetime(
        {
            "year": np.full(len(local), year),
            "month": local.month,
            "day": local.day,
            "hour": local.hour,
            "minute": local.minute,
        }
    )
    return pd.DatetimeIndex(moved).tz_localize(index.tz)


def _pvlib_call(
    reader: Callable[..., tuple[pd.DataFrame, dict[str, Any]]], file: Path, **kwargs: Any
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Run a pvlib reader, turning its parse failures into one InputError naming the file."""
    try:
        return reader(str(file), **kwargs)
    except (ValueError, KeyError, IndexError, TypeError, OverflowError, pd.errors.ParserError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]  # pandas adds advice lines
        raise InputError(
            f"cannot parse as {reader.__name__.removeprefix('read_').upper()}: {first_line}", file=file
        ) from None


def _metadata(ds: xr.Dataset, file: Path, fmt: str, raw: Mapping[str, Any]) -> Metadata:
    """The metadata dict every reader returns."""
    return {
        "file": str(file),
        "format": fmt,
        "latitude": ds.attrs["latitude"],
        "longitude": ds.attrs["longitude"],
        "altitude_m": ds.attrs["altitude_m"],
        "timezone": ds.attrs["timezone"],
        "raw": dict(raw),
    }


def read_epw(path: str | Path, *, year: int = DEFAULT_YEAR) -> tuple[xr.Dataset, Metadata]:
    """Read an EnergyPlus weather (EPW) file; missing-value markers become gaps."""
    file = _existing(path)
    data, meta = _pvlib_call(pvlib.iotools.read_epw, file, coerce_year=year)
    frame = numeric_columns(
        data.rename(columns={"atmospheric_pressure": "pressure"})[list(EPW_MISSING)], file, first_line=9
    )  # after the 8 header lines
    for name, marker in EPW_MISSING.items():
        frame[name] = frame[name].where(frame[name] < marker)
    tz = offset_timezone(meta["TZ"], file)
    ds = weather_dataset(
        frame,
        latitude=meta["latitude"],
        longitude=meta["longitude"],
        altitude_m=meta["altitude"],
        timezone=tz,
        source=f"EPW {meta.get('city', '')}".strip(),
        file=file,
        typical_year=True,
    )
    return ds, _metadata(ds, file, "epw", meta)


def read_tmy3(path: str | Path, *, year: int = DEFAULT_YEAR) -> tuple[xr.Dataset, Metadata]:
    """Read an NSRDB TMY3 CSV file; hour-ending labels are moved to interval start."""
    file = _existing(path)
    data, meta = _pvlib_call(pvlib.iotools.read_tmy3, file, coerce_year=year, map_variables=True)
    frame = numeric_columns(
        data[["temp_air", "temp_dew", "relative_humidity", "pressure", "ghi", "dni", "dhi", "wind_speed"]],
        file,
        first_line=3,  # after the station line and the column header
    )
    frame["pressure"] = frame["pressure"] * 100.0  # mbar -> Pa
    frame.index = pd.DatetimeIndex(frame.index) - pd.Timedelta(hours=1)  # TMY3 hour 01:00 is 00:00-01:00
    ds = weather_dataset(
        frame,
        latitude=meta["latitude"],
        longitude=meta["longitude"],
        altitude_m=meta["altitude"],
        timezone=offset_timezone(meta["TZ"], file),
        source=f"TMY3 {str(meta['Name']).strip(chr(34))}",
        file=file,
        typical_year=True,
    )
    return ds, _metadata(ds, file, "tmy3", meta)


def read_tmy2(path: str | Path, *, year: int = DEFAULT_YEAR) -> tuple[xr.Dataset, Metadata]:
    """Read an NSRDB TMY2 file (tenths of deg C and m/s, mbar) into standard units."""
    file = _existing(path)
    data, meta = _pvlib_call(pvlib.iotools.read_tmy2, file)
    frame = pd.DataFrame(
        {
            "temp_air": data["DryBulb"] / 10.0,
            "temp_dew": data["DewPoint"] / 10.0,
            "relative_humidity": data["RHum"],
            "pressure": data["Pressure"] * 100.0,
            "ghi": data["GHI"],
            "dni": data["DNI"],
            "dhi": data["DHI"],
            "wind_speed": data["Wspd"] / 10.0,
        }
    ).astype(float)
    frame.index = _put_on_year(pd.DatetimeIndex(data.index), year)  # pvlib labels TMY2 by interval start
    ds = weather_dataset(
        frame,
        latitude=meta["latitude"],
        longitude=meta["longitude"],
        altitude_m=meta["altitude"],
        timezone=offset_timezone(meta["TZ"], file),
        source=f"TMY2 {meta['City']}",
        file=file,
        typical_year=True,
    )
    return ds, _metadata(ds, file, "tmy2", meta)


def _location(given: Mapping[str, Any], found: Mapping[str, Any], file: Path) -> dict[str, float]:
    """Latitude, longitude and altitude from ``given``, else ``found``; altitude else pvlib's map."""
    out: dict[str, float] = {}
    for key in ("latitude", "longitude"):
        value = given.get(key, found.get(key))
        if value is None:
            raise InputError(
                f"the file gives no {key}; pass {key}= (or use --weather with a site)", file=file, key=key
            )
        out[key] = check_coordinate(key, value, file)
    altitude = given.get("altitude_m", found.get("altitude_m"))
    out["altitude_m"] = (
        check_coordinate("altitude_m", altitude, file)
        if altitude is not None
        else float(pvlib.location.lookup_altitude(out["latitude"], out["longitude"]))
    )
    return out


def read_netcdf(
    path: str | Path,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    altitude_m: float | None = None,
    timezone: str | None = None,
    variables: Mapping[str, str] | None = None,
) -> tuple[xr.Dataset, Metadata]:
    """Read a NetCDF file with a ``time`` axis and standard (or mapped) variable names.

    Temperatures whose ``units`` attribute says kelvin are converted; the location comes from
    global attributes (``latitude``, ``longitude``, ``altitude_m``, ``timezone``), else the arguments.
    """
    file = _existing(path)
    try:
        raw = xr.load_dataset(file)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot open as NetCDF: {exc}", file=file) from None
    if "time" not in raw.dims:
        raise InputError(
            f"no time axis; need a dimension named 'time' (found dims: "
            f"{', '.join(map(str, raw.dims)) or 'none'})",
            file=file,
            key="time",
        )
    renamed = raw.rename({src: std for std, src in (variables or {}).items() if src in raw})
    extra_dims = [d for d in renamed.dims if d != "time" and renamed.sizes[d] > 1]
    if extra_dims:
        raise InputError(
            f"one location per file; dimensions {extra_dims} have more than one entry",
            file=file,
            key=str(extra_dims[0]),
        )
    squeezed = renamed.squeeze([d for d in renamed.dims if d != "time"], drop=True)
    frame = pd.DataFrame(
        {
            name: _celsius(squeezed[name], file, name)
            for name in VARIABLES
            if name in squeezed and name != "temp_wet_bulb"
        },
        index=_netcdf_times(squeezed["time"], file),
    )
    given = {"latitude": latitude, "longitude": longitude, "altitude_m": altitude_m}
    in_file = {k: raw.attrs[k] for k in given if k in raw.attrs}  # the file's own location wins
    loc = _location(in_file, {k: v for k, v in given.items() if v is not None}, file)
    height = float(squeezed["wind_speed"].attrs.get("height_m", 10.0)) if "wind_speed" in squeezed else 10.0
    ds = weather_dataset(
        frame,
        **loc,
        timezone=str(raw.attrs.get("timezone", timezone or "UTC")),
        source=str(raw.attrs.get("source", f"NetCDF {file.name}")),
        file=file,
        wind_height_m=height,
        typical_year=bool(raw.attrs.get("typical_year", 0)),
    )
    return ds, _metadata(ds, file, "netcdf", raw.attrs)


def _netcdf_times(time: xr.DataArray, file: Path) -> pd.DatetimeIndex:
    """The time axis as datetimes; plain numbers (no CF 'units' such as 'hours since ...') are refused."""
    if not np.issubdtype(time.dtype, np.datetime64):
        raise InputError(
            f"time values are {time.dtype} without CF units; give the time variable a units attribute "
            "such as 'hours since 2025-01-01 00:00:00' (UTC)",
            file=file,
            key="time",
        )
    return pd.DatetimeIndex(time.to_numpy())


def _celsius(var: xr.DataArray, file: Path, name: str) -> np.ndarray:
    """Values of a variable, kelvin temperatures converted when their units attribute says so."""
    values = var.to_numpy().astype(float)
    if name.startswith("temp") and str(var.attrs.get("units", "")).lower() in {"k", "kelvin"}:
        return values - 273.15
    if name.startswith("temp"):
        check_temperature_units(values, file, name)
    return values


def read_csv(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    time_column: str = "time",
    latitude: float | None = None,
    longitude: float | None = None,
    altitude_m: float | None = None,
    timezone: str = "UTC",
    wind_height_m: float = 10.0,
    time_label: Literal["start", "end"] = "start",
    typical_year: bool = False,
) -> tuple[xr.Dataset, Metadata]:
    """Read a CSV of weather with a time column; ``columns`` maps standard names to the file's.

    Naive times are in ``timezone``; ``time_label='end'`` moves hour-ending labels to interval start.
    Values must already be in the standard units (deg C, %, W/m2, m/s, Pa).
    """
    file = _existing(path)
    try:
        table = pd.read_csv(file)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"cannot parse as CSV: {exc}", file=file) from None
    mapping = {name: name for name in VARIABLES if name in table.columns} | dict(columns or {})
    for std, src in {"time": time_column, **mapping}.items():
        if src not in table.columns:
            raise InputError(
                f"column {src!r} (for {std}) is missing; the file has {', '.join(map(str, table.columns))}",
                file=file,
                key=src,
            )
    try:
        times = pd.DatetimeIndex(pd.to_datetime(table[time_column]))
    except (ValueError, TypeError) as exc:
        raise InputError(f"cannot parse times: {exc}", file=file, key=time_column) from None
    if times.tz is None:
        times = times.tz_localize(timezone)
    if time_label == "end":
        times = times - (times[1] - times[0])
    numbers = numeric_columns(
        table[[src for std, src in mapping.items() if std in VARIABLES and std != "temp_wet_bulb"]],
        file,
        first_line=2,  # after the header line
    )
    frame = pd.DataFrame(
        {
            std: numbers[src].to_numpy()
            for std, src in mapping.items()
            if std in VARIABLES and std != "temp_wet_bulb"
        },
        index=times,
    )
    loc = _location(
        {
            k: v
            for k, v in {"latitude": latitude, "longitude": longitude, "altitude_m": altitude_m}.items()
            if v is not None
        },
        {},
        file,
    )
    ds = weather_dataset(
        frame,
        **loc,
        timezone=timezone,
        source=f"CSV {file.name}",
        file=file,
        wind_height_m=wind_height_m,
        typical_year=typical_year,
    )
    return ds, _metadata(ds, file, "csv", {"columns": mapping})


def _is_tmy3(file: Path) -> bool:
    """True when the second line is the TMY3 column header."""
    with file.open("r", encoding="utf-8", errors="replace") as handle:
        handle.readline()
        return handle.readline().startswith("Date (MM/DD/YYYY)")


def read_weather(path: str | Path, **options: Any) -> tuple[xr.Dataset, Metadata]:
    """Read any supported weather file, choosing the reader by suffix (and content for CSV)."""
    file = _existing(path)
    suffix = file.suffix.lower()
    year_opts = {k: v for k, v in options.items() if k == "year"}
    if suffix == ".epw":
        return read_epw(file, **year_opts)
    if suffix == ".tm2":
        return read_tmy2(file, **year_opts)
    if suffix in {".nc", ".nc4", ".netcdf"}:
        return read_netcdf(file, **{k: v for k, v in options.items() if k != "year"})
    if suffix == ".csv":
        if _is_tmy3(file):
            return read_tmy3(file, **year_opts)
        return read_csv(file, **{k: v for k, v in options.items() if k != "year"})
    raise InputError(
        f"unknown weather file type {suffix or '(none)'}; use one of {', '.join(SUFFIXES)}", file=file
    )


def write_netcdf(ds: xr.Dataset, path: str | Path) -> Path:
    """Write a weather Dataset as NetCDF (standard names, UTC times), atomically; returns the path."""
    out = Path(path)
    if out.suffix.lower() not in {".nc", ".nc4", ".netcdf"}:
        raise InputError("the output must be a NetCDF file ending in .nc", file=out, key="--out")
    if not out.parent.is_dir():
        raise InputError("the output folder does not exist", file=out, key="--out")
    partial = out.with_name(f".{out.name}.partial")
    encoding = {
        "time": {
            "units": "minutes since 1970-01-01 00:00:00",
            "calendar": "proleptic_gregorian",
            "dtype": "int64",
        }
    }
    ds.to_netcdf(partial, encoding=encoding)
    partial.replace(out)
    return out
