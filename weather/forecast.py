"""Forecasts: the weather of a plan horizon, and a seeded forecast-error model for simulations.

The annual simulation plans on a forecast and settles on the actual weather. The error model
perturbs the actual weather with errors whose spread grows with lead time and which persist for
hours, as numerical weather prediction errors do. The default spreads are assumed round figures
of the size forecast verification reports (2-m temperature RMSE about 1-1.5 K on day one; day-ahead
hourly GHI errors of a few tens of percent; wind speed errors of 1.5-2 m/s), not a model of any
particular forecaster: change them with :class:`ErrorModel`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr
from greendc.weather import psychrometrics as psy
from greendc.weather.timegrid import utc_naive, weather_window

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class ErrorModel:
    """Spread of forecast errors as a function of lead time L: sigma = base + growth * L / 24 h."""

    temp_base_c: float = 0.6
    """Temperature error spread at lead time zero. [K]"""
    temp_growth_c_per_day: float = 0.5
    """Growth of the temperature spread per day of lead time. [K/day]"""
    dew_factor: float = 1.3
    """Dew-point error spread relative to temperature's. [-]"""
    ghi_base_rel: float = 0.08
    """Relative GHI error spread at lead time zero. [-]"""
    ghi_growth_rel_per_day: float = 0.2
    """Growth of the relative GHI spread per day. [1/day]"""
    wind_base_rel: float = 0.1
    """Relative wind error spread at lead time zero. [-]"""
    wind_growth_rel_per_day: float = 0.15
    """Growth of the relative wind spread per day. [1/day]"""
    persistence_per_h: float = 0.9
    """Lag-one autocorrelation of the errors per hour. [-]"""


def horizon(
    ds: xr.Dataset, start: pd.Timestamp | str, hours: float, timezone: str | None = None
) -> xr.Dataset:
    """The weather of a plan horizon of ``hours`` from ``start`` (naive start: local time)."""
    tz = timezone or str(ds.attrs.get("timezone", "UTC"))
    begin = pd.Timestamp(start)
    if begin.tzinfo is None:
        begin = begin.tz_localize(tz)
    return weather_window(ds, begin, begin + pd.Timedelta(hours=hours), tz)


def _persistent_noise(rng: np.random.Generator, n: int, phi: float) -> FloatArray:
    """Unit-variance AR(1) noise: errors that persist from one step to the next."""
    shocks = rng.standard_normal(n)
    out = np.empty(n)
    out[0] = shocks[0]
    for i in range(1, n):
        out[i] = phi * out[i - 1] + np.sqrt(1 - phi**2) * shocks[i]
    return out


def lead_time_h(times: pd.DatetimeIndex, issued: pd.Timestamp) -> FloatArray:
    """Hours from the issue time to the start of each step (zero before it) [h]."""
    return np.maximum(np.asarray((times - issued) / pd.Timedelta(hours=1), dtype=float), 0.0)


def forecast_with_error(
    actual: xr.Dataset,
    seed: int = 0,
    issued: pd.Timestamp | str | None = None,
    model: ErrorModel | None = None,
) -> xr.Dataset:
    """A forecast of the ``actual`` weather, issued at ``issued`` (default its first step).

    Temperature and dew point get additive errors, GHI (with DNI, DHI) and wind multiplicative
    log-normal errors; humidity and wet-bulb are recomputed. Same seed, same forecast.
    """
    spec = model or ErrorModel()
    rng = np.random.default_rng(seed)
    times = pd.DatetimeIndex(actual["time"].values)
    tz = str(actual.attrs.get("timezone", "UTC"))
    issue = times[0] if issued is None else utc_naive(issued, tz)
    lead_day = lead_time_h(times, issue) / 24.0
    phi = spec.persistence_per_h ** (int(actual.attrs["step_minutes"]) / 60.0)
    n = len(times)
    sd_temp = spec.temp_base_c + spec.temp_growth_c_per_day * lead_day
    sd_ghi = spec.ghi_base_rel + spec.ghi_growth_rel_per_day * lead_day
    sd_wind = spec.wind_base_rel + spec.wind_growth_rel_per_day * lead_day
    temp_err = sd_temp * _persistent_noise(rng, n, phi)
    dew_err = spec.dew_factor * sd_temp * _persistent_noise(rng, n, phi)
    ghi_factor = np.exp(sd_ghi * _persistent_noise(rng, n, phi) - 0.5 * sd_ghi**2)
    wind_factor = np.exp(sd_wind * _persistent_noise(rng, n, phi) - 0.5 * sd_wind**2)

    out = actual.copy(deep=True)
    temp = actual["temp_air"].to_numpy() + temp_err
    dew = np.minimum(actual["temp_dew"].to_numpy() + dew_err, temp)
    rh = psy.relative_humidity_pct(temp, dew)
    out["temp_air"].values = temp
    out["temp_dew"].values = dew
    out["relative_humidity"].values = rh
    out["temp_wet_bulb"].values = psy.wet_bulb_c(temp, rh, actual["pressure"].to_numpy())
    for name in ("ghi", "dni", "dhi"):
        out[name].values = np.clip(actual[name].to_numpy() * ghi_factor, 0.0, 1400.0)
    out["wind_speed"].values = actual["wind_speed"].to_numpy() * wind_factor
    out["lead_h"] = ("time", lead_day * 24.0, {"units": "h", "long_name": "lead time from issue"})
    out.attrs.update(
        source=f"forecast of {actual.attrs.get('source', 'weather')} (error seed {seed})", issued=str(issue)
    )
    return out


def forecast_and_actual(
    ds: xr.Dataset,
    start: pd.Timestamp | str,
    hours: float,
    seed: int = 0,
    model: ErrorModel | None = None,
    timezone: str | None = None,
) -> tuple[xr.Dataset, xr.Dataset]:
    """(forecast, actual) for the same horizon: plan on the first, settle on the second."""
    actual = horizon(ds, start, hours, timezone)
    return forecast_with_error(actual, seed=seed, model=model), actual
