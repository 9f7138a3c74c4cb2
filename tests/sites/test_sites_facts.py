"""The built-in catalogue carries the published figures of docs/sources.md, each with the right flag.

The expected numbers below are the publications' (docs/sources.md: the hub plan, CMA station normals,
annual totals), so a catalogue edit that drifts from them, or drops a flag, fails here. Derived
monthly cycles are recomputed from their published donor table and anchors
(greendc.sites.climate_sources) and checked against physical facts, not only against themselves.
"""

from __future__ import annotations

import numpy as np
import pytest
from greendc.sites import builtin_ids, load_site
from greendc.sites.climate_sources import ANCHORED, annual_mean, derived_temperatures
from greendc.sites.model import Site

#: docs/sources.md, hub sites and eastern demand centres: latitude, longitude [deg], altitude [m]
#: (None: not given there) and whether the altitude is an estimate.
LOCATIONS: dict[str, tuple[float, float, float | None, bool]] = {
    "zhangjiakou": (40.77, 114.89, 716.0, False),
    "qingpu": (31.15, 121.1, 4.0, True),
    "wuhu": (31.3, 118.4, 10.0, True),
    "shaoguan": (24.8, 113.6, 70.0, True),
    "tianfu": (30.6, 104.1, 500.0, True),
    "chongqing": (29.6, 106.5, 300.0, True),
    "horinger": (40.4, 111.8, 1100.0, True),
    "guian": (26.4, 106.4, 1200.0, True),
    "qingyang": (35.7, 107.6, 1420.0, True),
    "zhongwei": (37.50, 105.20, 1225.0, False),
    "beijing": (39.9, 116.4, None, True),
    "shanghai": (31.2, 121.5, None, True),
    "shenzhen": (22.5, 114.1, None, True),
}

TIANZHEN = {"temp_max_c": [-2.8, 2.0, 9.1, 17.4, 23.8, 27.6, 28.7, 27.2, 22.7, 15.4, 6.1, -1.3],
            "temp_mean_c": [-10.4, -5.8, 1.5, 9.7, 16.5, 20.6, 22.3, 20.5, 15.1, 7.8, -1.1, -8.2],
            "temp_min_c": [-16.8, -12.4, -5.3, 2.0, 8.8, 13.7, 16.3, 14.5, 8.3, 1.3, -6.8, -14.1]}
SHIXING = {"temp_max_c": [14.5, 15.9, 18.9, 24.6, 28.7, 31.5, 33.9, 33.5, 30.8, 27.3, 22.1, 17.1],
           "temp_mean_c": [9.7, 11.6, 14.8, 20.3, 24.1, 26.7, 28.4, 28.1, 25.6, 21.6, 16.2, 11.0],
           "temp_min_c": [6.3, 8.6, 11.9, 17.3, 20.8, 23.5, 24.7, 24.6, 22.1, 17.4, 11.9, 6.7]}
#: CMA 1991-2020 normals of Wangjiang, Anqing (docs/sources.md), Wuhu's stand-in [deg C].
WANGJIANG = {"temp_max_c": [7.9, 10.9, 15.5, 21.9, 26.8, 29.4, 32.8, 32.3, 28.4, 23.2, 17.1, 10.5],
             "temp_mean_c": [4.3, 6.8, 11.2, 17.3, 22.3, 25.5, 28.9, 28.2, 24.1, 18.6, 12.4, 6.4],
             "temp_min_c": [1.6, 3.8, 7.8, 13.5, 18.7, 22.5, 25.8, 25.2, 20.9, 15.2, 8.9, 3.4]}
SHANGHAI = {"temp_max_c": [8.1, 10.1, 13.8, 19.5, 24.8, 27.8, 32.2, 31.5, 27.9, 22.9, 17.3, 11.1],
            "temp_min_c": [2.1, 3.7, 6.9, 11.9, 17.3, 21.7, 25.8, 25.8, 22.4, 16.8, 10.6, 4.7]}
