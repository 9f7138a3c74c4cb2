"""`greendc sites`: list, show, validate; every bad input is one line, exit code 2, no traceback."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from greendc.cli import main

DATA = Path(__file__).parent / "data" / "sites"

BAD_INPUTS = [
    ("missing_key.toml", "site.latitude", "required key is missing"),
    ("unknown_key.toml", "site.lattitude", "unknown key; allowed here: id, name"),
    ("latitude_200.toml", "site.latitude", "less than or equal to 90"),
    ("setpoint_outside_ashrae.toml", "cooling.setpoint_levels_c", "ASHRAE A1 allowable range 15-32"),
    ("tariff_overlap.toml", "grid.tariff", "priced by more than one period"),
    ("tariff_gap.toml", "grid.tariff", "07:00 in month 1 is not priced"),
    ("negative_capacity.toml", "pv.kwp", "greater than or equal to 0"),
    ("unknown_timezone.toml", "site.timezone", "use an IANA name"),
    ("malformed.toml", "it.nodes", "malformed TOML"),
]


def test_list_shows_the_thirteen_sites_with_pue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites", "list"]) == 0
    out = capsys.readouterr().out
    for site_id in ("zhangjiakou", "qingpu", "wuhu", "shaoguan", "tianfu", "chongqing", "horinger", "guian",
                    "qingyang", "zhongwei", "beijing", "shanghai", "shenzhen"):
        assert f" {site_id} " in out
    assert "PUE est." in out and "0.6423" in out


def test_show_by_id_and_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sites", "show", "zhongwei"]) == 0
    out = capsys.readouterr().out
    assert "Zhongwei data-centre cluster" in out and "peak:valley 3.00" in out and "China Daily" in out
    assert main(["sites", "show", str(DATA / "good.toml")]) == 0
    assert "Test site" in capsys.readouterr().out


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


@pytest.mark.slow
def test_bad_input_in_a_real_process_exits_2_without_traceback() -> None:
    command = [sys.executable, "-m", "greendc", "sites", "validate", str(DATA / "latitude_200.toml")]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "site.latitude" in result.stderr
    assert "Traceback" not in result.stderr
