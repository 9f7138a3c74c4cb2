"""Weather: readers, a synthetic typical year, derived quantities and forecasts, all as xarray.

Names other than InputError load on first use (PEP 562), so importing ``weather.errors`` stays
cheap for commands that never touch pvlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from weather.errors import InputError

_LAZY = {
    "WeatherWarning": "weather.dataset",
    "check_location": "weather.dataset",
    "distance_km": "weather.dataset",
    "weather_dataset": "weather.dataset",
    "ErrorModel": "weather.forecast",
    "forecast_and_actual": "weather.forecast",
    "forecast_with_error": "weather.forecast",
    "horizon": "weather.forecast",
    "monthly_normals": "weather.normals",
    "normals_from_weather": "weather.normals",
    "read_csv": "weather.readers",
    "read_epw": "weather.readers",
    "read_netcdf": "weather.readers",
    "read_tmy2": "weather.readers",
    "read_tmy3": "weather.readers",
    "read_weather": "weather.readers",
    "write_netcdf": "weather.readers",
    "synthetic_year": "weather.synthetic",
    "on_year": "weather.timegrid",
    "resample_weather": "weather.timegrid",
    "weather_window": "weather.timegrid",
    "compare_years": "weather.validation",
}

__all__ = ["InputError", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import the public name's module on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'weather' has no attribute {name!r}")
