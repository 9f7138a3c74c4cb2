"""Why this rank: the drivers add up to the gap, and a voucher lifts a site that is otherwise equal."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from greendc.optimizer.study.assembly import (
    StudyOutcome,
    StudySpec,
    assemble_results,
    kpi_table,
    ranking_table,
)
from greendc.optimizer.study.cases import with_bau
from greendc.optimizer.study.drivers import DRIVERS, gap_drivers
from greendc.optimizer.study.scenarios import Scenario, Voucher
from greendc.sites.loader import load_site


def test_drivers_add_up_to_the_score_gap() -> None:
    rng = np.random.default_rng(0)
    names = [
        "import_mwh",
        "energy_cost",
        "facility_energy_mwh",
        "export_revenue",
        "green_purchase_cost",
        "demand_cost",
        "carbon_cost",
        "capital_annuity",
        "om_cost",
        "subsidy",
        "voucher",
    ]
    site, best = (pd.DataFrame({n: rng.uniform(1, 100, 5) for n in names}) for _ in range(2))

    def score(f: pd.DataFrame) -> pd.Series:
        return (
            f["energy_cost"]
            + f["demand_cost"]
            + f["carbon_cost"]
            + f["capital_annuity"]
            + f["om_cost"]
            + f["green_purchase_cost"]
            - f["subsidy"]
            - f["export_revenue"]
            - f["voucher"]
        )

    drivers = gap_drivers(site, best)
    assert list(drivers.columns) == list(DRIVERS)
    assert drivers.sum(axis=1).to_numpy() == pytest.approx((score(site) - score(best)).to_numpy())


def test_price_alone_is_the_energy_price_driver() -> None:
    # same energy (1000 MWh imported, 1200 facility), price 0.5 against 0.4: gap 100, all of it price
    site = pd.DataFrame({"import_mwh": [1000.0], "energy_cost": [500.0], "facility_energy_mwh": [1200.0]})
    best = site.assign(energy_cost=[400.0])
    drivers = gap_drivers(site, best).iloc[0]
    assert drivers["energy_price"] == pytest.approx(100.0)
    assert drivers.drop("energy_price").abs().max() == pytest.approx(0.0)


def year_of(cost: float) -> xr.Dataset:
    """A grid-only site-scenario year, as the study's task returns it, costing `cost` a year."""
    zero = [
        "capital_annuity",
        "om_cost",
        "subsidy",
        "export_revenue",
        "green_purchase_cost",
        "demand_cost",
        "carbon_cost",
        "pv_kw",
        "wind_kw",
        "battery_kwh",
        "battery_kw",
        "renewable_mwh",
    ]
    data = {name: ((), 0.0) for name in zero}
    data.update(
        total_cost=((), cost),
        energy_cost=((), cost),
        import_mwh=((), 1000.0),
        facility_energy_mwh=((), 1000.0),
        pue=((), 1.2),
        carbon_kg_per_mwh_it=((), 500.0),
        carbon_t=((), 500.0),
        it_energy_mwh=((), 833.3),
        monthly_pue=(("month",), np.full(12, 1.2)),
    )
    data["facility_kw"] = (("time",), np.full(24, 1000.0))
    times = np.arange(24).astype("timedelta64[h]") + np.datetime64("2025-01-01T00")
    return xr.Dataset(data, coords={"month": np.arange(1, 13), "time": times})


def ranked_sites(scenario: Scenario) -> list[str]:
    """Two sites alike but for their province; 'ningxia' costs 1 a year less than 'guizhou'."""
    zhongwei = load_site("zhongwei")
    guizhou = zhongwei.model_copy(
        update={"site": zhongwei.site.model_copy(update={"id": "guizhou", "province": "Guizhou"})}
    )
    ningxia = zhongwei.model_copy(update={"site": zhongwei.site.model_copy(update={"id": "ningxia"})})
    outcome = StudyOutcome()
    for site, cost in ((ningxia, 1_000_000.0), (guizhou, 1_000_001.0)):
        outcome.results[(site.id, scenario.name)] = with_bau(year_of(cost), year_of(cost), site, scenario)
    spec = StudySpec(name="v", sites=("ningxia", "guizhou"), scenarios=(scenario,), year=2025)
    kpis = kpi_table(assemble_results(outcome, spec), outcome, spec)
    ranking = ranking_table(kpis)
    assert kpis["gap_to_best"].to_numpy() == pytest.approx(
        kpis[[f"gap_{d}" for d in DRIVERS]].sum(axis=1).to_numpy()
    )
    return ranking["site"].tolist()


def test_a_voucher_raises_the_rank_of_an_otherwise_equal_site() -> None:
    assert ranked_sites(Scenario(name="none", renewables=False, gpu_hour_price=2.0)) == ["ningxia", "guizhou"]
    voucher = Voucher(province="Guizhou", share=0.3, cap_per_firm=5e6, source="Guizhou 2024, v3.0")
    with_voucher = Scenario(name="gz", renewables=False, gpu_hour_price=2.0, vouchers=[voucher])
    assert ranked_sites(with_voucher) == ["guizhou", "ningxia"]
