"""Cooling physics: DOE-2 curves by hand, economiser modes, monotonicity, PUE, every plant type."""

from __future__ import annotations

import numpy as np
import pytest
from greendc.sites.chillers import AIR_COOLED_90_1_2010, CURVES, WATER_COOLED_CENTRIFUGAL
from greendc.sites.cooling import (
    FREE,
    MECHANICAL,
    PARTIAL,
    annual_pue,
    biquadratic,
    chiller_kw_per_kw,
    cooling_coefficients,
    diurnal_normals,
    eir_part_load_factor,
    eir_temperature_factor,
    facility_kw_per_kw,
    hourly_pue,
    it_fan_uplift,
)
from greendc.sites.model import CoolingPlant
from greendc.weather.psychrometrics import wet_bulb_c
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

WATER = CoolingPlant()  # defaults: water-cooled (COP 6.17), water-side economiser, levels 18/21/24/27
AIR_DRY = CoolingPlant(plant="air_cooled_chiller", economiser="dry_cooler", chiller_cop_ref=2.8)
#: A legacy hall: DX CRAC units, older compressors, constant-speed unit fans, no water loop.
DX = CoolingPlant(plant="dx_crac", chiller_cop_ref=2.4, air_fan_kw_per_kw=0.1, pump_kw_per_kw=0.0)
#: Warm-water direct liquid cooling, 75 % of the heat at 35 deg C, the rest through WATER's plant.
DLC = CoolingPlant(plant="direct_liquid", liquid_fraction=0.75, liquid_supply_c=35.0)
PLANTS = {"water": WATER, "air": AIR_DRY, "dx": DX, "dlc": DLC}
#: 1 refrigeration ton in kW and 1 W in Btu/h: the units of ASHRAE 90.1's chiller tables.
KW_PER_TON, BTU_H_PER_W = 3.51685, 3.41214


@pytest.mark.parametrize(("outdoor_c", "expected"), [(35.0, 1.00), (25.0, 0.754), (15.0, 0.605)])
def test_air_cooled_eirft_matches_the_published_points(outdoor_c: float, expected: float) -> None:
    # docs/sources.md (ASHRAE 90.1-2010 Path A): at 6.67 deg C chilled water, 1.00 at 35, 0.754 at 25,
    # 0.605 at 15 deg C outdoor.
    assert eir_temperature_factor(AIR_COOLED_90_1_2010, 6.67, outdoor_c) == pytest.approx(expected, abs=6e-4)


def test_water_cooled_eirft_at_its_reference_point_by_hand() -> None:
    # 1.157799 - 0.03621524*8.89 - 0.003684818*8.89^2 - 0.01202959*23.89 - 7.378548e-5*23.89^2
    # + 0.003787365*8.89*23.89 = 1.157799 - 0.321953 - 0.291218 - 0.287387 - 0.042112 + 0.804368
    assert biquadratic(WATER_COOLED_CENTRIFUGAL.eirft, 8.89, 23.89) == pytest.approx(1.019497, abs=1e-5)
    # At AHRI 550/590 conditions (6.67 / 29.44 deg C) the raw curve gives 1.077913: the catalogue's
    # 6.03 at 8.89 / 23.89 is 6.03 / 1.077913 / 0.9987124 = 5.60 at AHRI, below 90.1's 6.17.
    assert biquadratic(WATER_COOLED_CENTRIFUGAL.eirft, 6.67, 29.44) == pytest.approx(1.077913, abs=1e-6)
    assert sum(WATER_COOLED_CENTRIFUGAL.eirfplr) == pytest.approx(0.9987124, abs=1e-6)
    assert eir_part_load_factor(WATER_COOLED_CENTRIFUGAL, 1.0) == 1.0


@pytest.mark.parametrize("kind", sorted(CURVES))
def test_cop_at_the_rating_point_is_the_rated_cop(kind: str) -> None:
    curve = CURVES[kind]
    assert eir_temperature_factor(curve, *curve.rating_c) == pytest.approx(1.0, abs=1e-12)
    assert 1.0 / chiller_kw_per_kw(curve, 5.5, 1.0, *curve.rating_c) == pytest.approx(5.5, abs=1e-9)
    assert curve.rating_c == {"water_cooled_chiller": (6.67, 29.44), "air_cooled_chiller": (6.67, 35.0),
                              "dx_crac": (19.44, 35.0)}[kind]  # AHRI 550/590; AHRI 210/240 for DX


