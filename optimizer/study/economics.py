"""The investment case and policy figures of one site-scenario, from its solved year's KPIs.

Capex by technology, the cash flows against business as usual and what follows from them (NPV,
IRR, paybacks; ``greendc.optimizer.study.investment``), the LCOE of on-site generation, the net
cost per delivered GPU-hour, computing-power vouchers and the PUE cap that applies to the site.
Costs are per year in the study's reporting currency (docs/compare.md, "Investment case").
"""

from __future__ import annotations

import numpy as np
from greendc.optimizer.study.investment import (
    capital_flows,
    investment_cash_flows,
    irr,
    lcoe,
    npv,
    payback_years,
)
from greendc.optimizer.study.scenarios import Scenario, TechCosts
from greendc.sites.model import Site

#: Technologies with their sizes, for capex by technology. [-]
TECH_SIZES = {"pv": ("pv_kw",), "wind": ("wind_kw",), "battery": ("battery_kwh", "battery_kw")}
#: PUE caps of China's data-centre policy: national hub nodes and new large data centres
#: (NDRC et al. 2021, "East Data West Computing"; docs/sources.md). [-]
HUB_PUE_CAP = 1.25
LARGE_DC_PUE_CAP = 1.3


#: Units of the figures this module adds to a site-scenario's KPIs.
ECONOMICS_UNITS = {
    "capex_pv": "currency",
    "capex_wind": "currency",
    "capex_battery": "currency",
    "capex_total": "currency",
    "capex_net": "currency",
    "annual_om": "currency/yr",
    "annual_saving": "currency/yr",
    "npv_vs_bau": "currency",
    "irr": "1/yr",
    "simple_payback_years": "yr",
    "discounted_payback_years": "yr",
    "lcoe_onsite_per_kwh": "currency/kWh",
    "gpu_hours": "GPU-h",
    "voucher": "currency/yr",
    "cost_per_gpu_hour": "currency/GPU-h",
    "net_cost_per_gpu_hour": "currency/GPU-h",
    "pue_cap": "1",
    "pue_over_cap": "1",
}


def capex_by_tech(sizes: dict[str, float], costs: TechCosts) -> dict[str, float]:
    """Up-front installed cost of each technology, before subsidies: size x capex per unit. [currency]"""
    unit = costs.by_size()
    return {tech: sum(unit[k][0] * sizes[k] for k in keys) for tech, keys in TECH_SIZES.items()}


def tech_life(costs: TechCosts) -> dict[str, float]:
    """Economic life of each technology. [yr]"""
    return {"pv": costs.pv_life_years, "wind": costs.wind_life_years, "battery": costs.battery_life_years}


def analysis_years(scenario: Scenario) -> int:
    """The scenario's analysis period in whole years (at least 1). [yr]"""
    return max(round(scenario.analysis_years), 1)


def capital_outlays(capex: dict[str, float], scenario: Scenario, share: float) -> np.ndarray:
    """Yearly capital flows (build, rebuilds, salvage) of every technology, times (1 - share). [currency]"""
    life, n = tech_life(scenario.costs), analysis_years(scenario)
    return np.array(
        [capital_flows(c * (1.0 - share), life[t], scenario.discount_rate, n) for t, c in capex.items()]
    )


def operating_cost(kpis: dict[str, float], scenario: Scenario) -> float:
    """Yearly cost without the capital charge: total - capital annuity x (1 - capex subsidy). [currency]"""
    return kpis["total_cost"] - kpis["capital_annuity"] * (1.0 - scenario.subsidies.capex_share)


def investment_kpis(kpis: dict[str, float], bau_total_cost: float, scenario: Scenario) -> dict[str, float]:
    """Capex, O&M, saving, NPV, IRR, paybacks and LCOE of a site-scenario against business as usual.

    Cash flows: year 0 and each end of life -capex (1 - subsidy share), a salvage credit at N
    (investment.capital_flows), years 1..N + (BAU cost - operating cost). Their NPV at the
    scenario's rate equals (BAU cost - total cost) x AF(r, N), the annuity form the LP minimises.
    """
    sizes = {k: kpis[k] for k in ("pv_kw", "wind_kw", "battery_kwh", "battery_kw")}
    capex = capex_by_tech(sizes, scenario.costs)
    r, share = scenario.discount_rate, scenario.subsidies.capex_share
    saving = bau_total_cost - operating_cost(kpis, scenario)
    flows = investment_cash_flows(capital_outlays(capex, scenario, share), saving)
    out = {f"capex_{tech}": value for tech, value in capex.items()}
    out.update(
        capex_total=sum(capex.values()),
        capex_net=sum(capex.values()) * (1.0 - share),
        annual_om=kpis["om_cost"],
        annual_saving=saving,
        npv_vs_bau=npv(flows, r),
        irr=irr(flows) if flows[0] < 0 else float("nan"),
        simple_payback_years=payback_years(flows),
        discounted_payback_years=payback_years(flows, r),
        lcoe_onsite_per_kwh=onsite_lcoe(kpis, capex, scenario),
    )
    return out


