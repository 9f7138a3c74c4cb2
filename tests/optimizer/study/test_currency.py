"""Currencies of a study: one currency passes, a mix is refused without rates and converted with them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from greendc.optimizer.study.cases import SiteInputs, case_problem, site_inputs
from greendc.optimizer.study.currency import scenario_in
from greendc.optimizer.study.scenarios import Scenario, Voucher
from greendc.sites.loader import CATALOGUE_DIR
from greendc.weather.errors import InputError

from greendc.cli import main
from greendc.workflows.compare import resolve_study


def usd_site(tmp_path: Path) -> Path:
    """Zhongwei's file priced in USD under another id."""
    text = (CATALOGUE_DIR / "zhongwei.toml").read_text()
    text = text.replace('id = "zhongwei"', 'id = "usd-site"').replace('currency = "CNY"', 'currency = "USD"')
    path = tmp_path / "usd.toml"
    path.write_text(text)
    return path


def scenario_file(tmp_path: Path, study: str) -> Path:
    path = tmp_path / "s.toml"
    path.write_text(f'[study]\n{study}\n[[scenario]]\nname = "x"\ncarbon_price_per_t = 100\n')
    return path


def test_a_mixed_study_without_rates_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="mixes currencies \\(CNY, USD\\)"):
        resolve_study("zhongwei", [usd_site(tmp_path)], None, None)
    rates_without_usd = scenario_file(tmp_path, 'currency = "CNY"\nexchange_rates = { EUR = 7.7 }')
    with pytest.raises(InputError, match="no exchange rate for USD"):
        resolve_study("zhongwei", [usd_site(tmp_path)], rates_without_usd, None)


def test_cli_refuses_a_mixed_study_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code = main(
        [
            "compare",
            "--sites",
            "zhongwei",
            "--site-file",
            str(usd_site(tmp_path)),
            "--out",
            str(tmp_path / "study"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "study.currency" in err
    assert not (tmp_path / "study").exists()


def test_a_mixed_study_with_rates_converts_to_the_reporting_currency(tmp_path: Path) -> None:
    file = scenario_file(tmp_path, 'currency = "USD"\nexchange_rates = { CNY = 0.14 }')
    spec = resolve_study("zhongwei", [usd_site(tmp_path)], file, None)
    assert spec.currency == "USD" and spec.rates == {"USD": 1.0, "CNY": 0.14}
    (scenario,) = spec.scenarios  # the scenario's CNY figures in USD
    assert scenario.currency == "USD" and scenario.carbon_price_per_t == pytest.approx(14.0)
    assert scenario.costs.pv_capex_per_kw == pytest.approx(3500 * 0.14)
    assert scenario.costs.pv_life_years == 25.0  # not money: unchanged


def test_scenario_conversion_scales_every_money_field() -> None:
    scenario = Scenario(
        name="v",
        gpu_hour_price=2.0,
        green_purchase_price_per_kwh=0.05,
        vouchers=[Voucher(province="Guizhou", share=0.3, cap_per_firm=1e6)],
    )
    usd = scenario_in(scenario, 0.5, "USD")
    assert usd.gpu_hour_price == 1.0 and usd.green_purchase_price_per_kwh == 0.025
    assert usd.vouchers[0].cap_per_firm == 5e5 and usd.vouchers[0].share == 0.3
    assert usd.costs.battery_capex_per_kwh == 400.0 and usd.export_price_per_kwh is None


@pytest.mark.slow
def test_site_prices_are_converted_into_the_problem() -> None:
    inputs = site_inputs("zhongwei", 2025, 0)
    scenario = Scenario(name="x", renewables=False)
    plain, _ = case_problem(inputs, scenario, True)
    converted = SiteInputs(inputs.site, inputs.profile, inputs.pv_kw_per_kw, inputs.wind_kw_per_kw, 0.14)
    usd, _ = case_problem(converted, scenario, True)
    assert np.allclose(usd.price_per_kwh, 0.14 * plain.price_per_kwh)
    assert np.allclose(usd.export_price_per_kwh, 0.14 * plain.export_price_per_kwh)
    assert usd.demand_charge_per_kw_month == pytest.approx(0.14 * plain.demand_charge_per_kw_month)
