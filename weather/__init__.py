"""Weather: readers, a synthetic typical year, derived quantities and forecasts, all as xarray.

Names other than InputError load on first use (PEP 562), so importing ``greendc.weather.errors`` stays
cheap for commands that never touch pvlib.
"""

from __future__ import annotations

import importlib
from typing import Any

from greendc.weather.errors import InputError

_LAZY = {
    "WeatherWarning": "greendc.weather.dataset",
    "check_location": "greendc.weather.dataset",
    "distance_km": "greendc.weather.dataset",
    "weather_dataset": "greendc.weather.dataset",
    "ErrorModel": "greendc.weather.forecast",
    "forecast_and_actual": "greendc.weather.forecast",
    "forecast_with_error": "greendc.weather.forecast",
    "horizon": "greendc.weather.forecast",
    "monthly_normals": "greendc.weather.normals",
    "normals_from_weather": "greendc.weather.normals",
    "read_csv": "greendc.weather.readers",
    "read_epw": "greendc.weather.readers",
    "read_netcdf": "greendc.weather.readers",
    "read_tmy2": "greendc.weather.readers",
    "read_tmy3": "greendc.weather.readers",
    "read_weather": "greendc.weather.readers",
    "write_netcdf": "greendc.weather.readers",
    "synthetic_year": "greendc.weather.synthetic",
    "on_year": "greendc.weather.timegrid",
    "resample_weather": "greendc.weather.timegrid",
    "weather_window": "greendc.weather.timegrid",
    "compare_years": "greendc.weather.validation",
}

__all__ = ["InputError", *_LAZY]


def __getattr__(name: str) -> Any:
    """Import the public name's module on first use."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'weather' has no attribute {name!r}")
