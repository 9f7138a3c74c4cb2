"""On-site renewable generation: PV AC output with pvlib, wind-farm output with windpowerlib.

Both take a site section and a weather Dataset and return kW on the weather's time grid, each step
the mean power over the interval that starts there. windpowerlib's turbine data are read from the
OEDB CSV files it ships, never from the network.
"""

from __future__ import annotations

import difflib
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pandas as pd
import pvlib
import windpowerlib
import xarray as xr
from greendc.sites.model import PV, Climate, Site, Wind
from greendc.weather.dataset import interval_midpoints
from greendc.weather.errors import InputError
from windpowerlib import power_output, wind_speed
from windpowerlib.wind_turbine import get_turbine_data_from_file

FloatArray = npt.NDArray[np.float64]

#: windpowerlib's shipped OEDB turbine library (power curves in W against m/s).
OEDB_DIR = Path(windpowerlib.__file__).resolve().parent / "oedb"
#: Ground reflectance for the transposition model [-].
ALBEDO = 0.2
#: SAPM cell-temperature parameters, open-rack glass/polymer modules (King et al. 2004, SAND2004-3535).
SAPM_OPEN_RACK = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
#: Standard air density of power curves, IEC 61400-12-1 [kg/m3].
RHO_STANDARD = 1.225
#: Specific gas constant of dry air [J/(kg K)].
R_DRY_AIR = 287.058
#: Temperature lapse rate of the standard atmosphere [K/m].
LAPSE_RATE_K_PER_M = -0.0065
#: How greendc.weather.synthetic.synthetic_year labels its Dataset's ``source`` attribute.
SYNTHETIC_SOURCE_PREFIX = "synthetic typical year"
#: Days in each month of a non-leap year, to weight monthly normals into an annual mean [d].
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)


def pv_ac_kw(
    pv: PV, weather: xr.Dataset, *, latitude: float, longitude: float, altitude_m: float
) -> FloatArray:
    """PV AC power per step: Hay-Davies transposition, air-glass IAM, SAPM cell temperature,
    PVWatts DC with the site's temperature coefficient and losses, PVWatts inverter [kW].

    Sources: Hay and Davies (1980); PVWatts v5 manual (Dobos 2014, NREL/TP-6A20-62641);
    King et al. (2004) cell temperature; all as implemented in pvlib.
    """
    if pv.kwp == 0:
        return np.zeros(weather.sizes["time"])
    times = interval_midpoints(pd.DatetimeIndex(weather["time"].values))
    solar = pvlib.solarposition.get_solarposition(times, latitude, longitude, altitude_m)
    zenith, azimuth = solar["apparent_zenith"].to_numpy(), solar["azimuth"].to_numpy()
    poa = pvlib.irradiance.get_total_irradiance(
        pv.tilt_deg,
        pv.azimuth_deg,
        zenith,
        azimuth,
        weather["dni"].to_numpy(),
        weather["ghi"].to_numpy(),
        weather["dhi"].to_numpy(),
        dni_extra=pvlib.irradiance.get_extra_radiation(times).to_numpy(),
        model="haydavies",
        albedo=ALBEDO,
    )
    aoi = pvlib.irradiance.aoi(pv.tilt_deg, pv.azimuth_deg, zenith, azimuth)
    effective = np.nan_to_num(poa["poa_direct"] * pvlib.iam.physical(aoi) + poa["poa_diffuse"])
    cell_c = pvlib.temperature.sapm_cell(
        np.nan_to_num(poa["poa_global"]),
        weather["temp_air"].to_numpy(),
        weather["wind_speed"].to_numpy(),
        **SAPM_OPEN_RACK,
    )
    dc_kw = pvlib.pvsystem.pvwatts_dc(effective, cell_c, pv.kwp, pv.gamma_pdc_per_c)
    dc_kw = np.asarray(dc_kw, dtype=float) * (1.0 - pv.losses_pct / 100.0)
    inverter_dc_kw = pv.kwp / pv.dc_ac_ratio / pv.inverter_efficiency
    ac_kw = pvlib.inverter.pvwatts(dc_kw, inverter_dc_kw, eta_inv_nom=pv.inverter_efficiency)
    return np.clip(np.asarray(ac_kw, dtype=float), 0.0, None)


