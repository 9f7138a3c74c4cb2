"""Weather: readers, a synthetic typical year, derived quantities and forecasts, all as xarray."""

from weather.errors import InputError

__all__ = ["InputError"]
