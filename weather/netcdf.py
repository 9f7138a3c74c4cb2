"""NetCDF weather files: read one location's time series in standard (or mapped) names, write a Dataset."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr
from greendc.weather.dataset import VARIABLES, check_temperature_units, weather_dataset
from greendc.weather.errors import InputError
from greendc.weather.files import Metadata, existing_file, file_location, file_metadata


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
    file = existing_file(path)
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
    loc = file_location(in_file, {k: v for k, v in given.items() if v is not None}, file)
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
    return ds, file_metadata(ds, file, "netcdf", raw.attrs)


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
