"""Facts of the built-in catalogue's year (grid only, default scenario): PUE by climate, carbon by grid."""

from __future__ import annotations

import pytest
from greendc.optimizer.study.cases import site_inputs, site_scenario_year
from greendc.optimizer.study.scenarios import default_scenarios
from greendc.sites.loader import builtin_ids

WESTERN_HUBS = ("zhongwei", "horinger", "qingyang", "zhangjiakou")


@pytest.fixture(scope="module")
def grid_only_year() -> dict[str, dict[str, float]]:
    """Annual PUE and location-based carbon intensity of every built-in site, low carbon price, grid only."""
    scenario = next(s for s in default_scenarios() if not s.renewables)
    out = {}
    for site_id in builtin_ids():
        ds = site_scenario_year(site_inputs(site_id, 2025, 0), scenario)
        out[site_id] = {
            "pue": float(ds["pue"]),
            "carbon": float(ds["carbon_kg_per_mwh_it"]),
            "bau_pue": float(ds["bau_pue"]),
        }
    return out


@pytest.mark.slow
def test_cold_dry_western_hubs_beat_shenzhen_and_shanghai_on_pue(
    grid_only_year: dict[str, dict[str, float]],
) -> None:
    for hub in WESTERN_HUBS:
        for city in ("shenzhen", "shanghai"):
            assert grid_only_year[hub]["pue"] < grid_only_year[city]["pue"], (hub, city)
            assert grid_only_year[hub]["bau_pue"] < grid_only_year[city]["bau_pue"], (hub, city)


@pytest.mark.slow
def test_tianfu_has_the_lowest_location_based_carbon(grid_only_year: dict[str, dict[str, float]]) -> None:
    lowest = min(grid_only_year, key=lambda s: grid_only_year[s]["carbon"])
    assert lowest == "tianfu"
