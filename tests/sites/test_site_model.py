"""Site model and loader: validation rules, error messages that name the key, one load path."""

from __future__ import annotations

import itertools

import pytest
from greendc.sites import load_site, parse_site
from greendc.sites.loader import resolve_site_path
from greendc.sites.model import ITFleet
from greendc.sites.plant import CoolingPlant
from greendc.sites.schema import ASHRAE_ALLOWABLE_C
from greendc.sites.tariffs import Grid, parse_window
from greendc.weather.errors import InputError
from hypothesis import given, settings
from hypothesis import strategies as st
from locations import DATA
from pydantic import ValidationError

DATA = DATA / "sites"
GOOD = (DATA / "good.toml").read_text()


def test_good_file_loads_by_path_and_text_alike() -> None:
    by_path = load_site(DATA / "good.toml")
    by_text = parse_site(GOOD)
    assert by_path == by_text
    assert by_path.id == "testsite" and by_path.pv is not None and by_path.wind is None
    assert by_path.it.max_it_kw == pytest.approx(10 * 7.8 + 20.0)


def test_builtin_id_and_its_path_give_the_same_site() -> None:
    assert load_site("zhongwei") == load_site(resolve_site_path("zhongwei"))


def test_unknown_site_lists_the_builtin_ids() -> None:
    with pytest.raises(InputError, match="zhongwei"):
        load_site("atlantis")


@pytest.mark.parametrize("ashrae_class", sorted(ASHRAE_ALLOWABLE_C))
def test_setpoints_inside_each_ashrae_class_and_not_outside(ashrae_class: str) -> None:
    low, high = ASHRAE_ALLOWABLE_C[ashrae_class]
    CoolingPlant(ashrae_class=ashrae_class, setpoint_levels_c=[low, high])
    for bad in (low - 0.5, high + 0.5):
        with pytest.raises(ValidationError, match="allowable range"):
            CoolingPlant(ashrae_class=ashrae_class, setpoint_levels_c=sorted([bad, (low + high) / 2]))


def test_levels_ascending_and_baseline_one_of_them() -> None:
    with pytest.raises(ValidationError, match="ascending"):
        CoolingPlant(setpoint_levels_c=[24.0, 18.0])
    with pytest.raises(ValidationError, match="one of setpoint_levels_c"):
        CoolingPlant(setpoint_levels_c=[18.0, 24.0], baseline_setpoint_c=21.0)
    assert CoolingPlant(setpoint_levels_c=[18.0, 24.0]).baseline_c == 18.0


def test_idle_power_may_not_exceed_busy_power() -> None:
    with pytest.raises(ValidationError, match="node_busy_kw"):
        ITFleet(nodes=1, node_busy_kw=5.0, node_idle_kw=6.0, firm_load_kw=0.0)


@pytest.mark.parametrize(("window", "ok"), [("00:00-24:00", True), ("07:15-07:30", True),
                                            ("07:10-08:00", False), ("08:00-07:00", False),
                                            ("8-9", False), ("00:00-24:15", False)])
def test_tariff_windows(window: str, ok: bool) -> None:
    if ok:
        start, end = parse_window(window)
        assert 0 <= start < end <= 1440
    else:
        with pytest.raises(ValueError):
            parse_window(window)


def _q(q: int) -> str:
    return f"{q // 4:02d}:{q % 4 * 15:02d}"


@settings(max_examples=50, deadline=None)
@given(cuts=st.lists(st.integers(1, 95), max_size=8, unique=True), drop=st.integers(0, 8),
       data=st.data())
def test_tariff_must_cover_every_quarter_exactly_once(cuts: list[int], drop: int,
                                                      data: st.DataObject) -> None:
    edges = [0, *sorted(cuts), 96]
    windows = [f"{_q(a)}-{_q(b)}" for a, b in itertools.pairwise(edges)]
    periods = [{"name": f"p{i}", "price_per_kwh": 0.5, "windows": [w]} for i, w in enumerate(windows)]
    base = {"import_limit_kw": 1.0, "emission_factor_kg_per_kwh": 0.5}
    Grid.model_validate({**base, "tariff": periods})  # a partition is valid
    if len(periods) > 1:
        gap = periods[: drop % len(periods)] + periods[drop % len(periods) + 1:]
        with pytest.raises(ValidationError, match="is not priced"):
            Grid.model_validate({**base, "tariff": gap})
    extra = data.draw(st.integers(0, 95))
    overlap = [*periods, {"name": "x", "price_per_kwh": 1.0, "windows": [f"{_q(extra)}-{_q(extra + 1)}"]}]
    with pytest.raises(ValidationError, match="more than one period"):
        Grid.model_validate({**base, "tariff": overlap})


