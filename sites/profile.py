"""The site profile: a site plus weather for a period, as the xarray Dataset the optimiser consumes.

One row per time step (UTC, labelled by interval start) with prices, carbon intensity, PV and wind
available, firm IT load, outdoor dry- and wet-bulb, and the cooling plant's kW per kW of IT load at
each setpoint level (docs/architecture.md, "Site profile"). All the nonlinear physics is done here,
before the optimisation.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pvlib
import xarray as xr
from greendc.sites import cooling, grid
from greendc.sites.model import PV, CoolingPlant, Site
from greendc.sites.renewables import (
    capacity_factor,
    farm_weather,
    pv_ac_kw,
    reference_pv,
    reference_wind,
    specific_yield_kwh_per_kwp,
    wind_farm_kw,
    wind_nameplate_kw,
)
from greendc.weather.dataset import check_location
from greendc.weather.errors import InputError
from greendc.weather.synthetic import synthetic_year
from greendc.weather.timegrid import resample_weather, utc_naive, weather_window

FloatArray = npt.NDArray[np.float64]

#: Calendar year of the default synthetic weather.
DEFAULT_YEAR = 2025
#: Step lengths a profile can have [min].
STEPS_MINUTES = (5, 10, 15, 20, 30, 60)
#: Largest gap between the weather's irradiance peak and the sun's at the site before it is refused [h].
MAX_SOLAR_OFFSET_H = 1.0


def default_weather(
    site: Site, year: int = DEFAULT_YEAR, seed: int = 0, step_minutes: int = 60
) -> xr.Dataset:
    """The site's synthetic typical year from its climate normals (the weather when a user has none)."""
    loc = site.site
    return synthetic_year(
        site.climate,
        loc.latitude,
        loc.longitude,
        loc.altitude_m,
        loc.timezone,
        year=year,
        seed=seed,
        step_minutes=step_minutes,
    )


def spread_basis(site: Site) -> str:
    """What the synthetic year's day-to-day spread of daily means rests on, in one sentence (sites show).

    Without ``[climate] temp_daily_sd_c`` the generator's default rule sets it; that rule was fitted to
    one North American typical year and missed badly on held-out years elsewhere (docs/weather.md).
    """
    given = site.climate.temp_daily_sd_c
    if given is not None:
        return f"given by [climate] temp_daily_sd_c ({min(given):.1f}-{max(given):.1f} K by month)"
    return ("the generator's default rule, fitted to one North American typical year: on held-out "
            "European and US years it put winter's spread of daily means 34-181 % too high and summer's "
            "25-58 % too low; give [climate] temp_daily_sd_c (docs/weather.md)")


def irradiation_basis(site: Site) -> str:
    """What the synthetic year's monthly irradiation rests on, in one sentence (sites show)."""
    if site.climate.ghi_kwh_m2 is not None:
        return f"given by [climate] ghi_kwh_m2 ({sum(site.climate.ghi_kwh_m2):,.0f} kWh/m2 a year)"
    return ("the sunshine hours through Yang et al.'s sunshine model, the weaker step: twins of real "
            "years came out -11 to +4 % a year in GHI and up to 20 % in a month; give [climate] "
            "ghi_kwh_m2 from a measured or published normal where there is one (docs/weather.md)")


def firm_it_kw(site: Site, times_utc: pd.DatetimeIndex) -> FloatArray:
    """Firm IT load at each step from the hourly multiplier of its local clock hour [kW]."""
    local_hour = times_utc.tz_convert(site.site.timezone).hour.to_numpy()
    return site.it.firm_load_kw * np.asarray(site.it.firm_load_profile, dtype=float)[local_hour]


def _period(
    site: Site, weather: xr.Dataset, start: pd.Timestamp | str | None, end: pd.Timestamp | str | None
) -> tuple[pd.Timestamp, pd.Timestamp]:
    """[start, end) as naive UTC; default: a typical year's local calendar year, a dated record's span."""
    tz = site.site.timezone
    times = pd.DatetimeIndex(weather["time"].values)
    typical = bool(int(weather.attrs.get("typical_year", 0)))
    if start is None and not typical:
        start = times[0].tz_localize("UTC")
        if end is None:
            end = (times[-1] + pd.Timedelta(minutes=int(weather.attrs["step_minutes"]))).tz_localize("UTC")
    if start is None:
        first = times[0].tz_localize("UTC").tz_convert(tz)
        start = pd.Timestamp(first.year if (first.month, first.day) == (1, 1) else first.year + 1, 1, 1)
    begin = utc_naive(start, tz)
    if end is None:
        local_begin = begin.tz_localize("UTC").tz_convert(tz)
        end = (local_begin + pd.DateOffset(years=1)).tz_convert("UTC")
    return begin, utc_naive(end, tz)


