"""Monthly climate normals computed from a weather Dataset (the inverse of the synthetic year).

Useful to write a site's ``[climate]`` section from a measured or typical-year file, and to check
that the synthetic generator reproduces the climate it was built from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import pvlib
import xarray as xr
from greendc.weather.synthetic import seasonal_curve

#: WMO threshold of direct normal irradiance that counts as bright sunshine (WMO CIMO Guide, ch. 8) [W/m2].
SUNSHINE_DNI_W_M2 = 120.0
#: Mean DNI while the sun shines, as a share of the clear-sky DNI (haze, thin cloud; an estimate) [-].
SUNSHINE_BEAM_SHARE = 0.75


@dataclass(frozen=True)
class MonthlyNormals:
    """Monthly normals (January..December) with the fields of greendc.sites.model.Climate, unvalidated."""

    temp_mean_c: list[float]
    """Monthly mean air temperature. [deg C]"""
    temp_max_c: list[float]
    """Monthly mean of daily maximum temperature. [deg C]"""
    temp_min_c: list[float]
    """Monthly mean of daily minimum temperature. [deg C]"""
    rh_pct: list[float]
    """Monthly mean relative humidity. [%]"""
    sunshine_h: list[float]
    """Monthly sunshine duration (DNI at or above the WMO threshold), estimated from step means. [h]"""
    wind_speed_ms: list[float]
    """Monthly mean wind speed at wind_height_m. [m/s]"""
    wind_height_m: float
    """Height of the wind speeds. [m]"""
    weibull_k: float
    """Weibull shape of the hourly wind speed. [-]"""
    temp_daily_sd_c: list[float] | None = None
    """Standard deviation of daily means within each month; None: the generator's default. [K]"""
    ghi_kwh_m2: list[float] | None = None
    """Monthly irradiation; None: the generator derives it from sunshine_h. [kWh/m2]"""


def local_frame(ds: xr.Dataset) -> pd.DataFrame:
    """The Dataset as a frame indexed by local clock time (the Dataset's timezone attribute)."""
    frame = ds.to_dataframe()
    index = pd.DatetimeIndex(frame.index).tz_localize("UTC").tz_convert(str(ds.attrs.get("timezone", "UTC")))
    return frame.set_axis(index)