def turbine_types() -> list[str]:
    """Turbine types with a power curve in windpowerlib's shipped OEDB library."""
    return sorted(pd.read_csv(OEDB_DIR / "power_curves.csv", index_col=0).index.astype(str))


@lru_cache(maxsize=32)
def turbine_power_curve(turbine_type: str) -> tuple[FloatArray, FloatArray]:
    """Wind speeds [m/s] and power [kW] of a turbine's OEDB power curve (offline)."""
    try:
        curve = get_turbine_data_from_file(turbine_type, str(OEDB_DIR / "power_curves.csv"))
    except KeyError:
        close = difflib.get_close_matches(turbine_type, turbine_types(), n=4, cutoff=0.3)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise InputError(
            f"turbine type {turbine_type!r} has no power curve in windpowerlib's OEDB library"
            f"{hint} (see `greendc weather turbines`)",
            key="wind.turbine_type",
        ) from None
    return curve["wind_speed"].to_numpy(float), curve["value"].to_numpy(float) / 1000.0


@lru_cache(maxsize=1)
def _nominal_power_w() -> dict[str, float]:
    """Nominal power of every type in the OEDB turbine table [W]."""
    table = pd.read_csv(OEDB_DIR / "turbine_data.csv", index_col=0)
    return {str(k): float(v) for k, v in table["nominal_power"].dropna().items()}


def turbine_rated_kw(turbine_type: str) -> float:
    """Nameplate power of one turbine: OEDB's nominal power, else the top of its power curve [kW]."""
    top_kw = float(turbine_power_curve(turbine_type)[1].max())
    return _nominal_power_w().get(turbine_type, top_kw * 1000.0) / 1000.0


def hub_air_density(
    temp_air_c: FloatArray, pressure_pa: FloatArray, hub_height_m: float, measured_height_m: float = 2.0
) -> FloatArray:
    """Air density at hub height: ideal gas with a standard lapse rate and 1/8 hPa per metre [kg/m3].

    As windpowerlib's temperature.linear_gradient and density.ideal_gas (pressure at ground level).
    """
    temp_k = temp_air_c + 273.15 + LAPSE_RATE_K_PER_M * (hub_height_m - measured_height_m)
    pressure_hub = pressure_pa - 12.5 * hub_height_m
    return pressure_hub / (R_DRY_AIR * temp_k)


def is_synthetic(weather: xr.Dataset) -> bool:
    """Whether a weather Dataset is a synthetic typical year built from climate normals (its ``source``
    label, which survives writing it to NetCDF and reading it back)."""
    return str(weather.attrs.get("source", "")).startswith(SYNTHETIC_SOURCE_PREFIX)


def farm_weather(wind: Wind, climate: Climate, weather: xr.Dataset) -> xr.Dataset:
    """The weather the wind farm sees: the synthetic year's wind rescaled to the farm's resource.

    Climate normals come from sheltered station anemometers near the data centre, far below an
    exposed wind-farm site. On a synthetic year built from those normals, with
    ``resource_mean_speed_ms`` set, every wind speed is multiplied by one factor, the farm's annual
    mean over the normals' day-weighted annual mean, and relabelled at ``resource_height_m``: the
    farm's annual mean equals the given one while the seasonal, hourly and Weibull shape of the
    synthetic year are kept (including its near-ground afternoon maximum; at hub height the real
    diurnal cycle is weaker and peaks at night). A weather file (measured or a user's own typical
    year) is returned unchanged: its wind drives the farm directly, so give one measured at the farm.
    """
    if wind.resource_mean_speed_ms is None or not is_synthetic(weather):
        return weather
    normals_mean_ms = float(np.average(climate.wind_speed_ms, weights=DAYS_IN_MONTH))
    scale = wind.resource_mean_speed_ms / normals_mean_ms if normals_mean_ms > 0 else 0.0
    speed = weather["wind_speed"] * scale
    speed.attrs = weather["wind_speed"].attrs | {"height_m": wind.resource_height_m}
    return weather.assign(wind_speed=speed)