def _mean_clock_h(times_utc: pd.DatetimeIndex, weights: FloatArray) -> float:
    """Weighted circular mean of the UTC clock time of day of the times [h, 0-24)."""
    angle = 2.0 * np.pi * (times_utc.hour + times_utc.minute / 60.0).to_numpy() / 24.0
    mean = np.arctan2(np.sum(weights * np.sin(angle)), np.sum(weights * np.cos(angle)))
    return float(mean * 24.0 / (2.0 * np.pi)) % 24.0


def solar_timing_h(weather: xr.Dataset, latitude: float, longitude: float) -> tuple[float, float] | None:
    """(Middle of the weather's daylight, middle of the site's) as mean UTC clock hours, or None.

    Daylight in the weather is a step with GHI above 1 W/m2; at the site, a step during which the
    sun is above the horizon at its start or its end. Both are averaged as clock times over the
    same steps, so the equation of time and the sampling cancel; clouds hardly move daylight's
    edges, so one day of either is within half an hour (tested on pvlib's TMY files). The first
    366 days are enough. None when the weather has no daylight to tell (polar night).
    """
    step = pd.Timedelta(minutes=int(weather.attrs["step_minutes"]))
    first_year = weather.isel(time=slice(0, int(pd.Timedelta(days=366) / step)))
    starts = pd.DatetimeIndex(first_year["time"].values).tz_localize("UTC")
    edges = starts.append(starts[-1:] + step)
    up_at_edge = pvlib.solarposition.ephemeris(edges, latitude, longitude)["zenith"].to_numpy() < 90.0
    site_day = (up_at_edge[:-1] | up_at_edge[1:]).astype(float)
    file_day = (np.nan_to_num(np.asarray(first_year["ghi"].to_numpy(), dtype=float)) > 1.0).astype(float)
    if not file_day.any() or not site_day.any():
        return None
    midpoints = starts + step / 2
    return _mean_clock_h(midpoints, file_day), _mean_clock_h(midpoints, site_day)


def check_solar_timing(weather: xr.Dataset, site: Site, file: str | Path | None) -> None:
    """Refuse weather whose sun comes more than an hour before or after the sun at the site.

    A file from another longitude, or with a wrong time zone, would put PV output at night.
    """
    timing = solar_timing_h(weather, site.site.latitude, site.site.longitude)
    if timing is None:
        return
    found, expected = timing
    offset = (found - expected + 12.0) % 24.0 - 12.0
    if abs(offset) > MAX_SOLAR_OFFSET_H:
        raise InputError(
            f"the weather's daylight is centred on {_clock(found)} UTC but the sun at {site.id} "
            f"({site.site.latitude:.2f}, {site.site.longitude:.2f}) is highest at {_clock(expected)} UTC: "
            f"{offset:+.1f} h off (at most {MAX_SOLAR_OFFSET_H:g} h allowed); the file's time zone or "
            "location does not match the site",
            file=file,
            key="time",
        )


