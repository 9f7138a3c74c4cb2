"""Scenario files: the example and built-in set parse; bad input is one InputError naming file and key."""

from __future__ import annotations

import pytest
from greendc.optimizer.study.scenarios import default_scenarios, load_scenarios, parse_scenarios
from greendc.weather.errors import InputError
from locations import ROOT

EXAMPLE = ROOT / "examples" / "scenarios.toml"


def test_example_file_parses() -> None:
    parsed = load_scenarios(EXAMPLE)
    assert [s.name for s in parsed.scenario] == [
        "ets-grid",
        "ets-onsite",
        "eu-price-onsite",
        "hub-green80",
        "scale-2x",
    ]
    assert parsed.scenario[1].subsidies.capex_share == 0.3
    assert parsed.scenario[1].voucher_for("Guizhou") is not None and parsed.scenario[3].min_green_share == 0.8
    assert parsed.study.sites is not None and "tianfu" in parsed.study.sites


def test_default_set_is_carbon_price_low_high_by_renewables() -> None:
    scenarios = default_scenarios()
    assert {(s.carbon_price_per_t > 200, s.renewables) for s in scenarios} == {
        (False, False),
        (False, True),
        (True, False),
        (True, True),
    }
    assert len({s.name for s in scenarios}) == 4


def error_for(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        parse_scenarios(text, file="bad.toml")
    message = str(info.value)
    assert "\n" not in message and message.startswith("bad.toml: ")
    return info.value


@pytest.mark.parametrize(
    "body, key, words",
    [
        ('name = "a"\ncarbon_prise_per_t = 5', "scenario 'a': carbon_prise_per_t", "unknown key"),
        (
            'name = "a"\n[scenario.costs]\npv_capex_per_kw = -1',
            "scenario 'a': costs.pv_capex_per_kw",
            "greater",
        ),
        ('name = "a"\ndiscount_rate = 0', "scenario 'a': discount_rate", "greater than 0"),
        ('name = "a"\ndiscount_rate = 1.5', "scenario 'a': discount_rate", "less than 1"),
        (
            'name = "a"\n[scenario.limits]\nbattery_min_kwh = 500\nbattery_max_kwh = 100',
            "scenario 'a': limits",
            "battery_min_kwh = 500 exceeds battery_max_kwh = 100",
        ),
        (
            'name = "a"\nflex_classes = [{ window_h = 4, share = 0.5 }]',
            "scenario 'a': flex_classes",
            "sum to 1",
        ),
        ("carbon_price_per_t = 5", "scenario '#1': name", "missing"),
    ],
)
def test_bad_scenario_names_file_scenario_and_key(body: str, key: str, words: str) -> None:
    error = error_for(f"[[scenario]]\n{body}\n")
    assert error.key == key
    assert words in error.message


def test_unknown_site_id_is_named() -> None:
    error = error_for('[study]\nsites = ["zhongwei", "atlantis"]\n[[scenario]]\nname = "a"\n')
    assert error.key == "study.sites" and "atlantis" in error.message


def test_duplicate_scenario_names_are_refused() -> None:
    error = error_for('[[scenario]]\nname = "a"\n[[scenario]]\nname = "a"\n')
    assert "twice" in error.message


def test_malformed_toml_and_missing_file() -> None:
    assert "malformed TOML" in error_for("[[scenario]\n").message
    with pytest.raises(InputError, match="not found"):
        load_scenarios("/nonexistent/scenarios.toml")