#: site id -> {climate field: (published values, the status the catalogue must give them)}.
#: A station elsewhere standing in for the site's own is a 'stand-in'.
TEMPERATURES: dict[str, dict[str, tuple[list[float], str]]] = {
    "beijing": {
        "temp_max_c": ([1.8, 5.0, 11.6, 20.3, 26.0, 30.2, 30.9, 29.7, 25.8, 19.1, 10.1, 3.7], "published"),
        "temp_min_c": ([-8.4, -5.6, 0.4, 7.9, 13.6, 18.8, 22.0, 20.8, 14.8, 7.9, 0.0, -5.8], "published")},
    "shanghai": {key: (values, "published") for key, values in SHANGHAI.items()},
    "qingpu": {key: (values, "stand-in") for key, values in SHANGHAI.items()},
    "zhangjiakou": {key: (values, "stand-in") for key, values in TIANZHEN.items()},
    "shaoguan": {key: (values, "stand-in") for key, values in SHIXING.items()},
    "wuhu": {key: (values, "stand-in") for key, values in WANGJIANG.items()},
    "shenzhen": {"temp_max_c": ([20, 20, 23, 26, 29, 31, 32, 32, 31, 29, 25, 22], "published")},
}
#: Published anchors of the derived sites (docs/sources.md): (January, July) mean [deg C], and the
#: largest miss the mapped cycle may have there [K].
ANCHORS: dict[str, tuple[float, float, float]] = {
    "guian": (4.6, 24.0, 0.3), "horinger": (-11.0, 23.3, 0.05), "qingyang": (-4.2, 21.4, 0.05),
    "tianfu": (5.6, 25.0, 1.0), "chongqing": (7.55, 29.0, 0.5),
}
#: Published annual means of the derived sites (docs/sources.md) [deg C].
ANNUAL_MEAN_C = {"guian": 15.3, "horinger": 7.33, "qingyang": 9.20, "tianfu": 16.27, "chongqing": 19.0}
#: docs/sources.md: Shapotou station (1698 m) for Zhongwei (1225 m), 1991-2020 [deg C].
SHAPOTOU = {"temp_max_c": [0.2, 4.6, 10.8, 17.6, 22.5, 26.5, 28.1, 26.5, 21.5, 15.4, 8.6, 2.2],
            "temp_mean_c": [-8.4, -3.7, 2.9, 10.0, 15.5, 19.9, 21.5, 19.9, 14.7, 7.8, 0.1, -6.6]}
#: Published annual sunshine hours (docs/sources.md) [h].
SUNSHINE_H = {"horinger": 2862, "guian": 1148, "tianfu": 1073, "beijing": 2671, "chongqing": 1055}


def _entry(site: Site, fact: str) -> tuple[str, str, str]:
    """(status, source, note) of the provenance entry for a fact; fails if the fact is unsourced."""
    matches = [e for e in site.provenance if e.fact == fact]
    assert len(matches) == 1, f"{site.id}: {fact} has {len(matches)} provenance entries"
    return matches[0].status, matches[0].source, matches[0].note


@pytest.mark.parametrize("site_id", sorted(LOCATIONS))
def test_location_matches_the_hub_plan_and_estimated_altitudes_say_so(site_id: str) -> None:
    latitude, longitude, altitude_m, altitude_estimated = LOCATIONS[site_id]
    site = load_site(site_id)
    assert (site.site.latitude, site.site.longitude) == (latitude, longitude)
    if altitude_m is not None:
        assert site.site.altitude_m == altitude_m
    status, source, _ = _entry(site, "site.altitude_m")
    assert (status == "estimate") == altitude_estimated, (status, source)


@pytest.mark.parametrize("site_id", sorted(TEMPERATURES))
def test_temperatures_are_the_published_figures_with_their_flag(site_id: str) -> None:
    site = load_site(site_id)
    for field, (values, status) in TEMPERATURES[site_id].items():
        np.testing.assert_allclose(getattr(site.climate, field), values, atol=1e-9, err_msg=field)
        assert _entry(site, f"climate.{field}")[0] == status, field


def test_zhongwei_is_shapotou_moved_down_470_m_at_the_standard_lapse_rate() -> None:
    site = load_site("zhongwei")
    shift_k = 3.0  # the file's correction: 6.5 K/km x (1698 - 1225) m = 3.07 K, rounded
    assert 6.5e-3 * (1698 - site.site.altitude_m) == pytest.approx(shift_k, abs=0.1)
    for field, values in SHAPOTOU.items():
        np.testing.assert_allclose(getattr(site.climate, field), np.array(values) + shift_k, atol=1e-9)
        status, _, note = _entry(site, f"climate.{field}")
        assert status == "stand-in" and "lapse" in note