def sunshine_share(dni_w_m2: npt.ArrayLike, clear_dni_w_m2: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Share of each step the sun shone (DNI >= 120 W/m2, WMO), from the step's mean DNI [-].

    A step mean hides when the sun shone: its DNI is the sunny share times the DNI while sunny, taken
    as SUNSHINE_BEAM_SHARE of clear sky (an estimate). Counting whole hours with a mean DNI above 120
    W/m2 instead would count a half-sunny hour as a sunny one, as a sunshine recorder does not.
    """
    clear = np.asarray(clear_dni_w_m2, float)
    share = np.asarray(dni_w_m2, float) / np.maximum(SUNSHINE_BEAM_SHARE * clear, 1e-9)
    return np.where(clear >= SUNSHINE_DNI_W_M2, np.clip(share, 0.0, 1.0), 0.0)


def clear_sky_dni_w_m2(ds: xr.Dataset) -> npt.NDArray[np.float64]:
    """Ineichen-Perez clear-sky DNI at the interval midpoints of a weather Dataset (pvlib) [W/m2]."""
    step = pd.Timedelta(minutes=int(ds.attrs.get("step_minutes", 60)))
    mid = pd.DatetimeIndex(ds["time"].values).tz_localize("UTC") + step / 2
    place = pvlib.location.Location(
        float(ds.attrs["latitude"]),
        float(ds.attrs["longitude"]),
        "UTC",
        float(ds.attrs.get("altitude_m", 0.0)),
    )
    return place.get_clearsky(mid, model="ineichen")["dni"].to_numpy()


def weibull_shape(mean_ms: float, std_ms: float) -> float:
    """Weibull shape from mean and standard deviation, k = (sigma/mean)^-1.086 (Justus et al. 1978) [-]."""
    return float(np.clip((std_ms / mean_ms) ** -1.086, 0.6, 5.0)) if mean_ms > 0 and std_ms > 0 else 2.0


def monthly_normals(ds: xr.Dataset, spread: bool = False, ghi: bool = False) -> MonthlyNormals:
    """The normals of a weather year as a typed record the synthetic generator accepts."""
    return MonthlyNormals(**normals_from_weather(ds, spread=spread, ghi=ghi))  # type: ignore[arg-type]


def daily_mean_spread_c(ds: xr.Dataset) -> list[float]:
    """The day-to-day weather's spread of daily means, month by month, as `temp_daily_sd_c` means it [K].

    The generator sets a month's spread of daily means about its mean to sqrt(target^2 + trend^2),
    the trend being its seasonal curve's course through the month (greendc.weather.synthetic:
    typical_spread, seasonal_curve); the file's spread about each month's mean counts the season's
    course too, so the target is sqrt(spread^2 - trend^2), and a twin given it has the
    file's spread (given the spread itself, Greensboro's August twin measured 2.2 K against 1.8 K).
    """
    daily = local_frame(ds)["temp_air"].resample("D").mean()
    index = pd.DatetimeIndex(daily.index)
    month = index.month.to_numpy() - 1
    position_d = (
        (index.tz_localize(None) - pd.Timestamp(index[0].year, 1, 1)) / pd.Timedelta(days=1)
    ).to_numpy()
    means_c = daily.groupby(month).mean().reindex(range(12)).to_numpy()
    season = pd.Series(seasonal_curve(means_c, position_d + 0.5, month, index[0].year), index=index)
    spread_c = daily.groupby(month).std(ddof=0).reindex(range(12)).to_numpy()
    trend_c = season.groupby(month).std(ddof=0).reindex(range(12)).to_numpy()
    return [round(float(v), 2) for v in np.sqrt(np.maximum(spread_c**2 - trend_c**2, 0.0))]


def normals_from_weather(ds: xr.Dataset, spread: bool = False, ghi: bool = False) -> dict[str, object]:
    """Monthly normals in the fields of greendc.sites.model.Climate, from a (typical-year) weather Dataset.

    Sunshine hours estimate the time with DNI at or above the WMO threshold of 120 W/m2 (sunshine_share).
    With `spread`, also the month's standard deviation of daily means (`temp_daily_sd_c`), which the
    generator otherwise takes from its default rule; with `ghi`, the month's irradiation (`ghi_kwh_m2`),
    which it otherwise derives from the sunshine hours.
    """
    frame = local_frame(ds)
    step_h = float(ds.attrs.get("step_minutes", 60)) / 60.0
    month = pd.DatetimeIndex(frame.index).month
    daily = frame["temp_air"].resample("D")
    daily_max, daily_min = daily.max(), daily.min()
    share = sunshine_share(frame["dni"].to_numpy(), clear_sky_dni_w_m2(ds))
    sunshine = pd.Series(share, index=frame.index).groupby(month).sum() * step_h
    wind = frame["wind_speed"]

    def by_month_sum(series: pd.Series) -> list[float]:
        values = series.groupby(pd.DatetimeIndex(series.index).month).sum()
        return [round(float(v), 2) for v in values.reindex(range(1, 13)).to_numpy()]

    def by_month(series: pd.Series) -> list[float]:
        values = series.groupby(pd.DatetimeIndex(series.index).month).mean()
        return [round(float(v), 2) for v in values.reindex(range(1, 13)).to_numpy()]

    return {
        "temp_mean_c": by_month(frame["temp_air"]),
        "temp_max_c": by_month(daily_max),
        "temp_min_c": by_month(daily_min),
        "rh_pct": by_month(frame["relative_humidity"]),
        "sunshine_h": [round(float(v), 1) for v in sunshine.reindex(range(1, 13), fill_value=0).to_numpy()],
        "wind_speed_ms": by_month(wind),
        "wind_height_m": float(ds["wind_speed"].attrs.get("height_m", 10.0)),
        "weibull_k": round(weibull_shape(float(wind.mean()), float(wind.std())), 2),
        **({"temp_daily_sd_c": daily_mean_spread_c(ds)} if spread else {}),
        **({"ghi_kwh_m2": by_month_sum(frame["ghi"] * step_h / 1000.0)} if ghi else {}),
    }
