"""One reporting currency per study: every site's prices and every scenario's costs converted into it.

A study whose sites and scenarios all name one currency reports in it. A study that mixes
currencies needs ``[study] currency`` and ``[study] exchange_rates`` in its scenario file (units of
the reporting currency per unit of each other currency); without them it is refused in one line
before anything is computed, since summing CNY and USD as if equal ranks nothing.
"""

from __future__ import annotations

from pathlib import Path

from greendc.optimizer.study.scenarios import Scenario, StudyHeader
from greendc.weather.errors import InputError

#: Money fields of a scenario (top level), scaled by the exchange rate. [-]
SCENARIO_MONEY = (
    "carbon_price_per_t",
    "demand_charge_per_kw_month",
    "export_price_per_kwh",
    "gpu_hour_price",
    "green_purchase_price_per_kwh",
)
#: Money fields of [scenario.costs]. [-]
COST_MONEY = (
    "pv_capex_per_kw",
    "pv_om_per_kw_year",
    "wind_capex_per_kw",
    "wind_om_per_kw_year",
    "battery_capex_per_kwh",
    "battery_capex_per_kw",
    "battery_om_per_kw_year",
)


def study_rates(
    currencies: set[str], header: StudyHeader | None, file: str | Path | None
) -> tuple[str, dict[str, float]]:
    """The reporting currency and, for each currency used, units of it per unit of that currency.

    Raises InputError (one line) when currencies are mixed and the scenario file names no
    reporting currency, or has no rate for one of them.
    """
    if len(currencies) == 1 and (header is None or header.currency in (None, *currencies)):
        only = next(iter(currencies))
        return only, {only: 1.0}
    used = ", ".join(sorted(currencies))
    if header is None or header.currency is None:
        raise InputError(
            f"the study mixes currencies ({used}); name a reporting currency and its exchange rates "
            'in the scenario file: [study] currency = "CNY", exchange_rates = { USD = 7.1, ... }',
            file=file,
            key="study.currency",
        )
    rates = {header.currency: 1.0, **header.exchange_rates}
    missing = sorted(currencies - set(rates))
    if missing:
        raise InputError(
            f"no exchange rate for {', '.join(missing)} (units of {header.currency} per unit)",
            file=file,
            key="study.exchange_rates",
        )
    return header.currency, {code: rates[code] for code in currencies}


def scenario_in(scenario: Scenario, rate: float, currency: str) -> Scenario:
    """The scenario with every cost and price multiplied by `rate`, named in `currency`."""
    if rate == 1.0 and scenario.currency == currency:
        return scenario
    top = {k: getattr(scenario, k) * rate for k in SCENARIO_MONEY if getattr(scenario, k) is not None}
    costs = scenario.costs.model_copy(update={k: getattr(scenario.costs, k) * rate for k in COST_MONEY})
    subsidies = scenario.subsidies.model_copy(
        update={"green_power_price_per_kwh": scenario.subsidies.green_power_price_per_kwh * rate}
    )
    vouchers = [
        v.model_copy(update={"cap_per_firm": None if v.cap_per_firm is None else v.cap_per_firm * rate})
        for v in scenario.vouchers
    ]
    return scenario.model_copy(
        update={**top, "costs": costs, "subsidies": subsidies, "vouchers": vouchers, "currency": currency}
    )
