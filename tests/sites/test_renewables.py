"""PV and wind output: hand-worked operating points, physical bounds, offline turbine data."""

from __future__ import annotations

import itertools
import math
import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pvlib
import pytest
import xarray as xr
from greendc.sites.model import PV, Climate, Wind
from greendc.sites.renewables import (
    SYNTHETIC_SOURCE_PREFIX,
    annual_energy_kwh,
    capacity_factor,
    farm_weather,
    hub_air_density,
    pv_ac_kw,
    specific_yield_kwh_per_kwp,
    turbine_power_curve,
    turbine_rated_kw,
    wind_farm_kw,
    wind_nameplate_kw,
)
from greendc.weather.dataset import weather_dataset
from greendc.weather.errors import InputError
from greendc.weather.readers import read_tmy3

GREENSBORO = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"


@pytest.fixture(scope="module")
def tmy() -> xr.Dataset:
    return read_tmy3(GREENSBORO)[0]


def steady(hours: int = 2, source: str = "test", **values: float) -> xr.Dataset:
    """A short weather Dataset at 0 N 0 E around noon on the March equinox with constant values."""
    base = {
        "temp_air": 20.0,
        "relative_humidity": 50.0,
        "ghi": 0.0,
        "dni": 0.0,
        "dhi": 0.0,
        "wind_speed": 0.0,
    }
    frame = pd.DataFrame(
        {k: np.full(hours, v) for k, v in (base | values).items()},
        index=pd.date_range("2025-03-20 11:00", periods=hours, freq="h", tz="UTC"),
    )
    return weather_dataset(frame, latitude=0.0, longitude=0.0, altitude_m=0.0, timezone="UTC", source=source)


def test_pv_hand_worked_operating_point() -> None:
    # horizontal array, 1000 W/m2 all diffuse, no wind: Hay-Davies POA = DHI = 1000 W/m2;
    # SAPM open rack: Tc = Ta + 1000 exp(-3.56) + 3 = Ta + 31.44, so Ta = -6.439 C gives Tc = 25 C
    weather = steady(ghi=1000.0, dhi=1000.0, temp_air=-6.439, wind_speed=0.0)
    pv = PV(kwp=100.0, tilt_deg=0.0, losses_pct=14.0, dc_ac_ratio=1.2, inverter_efficiency=0.96)
    dc_kw = 100.0 * 0.86  # PVWatts at STC, less 14 % losses
    inverter_dc_kw = 100.0 / 1.2 / 0.96
    zeta = dc_kw / inverter_dc_kw
    eta = 0.96 / 0.9637 * (-0.0162 * zeta - 0.0059 / zeta + 0.9858)  # PVWatts inverter (Dobos 2014)
    ac_kw = pv_ac_kw(pv, weather, latitude=0.0, longitude=0.0, altitude_m=0.0)
    assert ac_kw[0] == pytest.approx(eta * dc_kw, rel=1e-3)
    assert ac_kw[0] == pytest.approx(82.57, abs=0.02)


def test_pv_clips_at_inverter_rating_and_is_zero_at_night(tmy: xr.Dataset) -> None:
    pv = PV(kwp=1000.0, dc_ac_ratio=1.5)
    ac_kw = pv_ac_kw(pv, tmy, latitude=36.1, longitude=-79.95, altitude_m=273.0)
    assert ac_kw.max() <= 1000.0 / 1.5 + 1e-9
    assert bool((ac_kw[tmy["ghi"].values == 0] == 0).all())
    assert ac_kw.min() >= 0.0


def test_pv_yield_greensboro_and_monotone_in_losses(tmy: xr.Dataset) -> None:
    def yield_of(pv: PV) -> float:
        return specific_yield_kwh_per_kwp(
            pv_ac_kw(pv, tmy, latitude=36.1, longitude=-79.95, altitude_m=273.0), pv.kwp, 60
        )

    base = yield_of(PV(kwp=1.0))
    # PVWatts for Greensboro NC, 30 deg south, 14 % losses, is about 1,350-1,450 kWh/kWp
    assert 1300 < base < 1500
    assert yield_of(PV(kwp=1.0, losses_pct=20.0)) < base
    assert yield_of(PV(kwp=1.0, gamma_pdc_per_c=-0.005)) < base
    assert yield_of(PV(kwp=1.0, tilt_deg=30.0, azimuth_deg=0.0)) < 0.8 * base  # facing north


