"""Psychrometrics against ASHRAE Handbook - Fundamentals (2017) ch. 1 tables and example, and psychrolib."""

from __future__ import annotations

import numpy as np
import pandas as pd
import psychrolib
import pytest
from greendc.weather import psychrometrics as psy
from greendc.weather.dataset import weather_dataset
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.mark.parametrize(
    ("temp_c", "table_pa"),
    [
        (-20.0, 103.24),
        (-5.0, 401.74),
        (5.0, 872.6),
        (25.0, 3169.7),
        (50.0, 12351.3),
    ],
)
def test_saturation_pressure_matches_ashrae_table_3(temp_c: float, table_pa: float) -> None:
    # ASHRAE 2017 ch. 1 Table 3; the formula is stated to be within 300 ppm of it
    assert psy.saturation_vapour_pressure_pa(temp_c) == pytest.approx(table_pa, rel=3e-4)


@pytest.mark.parametrize(
    ("altitude_m", "table_pa"), [(0, 101325), (500, 95461), (1000, 89875), (4000, 61640)]
)
def test_standard_pressure_matches_ashrae_table_1(altitude_m: float, table_pa: float) -> None:
    assert psy.pressure_from_altitude_pa(altitude_m) == pytest.approx(table_pa, abs=1.0)


def test_ashrae_example_1_wet_bulb_and_dew_point() -> None:
    # ASHRAE 2017 ch. 1 Example 1: 40 C dry-bulb, 20 C wet-bulb, 101.325 kPa -> W 0.0065, RH 14 %, td ~7 C
    rh_pct = 14.0
    assert psy.wet_bulb_c(40.0, rh_pct, 101325.0) == pytest.approx(20.0, abs=0.15)
    assert psy.dew_point_c(40.0, rh_pct) == pytest.approx(7.0, abs=0.5)
    vapour = rh_pct / 100 * psy.saturation_vapour_pressure_pa(40.0)
    assert psy.humidity_ratio(vapour, 101325.0) == pytest.approx(0.0065, abs=0.0001)
    # backwards from the printed W = 0.0065 (eq. 20 inverted: p_w = p W / (0.621945 + W)); the
    # example's own W is 0.00646 (eq. 33 with Table 2's W_s* = 0.014758), so 0.0065 reads 0.08 K high
    vapour_from_w = 101325.0 * 0.0065 / (psy.MOLAR_MASS_RATIO + 0.0065)
    rh_from_w = 100.0 * vapour_from_w / psy.saturation_vapour_pressure_pa(40.0)
    assert psy.wet_bulb_c(40.0, rh_from_w, 101325.0) == pytest.approx(20.0, abs=0.1)


INHG_PA = 3386.389  # one inch of mercury at 0 deg C [Pa]


def fahrenheit_to_c(temp_f: float) -> float:
    """Degrees Fahrenheit to Celsius."""
    return (temp_f - 32.0) / 1.8


@pytest.mark.parametrize(
    ("pressure_inhg", "dry_f", "depression_f", "dew_f"),
    [(23.0, 80.0, 32.5, 6.0), (23.0, 110.0, 49.0, 22.0), (25.0, 20.0, 6.2, -12.0)],
)
def test_wet_bulb_at_altitude_matches_nws_psychrometric_tables(
    pressure_inhg: float, dry_f: float, depression_f: float, dew_f: float
) -> None:
    # US National Weather Service psychrometric tables (srh.noaa.gov/elp/psych/), "Temperature of
    # dew point in degrees Fahrenheit": Table 5 (pressure 23.00 inHg = 77.9 kPa, about 2,100 m) rows
    # 80 F / depression 32.5 F -> dew point 6 F and 110 F / 49 F -> 22 F; Table 4 (25.00 inHg) row
    # 20 F / 6.2 F -> -12 F. The tables are for a ventilated psychrometer (Ferrel's psychrometer
    # equation), whose wet bulb sits 0.3-0.55 K above the thermodynamic wet-bulb at these large
    # depressions; at sea-level pressure the same air would give a wet-bulb up to 2.3 K higher.
    dry_c, table_wet_c = fahrenheit_to_c(dry_f), fahrenheit_to_c(dry_f - depression_f)
    rh_pct = psy.relative_humidity_pct(dry_c, fahrenheit_to_c(dew_f))
    wet_c = float(psy.wet_bulb_c(dry_c, rh_pct, pressure_inhg * INHG_PA))
    assert table_wet_c - 0.6 < wet_c <= table_wet_c