def onsite_lcoe(kpis: dict[str, float], capex: dict[str, float], scenario: Scenario) -> float:
    """LCOE of the PV and wind built, before subsidies, per kWh they deliver (used or exported).

    LCOE = PV(capital flows + O&M) / PV(energy) over the analysis period at the scenario's rate;
    with its salvage rule this is sum_i (capex_i CRF_i + O&M_i) / E. NaN when nothing is built.
    [currency/kWh]
    """
    n, r = analysis_years(scenario), scenario.discount_rate
    generation = {"pv": capex["pv"], "wind": capex["wind"]}
    capital = capital_outlays(generation, scenario, 0.0).sum(axis=0)
    c = scenario.costs
    om = c.pv_om_per_kw_year * kpis["pv_kw"] + c.wind_om_per_kw_year * kpis["wind_kw"]
    costs = capital + np.r_[0.0, np.full(n, om)]
    energy = np.r_[0.0, np.full(n, kpis["renewable_mwh"] * 1000.0)]
    return lcoe(costs, energy, r) if sum(generation.values()) > 0 else float("nan")


def gpu_hours(site: Site, scenario: Scenario, scale: float, hours: float) -> float:
    """GPU-hours the site's training delivers: utilisation x nodes (scaled) x GPUs per node x hours. [GPU-h]

    The year LP runs all the training energy (it is conserved in every flexibility window), so
    what is planned is delivered.
    """
    return scenario.training_utilisation * scale * site.it.nodes * site.it.gpus_per_node * hours


def voucher_value(scenario: Scenario, province: str, gpu_hours_year: float) -> float:
    """Computing-power voucher a year: min(share x contract value, cap per firm x firms). [currency/yr]

    Contract value = GPU-hours x the scenario's GPU-hour price; 0 without a voucher in the province.
    """
    voucher = scenario.voucher_for(province)
    if voucher is None or scenario.gpu_hour_price is None:
        return 0.0
    value = voucher.share * scenario.gpu_hour_price * gpu_hours_year
    if voucher.cap_per_firm is None:
        return value
    return min(value, voucher.cap_per_firm * scenario.customer_firms)


def pue_cap(site: Site) -> float:
    """The PUE cap that applies: the site's own policy target, else 1.25 at a hub node, else 1.3. [-]"""
    if site.site.pue_target is not None:
        return site.site.pue_target
    return HUB_PUE_CAP if site.site.hub else LARGE_DC_PUE_CAP


def gpu_hour_kpis(
    kpis: dict[str, float], site: Site, scenario: Scenario, scale: float, hours: float
) -> dict[str, float]:
    """GPU-hours, the voucher, the net cost per GPU-hour before and after it, and the PUE check.

    cost per GPU-hour = (energy + demand + carbon + capital annuity + O&M - subsidy - export) / GPU-h
    = total_cost / GPU-h; the customer's = (total_cost - voucher) / GPU-h. [currency/GPU-h]
    """
    delivered = gpu_hours(site, scenario, scale, hours)
    voucher = voucher_value(scenario, site.site.province, delivered)
    cap = pue_cap(site)
    per_gpu_hour = 1.0 / delivered if delivered > 0 else float("nan")
    return {
        "gpu_hours": delivered,
        "voucher": voucher,
        "cost_per_gpu_hour": kpis["total_cost"] * per_gpu_hour,
        "net_cost_per_gpu_hour": (kpis["total_cost"] - voucher) * per_gpu_hour,
        "pue_cap": cap,
        "pue_over_cap": float(kpis["pue"] > cap),
    }