def test_month_specific_periods_must_also_cover_each_month() -> None:
    base = {"import_limit_kw": 1.0, "emission_factor_kg_per_kwh": 0.5}
    summer_only = [{"name": "all", "price_per_kwh": 0.5, "windows": ["00:00-24:00"], "months": [6, 7, 8]}]
    with pytest.raises(ValidationError, match="month 1 is not priced"):
        Grid.model_validate({**base, "tariff": summer_only})


@pytest.mark.parametrize(("old", "new", "key", "fragment"), [
    ('name = "Test site"', 'name = "Test site"\nfloor_area_m2 = 5', "site.floor_area_m2", "unknown key"),
    ("nodes = 10", "", "it.nodes", "required key is missing"),
    ("longitude = 110.0", "longitude = 190.0", "site.longitude", "allowed: -180 <= longitude <= 180 [deg]"),
    ("rh_pct = [50.0,", "rh_pct = [150.0,", "climate.rh_pct", "month 1"),
    ("temp_min_c = [-11.0,", "temp_min_c = [-1.0,", "climate.temp_min_c", "month 1"),
    ("rh_pct = [50.0,", "ghi_kwh_m2 = [80, 90, 400, 1, 1, 1, 1, 1, 1, 1, 1, 1]\nrh_pct = [50.0,",
     "climate.ghi_kwh_m2", "month 3"),
    ('fact = "climate.temp_mean_c"', 'fact = "climate.temperature"', "provenance", "names no field"),
    ('status = "illustrative"', 'status = "guessed"', "provenance.0.status", "measured"),
    ("node_idle_kw = 1.5", "node_idle_kw = 9.0", "it.node_idle_kw", "node_busy_kw"),
])
def test_errors_name_the_key_and_what_is_allowed(old: str, new: str, key: str, fragment: str) -> None:
    assert old in GOOD
    with pytest.raises(InputError) as info:
        parse_site(GOOD.replace(old, new, 1), file="x.toml")
    assert info.value.key == key and info.value.file == "x.toml"
    assert fragment in info.value.message
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(("old", "new", "key", "allowed"), [
    ("nodes = 10", "nodes = 0", "it.nodes", "allowed: 0 < nodes <= 100,000"),
    ("price_per_kwh = 0.2", "price_per_kwh = 25.0", "grid.tariff.0.price_per_kwh",
     "allowed: -5 <= price_per_kwh <= 20 [currency/kWh]"),
    ("[grid]", "[grid]\nemission_dip_frac = 1.0", "grid.emission_dip_frac",
     "allowed: 0 <= emission_dip_frac < 1"),
    ("kwp = 100.0", "kwp = -1.0", "pv.kwp", "allowed: 0 <= kwp <= 5,000,000 [kWp]"),
])
def test_a_number_out_of_bounds_names_the_whole_allowed_range(old: str, new: str, key: str,
                                                              allowed: str) -> None:
    assert old in GOOD
    with pytest.raises(InputError) as info:
        parse_site(GOOD.replace(old, new, 1), file="x.toml")
    assert info.value.key == key and info.value.message.endswith(allowed)


def test_text_that_is_not_utf8_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not UTF-8") as info:
        parse_site(GOOD.replace("Test site", "Test s\u00eete").encode("latin-1"), file="x.toml")
    assert info.value.file == "x.toml"


def test_unknown_key_message_lists_the_allowed_keys() -> None:
    with pytest.raises(InputError) as info:
        parse_site(GOOD.replace("kwp = 100.0", "kwp = 100.0\nkw_peak = 3.0"), file="x.toml")
    assert info.value.key == "pv.kw_peak"
    assert "kwp, tilt_deg, azimuth_deg" in info.value.message


def test_malformed_toml_names_the_line_and_its_key() -> None:
    with pytest.raises(InputError) as info:
        parse_site(GOOD.replace("nodes = 10", "nodes = = 10"), file="x.toml")
    assert info.value.key == "it.nodes" and "line 11" in info.value.message


def test_error_helper_lists_keys_only_for_the_model_it_knows() -> None:
    from greendc.sites.loader import validation_to_input_error
    from pydantic import BaseModel, ConfigDict

    class Other(BaseModel):
        model_config = ConfigDict(extra="forbid")
        depth_m: float

    with pytest.raises(ValidationError) as info:
        Other.model_validate({"depth_m": 1.0, "width_m": 2.0})
    error = validation_to_input_error(info.value, "o.toml")
    assert error.key == "width_m" and "Site" not in error.message and "id, name" not in error.message
    assert "depth_m" in validation_to_input_error(info.value, "o.toml", root=Other).message
