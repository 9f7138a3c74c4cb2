"""Investment figures on a two-year example worked out by hand, and the study's investment case."""

from __future__ import annotations

import numpy as np
import pytest
from greendc.optimizer.study import economics
from greendc.optimizer.study.investment import capital_flows, irr, lcoe, npv, payback_years
from greendc.optimizer.study.scenarios import Scenario, Subsidies, TechCosts, Voucher
from greendc.optimizer.study.sizing import annuity_factor, capital_recovery_factor
from greendc.sites.loader import load_site

#: Build 100 at year 0, save 60 in each of years 1 and 2.
TWO_YEARS = np.array([-100.0, 60.0, 60.0])


def test_npv_irr_and_paybacks_of_two_years_by_hand() -> None:
    # NPV at 10 %: -100 + 60 / 1.1 + 60 / 1.21 = -100 + 54.5455 + 49.5868 = 4.1322
    assert npv(TWO_YEARS, 0.10) == pytest.approx(4.132231, abs=1e-6)
    # IRR: with y = 1 / (1 + x), 60 y^2 + 60 y - 100 = 0 -> y = (-60 + sqrt(27600)) / 120 = 0.884437
    assert irr(TWO_YEARS) == pytest.approx(1 / 0.8844373 - 1, abs=1e-6)  # 13.066 %
    assert npv(TWO_YEARS, irr(TWO_YEARS)) == pytest.approx(0.0, abs=1e-9)
    # simple payback: 100 / 60 = 1.667 years
    assert payback_years(TWO_YEARS) == pytest.approx(100 / 60)
    # discounted: -45.4545 after year 1, year 2 brings 49.5868: 1 + 45.4545 / 49.5868 = 1.9167 years
    assert payback_years(TWO_YEARS, 0.10) == pytest.approx(1 + 45.454545 / 49.586777, abs=1e-6)


def test_lcoe_of_two_years_by_hand() -> None:
    # capex 100, O&M 10 a year, 1000 kWh a year, 10 %:
    # (100 + 10 / 1.1 + 10 / 1.21) / (1000 / 1.1 + 1000 / 1.21) = 117.3554 / 1735.537 = 0.0676190
    costs, energy = np.array([100.0, 10.0, 10.0]), np.array([0.0, 1000.0, 1000.0])
    assert lcoe(costs, energy, 0.10) == pytest.approx(0.0676190, abs=1e-7)
    # the same as (capex CRF(10 %, 2) + O&M) / energy = (100 x 0.576190 + 10) / 1000
    assert lcoe(costs, energy, 0.10) == pytest.approx((100 * capital_recovery_factor(0.1, 2) + 10) / 1000)


def test_never_paying_back_and_nothing_invested() -> None:
    assert np.isnan(payback_years(np.array([-100.0, 10.0, 10.0])))
    assert np.isnan(irr(np.array([-100.0, -10.0, -10.0])))
    assert payback_years(np.array([0.0, 5.0, 5.0])) == 0.0


@pytest.mark.parametrize("life", [12.0, 20.0, 25.0])
def test_capital_flows_cost_what_the_annuity_costs(life: float) -> None:
    # rebuilds inside 20 years and the salvage of the last build make the flows' NPV the annuity's
    flows = capital_flows(100.0, life, 0.06, 20)
    assert npv(flows, 0.06) == pytest.approx(
        100 * capital_recovery_factor(0.06, life) * annuity_factor(0.06, 20)
    )
    assert flows[0] == 100.0 and (flows[12] == 100.0) == (life == 12.0)


def year_kpis(**overrides: float) -> dict[str, float]:
    """A sized year's KPIs: 1000 kWp PV, nothing else; costs per year."""
    base = dict(
        pv_kw=1000.0,
        wind_kw=0.0,
        battery_kwh=0.0,
        battery_kw=0.0,
        total_cost=900.0,
        capital_annuity=0.0,
        om_cost=45_000.0,
        renewable_mwh=1500.0,
        pue=1.2,
    )
    base.update(overrides)
    return base


def test_study_investment_case_agrees_with_the_annuity_form() -> None:
    costs = TechCosts(pv_capex_per_kw=3500.0, pv_om_per_kw_year=45.0, pv_life_years=25.0)
    scenario = Scenario(
        name="s", costs=costs, discount_rate=0.06, analysis_years=20, subsidies=Subsidies(capex_share=0.3)
    )
    annuity = 3500e3 * capital_recovery_factor(0.06, 25)
    kpis = year_kpis(capital_annuity=annuity, total_cost=1e6 + annuity * 0.7)
    out = economics.investment_kpis(kpis, 1.5e6, scenario)
    assert out["capex_pv"] == 3.5e6 and out["capex_net"] == pytest.approx(2.45e6)
    assert out["annual_saving"] == pytest.approx(0.5e6)  # BAU 1.5 M - operating 1.0 M
    assert out["npv_vs_bau"] == pytest.approx((1.5e6 - kpis["total_cost"]) * annuity_factor(0.06, 20))
    assert out["simple_payback_years"] == pytest.approx(2.45e6 / 0.5e6)
    # LCOE: (3500 CRF(6 %, 25) + 45) per kWp over 1500 kWh per kWp = 0.21252
    assert out["lcoe_onsite_per_kwh"] == pytest.approx((3500 * capital_recovery_factor(0.06, 25) + 45) / 1500)


def test_voucher_share_cap_and_province() -> None:
    voucher = Voucher(province="Guizhou", share=0.3, cap_per_firm=1e6)
    scenario = Scenario(name="v", gpu_hour_price=2.0, vouchers=[voucher], customer_firms=2)
    # 0.3 x 2.0 x 1e6 GPU-h = 600 k, under the cap of 2 firms x 1 M
    assert economics.voucher_value(scenario, "guizhou", 1e6) == pytest.approx(6e5)
    assert economics.voucher_value(scenario, "Guizhou", 1e7) == pytest.approx(2e6)  # capped
    assert economics.voucher_value(scenario, "Ningxia", 1e6) == 0.0


def test_pue_cap_by_policy() -> None:
    site = load_site("zhongwei")
    assert economics.pue_cap(site) == site.site.pue_target
    untargeted = site.model_copy(update={"site": site.site.model_copy(update={"pue_target": None})})
    assert economics.pue_cap(untargeted) == 1.25  # a hub node
    no_hub = untargeted.site.model_copy(update={"hub": ""})
    assert economics.pue_cap(untargeted.model_copy(update={"site": no_hub})) == 1.3