@pytest.mark.parametrize(
    ("temp_c", "rh_pct", "wet_bulb_c"), [(20.0, 50.0, 13.8), (25.0, 50.0, 17.9), (30.0, 50.0, 22.0)]
)
def test_wet_bulb_matches_sea_level_psychrometric_chart(
    temp_c: float, rh_pct: float, wet_bulb_c: float
) -> None:
    # values read from the ASHRAE sea-level psychrometric chart (to 0.1 C)
    assert psy.wet_bulb_c(temp_c, rh_pct, 101325.0) == pytest.approx(wet_bulb_c, abs=0.1)


def test_saturated_air_wet_bulb_equals_dry_bulb_and_dew_point() -> None:
    temps = np.array([-10.0, 0.0, 15.0, 35.0])
    assert psy.wet_bulb_c(temps, 100.0, 101325.0) == pytest.approx(temps, abs=1e-4)
    assert psy.dew_point_c(temps, 100.0) == pytest.approx(temps, abs=1e-6)


def test_lower_pressure_gives_lower_wet_bulb() -> None:
    sea, high = psy.wet_bulb_c(25.0, 50.0, np.array([101325.0, psy.pressure_from_altitude_pa(1500.0)]))
    assert high < sea


@settings(max_examples=60, deadline=None)
@given(temp_c=st.floats(-30, 45), rh_pct=st.floats(2, 100), pressure_pa=st.floats(60000, 105000))
def test_agrees_with_psychrolib_and_orders_dew_wet_dry(
    temp_c: float, rh_pct: float, pressure_pa: float
) -> None:
    psychrolib.SetUnitSystem(psychrolib.SI)
    wet = float(psy.wet_bulb_c(temp_c, rh_pct, pressure_pa))
    dew = float(psy.dew_point_c(temp_c, rh_pct))
    assert wet == pytest.approx(psychrolib.GetTWetBulbFromRelHum(temp_c, rh_pct / 100, pressure_pa), abs=2e-3)
    assert dew == pytest.approx(psychrolib.GetTDewPointFromRelHum(temp_c, rh_pct / 100), abs=2e-3)
    assert dew - 1e-6 <= wet <= temp_c + 1e-6


def test_relative_humidity_inverts_dew_point() -> None:
    temps = np.linspace(-20, 40, 13)
    rh = np.linspace(10, 100, 13)
    assert psy.relative_humidity_pct(temps, psy.dew_point_c(temps, rh)) == pytest.approx(rh, rel=1e-6)


def test_weather_without_pressure_gets_the_altitude_pressure_and_its_wet_bulb() -> None:
    # a file with dry-bulb and humidity only, at 1,000 m: pressure from ASHRAE Table 1 (89,875 Pa),
    # dew point and wet-bulb derived at that pressure
    frame = pd.DataFrame(
        {"temp_air": [30.0, 20.0, 5.0], "relative_humidity": [40.0, 70.0, 90.0], "ghi": 0.0,
         "wind_speed": 2.0},
        index=pd.date_range("2025-07-01", periods=3, freq="h", tz="UTC"),
    )
    ds = weather_dataset(frame, latitude=37.5, longitude=105.2, altitude_m=1000.0, timezone="UTC", source="t")
    np.testing.assert_allclose(ds["pressure"], 89875.0, atol=1.0)
    np.testing.assert_allclose(ds["temp_dew"], psy.dew_point_c(frame["temp_air"], frame["relative_humidity"]))
    at_altitude = psy.wet_bulb_c(frame["temp_air"], frame["relative_humidity"], 89875.0)
    np.testing.assert_allclose(ds["temp_wet_bulb"], at_altitude, atol=2e-3)
    at_sea_level = psy.wet_bulb_c(frame["temp_air"], frame["relative_humidity"], 101325.0)
    assert bool((ds["temp_wet_bulb"] < at_sea_level).all())