def test_wind_hand_worked_operating_point() -> None:
    # log law from 10 m to 100 m, z0 = 0.1 m: v10 = 10 ln(100)/ln(1000) gives exactly 10 m/s at hub;
    # pressure chosen so hub density is 1.225 kg/m3; E-82/2350 OEDB curve gives 1,580 kW at 10 m/s
    hub_temp_k = 288.15 - 0.0065 * 98.0
    pressure_pa = 1.225 * 287.058 * hub_temp_k + 12.5 * 100.0
    weather = steady(wind_speed=10 * math.log(100) / math.log(1000), temp_air=15.0, pressure=pressure_pa)
    wind = Wind(
        turbine_type="E-82/2350", hub_height_m=100.0, count=3, availability=0.9, roughness_length_m=0.1
    )
    assert hub_air_density(np.array([15.0]), np.array([pressure_pa]), 100.0)[0] == pytest.approx(1.225)
    assert wind_farm_kw(wind, weather)[0] == pytest.approx(3 * 0.9 * 1580.0, rel=1e-6)


def normals(wind_speed_ms: list[float]) -> Climate:
    """Climate normals with the given monthly wind speeds at 10 m (other values irrelevant here)."""
    return Climate(temp_mean_c=[10.0] * 12, temp_max_c=[15.0] * 12, temp_min_c=[5.0] * 12,
                   rh_pct=[50.0] * 12, sunshine_h=[200.0] * 12, wind_speed_ms=wind_speed_ms)


def test_farm_resource_rescales_a_synthetic_year_to_its_mean_at_its_height() -> None:
    # normals: 4 m/s in the 31-day months, 3 m/s in the others; day-weighted annual mean
    # (7 x 31 x 4 + (28 + 4 x 30) x 3) / 365 = 1312 / 365 m/s, so 8 m/s at the farm scales by 8 x 365 / 1312
    climate = normals([4.0, 3.0, 4.0, 3.0, 4.0, 3.0, 4.0, 4.0, 3.0, 4.0, 3.0, 4.0])
    weather = steady(source=f"{SYNTHETIC_SOURCE_PREFIX} (seed 0)", wind_speed=5.0)
    wind = Wind(count=1, resource_mean_speed_ms=8.0, resource_height_m=80.0)
    farm = farm_weather(wind, climate, weather)
    np.testing.assert_allclose(farm["wind_speed"].values, 5.0 * 8.0 * 365 / 1312)
    assert farm["wind_speed"].attrs["height_m"] == 80.0
    assert weather["wind_speed"].values[0] == 5.0 and weather["wind_speed"].attrs["height_m"] == 10.0


def test_farm_resource_hand_worked_operating_point() -> None:
    # flat 5 m/s normals and series at 10 m; farm mean 10 m/s at hub height 100 m: the hub sees
    # exactly 10 m/s, at 1.225 kg/m3 the E-82/2350 curve gives 1,580 kW (the station alone: far less)
    hub_temp_k = 288.15 - 0.0065 * 98.0
    pressure_pa = 1.225 * 287.058 * hub_temp_k + 12.5 * 100.0
    synthetic = f"{SYNTHETIC_SOURCE_PREFIX} (seed 0)"
    weather = steady(source=synthetic, wind_speed=5.0, temp_air=15.0, pressure=pressure_pa)
    wind = Wind(count=2, availability=1.0, resource_mean_speed_ms=10.0, resource_height_m=100.0)
    farm_kw = wind_farm_kw(wind, farm_weather(wind, normals([5.0] * 12), weather))
    assert farm_kw[0] == pytest.approx(2 * 1580.0, rel=1e-6)
    assert wind_farm_kw(wind, weather)[0] < 0.5 * farm_kw[0]


