"""`greendc sites`: list, show, validate; every bad input is one line, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from greendc.sites import load_site
from greendc.sites.cooling import pue_from_normals
from locations import DATA

from greendc.cli import main

DATA = DATA / "sites"
SITE_IDS = ("zhangjiakou", "qingpu", "wuhu", "shaoguan", "tianfu", "chongqing", "horinger", "guian",
            "qingyang", "zhongwei", "beijing", "shanghai", "shenzhen", "shanghai-legacy", "shenzhen-legacy")

BAD_INPUTS = [
    ("missing_key.toml", "site.latitude", "required key is missing"),
    ("unknown_key.toml", "site.lattitude", "unknown key; allowed here: id, name"),
    ("latitude_200.toml", "site.latitude", "allowed: -90 <= latitude <= 90 [deg]"),
    ("setpoint_outside_ashrae.toml", "cooling.setpoint_levels_c", "ASHRAE A1 allowable range 15-32"),
    ("tariff_overlap.toml", "grid.tariff", "priced by more than one period"),
    ("tariff_gap.toml", "grid.tariff", "07:00 in month 1 is not priced"),
    ("negative_capacity.toml", "pv.kwp", "allowed: 0 <= kwp <= 5,000,000 [kWp]"),
    ("unknown_timezone.toml", "site.timezone", "use an IANA name"),
    ("malformed.toml", "it.nodes", "malformed TOML"),
]


def test_list_shows_every_builtin_site_with_the_asked_columns(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites", "list"]) == 0
    out = capsys.readouterr().out
    header = " ".join(line for line in out.splitlines() if line.startswith("┃"))
    for column in ("id", "name", "province", "climate", "emission factor", "kgCO2/kWh", "PUE target",
                   "PUE est."):
        assert column in header
    rows = {cells[0]: cells for cells in ([c.strip() for c in line.strip("│").split("│")]
                                          for line in out.splitlines() if line.startswith("│ "))
            if cells[0]}
    assert sorted(rows) == sorted(SITE_IDS)
    for site_id in SITE_IDS:
        site = load_site(site_id)
        _, name, province, _, factor, target, pue = rows[site_id]
        assert site.site.name.startswith(name) and province == site.site.province
        assert float(factor) == site.grid.emission_factor_kg_per_kwh
        assert site.site.pue_target is not None and float(target) == site.site.pue_target
        assert float(pue) == pytest.approx(pue_from_normals(site)[0], abs=5e-4)


def test_show_by_id_and_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites", "show", "zhongwei"]) == 0
    out = capsys.readouterr().out
    assert "Zhongwei data-centre cluster" in out and "peak:valley 3.00" in out and "China Daily" in out
    assert main(["sites", "show", str(DATA / "good.toml")]) == 0
    assert "Test site" in capsys.readouterr().out


def test_show_says_what_the_spread_and_the_irradiation_rest_on(capsys: pytest.CaptureFixture[str]) -> None:
    # every catalogue site carries a spread; a file without one runs on the default rule, which missed
    # on held-out years (docs/weather.md), and says so
    assert main(["sites", "show", "zhongwei"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "day-to-day spread: given by [climate] temp_daily_sd_c (2.6-3.1 K by month)" in out
    assert main(["sites", "show", str(DATA / "good.toml")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "day-to-day spread: the generator's default rule" in out
    assert "give [climate] temp_daily_sd_c" in out
    assert "irradiation: the sunshine hours through Yang et al.'s sunshine model" in out


def test_show_names_a_given_irradiation(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ghi = "ghi_kwh_m2 = [100.0, 110, 120, 130, 140, 150, 150, 140, 130, 120, 110, 100]\n"
    text = (DATA / "good.toml").read_text().replace("rh_pct = [", ghi + "rh_pct = [", 1)
    (tmp_path / "ghi.toml").write_text(text)
    assert main(["sites", "show", str(tmp_path / "ghi.toml")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "irradiation: given by [climate] ghi_kwh_m2 (1,500 kWh/m2 a year)" in out


def test_validate_good_file(capsys: pytest.CaptureFixture[str]) -> None:
    path = str(DATA / "good.toml")
    assert main(["sites", "validate", path]) == 0
    assert capsys.readouterr().out.strip() == f"ok: {path} (testsite)"


@pytest.mark.parametrize(("name", "key", "fragment"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_one_line_naming_file_and_key(capsys: pytest.CaptureFixture[str], name: str, key: str,
                                                   fragment: str) -> None:
    assert main(["sites", "validate", str(DATA / name)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1, captured.err
    assert name in lines[0] and f": {key}: " in lines[0] and fragment in lines[0]
    assert "Traceback" not in captured.err + captured.out


def test_a_file_that_is_not_utf8_is_one_line_too(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "latin1.toml"
    latin1_name = "Testst\u00e4tte".encode("latin-1")
    path.write_bytes((DATA / "good.toml").read_bytes().replace(b"Test site", latin1_name))
    assert main(["sites", "validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(path) in err and "must be UTF-8" in err


@pytest.mark.slow
@pytest.mark.parametrize(("name", "key", "fragment"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_in_a_real_process_exits_2_without_traceback(name: str, key: str, fragment: str) -> None:
    command = [sys.executable, "-m", "greendc", "sites", "validate", str(DATA / name)]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and f": {key}: " in result.stderr and fragment in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
