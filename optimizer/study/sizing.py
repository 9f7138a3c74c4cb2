"""Investment arithmetic for the annual study: capital recovery, annualised cost per unit, subsidies, NPV.

Everything here is plain arithmetic on floats (no model objects), so it can be checked by hand.
Source for the formulas: Short, Packey and Holt (1995), *A Manual for the Economic Evaluation of
Energy Efficiency and Renewable Energy Technologies*, NREL/TP-462-5173, sections 4.3 (capital
recovery factor) and 4.1 (net present value); REopt uses the same levelisation (Anderson et al.,
REopt Lite technical manual, NREL 2021).
"""

from __future__ import annotations

HOURS_PER_YEAR = 8760.0


def capital_recovery_factor(discount_rate: float, lifetime_years: float) -> float:
    """Share of an up-front cost paid each year to repay it over its life at the discount rate. [1/yr]

    CRF = r (1 + r)^n / ((1 + r)^n - 1)  (Short et al. 1995, eq. 4-7); r > 0, n > 0.
    """
    if discount_rate <= 0 or lifetime_years <= 0:
        raise ValueError("capital_recovery_factor needs a positive discount rate and lifetime")
    growth = (1.0 + discount_rate) ** lifetime_years
    return discount_rate * growth / (growth - 1.0)


def annuity_factor(discount_rate: float, years: float) -> float:
    """Present value of 1 currency unit paid at the end of each year for `years` years. [yr]

    It is 1 / CRF (Short et al. 1995, uniform-series present-worth factor).
    """
    return 1.0 / capital_recovery_factor(discount_rate, years)


def annualised_cost_per_unit(
    capex_per_unit: float,
    om_per_unit_year: float,
    discount_rate: float,
    lifetime_years: float,
    capex_subsidy_share: float = 0.0,
) -> float:
    """Yearly cost of one unit of capacity: the subsidised capital annuity plus fixed O&M. [currency/unit/yr]

    cost = capex (1 - subsidy share) CRF(r, n) + O&M; the subsidy is a share of capital cost paid up
    front (for example a computing-power or green-power voucher), so it scales the annuity.
    """
    crf = capital_recovery_factor(discount_rate, lifetime_years)
    return capex_per_unit * (1.0 - capex_subsidy_share) * crf + om_per_unit_year


def horizon_cost_per_unit(annual_cost_per_unit: float, horizon_hours: float) -> float:
    """The annualised cost charged to a horizon shorter or longer than a year, pro rata. [currency/unit]"""
    return annual_cost_per_unit * horizon_hours / HOURS_PER_YEAR


def npv_against_baseline(
    baseline_cost_per_year: float, option_cost_per_year: float, discount_rate: float, years: float
) -> float:
    """Net present value of choosing the option over the baseline for `years` years. [currency]

    Both costs are equivalent annual costs (capital already annualised), so the NPV is the yearly
    saving times the annuity factor (Short et al. 1995, section 4.1). Positive means the option pays.
    """
    return (baseline_cost_per_year - option_cost_per_year) * annuity_factor(discount_rate, years)
