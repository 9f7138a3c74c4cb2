"""Weather file readers: EPW, TMY3, TMY2 (through pvlib.iotools), CSV with a column map; NetCDF in netcdf.py.

Each ``read_*`` returns ``(xarray.Dataset, metadata)`` in the standard names and units of
docs/architecture.md, as pvlib's iotools return ``(data, metadata)``. Typical-year files (EPW, TMY)
are put on one calendar year (``year``, default 2025) and relabelled to interval start, so that a
step at 00:00 UTC describes 00:00-01:00. Bad files raise :class:`~greendc.weather.errors.InputError` naming
the file and the problem; repairs (short gaps) warn with :class:`~greendc.weather.dataset.WeatherWarning`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import pvlib
import xarray as xr
from greendc.weather.dataset import (
    VARIABLES,
    numeric_columns,
    weather_dataset,
)
from greendc.weather.errors import InputError
from greendc.weather.files import Metadata, existing_file, file_location, file_metadata
from greendc.weather.netcdf import read_netcdf as read_netcdf
from greendc.weather.netcdf import write_netcdf as write_netcdf

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
    """Run a pvlib reader, turning its parse failures into one InputError naming the file.

    A header that is not UTF-8 (SolarAnywhere's TMY3 files carry a Latin-1 registered sign) is read
    as Latin-1 where the reader takes an encoding; the data lines are ASCII either way.
    """
    try:
        try:
            return reader(str(file), **kwargs)
        except UnicodeDecodeError:
            if "encoding" not in inspect.signature(reader).parameters:
                raise
            return reader(str(file), **kwargs, encoding="latin-1")
    except (ValueError, KeyError, IndexError, TypeError, OverflowError, pd.errors.ParserError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]  # pandas adds advice lines
        raise InputError(
            f"cannot parse as {reader.__name__.removeprefix('read_').upper()}: {first_line}", file=file
        ) from None


def read_epw(path: str | Path, *, year: int = DEFAULT_YEAR) -> tuple[xr.Dataset, Metadata]:
    """Read an EnergyPlus weather (EPW) file; missing-value markers become gaps."""
    file = existing_file(path)
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
    return ds, file_metadata(ds, file, "epw", meta)


#: TMY3 column headers pvlib does not map, as some vendors write them (SolarAnywhere: "DNI (W/m^2))").
TMY3_HEADER_VARIANTS = {"DNI (W/m^2))": "dni"}


def read_tmy3(path: str | Path, *, year: int = DEFAULT_YEAR) -> tuple[xr.Dataset, Metadata]:
    """Read an NSRDB TMY3 CSV file; hour-ending labels are moved to interval start."""
    file = existing_file(path)
    data, meta = _pvlib_call(pvlib.iotools.read_tmy3, file, coerce_year=year, map_variables=True)
    data = data.rename(columns=TMY3_HEADER_VARIANTS)
    wanted = ["temp_air", "temp_dew", "relative_humidity", "pressure", "ghi", "dni", "dhi", "wind_speed"]
    # a column the file lacks or leaves empty (SolarAnywhere: dew point, pressure) is derived where it
    # can be (weather_dataset) or named in one error line; data start after the 2 header lines
    present = [c for c in wanted if c in data]
    frame = numeric_columns(data[present], file, first_line=3).dropna(axis=1, how="all")
    if "pressure" in frame:
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
    return ds, file_metadata(ds, file, "tmy3", meta)


def read_tmy2(path: str | Path, *, year: int = DEFAULT_YEAR) -> tuple[xr.Dataset, Metadata]:
    """Read an NSRDB TMY2 file (tenths of deg C and m/s, mbar) into standard units."""
    file = existing_file(path)
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
    return ds, file_metadata(ds, file, "tmy2", meta)


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
    file = existing_file(path)
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
    loc = file_location(
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
    return ds, file_metadata(ds, file, "csv", {"columns": mapping})


def _is_tmy3(file: Path) -> bool:
    """True when the second line is the TMY3 column header."""
    with file.open("r", encoding="utf-8", errors="replace") as handle:
        handle.readline()
        return handle.readline().startswith("Date (MM/DD/YYYY)")


def read_weather(path: str | Path, **options: Any) -> tuple[xr.Dataset, Metadata]:
    """Read any supported weather file, choosing the reader by suffix (and content for CSV)."""
    file = existing_file(path)
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
