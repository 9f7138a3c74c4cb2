"""Tests of greendc.optimizer.accounting: hand-computed costs and KPIs of a three-step plan."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from greendc.optimizer.accounting import (
    Rates,
    demand_share_of_month,
    gap_words,
    make_rates,
    objective_terms,
    plan_kpis,
)
from greendc.optimizer.types import OBJECTIVE_TERMS


def _steps() -> pd.DataFrame:
    """Three half-hour steps; facility = it + cooling + 5 % losses; balance closes by hand."""
    return pd.DataFrame(
        {
            "it_kw": [100.0, 100.0, 200.0],
            "cooling_kw": [20.0, 10.0, 40.0],
            "facility_kw": [125.0, 115.0, 250.0],
            "pv_kw": [0.0, 50.0, 100.0],
            "wind_kw": [10.0, 0.0, 0.0],
            "curtailed_kw": [0.0, 0.0, 20.0],
            "battery_charge_kw": [0.0, 0.0, 0.0],
            "battery_discharge_kw": [0.0, 0.0, 0.0],
            "grid_import_kw": [115.0, 65.0, 170.0],
            "grid_export_kw": [0.0, 0.0, 0.0],
            "price_per_kwh": [0.5, 1.0, 2.0],
            "export_price_per_kwh": [0.1, 0.1, 0.1],
            "carbon_kg_per_kwh": [0.6, 0.5, 0.4],
        }
    )


def _status() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "job_id": ["a", "b"],
            "status": ["late", "on_time"],
            "finish": [None, None],
            "lateness_h": [1.5, 0.0],
            "penalty_per_h": [100.0, 5000.0],
            "reason": ["window too short", ""],
        }
    )


def test_objective_terms_by_hand() -> None:
    rates = Rates(
        step_h=0.5, demand_charge_per_kw_horizon=2.0, demand_share_of_month=1 / 30, carbon_price_per_t=100.0
    )
    terms = objective_terms(_steps(), _status(), rates)
    # energy: 0.5 h x (115*0.5 + 65*1 + 170*2) = 0.5 x 462.5 = 231.25
    assert terms["energy_cost"] == pytest.approx(231.25)
    # demand: 2 x peak 170 = 340
    assert terms["demand_charge"] == pytest.approx(340.0)
    assert terms["export_revenue"] == pytest.approx(0.0)
    # carbon: 0.5 x (115*0.6 + 65*0.5 + 170*0.4) = 0.5 x 169.5 = 84.75 kg -> 0.08475 t x 100 = 8.475
    assert terms["carbon_cost"] == pytest.approx(8.475)
    assert terms["lateness_penalty"] == pytest.approx(150.0)
    assert terms["total"] == pytest.approx(231.25 + 340 + 8.475 + 150)
    assert set(OBJECTIVE_TERMS) | {"total"} == set(terms)


def test_export_revenue_is_subtracted() -> None:
    steps = _steps().assign(grid_export_kw=[0.0, 0.0, 10.0])
    rates = Rates(
        step_h=0.5, demand_charge_per_kw_horizon=0.0, demand_share_of_month=0.0, carbon_price_per_t=0.0
    )
    terms = objective_terms(steps, _status().iloc[:0], rates)
    assert terms["export_revenue"] == pytest.approx(0.5)  # 10 kW x 0.5 h x 0.1
    assert terms["lateness_penalty"] == 0.0
    assert terms["total"] == pytest.approx(231.25 - 0.5)


def test_plan_kpis_by_hand() -> None:
    kpis = plan_kpis(_steps(), 0.5)
    assert kpis["facility_kwh"] == pytest.approx(245.0)  # 0.5 x 490
    assert kpis["it_kwh"] == pytest.approx(200.0)
    assert kpis["cooling_kwh"] == pytest.approx(35.0)
    assert kpis["pue"] == pytest.approx(245.0 / 200.0)
    assert kpis["carbon_kg"] == pytest.approx(84.75)
    assert kpis["curtailed_kwh"] == pytest.approx(10.0)
    # renewables used on site: 0.5 x (10 + 50 + 100 - 20) = 70 kWh of 245
    assert kpis["renewable_share"] == pytest.approx(70.0 / 245.0)
    assert kpis["peak_import_kw"] == 170.0


def test_pue_undefined_without_it_load() -> None:
    steps = _steps().assign(it_kw=0.0)
    assert math.isnan(plan_kpis(steps, 0.5)["pue"])


def test_demand_share_of_month() -> None:
    assert demand_share_of_month(pd.Timestamp("2026-06-15"), 24.0) == pytest.approx(1 / 30)
    assert demand_share_of_month(pd.Timestamp("2026-02-01"), 48.0) == pytest.approx(2 / 28)
    rates = make_rates(15, 30.0, 1 / 30, 50.0)
    assert rates.step_h == 0.25
    assert rates.demand_charge_per_kw_horizon == pytest.approx(1.0)


def test_a_gap_is_stated_in_money() -> None:
    """0.5 % of a 200,000 CNY objective: no plan can be more than 1,000 CNY cheaper; none without a bound."""
    assert gap_words(0.005, 200_000.0, "CNY") == "gap 0.50 %: no plan can cost more than 1,000 CNY less"
    assert gap_words(0.005, -200_000.0, "USD").endswith("1,000 USD less")  # an exporting site's objective
    assert gap_words(1e-9, 1_000.0, "EUR") == "gap 0.00 %: proven optimal to under 1 EUR"
    assert gap_words(None, 1_000.0, "CNY") == "no proven gap (no solver bound)"