def test_no_site_rests_on_a_single_year() -> None:
    """Issue 14: normals, not single years; the 2008 yearbook months (a snowstorm winter) are gone."""
    for site_id in LOCATIONS:
        for entry in load_site(site_id).provenance:
            if entry.fact.startswith("climate."):
                assert "Yearbook 2009" not in entry.source and "single year" not in entry.note.replace(
                    "replaces a single year", ""), (site_id, entry.fact)


def test_guian_january_is_the_normal_not_the_2008_snowstorm() -> None:
    site = load_site("guian")
    assert 4.0 <= site.climate.temp_mean_c[0] <= 6.0  # Guiyang's January normal ~4.6-5 (2008: 1.0)
    assert 23.0 <= max(site.climate.temp_mean_c) <= 25.0
    status, source, note = _entry(site, "climate.temp_mean_c")
    assert status == "estimate" and "Guiyang" in source and "1991-2020" in source + note


@pytest.mark.parametrize("site_id", sorted(ANCHORED))
def test_derived_cycles_are_the_donor_mapped_onto_published_anchors(site_id: str) -> None:
    site = load_site(site_id)
    for field, values in derived_temperatures(site_id).items():
        np.testing.assert_allclose(getattr(site.climate, field), values, atol=1e-9, err_msg=field)
        assert _entry(site, f"climate.{field}")[0] == "estimate", field
    january, july, tolerance = ANCHORS[site_id]
    mean = np.array(site.climate.temp_mean_c)
    assert abs(mean[0] - january) <= tolerance and abs(mean[6:8].max() - july) <= tolerance
    assert annual_mean(mean) == pytest.approx(ANNUAL_MEAN_C[site_id], abs=0.4)
    assert int(np.argmin(mean)) == 0 and int(np.argmax(mean)) in (6, 7)  # coldest January, warmest Jul/Aug
    assert np.all(np.array(site.climate.temp_max_c) > mean)
    assert np.all(np.array(site.climate.temp_min_c) < mean)


def test_every_site_carries_the_published_day_to_day_spread() -> None:
    """2.6 K (October-March) and 3.1 K (April-September) from China's 1.5 / 1.8 K day-to-day variability
    (cooling / warming half-year, 2022), converted with the lag-1 (0.74) the generator's years realise:
    sd = DTD / sqrt(4 (1 - 0.74) / pi)."""
    factor = np.sqrt(4 * (1 - 0.74) / np.pi)
    cold, warm = round(1.5 / factor, 1), round(1.8 / factor, 1)
    assert (cold, warm) == (2.6, 3.1)
    for site_id in builtin_ids():  # the legacy halls too: no site keeps the generator's default
        site = load_site(site_id)
        assert site.climate.temp_daily_sd_c == [cold] * 3 + [warm] * 6 + [cold] * 3, site_id
        status, source, _ = _entry(site, "climate.temp_daily_sd_c")
        assert status == "estimate" and "10.1029/2022EA002587" in source, site_id


@pytest.mark.parametrize("site_id", sorted(SUNSHINE_H))
def test_monthly_sunshine_sums_to_the_published_annual_total(site_id: str) -> None:
    site = load_site(site_id)
    assert sum(site.climate.sunshine_h) == pytest.approx(SUNSHINE_H[site_id], abs=2)
    assert _entry(site, "climate.sunshine_h")[0] == "estimate"  # the monthly split is ours


def test_pue_targets_follow_the_published_policies() -> None:
    """New large data centres <= 1.3; hub nodes < 1.25 (we use 1.25); western clusters (Qingyang) 1.2."""
    targets = {site_id: load_site(site_id).site.pue_target for site_id in LOCATIONS}
    assert targets["qingyang"] == 1.2 and targets["shaoguan"] == 1.25
    assert all(targets[city] == 1.3 for city in ("beijing", "shanghai", "shenzhen"))
    assert all(target is not None and target <= 1.25 for site_id, target in targets.items()
               if site_id not in ("beijing", "shanghai", "shenzhen"))