def test_default_chillers_meet_the_ashrae_90_1_2010_path_a_minimum() -> None:
    # Table 6.8.1C: water-cooled centrifugal >= 600 tons 0.570 kW/ton; air-cooled 9.562 EER (rounded to 0.01).
    assert WATER.chiller_cop_ref >= KW_PER_TON / 0.570 - 0.005
    assert CoolingPlant(plant="air_cooled_chiller").chiller_cop_ref >= 9.562 / BTU_H_PER_W - 0.005
    assert CoolingPlant(plant="direct_liquid").chiller_cop_ref == WATER.chiller_cop_ref


def test_mechanical_point_by_hand() -> None:
    # Setpoint 18 -> chilled water 10 deg C (above the 8.89 edge: lift factor 1 - 0.025*1.11 = 0.97225);
    # wet-bulb 25 -> condenser 30 deg C (0.56 K above the 29.44 edge: EIRFT(8.89, 29.44) = 1.117760
    # plus slope 0.0172956 * 0.56). EIRFT = 1.127445 * 0.97225 / 1.077913 (rating) = 1.016927;
    # EIRFPLR(0.8) = 0.709566 / 0.9987124 = 0.710481; e = 1.016927 * 0.710481 / (6.17 * 0.8) = 0.146375.
    # Cooling = air 0.04 + pumps 0.03 + chiller e + tower fans 0.057 * (1 + e) = 0.281718.
    coeffs = cooling_coefficients([32.0], [25.0], WATER)
    assert coeffs.kw_per_kw[0, 0] == pytest.approx(0.281718, abs=1e-6)
    assert coeffs.mode[0, 0] == MECHANICAL
    assert coeffs.tower_heat_kw_per_kw[0, 0] == pytest.approx(1.146375, abs=1e-6)  # IT heat + compressor


def test_air_cooled_hour_by_hand() -> None:
    # Dry-bulb 33: the dry cooler gives 33 + 6 + 1.5 = 40.5, above the 16 deg C return: mechanical.
    # EIRFT(10, 33) = 0.869774 over 0.999920 at 6.67 / 35; EIRFPLR(0.8) = 0.795 / 0.999 = 0.795716;
    # e = 0.869843 * 0.795716 / (2.8 * 0.8) = 0.308995; cooling = 0.04 + 0.03 + e (fans inside the COP).
    coeffs = cooling_coefficients([33.0], [27.0], AIR_DRY)
    assert coeffs.kw_per_kw[0, 0] == pytest.approx(0.378995, abs=1e-6)
    assert coeffs.tower_heat_kw_per_kw[0, 0] == 0.0  # no tower, no water


def test_dx_crac_hour_by_hand() -> None:
    # Setpoint 24, air returns at 34 deg C with a 10 deg C dew point (RH 23.1 %): coil wet-bulb 19.054.
    # EIRFT(19.054, 30 outdoor) = 0.907996 over 1.000217 at 19.44 / 35; e = 0.907799 / 2.4 = 0.378250
    # (no cycling loss); server fans +0.4 % at 24 deg C: cooling = 1.004 * (0.1 fans + e) = 0.480163.
    coeffs = cooling_coefficients([30.0], [22.0], DX)
    assert coeffs.kw_per_kw[0, DX.setpoint_levels_c.index(24.0)] == pytest.approx(0.480163, abs=1e-6)
    assert np.all(coeffs.mode == MECHANICAL)


def test_direct_liquid_hour_by_hand() -> None:
    # 25 deg C dry-bulb: dry coolers give 25 + 8 = 33 <= 35 deg C supply, so the liquid loop costs only
    # its pumps and fans, 0.015 + 0.02 = 0.035 kW/kW. The air share at setpoint 18 (no fan uplift) goes
    # through the water-cooled plant: wet-bulb 20 + 5 = 25 > 16 return, mechanical; EIRFT(8.89, 25) =
    # 1.039513 * 0.97225 / 1.077913 = 0.937620, e = 0.937620 * 0.710481 / (6.17 * 0.8) = 0.134959,
    # air loop 0.07 + e + 0.057 (1 + e) = 0.269651. c = 0.25 * 0.269651 + 0.75 * 0.035 = 0.093663.
    coeffs = cooling_coefficients([25.0], [20.0], DLC)
    assert coeffs.kw_per_kw[0, 0] == pytest.approx(0.093663, abs=1e-6)
    assert coeffs.economiser_frac[0, 0] == pytest.approx(0.75) and coeffs.mode[0, 0] == PARTIAL


