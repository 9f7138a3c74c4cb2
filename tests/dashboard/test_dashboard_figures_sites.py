"""Catalogue figures and tables of the Sites page, on the real built-in catalogue."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from greendc.dashboard import figures_sites
from greendc.sites import builtin_ids, load_site


@pytest.fixture(scope="module")
def catalogue() -> list:
    """Every built-in site."""
    return [load_site(i) for i in builtin_ids()]


def test_catalogue_frame_has_one_row_per_site_with_its_facts(catalogue: list) -> None:
    frame = figures_sites.catalogue_frame(catalogue)
    assert list(frame["site"]) == builtin_ids()
    zhongwei = frame.set_index("site").loc["zhongwei"]
    site = load_site("zhongwei")
    assert zhongwei["latitude"] == site.site.latitude
    assert zhongwei["grid_kg_per_kwh"] == site.grid.emission_factor_kg_per_kwh
    # annual mean of twelve monthly means
    assert zhongwei["temp_mean_c"] == pytest.approx(sum(site.climate.temp_mean_c) / 12, abs=0.05)


def test_cold_west_is_colder_than_the_south(catalogue: list) -> None:
    frame = figures_sites.catalogue_frame(catalogue).set_index("site")
    assert frame.loc["horinger", "temp_mean_c"] < frame.loc["shenzhen", "temp_mean_c"] - 10


def test_turbine_rating_from_its_name() -> None:
    assert figures_sites._turbine_mw("E-82/2350") == pytest.approx(2.35)
    assert math.isnan(figures_sites._turbine_mw("unknown"))


def test_study_kpis_join_by_site_for_one_scenario(catalogue: list) -> None:
    frame = figures_sites.catalogue_frame(catalogue[:2])
    kpis = pd.DataFrame({"site": [frame["site"][0]] * 2, "scenario": ["low", "high"], "pue": [1.2, 1.3]})
    joined = figures_sites.with_study_kpis(frame, kpis, "high")
    assert joined["annual PUE"].iloc[0] == 1.3
    assert pd.isna(joined["annual PUE"].iloc[1])  # a site the study did not cover
    assert figures_sites.with_study_kpis(frame, None, None) is frame


def test_climate_figure_has_a_line_per_site(catalogue: list) -> None:
    figure = figures_sites.figure_climate(catalogue)
    assert [t.name for t in figure.data] == builtin_ids()
    assert all(len(t.y) == 12 for t in figure.data)
