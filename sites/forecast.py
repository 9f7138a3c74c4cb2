"""A seeded day-ahead forecast of a site profile's weather-driven inputs, for planning under error.

The daily fidelity plans each day on a forecast and settles on the actual profile. Errors follow
``greendc.weather.forecast.ErrorModel`` (the spreads of typical day-ahead numerical weather prediction, and
their growth with lead time), multiplied by a scale ``error`` (0 = perfect, 1 = those spreads):

* dry- and wet-bulb temperature: the same additive AR(1) error (the wet-bulb depression is kept),
  sigma = error x (temp_base + temp_growth x L / 24 h);
* PV: a multiplicative log-normal AR(1) error of the irradiance spread (PV output is close to
  linear in plane-of-array irradiance), sigma = error x (ghi_base + ghi_growth x L / 24 h);
* wind: the wind-speed spread times 3, the cube law of turbine power below rated speed (Manwell,
  McGowan and Rogers, *Wind Energy Explained*, 2nd ed. 2009, ch. 2), capped at rated output.

Cooling coefficients are recomputed from the forecast temperatures with the plant's own physics
(``cooling.cooling_coefficients``), as ``profile.site_profile`` does from the actual.
All log-normal factors are mean-one (exp(sigma n - sigma^2 / 2)). With error 0 every array equals
the actual one bit for bit.
"""

from __future__ import annotations

import numpy as np
import scipy.signal
import xarray as xr
from greendc.sites import cooling
from greendc.sites.model import CoolingPlant
from greendc.weather.forecast import ErrorModel

#: Hours between the forecast's issue and the start of the day it plans (a day-ahead forecast
#: issued at local noon the day before). [h]
ISSUE_LEAD_H = 12.0
#: Sensitivity of wind power to wind speed below rated speed (cube law). [-]
WIND_POWER_PER_SPEED = 3.0


def ar1_noise(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Unit-variance stationary AR(1) noise e_t = phi e_{t-1} + sqrt(1 - phi^2) n_t, e_0 = n_0. [-]"""
    shocks = rng.standard_normal(n)
    if n == 0:
        return shocks
    tail = scipy.signal.lfilter([np.sqrt(1.0 - phi**2)], [1.0, -phi], shocks[1:], zi=[phi * shocks[0]])[0]
    return np.concatenate([shocks[:1], tail])


def lognormal_factor(sigma: np.ndarray, noise: np.ndarray) -> np.ndarray:
    """Mean-one multiplicative error exp(sigma n - sigma^2 / 2). [-]"""
    return np.exp(sigma * noise - 0.5 * sigma**2)


def forecast_profile(
    actual: xr.Dataset,
    plant: CoolingPlant,
    error: float,
    rng: np.random.Generator,
    *,
    model: ErrorModel | None = None,
    issue_lead_h: float = ISSUE_LEAD_H,
    wind_rated_kw: float = np.inf,
) -> xr.Dataset:
    """The profile as forecast: temperatures, PV, wind and the cooling they imply, with seeded errors.

    ``actual`` is a site profile (per kWp of PV and per kW of wind, as the study keeps them); the
    step's lead time is ``issue_lead_h`` plus the hours from the profile's first step; forecast wind
    output never exceeds ``wind_rated_kw``.
    """
    spec = model or ErrorModel()
    n = actual.sizes["time"]
    step_h = float(actual.attrs["step_minutes"]) / 60.0
    lead_day = (issue_lead_h + np.arange(n) * step_h) / 24.0
    phi = spec.persistence_per_h**step_h
    sd_temp = error * (spec.temp_base_c + spec.temp_growth_c_per_day * lead_day)
    sd_pv = error * (spec.ghi_base_rel + spec.ghi_growth_rel_per_day * lead_day)
    sd_wind = error * WIND_POWER_PER_SPEED * (spec.wind_base_rel + spec.wind_growth_rel_per_day * lead_day)
    temp_err = sd_temp * ar1_noise(rng, n, phi)
    pv_factor = lognormal_factor(sd_pv, ar1_noise(rng, n, phi))
    wind_factor = lognormal_factor(sd_wind, ar1_noise(rng, n, phi))
    temp = actual["temp_air_c"].to_numpy() + temp_err
    wet = actual["temp_wet_bulb_c"].to_numpy() + temp_err
    wind = actual["wind_kw"].to_numpy()
    coeffs = cooling.cooling_coefficients(temp, wet, plant)
    out = actual.copy()
    out["temp_air_c"] = actual["temp_air_c"].copy(data=temp)
    out["temp_wet_bulb_c"] = actual["temp_wet_bulb_c"].copy(data=wet)
    out["pv_kw"] = actual["pv_kw"].copy(data=actual["pv_kw"].to_numpy() * pv_factor)
    out["wind_kw"] = actual["wind_kw"].copy(data=np.minimum(wind * wind_factor, wind_rated_kw))
    out["cooling_kw_per_kw"] = actual["cooling_kw_per_kw"].copy(
        data=np.asarray(coeffs.kw_per_kw, dtype=float)
    )
    out["cooling_mode"] = actual["cooling_mode"].copy(data=np.asarray(coeffs.mode, dtype=np.int8))
    out.attrs["forecast_error_scale"] = float(error)
    return out
