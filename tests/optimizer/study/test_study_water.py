"""Tower water of a study year: heat through wet towers as the plant model rejects it, none when dry."""

from __future__ import annotations

import numpy as np
from greendc.optimizer.study.kpis import tower_water_m3
from greendc.sites import load_site
from greendc.sites.cooling import cooling_coefficients

DRY_C = np.array([30.0, 10.0, -5.0])
WET_C = np.array([24.0, 7.0, -7.0])
IT_KW = np.array([1000.0, 1000.0, 500.0])


def _site(**cooling: object):  # type: ignore[no-untyped-def]
    site = load_site("zhongwei")
    plant = type(site.cooling).model_validate({**site.cooling.model_dump(), **cooling})
    return site.model_copy(update={"cooling": plant})


def test_water_is_the_plant_models_tower_heat_times_the_litres_per_kwh() -> None:
    site = _site()
    level = np.zeros(3, dtype=int)
    tower = cooling_coefficients(DRY_C, WET_C, site.cooling).tower_heat_kw_per_kw[np.arange(3), level]
    expected = float(np.sum(IT_KW * tower) * 0.25 * site.cooling.water_l_per_kwh_rejected / 1000.0)
    assert tower.min() > 0.9  # a water-cooled plant rejects all its heat (and compressor work) wet
    assert tower_water_m3(site, DRY_C, WET_C, IT_KW, level, 0.25) == expected


def test_dry_cooled_plants_use_no_tower_water() -> None:
    site = _site(plant="air_cooled_chiller", economiser="dry_cooler", chiller_cop_ref=2.8)
    assert tower_water_m3(site, DRY_C, WET_C, IT_KW, np.zeros(3, dtype=int), 0.25) == 0.0