def test_liquid_part_is_nearly_free_at_35_c_supply_in_a_25_c_climate() -> None:
    water = cooling_coefficients([25.0], [20.0], WATER).kw_per_kw[0, 0]  # setpoint 18: no fan uplift
    dlc = cooling_coefficients([25.0], [20.0], DLC).kw_per_kw[0, 0]
    liquid_kw_per_kw = (dlc - 0.25 * water) / 0.75
    assert liquid_kw_per_kw == pytest.approx(DLC.liquid_pump_kw_per_kw + DLC.liquid_fan_kw_per_kw)
    assert liquid_kw_per_kw < 0.15 * water
    # Above its approach the dry cooler needs the chillers' help, and the liquid part costs more.
    hot = cooling_coefficients([33.0], [27.0], DLC)
    assert hot.mode[0, 0] == PARTIAL and hot.kw_per_kw[0, 0] > dlc


def test_air_cooled_is_worse_than_water_cooled_when_hot_and_humid() -> None:
    for dry_c, wet_c in [(33.0, 27.0), (30.0, 26.0), (36.0, 28.0)]:
        water = cooling_coefficients([dry_c], [wet_c], WATER).kw_per_kw
        air = cooling_coefficients([dry_c], [wet_c], CoolingPlant(plant="air_cooled_chiller")).kw_per_kw
        assert np.all(air > 1.1 * water)


@pytest.mark.parametrize("plant_id", sorted(PLANTS))
def test_pue_rises_with_outdoor_temperature(plant_id: str) -> None:
    plant = PLANTS[plant_id]
    dry = np.linspace(-15.0, 42.0, 115)
    for rh_pct in (30.0, 60.0, 90.0):
        wet = wet_bulb_c(dry, rh_pct, 101325.0)
        for level in plant.setpoint_levels_c:
            assert np.all(np.diff(hourly_pue(dry, wet, plant, 0.04, setpoint_c=level)) >= -1e-12)
        # At the best level the facility power rises too; the ratio may dip where a warmer level wins,
        # because its server-fan uplift counts as IT energy (The Green Grid's definition).
        coeffs = cooling_coefficients(dry, wet, plant)
        best_facility = facility_kw_per_kw(coeffs, 0.04).min(axis=1)
        assert np.all(np.diff(best_facility) >= -1e-12)


def test_a_legacy_dx_hall_without_economiser_never_cools_for_free() -> None:
    coeffs = cooling_coefficients([-20.0, 5.0, 35.0], [-22.0, 2.0, 26.0], DX)
    assert np.all(coeffs.mode == MECHANICAL) and np.all(coeffs.kw_per_kw > DX.air_fan_kw_per_kw)
    assert DX.economiser == "none"  # a DX plant's default


def test_a_site_file_without_plant_keys_keeps_todays_plant() -> None:
    assert (WATER.plant, WATER.economiser) == ("water_cooled_chiller", "water_side")
    assert CoolingPlant(plant="air_cooled_chiller").economiser == "dry_cooler"


@pytest.mark.parametrize(("keys", "message"), [
    ({"liquid_fraction": 0.5}, "liquid_fraction applies only to plant = 'direct_liquid'"),
    ({"plant": "air_cooled_chiller", "room_dew_point_c": 9.0}, "room_dew_point_c applies only to"),
    ({"plant": "dx_crac", "economiser": "water_side"}, "no chilled-water loop"),
    ({"plant": "direct_liquid", "air_plant": "dx_crac"}, "air_plant"),
    ({"plant": "direct_liquid", "liquid_supply_c": 60.0}, "liquid_supply_c"),
])
def test_keys_of_another_plant_are_refused(keys: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        CoolingPlant(**keys)


@pytest.mark.parametrize("plant_id", sorted(PLANTS))
def test_a_plant_round_trips_through_its_dump(plant_id: str) -> None:
    plant = PLANTS[plant_id]
    assert CoolingPlant.model_validate(plant.model_dump()) == plant


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
       plant_id=st.sampled_from(sorted(PLANTS)))
def test_coefficient_never_falls_as_the_wet_bulb_rises(wb_low: float, gap: float, depression: float,
                                                      plant_id: str) -> None:
    plant = PLANTS[plant_id]
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


@pytest.mark.parametrize("plant_id", sorted(PLANTS))
def test_modes_match_the_share_cooled_without_compressors(plant_id: str) -> None:
    wet = np.linspace(-30.0, 30.0, 61)
    coeffs = cooling_coefficients(wet + 4.0, wet, PLANTS[plant_id])
    assert np.all((coeffs.mode == FREE) == (coeffs.economiser_frac == 1.0))
    assert np.all((coeffs.mode == MECHANICAL) == (coeffs.economiser_frac == 0.0))
    assert np.all(coeffs.tower_heat_kw_per_kw >= 0.0)


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