def wind_farm_kw(wind: Wind, weather: xr.Dataset) -> FloatArray:
    """Wind-farm power per step: log-law hub speed, IEC density normalisation, power curve,
    times count and availability [kW].

    The hub speed follows the logarithmic profile (windpowerlib.wind_speed.logarithmic_profile);
    site density rho enters as an equivalent standard-density speed v (rho / 1.225)^(1/3)
    (IEC 61400-12-1 normalisation for pitch-regulated turbines).
    """
    if wind.count == 0:
        return np.zeros(weather.sizes["time"])
    speeds, power_kw = turbine_power_curve(wind.turbine_type)
    measured_height = float(weather["wind_speed"].attrs.get("height_m", 10.0))
    hub_ms = np.asarray(
        wind_speed.logarithmic_profile(
            pd.Series(weather["wind_speed"].to_numpy()),
            measured_height,
            wind.hub_height_m,
            wind.roughness_length_m,
        ),
        dtype=float,
    )
    density = hub_air_density(
        weather["temp_air"].to_numpy(), weather["pressure"].to_numpy(), wind.hub_height_m
    )
    equivalent_ms = hub_ms * (density / RHO_STANDARD) ** (1.0 / 3.0)
    one_kw = np.asarray(
        power_output.power_curve(pd.Series(equivalent_ms), pd.Series(speeds), pd.Series(power_kw)),
        dtype=float,
    )
    return one_kw * wind.count * wind.availability


def wind_nameplate_kw(wind: Wind) -> float:
    """Installed wind capacity: count times turbine rating [kW]."""
    return wind.count * turbine_rated_kw(wind.turbine_type) if wind.count else 0.0


def reference_pv(latitude: float) -> PV:
    """The yardstick array for comparing places: 1 kWp facing the equator, tilted at the latitude
    (at most 60 deg), PVWatts-default losses and inverter."""
    return PV(kwp=1.0, tilt_deg=round(min(abs(latitude), 60.0)), azimuth_deg=180.0 if latitude >= 0 else 0.0)


def reference_wind() -> Wind:
    """The yardstick turbine for comparing places: one E-82/2350 at 100 m, roughness 0.1 m."""
    return Wind(count=1)


def annual_energy_kwh(power_kw: FloatArray, step_minutes: int) -> float:
    """Energy over the series, scaled to 365 days when the series is shorter or longer [kWh/yr]."""
    steps_per_year = 365 * 24 * 60 / step_minutes
    return float(np.sum(power_kw)) * step_minutes / 60.0 * steps_per_year / max(len(power_kw), 1)


def specific_yield_kwh_per_kwp(pv_kw: FloatArray, kwp: float, step_minutes: int) -> float:
    """Annual PV energy per kW of DC nameplate [kWh/kWp/yr]."""
    return annual_energy_kwh(pv_kw, step_minutes) / kwp if kwp > 0 else 0.0


def capacity_factor(power_kw: FloatArray, nameplate_kw: float) -> float:
    """Mean power over nameplate power [-]."""
    return float(np.mean(power_kw)) / nameplate_kw if nameplate_kw > 0 else 0.0


def wind_data_basis(site: Site) -> str:
    """What the site's wind figures rest on, in one sentence (for `greendc sites show` and the study).

    A farm with ``resource_mean_speed_ms`` runs on that hub-height resource (its provenance status
    says whether it is measured or an estimate); anything else has only the climate normals, sheltered
    city-station speeds at ``wind_height_m`` (10 m), which are no measure of a wind resource.
    """
    climate = site.climate
    normals_ms = float(np.average(climate.wind_speed_ms, weights=DAYS_IN_MONTH))
    wind = site.wind
    if wind is not None and wind.count > 0 and wind.resource_mean_speed_ms is not None:
        status = next(
            (p.status for p in site.provenance if p.fact == "wind.resource_mean_speed_ms"), "unsourced"
        )
        return (f"hub-height resource: {wind.resource_mean_speed_ms:g} m/s annual mean at "
                f"{wind.resource_height_m:g} m ({status}); the {climate.wind_height_m:g} m station normals "
                f"({normals_ms:.1f} m/s) only shape the synthetic year")
    farm = "the wind farm runs on" if wind is not None and wind.count > 0 else "no wind farm;"
    return (f"{farm} only {climate.wind_height_m:g} m station normals ({normals_ms:.1f} m/s annual mean), "
            "sheltered city-station speeds, not a wind resource: a wind capacity factor from them says "
            "nothing about the site's wind potential; a wind study needs hub-height data")