def _clock(hours: float) -> str:
    """Clock hours as HH:MM."""
    minutes = round(hours * 60.0) % 1440
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def site_profile(
    site: Site,
    weather: xr.Dataset | None = None,
    start: pd.Timestamp | str | None = None,
    end: pd.Timestamp | str | None = None,
    step_minutes: int = 60,
    base_dir: str | Path | None = None,
) -> xr.Dataset:
    """The optimiser's input for a site over [start, end) at a step of 15 or 60 (any divisor of 60) min.

    Naive start/end are local clock time at the site; by default one year from 1 January of the
    weather's year. No weather means the site's synthetic typical year (seed 0). A typical year is
    moved onto the calendar years asked for. ``base_dir`` resolves a relative emission series file.
    """
    if step_minutes not in STEPS_MINUTES:
        raise InputError(
            f"step of {step_minutes} min is not allowed; use one of {', '.join(map(str, STEPS_MINUTES))}",
            key="step_minutes",
        )
    loc = site.site
    if weather is None:
        weather = default_weather(site)
    else:
        check_location(
            weather,
            loc.latitude,
            loc.longitude,
            site_id=site.id,
            file=weather.attrs.get("file") or weather.attrs.get("source"),
        )
        check_solar_timing(weather, site, weather.attrs.get("file") or weather.attrs.get("source"))
    begin, finish = _period(site, weather, start, end)
    window = weather_window(
        resample_weather(weather, step_minutes), begin.tz_localize("UTC"), finish.tz_localize("UTC")
    )
    times = pd.DatetimeIndex(window["time"].values).tz_localize("UTC")
    temp_c = window["temp_air"].to_numpy()
    wet_bulb_c = window["temp_wet_bulb"].to_numpy()
    plant = cooling.cooling_coefficients(temp_c, wet_bulb_c, site.cooling)
    zeros = np.zeros(len(times))
    pv_kw = (
        pv_ac_kw(site.pv, window, latitude=loc.latitude, longitude=loc.longitude, altitude_m=loc.altitude_m)
        if site.pv
        else zeros
    )
    wind_kw = wind_farm_kw(site.wind, farm_weather(site.wind, site.climate, window)) if site.wind else zeros
    carbon_kwargs = {"base_dir": base_dir} if base_dir is not None else {}
    levels = np.asarray(site.cooling.setpoint_levels_c, dtype=float)
    profile = xr.Dataset(
        {
            "price_per_kwh": ("time", _values(grid.price_series(site.grid, times, loc.timezone))),
            "export_price_per_kwh": ("time", _values(grid.export_price_series(site.grid, times))),
            "carbon_kg_per_kwh": (
                "time",
                _values(grid.carbon_series(site.grid, times, loc.timezone, **carbon_kwargs)),
            ),
            "pv_kw": ("time", pv_kw),
            "wind_kw": ("time", wind_kw),
            "firm_it_kw": ("time", firm_it_kw(site, times)),
            "temp_air_c": ("time", temp_c),
            "temp_wet_bulb_c": ("time", wet_bulb_c),
            "cooling_kw_per_kw": (("time", "level"), np.asarray(plant.kw_per_kw, dtype=float)),
            "it_fan_uplift": ("level", np.asarray(plant.it_fan_uplift, dtype=float)),
            "cooling_mode": (("time", "level"), np.asarray(plant.mode, dtype=np.int8)),
        },
        coords={"time": times.tz_localize(None).to_numpy(), "setpoint_c": ("level", levels)},
    )
    _annotate(profile)
    profile.attrs.update(
        site_id=site.id,
        timezone=loc.timezone,
        step_minutes=int(step_minutes),
        currency=loc.currency,
        electrical_loss_frac=float(site.it.electrical_loss_frac),
        demand_charge_per_kw_month=float(site.grid.demand_charge_per_kw_month),
        import_limit_kw=float(site.grid.import_limit_kw),
        export_limit_kw=float(site.grid.export_limit_kw),
        weather_source=str(weather.attrs.get("source", "")),
    )
    return profile


def _values(series: pd.Series | FloatArray) -> FloatArray:
    """A grid-signal series as a float array."""
    return np.asarray(series, dtype=float)


#: Units of the profile's variables (docs/architecture.md).
UNITS = {
    "price_per_kwh": "currency/kWh",
    "export_price_per_kwh": "currency/kWh",
    "carbon_kg_per_kwh": "kgCO2/kWh",
    "pv_kw": "kW",
    "wind_kw": "kW",
    "firm_it_kw": "kW",
    "temp_air_c": "degC",
    "temp_wet_bulb_c": "degC",
    "cooling_kw_per_kw": "kW/kW",
    "it_fan_uplift": "1",
    "cooling_mode": "0 free, 1 partial, 2 mechanical",
    "setpoint_c": "degC",
}


def _annotate(profile: xr.Dataset) -> None:
    """Attach units to every variable and the time note."""
    for name, unit in UNITS.items():
        profile[name].attrs["units"] = unit
    profile["time"].attrs["note"] = "UTC; each step labels the interval that starts there"


