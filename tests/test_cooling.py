"""Cooling physics: DOE-2 curves by hand, economiser modes, monotonicity, PUE."""

from __future__ import annotations

import numpy as np
import pytest
from greendc.sites.cooling import (
    AIR_COOLED_90_1_2010,
    FREE,
    MECHANICAL,
    PARTIAL,
    WATER_COOLED_CENTRIFUGAL,
    annual_pue,
    biquadratic,
    cooling_coefficients,
    diurnal_normals,
    eir_part_load_factor,
    eir_temperature_factor,
    hourly_pue,
    it_fan_uplift,
)
from greendc.sites.model import CoolingPlant
from hypothesis import given, settings
from hypothesis import strategies as st

WATER = CoolingPlant()  # defaults: water-cooled, water-side economiser, levels 18/21/24/27
AIR_DRY = CoolingPlant(plant="air_cooled_chiller", economiser="dry_cooler", chiller_cop_ref=2.8)


@pytest.mark.parametrize(("outdoor_c", "expected"), [(35.0, 1.00), (25.0, 0.754), (15.0, 0.605)])
def test_air_cooled_eirft_matches_the_published_points(outdoor_c: float, expected: float) -> None:
    # docs/sources.md (ASHRAE 90.1-2010 Path A): at 6.67 deg C chilled water, 1.00 at 35, 0.754 at 25, 0.605 at 15 deg C outdoor.
    assert eir_temperature_factor(AIR_COOLED_90_1_2010, 6.67, outdoor_c) == pytest.approx(expected, abs=6e-4)


def test_water_cooled_eirft_at_its_reference_point_by_hand() -> None:
    # 1.157799 - 0.03621524*8.89 - 0.003684818*8.89^2 - 0.01202959*23.89 - 7.378548e-5*23.89^2
    # + 0.003787365*8.89*23.89 = 1.157799 - 0.321953 - 0.291218 - 0.287387 - 0.042112 + 0.804368
    assert biquadratic(WATER_COOLED_CENTRIFUGAL.eirft, 8.89, 23.89) == pytest.approx(1.019497, abs=1e-5)
    assert eir_part_load_factor(WATER_COOLED_CENTRIFUGAL, 1.0) == pytest.approx(0.9987124, abs=1e-6)


def test_mechanical_point_by_hand() -> None:
    # Setpoint 18 -> chilled water 10 deg C (above the 8.89 edge: lift factor 1 - 0.025*1.11 = 0.97225);
    # wet-bulb 25 -> condenser 30 deg C (0.56 K above the 29.44 edge: EIRFT(8.89, 29.44) = 1.117760
    # plus slope 0.0172956 * 0.56). EIRFT = 1.127445 * 0.97225 = 1.096159; EIRFPLR(0.8) = 0.709566;
    # chiller e = 1.096159 * 0.709566 / (6.03 * 0.8) = 0.161235 kW/kW.
    # Cooling = air 0.04 + pumps 0.03 + chiller e + tower fans 0.057 * (1 + e) = 0.297425.
    coeffs = cooling_coefficients([32.0], [25.0], WATER)
    assert coeffs.kw_per_kw[0, 0] == pytest.approx(0.297425, abs=1e-6)
    assert coeffs.mode[0, 0] == MECHANICAL


def test_free_cooling_costs_only_fans_and_pumps() -> None:
    # Wet-bulb -5: tower water 0 deg C, far below every chilled-water supply (10..19 deg C).
    coeffs = cooling_coefficients([0.0], [-5.0], WATER)
    assert np.all(coeffs.mode == FREE)
    fans_and_pumps = 0.04 + 0.03 + 0.057
    np.testing.assert_allclose(coeffs.kw_per_kw[0], fans_and_pumps * (1 + coeffs.it_fan_uplift))


@pytest.mark.parametrize(("wet_bulb_c", "mode"), [(10.9, FREE), (11.1, PARTIAL), (16.9, PARTIAL),
                                                  (17.1, MECHANICAL)])
def test_free_cooling_only_where_the_wet_bulb_allows(wet_bulb_c: float, mode: int) -> None:
    # Setpoint 24: chilled-water supply 16, return 22 deg C; tower + HX approaches 3.5 + 1.5 = 5 K.
    # Free iff wet-bulb + 5 <= 16, mechanical iff wet-bulb + 5 >= 22.
    coeffs = cooling_coefficients([wet_bulb_c + 6.0], [wet_bulb_c], WATER)
    assert coeffs.mode[0, WATER.setpoint_levels_c.index(24.0)] == mode


