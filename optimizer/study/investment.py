"""An investment case from a solved year: capex, O&M, cash flows, NPV, IRR, paybacks and LCOE.

Plain arithmetic on floats and arrays, so every figure can be checked by hand. Formulas: Short,
Packey and Holt (1995), *A Manual for the Economic Evaluation of Energy Efficiency and Renewable
Energy Technologies*, NREL/TP-462-5173: net present value (section 4.1), internal rate of return
(4.5), simple and discounted payback (4.6) and levelised cost of energy (4.3, the present value of
costs over the present value of energy). Year 0 is the build; years 1..N the operating years.
"""

from __future__ import annotations

import numpy as np
from greendc.optimizer.study.sizing import annuity_factor, capital_recovery_factor
from scipy.optimize import brentq

#: IRR search interval: -99 % to 1000 % a year. [-]
IRR_BOUNDS = (-0.99, 10.0)


def discount_factors(rate: float, years: int) -> np.ndarray:
    """1 / (1 + r)^t for t = 0..years. [-]"""
    return (1.0 + rate) ** -np.arange(years + 1, dtype=float)


def npv(cash_flows: np.ndarray, rate: float) -> float:
    """Net present value of yearly cash flows, the first at year 0: sum_t CF_t / (1 + r)^t. [currency]"""
    flows = np.asarray(cash_flows, dtype=float)
    return float(flows @ discount_factors(rate, len(flows) - 1))


def irr(cash_flows: np.ndarray) -> float:
    """The rate at which the NPV is zero (NaN when the NPV does not change sign in IRR_BOUNDS). [-]

    Found by Brent's method; with one sign change in the flows (an outlay, then savings) the root
    is unique (Descartes' rule of signs).
    """
    low, high = IRR_BOUNDS
    f_low, f_high = npv(cash_flows, low), npv(cash_flows, high)
    if not np.isfinite(f_low) or np.sign(f_low) == np.sign(f_high) or f_low == 0.0:
        return float("nan")
    return float(brentq(lambda r: npv(cash_flows, r), low, high, xtol=1e-12))


def payback_years(cash_flows: np.ndarray, rate: float = 0.0) -> float:
    """Years until the cumulative (discounted, at `rate`) cash flow first turns non-negative. [yr]

    Linear within the year it crosses; 0 when nothing is invested; NaN when it never pays back.
    With rate 0 this is the simple payback (Short et al. 1995, 4.6).
    """
    flows = np.asarray(cash_flows, dtype=float) * discount_factors(rate, len(cash_flows) - 1)
    cumulative = np.cumsum(flows)
    if cumulative[0] >= 0:
        return 0.0
    after = np.nonzero(cumulative >= 0)[0]
    if after.size == 0:
        return float("nan")
    t = int(after[0])
    return float(t - 1 + -cumulative[t - 1] / flows[t])


def lcoe(costs: np.ndarray, energy_kwh: np.ndarray, rate: float) -> float:
    """Levelised cost: present value of the costs over present value of the energy. [currency/kWh]

    LCOE = sum_t C_t / (1 + r)^t / sum_t E_t / (1 + r)^t (Short et al. 1995, 4.3); NaN without energy.
    """
    denominator = npv(energy_kwh, rate)
    return npv(costs, rate) / denominator if denominator > 0 else float("nan")


def capital_flows(capex: float, life_years: float, rate: float, years: int) -> np.ndarray:
    """Outlays of one technology over years 0..N: a build at 0, a rebuild at each end of life inside
    the period, and a salvage credit at N. [currency]

    The salvage is the present value at N of the annuities left on the last build,
    capex CRF(r, life) AF(r, remaining), so the flows' NPV at r equals capex CRF(r, life) AF(r, N):
    the same capital charge as the annualised cost the year LP minimises.
    """
    flows = np.zeros(years + 1)
    if capex == 0:
        return flows
    builds = np.arange(0.0, years, life_years)
    np.add.at(flows, np.floor(builds).astype(int), capex)
    remaining = builds[-1] + life_years - years
    if remaining > 0:
        flows[years] -= capex * capital_recovery_factor(rate, life_years) * annuity_factor(rate, remaining)
    return flows


def investment_cash_flows(capital_by_tech: np.ndarray, annual_saving: float) -> np.ndarray:
    """The investor's yearly cash flows against business as usual: -capital outlays + saving. [currency]

    capital_by_tech: one row of capital_flows per technology, net of capital subsidies.
    """
    flows = -np.sum(np.atleast_2d(capital_by_tech), axis=0)
    flows[1:] += annual_saving
    return flows