def monthly_summary(
    weather: xr.Dataset,
    pv: PV,
    plant: CoolingPlant,
    *,
    latitude: float,
    longitude: float,
    altitude_m: float,
    timezone: str,
) -> pd.DataFrame:
    """Monthly means of a weather year with the PV yield and free-cooling hours it gives.

    Columns: temp_air_c, temp_wet_bulb_c (means), ghi_kwh_m2, pv_kwh_per_kwp (sums), wind_ms (mean),
    free_cooling_h (hours in free-cooling mode at the plant's baseline setpoint); a last row 'year'
    holds annual means and sums.
    """
    step_h = float(weather.attrs["step_minutes"]) / 60.0
    times = pd.DatetimeIndex(weather["time"].values).tz_localize("UTC").tz_convert(timezone)
    plant_state = cooling.cooling_coefficients(
        weather["temp_air"].to_numpy(), weather["temp_wet_bulb"].to_numpy(), plant
    )
    baseline = _baseline_level(plant)
    unit_pv = pv.model_copy(update={"kwp": 1.0})
    frame = pd.DataFrame(
        {
            "temp_air_c": weather["temp_air"].to_numpy(),
            "temp_wet_bulb_c": weather["temp_wet_bulb"].to_numpy(),
            "ghi_kwh_m2": weather["ghi"].to_numpy() * step_h / 1000.0,
            "wind_ms": weather["wind_speed"].to_numpy(),
            "pv_kwh_per_kwp": pv_ac_kw(
                unit_pv, weather, latitude=latitude, longitude=longitude, altitude_m=altitude_m
            )
            * step_h,
            "free_cooling_h": (np.asarray(plant_state.mode)[:, baseline] == 0) * step_h,
        },
        index=times,
    )
    means, sums = (
        ["temp_air_c", "temp_wet_bulb_c", "wind_ms"],
        ["ghi_kwh_m2", "pv_kwh_per_kwp", "free_cooling_h"],
    )
    by_month = frame.groupby(times.month)
    table = pd.concat([by_month[means].mean(), by_month[sums].sum()], axis=1)
    table.loc["year"] = pd.concat([frame[means].mean(), frame[sums].sum()])
    return table[
        ["temp_air_c", "temp_wet_bulb_c", "ghi_kwh_m2", "wind_ms", "pv_kwh_per_kwp", "free_cooling_h"]
    ]


def annual_summary(site: Site, weather: xr.Dataset | None = None) -> dict[str, float]:
    """A weather year's headline figures for a site: irradiation, PV and wind yield, PUE, free cooling.

    PUE is energy-weighted over the year for a constant IT load (greendc.sites.cooling.annual_pue), at the
    baseline setpoint and at the best level each step. PV and wind figures of the site's own array
    and farm are NaN where it has none; the reference figures exist for every site: the yield of
    ``reference_pv`` and the capacity factor of ``reference_wind`` on the weather's own wind.
    """
    year = default_weather(site) if weather is None else weather
    loc = site.site
    step_min = int(year.attrs["step_minutes"])
    temp_c, wet_c = year["temp_air"].to_numpy(), year["temp_wet_bulb"].to_numpy()
    loss = site.it.electrical_loss_frac
    out = {
        "ghi_kwh_m2": float(year["ghi"].sum()) * step_min / 60.0 / 1000.0,
        "pv_kwh_per_kwp": float("nan"),
        "pv_capacity_factor": float("nan"),
        "wind_capacity_factor": float("nan"),
        "pue_baseline": cooling.annual_pue(temp_c, wet_c, site.cooling, loss, site.cooling.baseline_c),
        "pue_best": cooling.annual_pue(temp_c, wet_c, site.cooling, loss),
        "free_cooling_h": float(
            (
                cooling.cooling_coefficients(temp_c, wet_c, site.cooling).mode[
                    :, _baseline_level(site.cooling)
                ]
                == 0
            ).sum()
            * step_min
            / 60.0
        ),
    }
    unit_pv = reference_pv(loc.latitude)
    out["pv_reference_kwh_per_kwp"] = specific_yield_kwh_per_kwp(
        pv_ac_kw(unit_pv, year, latitude=loc.latitude, longitude=loc.longitude, altitude_m=loc.altitude_m),
        unit_pv.kwp,
        step_min,
    )
    turbine = reference_wind()
    out["wind_reference_capacity_factor"] = capacity_factor(
        wind_farm_kw(turbine, year), wind_nameplate_kw(turbine)
    )
    if site.pv is not None and site.pv.kwp > 0:
        pv_kw = pv_ac_kw(
            site.pv, year, latitude=loc.latitude, longitude=loc.longitude, altitude_m=loc.altitude_m
        )
        out["pv_kwh_per_kwp"] = specific_yield_kwh_per_kwp(pv_kw, site.pv.kwp, step_min)
        out["pv_capacity_factor"] = capacity_factor(pv_kw, site.pv.kwp)
    if site.wind is not None and site.wind.count > 0:
        out["wind_capacity_factor"] = capacity_factor(
            wind_farm_kw(site.wind, farm_weather(site.wind, site.climate, year)),
            wind_nameplate_kw(site.wind),
        )
    return out


def _baseline_level(plant: CoolingPlant) -> int:
    """Index of the baseline setpoint among the plant's levels."""
    return plant.setpoint_levels_c.index(plant.baseline_c)