def test_dry_cooler_follows_the_dry_bulb_and_no_economiser_is_always_mechanical() -> None:
    # Dry cooler: supply 18 -> chilled water 10; dry-bulb + 6 + 1.5 <= 10 iff dry-bulb <= 2.5.
    cold = cooling_coefficients([2.0], [-20.0], AIR_DRY)
    humid_cold = cooling_coefficients([3.0], [2.9], AIR_DRY)
    assert cold.mode[0, 0] == FREE and humid_cold.mode[0, 0] == PARTIAL
    none = cooling_coefficients([-20.0, 10.0, 35.0], [-22.0, 5.0, 28.0], WATER.model_copy(
        update={"economiser": "none"}))
    assert np.all(none.mode == MECHANICAL)


def test_it_fan_uplift_knee_and_steeper_above_30() -> None:
    np.testing.assert_allclose(it_fan_uplift([20.0, 23.0, 27.0, 32.0], 0.004, 23.0),
                               [0.0, 0.0, 0.016, 0.004 * (9 + 2)])


@pytest.mark.parametrize("plant", [WATER, AIR_DRY], ids=["water", "air"])
def test_coefficient_falls_as_setpoint_rises_while_the_chiller_runs(plant: CoolingPlant) -> None:
    wet_bulb = np.linspace(20.0, 30.0, 21)
    coeffs = cooling_coefficients(wet_bulb + 6.0, wet_bulb, plant)
    assert np.all(coeffs.mode == MECHANICAL)
    assert np.all(np.diff(coeffs.kw_per_kw, axis=1) < 0)


def test_in_free_cooling_a_higher_setpoint_only_adds_fan_heat() -> None:
    # The honest exception: with the chiller off, warmer air saves nothing and server fans add heat.
    coeffs = cooling_coefficients([-5.0], [-8.0], WATER)
    assert np.all(np.diff(coeffs.kw_per_kw[0]) >= 0)


@settings(max_examples=60, deadline=None)
@given(wb_low=st.floats(-30, 32), gap=st.floats(0, 10), depression=st.floats(0, 15),
       air=st.booleans())
def test_coefficient_never_falls_as_the_wet_bulb_rises(wb_low: float, gap: float, depression: float,
                                                      air: bool) -> None:
    plant = AIR_DRY if air else WATER
    wet = np.array([wb_low, wb_low + gap])
    coeffs = cooling_coefficients(wet + depression, wet, plant)
    assert np.all(coeffs.kw_per_kw[1] >= coeffs.kw_per_kw[0] - 1e-12)
    assert np.all(coeffs.mode[1] >= coeffs.mode[0])


@settings(max_examples=60, deadline=None)
@given(wet=st.lists(st.floats(-40, 35), min_size=1, max_size=20), depression=st.floats(0, 20))
def test_coefficients_are_bounded_and_modes_match_the_economiser_share(wet: list[float],
                                                                        depression: float) -> None:
    wet_a = np.array(wet)
    coeffs = cooling_coefficients(wet_a + depression, wet_a, WATER)
    floor = (WATER.air_fan_kw_per_kw + WATER.pump_kw_per_kw) * (1 + coeffs.it_fan_uplift)
    assert coeffs.kw_per_kw.shape == (len(wet), 4)
    assert np.all(coeffs.kw_per_kw >= floor[None, :] - 1e-12)
    assert np.all(coeffs.kw_per_kw < 1.0)
    assert np.all((coeffs.mode == FREE) == (coeffs.economiser_frac == 1.0))
    assert np.all((coeffs.mode == MECHANICAL) == (coeffs.economiser_frac == 0.0))


def test_pue_in_free_cooling_by_hand() -> None:
    # Setpoint 18 (no fan uplift): PUE = 1 + loss 0.04 + cooling 0.127.
    assert annual_pue([0.0] * 5, [-5.0] * 5, WATER, 0.04, setpoint_c=18.0) == pytest.approx(1.167)
    with pytest.raises(ValueError, match="not one of"):
        annual_pue([0.0], [-5.0], WATER, 0.04, setpoint_c=19.0)


def test_best_level_pue_is_never_worse_than_a_fixed_level_in_facility_power() -> None:
    wet = np.linspace(-10.0, 28.0, 39)
    best = hourly_pue(wet + 5.0, wet, WATER, 0.04)
    for level in WATER.setpoint_levels_c:
        fixed = hourly_pue(wet + 5.0, wet, WATER, 0.04, setpoint_c=level)
        uplift = it_fan_uplift(level, WATER.it_fan_uplift_per_c, WATER.it_fan_knee_c)
        # best minimises facility kW per nominal kW; compare facility power, not the ratio.
        assert np.all(best <= fixed * (1 + uplift) + 1e-12)


def test_diurnal_normals_keep_the_monthly_mean_and_wet_bulb_below_dry_bulb() -> None:
    from greendc.sites import load_site

    climate = load_site("zhongwei").climate
    dry, wet = diurnal_normals(climate, 1225.0)
    np.testing.assert_allclose(dry.mean(axis=1), climate.temp_mean_c, atol=1e-9)
    assert np.all(wet <= dry + 1e-9)
    assert dry.shape == wet.shape == (12, 24)