def test_farm_resource_leaves_weather_files_and_unset_resources_alone() -> None:
    climate = normals([2.0] * 12)
    synthetic = steady(source=f"{SYNTHETIC_SOURCE_PREFIX} (seed 3)", wind_speed=2.0)
    measured = steady(source="TMY3 723170TYA.CSV", wind_speed=2.0)
    farm = Wind(count=1, resource_mean_speed_ms=7.0)
    assert farm_weather(farm, climate, measured) is measured
    assert farm_weather(Wind(count=1), climate, synthetic) is synthetic
    farms = [farm.model_copy(update={"resource_mean_speed_ms": v}) for v in (5.0, 6.0, 7.0, 8.0)]
    output = [wind_farm_kw(f, farm_weather(f, climate, synthetic))[0] for f in farms]
    assert all(a < b for a, b in itertools.pairwise(output))


def test_thin_air_lowers_wind_output() -> None:
    wind = Wind(count=1)
    sea = wind_farm_kw(wind, steady(wind_speed=6.0, pressure=101325.0))[0]
    high = wind_farm_kw(wind, steady(wind_speed=6.0, pressure=85000.0))[0]
    assert high < sea


def test_storm_cut_out_and_calm() -> None:
    wind = Wind(count=1)
    assert wind_farm_kw(wind, steady(wind_speed=30.0))[0] == 0.0  # beyond the curve's 25 m/s end
    assert wind_farm_kw(wind, steady(wind_speed=0.5))[0] == 0.0


def test_turbine_data_read_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    turbine_power_curve.cache_clear()

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("windpowerlib tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    speeds, power_kw = turbine_power_curve("E-82/2350")
    assert speeds[0] == 1.0 and power_kw.max() == 2350.0
    assert turbine_rated_kw("E-82/2350") == 2350.0
    assert wind_nameplate_kw(Wind(count=4)) == 4 * 2350.0


def test_unknown_turbine_names_close_matches() -> None:
    with pytest.raises(
        InputError, match=r"wind\.turbine_type: turbine type 'E-82/235' .* close matches: E-82/2350"
    ):
        turbine_power_curve("E-82/235")


def test_yield_and_capacity_factor_hand_values() -> None:
    constant = np.full(8760, 1.0)
    assert annual_energy_kwh(constant, 60) == 8760.0
    assert specific_yield_kwh_per_kwp(constant, 1.0, 60) == 8760.0
    assert capacity_factor(constant * 0.25, 1.0) == 0.25
    # a 15-minute day at 2 kW is 48 kWh; scaled to a year 17,520 kWh
    assert annual_energy_kwh(np.full(96, 2.0), 15) == pytest.approx(48.0 * 365)


def test_sites_show_says_what_each_sites_wind_rests_on() -> None:
    """Issue 14: a site whose only wind data are 10 m normals says so; a farm names its hub-height figure."""
    from greendc.sites import builtin_ids, load_site
    from greendc.sites.renewables import wind_data_basis

    for site_id in builtin_ids():
        site = load_site(site_id)
        text = wind_data_basis(site)
        if site.wind is not None and site.wind.resource_mean_speed_ms is not None:
            assert text.startswith("hub-height resource")
            assert f"{site.wind.resource_mean_speed_ms:g} m/s" in text
            assert "(estimate)" in text  # no measured farm speed in the catalogue yet
        else:
            assert "only 10 m station normals" in text and "not a wind resource" in text, site_id


def test_the_western_day_to_day_spread_reaches_the_synthetic_year() -> None:
    """Climate.temp_daily_sd_c is read by the generator: Zhongwei's January daily means spread ~2.4 K."""
    import pandas as pd
    from greendc.sites import load_site
    from greendc.sites.profile import default_weather

    site = load_site("zhongwei")
    weather = default_weather(site)
    times = pd.DatetimeIndex(weather["time"].values).tz_localize("UTC").tz_convert(site.site.timezone)
    local = pd.Series(weather["temp_air"].values, index=times)
    daily = local.resample("D").mean()
    january = daily[daily.index.month == 1]
    assert site.climate.temp_daily_sd_c is not None
    assert 1.5 <= float(january.std()) <= 4.0  # the default rule gave about 7 K
