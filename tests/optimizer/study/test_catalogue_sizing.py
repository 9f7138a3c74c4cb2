"""Land and roof limits of the built-in sites (issue 16): urban sites are roof-limited, desert sites not."""

from __future__ import annotations

import pytest
from greendc.optimizer.study.scenarios import Scenario
from greendc.optimizer.study.site_problem import binding_limits, size_bounds
from greendc.sites import builtin_ids, load_site
from locations import ROOT

URBAN = ("shanghai", "shenzhen", "beijing", "shanghai-legacy", "shenzhen-legacy")
PARK = ("qingpu", "wuhu", "shaoguan", "tianfu", "chongqing", "guian")
WEST = ("zhongwei", "horinger", "qingyang", "zhangjiakou")
#: The roof rule of docs/sites.md: footprint x 150 W/m2 of roof. [m2, kW/m2]
ROOF_W_PER_M2 = 0.150


def test_every_site_is_classed_once() -> None:
    assert sorted(URBAN + PARK + WEST) == sorted(builtin_ids())


@pytest.mark.parametrize("site_id", URBAN)
def test_urban_sites_are_roof_limited_with_no_wind(site_id: str) -> None:
    site = load_site(site_id)
    assert site.sizing is not None
    assert site.sizing.pv_max_kw == pytest.approx(12_000 * ROOF_W_PER_M2)  # 1,800 kWp on the roof
    assert site.sizing.wind_max_kw == 0.0
    # the default scenario's 50,000 kWp becomes the roof's 1,800, named as the site's limit
    limits = binding_limits(Scenario(name="s"), site)
    assert limits["pv_kw"] == (0.0, 1800.0, "sizing.pv_max_kw")
    assert size_bounds(Scenario(name="s"), site).wind_kw == (0.0, 0.0)


@pytest.mark.parametrize("site_id", PARK)
def test_park_sites_hold_roof_and_campus(site_id: str) -> None:
    site = load_site(site_id)
    assert site.sizing is not None
    # 24,000 m2 of roof x 150 W/m2 + 5 ha x 0.7 MWp/ha
    assert site.sizing.pv_max_kw == pytest.approx(24_000 * ROOF_W_PER_M2 + 5 * 700.0)
    assert site.sizing.wind_max_kw == 0.0


@pytest.mark.parametrize("site_id", WEST)
def test_desert_sites_are_not_land_limited(site_id: str) -> None:
    site = load_site(site_id)
    assert site.sizing is None
    limits = binding_limits(Scenario(name="s"), site)
    assert limits["pv_kw"][2] == "pv_max_kw" and limits["wind_kw"][2] == "wind_max_kw"


@pytest.mark.parametrize("site_id", URBAN + PARK + WEST)
def test_every_limit_has_an_estimate_flag_in_the_provenance(site_id: str) -> None:
    site = load_site(site_id)
    entries = [p for p in site.provenance if p.fact.split(".")[0] == "sizing"]
    assert len(entries) == 1
    assert entries[0].status == "estimate" and "docs/sources.md" in entries[0].source
    assert entries[0].note


def test_the_sizing_table_in_docs_matches_the_catalogue() -> None:

    text = (ROOT / "docs" / "sites.md").read_text()
    section = text.split("## Land and roof limits")[1].split("\n## ")[0]
    for site_id in builtin_ids():
        row = next(line for line in section.splitlines() if line.startswith(f"| {site_id} |"))
        cells = [c.strip() for c in row.split("|")[1:-1]]
        sizing = load_site(site_id).sizing
        expected_pv = "-" if sizing is None else f"{sizing.pv_max_kw:,.0f}"
        expected_wind = "-" if sizing is None else f"{sizing.wind_max_kw:,.0f}"
        assert cells[1:3] == [expected_pv, expected_wind], site_id
