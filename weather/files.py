"""What every weather reader shares: the file check, the location and the metadata dict it returns."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pvlib
import xarray as xr
from greendc.weather.dataset import check_coordinate
from greendc.weather.errors import InputError

Metadata = dict[str, Any]


def existing_file(path: str | Path) -> Path:
    """The path if it is a readable file, else an InputError naming it."""
    file = Path(path)
    if not file.is_file():
        raise InputError("no such weather file", file=file)
    return file


def file_metadata(ds: xr.Dataset, file: Path, fmt: str, raw: Mapping[str, Any]) -> Metadata:
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


def file_location(given: Mapping[str, Any], found: Mapping[str, Any], file: Path) -> dict[str, float]:
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
