"""Fuzzing every input a user hands greendc (issue 13): site files, job queues (CSV and JSON), weather
(EPW), fleet files and command-line values, mutated by hypothesis: wrong types, NaN and infinity, huge
and negative numbers, deep nesting, other encodings (latin-1, UTF-16, a BOM), truncation, swapped
columns, extra fields.

Whatever the input, a command must end in one of two ways: exit code 2 with at most two lines on
stderr (the last one ``error: ...``), or a plan (exit 0, or 1 for a flagged fallback plan) whose folder
reads back as a valid plan folder; never a traceback, and no file outside the output folder changed.
Runs go through ``greendc.cli.main`` in this process (a few through the installed script).

Size: the default fits CI; ``GREENDC_FUZZ_EXAMPLES=N`` runs N examples per test (a long run, once).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from greendc.optimizer.io.planfolder import read_plan_folder
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from locations import DATA

from greendc.cli import main

SITE_TOML = (DATA / "sites" / "good.toml").read_text(encoding="utf-8")
JOBS_CSV = (DATA / "jobs" / "good.csv").read_text(encoding="utf-8")
JOBS_JSON = (DATA / "jobs" / "good.json").read_text(encoding="utf-8")
NIGHT = "2026-12-01"
#: A cheap plan: a small site, six hourly steps, a short solver limit (about a second a plan).
CHEAP = ["--date", NIGHT, "--horizon-h", "6", "--step-min", "60", "--time-limit", "5"]
#: Examples per test when GREENDC_FUZZ_EXAMPLES is set (0: each test's CI default).
EXAMPLES = int(os.environ.get("GREENDC_FUZZ_EXAMPLES", "0"))
GREENDC = Path(sys.executable).with_name("greendc")


def fuzz_settings(default: int) -> settings:
    """Hypothesis settings: ``default`` examples in CI, GREENDC_FUZZ_EXAMPLES when set; no deadline."""
    return settings(max_examples=EXAMPLES or default, deadline=None, derandomize=not EXAMPLES,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.data_too_large])


# --------------------------------------------------------------------------------------------------
# Values and mutations

#: Numbers as text: the kinds that broke readers before (NaN, infinity, huge, negative, not a number).
NUMBER_TEXT = st.one_of(
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e308", "1e999", "-1", "0", "-0.0", "9" * 400,
                     "1_000", "0x10", "1,5", "", " ", "true", "null", "2026-12-01"]),
    st.integers().map(str),
    st.floats().map(repr),
)
#: Any short text, control characters and non-ASCII included.
TEXT = st.text(max_size=12)
#: TOML values as literal text: numbers, strings, booleans, arrays, inline tables, deep nesting, dates.
TOML_VALUE = st.one_of(
    NUMBER_TEXT.filter(lambda t: t.strip() != ""),
    TEXT.map(json.dumps),
    st.sampled_from(["true", "false", "[]", "{}", "{ a = 1 }", "[1, 'a']", "1979-05-27T07:32:00Z",
                     "[" * 300 + "]" * 300, "'''\nx\n'''", '"\\u0000"', str(2**64)]),
    st.lists(st.floats(), max_size=14).map(lambda xs: "[" + ", ".join(
        {"nan": "nan", "inf": "inf", "-inf": "-inf"}.get(repr(x), repr(x)) for x in xs) + "]"),
)
#: JSON values of any shape, NaN and infinity included.
JSON_VALUE = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXT | st.just(10**400),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=8,
)


def encoded(data: st.DataObject, text: str) -> bytes:
    """The text as bytes, usually UTF-8, sometimes another encoding, a BOM, truncated or a byte flipped."""
    ways = ["utf-8"] * 4 + ["utf-8-sig", "utf-16", "latin-1", "truncate", "flip"]
    how = data.draw(st.sampled_from(ways), label="encoding")
    if how == "latin-1":
        at = data.draw(st.integers(0, len(text)), label="at")
        return (text[:at] + "é" + text[at:]).encode("latin-1", errors="replace")
    raw = text.encode("utf-8")
    if how == "truncate":
        return raw[: data.draw(st.integers(0, max(len(raw) - 1, 0)), label="cut")]
    if how == "flip" and raw:
        at = data.draw(st.integers(0, len(raw) - 1), label="at")
        return raw[:at] + bytes([data.draw(st.integers(0, 255), label="byte")]) + raw[at + 1:]
    return text.encode(how) if how in {"utf-8-sig", "utf-16"} else raw


def mutate_toml(data: st.DataObject, text: str) -> str:
    """A TOML text with one line changed: a value replaced, a line dropped or doubled, a key added."""
    lines = text.splitlines()
    keyed = [n for n, line in enumerate(lines) if re.match(r"^\s*[A-Za-z_]+\s*=", line)]
    op = data.draw(st.sampled_from(["value"] * 3 + ["drop", "double", "extra", "table"]), label="op")
    n = data.draw(st.sampled_from(keyed), label="line")
    if op == "value":
        key = lines[n].split("=", 1)[0]
        lines[n] = f"{key}= {data.draw(TOML_VALUE, label='value')}"
    elif op == "drop":
        del lines[n]
    elif op == "double":
        lines.insert(n, lines[n])
    elif op == "extra":
        lines.insert(n, f"unknown_{data.draw(st.integers(0, 9))} = {data.draw(TOML_VALUE, label='value')}")
    else:
        tables = ["[site]", "[[site]]", "[extra]", "[grid]", "[[grid.tariff]]"]
        lines.insert(n, data.draw(st.sampled_from(tables), label="table"))
    return "\n".join(lines) + "\n"


def mutate_rows(data: st.DataObject, rows: list[list[str]], cell: st.SearchStrategy[str]) -> list[list[str]]:
    """A table (header first) with one change: a cell, swapped or dropped columns, extra fields, rows."""
    rows = [list(r) for r in rows]
    op = data.draw(st.sampled_from(["cell", "cell", "cell", "swap_header", "swap_columns", "extra_field",
                                    "extra_column", "drop_column", "drop_rows", "double_row"]), label="op")
    width = len(rows[0])
    a = data.draw(st.integers(0, width - 1), label="column")
    b = data.draw(st.integers(0, width - 1), label="other column")
    r = data.draw(st.integers(1, max(len(rows) - 1, 1)), label="row") if len(rows) > 1 else 0
    if op == "cell" and len(rows) > 1:
        rows[r][a] = data.draw(cell, label="cell")
    elif op == "swap_header":
        rows[0][a], rows[0][b] = rows[0][b], rows[0][a]
    elif op == "swap_columns":
        for row in rows:
            row[a], row[b] = row[b], row[a]
    elif op == "extra_field":
        rows[r].append(data.draw(cell, label="cell"))
    elif op == "extra_column":
        rows = [[*row, data.draw(cell, label="cell") if i else "extra"] for i, row in enumerate(rows)]
    elif op == "drop_column":
        rows = [row[:a] + row[a + 1:] for row in rows]
    elif op == "drop_rows":
        rows = rows[: data.draw(st.integers(0, len(rows) - 1), label="keep")]
    elif op == "double_row" and len(rows) > 1:
        rows.insert(r, list(rows[r]))
    return rows


def mutate_json(data: st.DataObject, value: object) -> object:
    """A JSON document with one node replaced by any value, dropped, given an extra key, or nested deep."""
    op = data.draw(st.sampled_from(["replace", "replace", "drop", "extra", "deep", "top"]), label="op")
    if op == "top":
        return data.draw(JSON_VALUE, label="document")
    if op == "deep":
        return DEEP if data.draw(st.booleans(), label="very deep") else [[[[value]]]]
    parent, key = _json_node(data, value)
    if op == "replace":
        parent[key] = data.draw(JSON_VALUE, label="value")  # type: ignore[index]
    elif op == "drop":
        del parent[key]  # type: ignore[arg-type]
    elif isinstance(parent, dict):
        parent[data.draw(TEXT, label="key")] = data.draw(JSON_VALUE, label="value")
    return value


def _json_node(data: st.DataObject, value: object) -> tuple[object, object]:
    """A (container, key) pair inside a JSON document, walked down at random from the top."""
    parent: object = value
    key: object = next(iter(value)) if isinstance(value, dict) else 0  # type: ignore[arg-type]
    while isinstance(parent, dict | list) and parent:
        keys = list(parent) if isinstance(parent, dict) else list(range(len(parent)))
        key = data.draw(st.sampled_from(keys), label="key")
        child = parent[key]  # type: ignore[index]
        if not isinstance(child, dict | list) or not child or data.draw(st.booleans(), label="stop"):
            break
        parent = child
    return parent, key


class Deep:
    """Marks a document nested 5,000 levels deep, written as text (json.dumps would recurse too far)."""


DEEP = Deep()


def json_text(document: object, indent: int | None) -> str:
    """A JSON document as text, NaN and infinity as Python writes them; DEEP as 5,000 nested arrays."""
    if document is DEEP:
        return '{"jobs": ' + "[" * 5000 + "]" * 5000 + "}"
    return json.dumps(document, allow_nan=True, default=str, indent=indent)


def csv_text(rows: list[list[str]]) -> str:
    """Rows joined as CSV (cells are written as drawn: quotes and commas inside are part of the fuzz)."""
    return "".join(",".join(row) + "\n" for row in rows)


# --------------------------------------------------------------------------------------------------
# Running a command and checking what it did


@dataclass(frozen=True)
class Ran:
    """What a command left: exit code, stdout, stderr."""

    code: int
    out: str
    err: str


def run_main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> Ran:
    """``greendc.cli.main`` in this process; an escaping exception is a failure with its traceback."""
    capsys.readouterr()
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    except Exception:  # a bug: kept as the traceback the installed script would print
        captured = capsys.readouterr()
        return Ran(1, captured.out, captured.err + traceback.format_exc())
    captured = capsys.readouterr()
    return Ran(code, captured.out, captured.err)


def run_script(argv: list[str], cwd: Path) -> Ran:
    """The installed ``greendc`` script in a child process."""
    done = subprocess.run([str(GREENDC), *argv], cwd=cwd, capture_output=True, text=True, timeout=300,
                          check=False)
    return Ran(done.returncode, done.stdout, done.stderr)


def tree(folder: Path, skip: Path | None = None) -> dict[str, bytes | None]:
    """Every path under a folder with its bytes (None for folders), the output folder left out."""
    return {p.relative_to(folder).as_posix(): (p.read_bytes() if p.is_file() else None)
            for p in sorted(folder.rglob("*")) if skip is None or not p.is_relative_to(skip)}


@contextlib.contextmanager
def workspace() -> Iterator[Path]:
    """A fresh folder per example, also the working folder (so a default output would show up in it)."""
    with tempfile.TemporaryDirectory(prefix="greendc-fuzz-") as name, contextlib.chdir(name):
        yield Path(name)


def assert_clean_outcome(ran: Ran, out: Path | None) -> None:
    """Exit 2 with one short error, or a plan whose folder reads back; never a traceback."""
    assert "Traceback" not in ran.err and "Traceback" not in ran.out, ran.err
    lines = ran.err.strip().splitlines()
    assert len(lines) <= 2, ran.err
    assert ran.code in (0, 1, 2), ran
    if ran.code == 2:
        assert lines and lines[-1].startswith("error: "), ran.err
    elif out is not None:
        assert json.loads((out / "plan.json").read_text(encoding="utf-8"))["site"]
        read_plan_folder(out)  # the plan folder contract, its objective recomputed from steps.csv


def plan_with(capsys: pytest.CaptureFixture[str], files: dict[str, bytes], options: list[str]) -> None:
    """Plan with ``files`` in a fresh workspace; check the outcome and that nothing else changed."""
    with workspace() as root:
        for name, raw in files.items():
            (root / name).write_bytes(raw)
        out = root / "out"
        before = tree(root)
        ran = run_main(["plan", *[str(root / o) if o in files else o for o in options], "--out", str(out)],
                       capsys)
        assert_clean_outcome(ran, out)
        assert tree(root, skip=out) == before  # no input touched, no stray file, no greendc-data/


# --------------------------------------------------------------------------------------------------
# The inputs


def epw_text(hours: int = 72) -> str:
    """An EPW for the test site (40 N, 110 E, UTC+8) from its synthetic year, 2026-11-30 local on."""
    import pandas as pd
    from greendc.sites import load_site
    from greendc.weather.synthetic import synthetic_year

    site = load_site(DATA / "sites" / "good.toml")
    year = synthetic_year(site.climate, 40.0, 110.0, 1000.0, "Asia/Shanghai", year=2026)
    frame = year.to_dataframe()
    local = pd.DatetimeIndex(frame.index) + pd.Timedelta(hours=8)
    chosen = frame[(local >= pd.Timestamp("2026-11-30")) & (local < pd.Timestamp("2026-12-03"))].iloc[:hours]
    header = ["LOCATION,TESTSITE,NM,CHN,greendc-fuzz,000000,40.00,110.00,8.0,1000.0", "DESIGN CONDITIONS,0",
              "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0", "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
              "COMMENTS 1,greendc fuzz", "COMMENTS 2,", "DATA PERIODS,1,1,Data,Monday,11/30,12/ 2"]
    rows = []
    starts = pd.DatetimeIndex(chosen.index) + pd.Timedelta(hours=8)  # local standard time, hour 1-24
    for when, r in zip(starts, chosen.itertuples(), strict=True):
        rows.append(",".join(map(str, [
            when.year, when.month, when.day, when.hour + 1, 60, "?", f"{r.temp_air:.1f}",
            f"{r.temp_dew:.1f}", f"{r.relative_humidity:.0f}", f"{r.pressure:.0f}", 9999, 9999, 9999,
            f"{r.ghi:.0f}", f"{r.dni:.0f}", f"{r.dhi:.0f}", 999999, 999999, 999999, 9999, 180,
            f"{r.wind_speed:.1f}", 5, 5, 9999, 99999, 9, 999999999, 999, 0.999, 999, 99, 999, 999, 99])))
    return "\n".join(header + rows) + "\n"


@functools.cache
def valid_epw() -> str:
    """The valid EPW text every weather example mutates (made once)."""
    return epw_text()


FLEET_TOML = """[fleet]
name = "fuzz"
output_root = "data"
workers = 1
keep_days = 14

[defaults]
jobs = "jobs.csv"
time_limit_s = 5
horizon_h = 6
step_minutes = 60
weather_fallback = "synthetic"

[[site]]
file = "site.toml"
weather = "weather.epw"
seed = 1

[[site]]
id = "wuhu"
jobs = "sample"
rel_gap = 0.01
"""


# --------------------------------------------------------------------------------------------------
# The tests: the valid inputs plan, then their mutations


def _epw_with(field: int, value: str, line: int = 8) -> bytes:
    """The valid EPW with one comma field of one line (0-based) replaced."""
    lines = valid_epw().splitlines()
    cells = lines[line].split(",")
    cells[field] = value
    lines[line] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(("files", "options", "says"), [
    # what the fuzzer found, one example each (each a traceback or a multi-line error before its fix)
    ({"w.epw": _epw_with(8, "inf", line=0)}, ["--weather", "w.epw"], "cannot parse as EPW"),
    ({"w.epw": _epw_with(8, "24000000000.0", line=0)}, ["--weather", "w.epw"], "EPW"),
    ({"w.epw": _epw_with(0, "1,5")}, ["--weather", "w.epw"], "EPW"),
    ({}, ["--time-limit", "1e308"], "--time-limit"),
    ({}, ["--carbon-price", "1e308"], "--carbon-price"),
    ({}, ["--step-min", "9" * 400], "--step-min"),
    ({}, ["--pareto", "100000000000000000000000000000"], "--pareto"),
], ids=["epw-tz-inf", "epw-tz-huge", "epw-year-split", "time-limit", "carbon-price", "step-400-digits",
        "pareto-huge"])
def test_what_the_fuzzer_found_is_one_line(capsys: pytest.CaptureFixture[str], files: dict[str, bytes],
                                           options: list[str], says: str) -> None:
    with workspace() as root:
        for name, raw in files.items():
            (root / name).write_bytes(raw)
        argv = ["plan", "--site", str(DATA / "sites" / "good.toml"), *CHEAP,
                *[str(root / o) if o in files else o for o in options], "--out", str(root / "out")]
        ran = run_main(argv, capsys)
    assert ran.code == 2 and "Traceback" not in ran.err, ran.err
    assert len(ran.err.strip().splitlines()) == 1 and says in ran.err, ran.err


def test_the_unmutated_inputs_plan(capsys: pytest.CaptureFixture[str]) -> None:
    """The base of every mutation is valid: each input alone gives a plan (else the fuzz tests nothing)."""
    for files, options in (
        ({"site.toml": SITE_TOML.encode()}, ["--site", "site.toml", *CHEAP]),
        ({"jobs.csv": JOBS_CSV.encode()}, ["--site", str(DATA / "sites" / "good.toml"), "--jobs", "jobs.csv",
                                           *CHEAP]),
        ({"jobs.json": JOBS_JSON.encode()}, ["--site", str(DATA / "sites" / "good.toml"), "--jobs",
                                             "jobs.json", *CHEAP]),
        ({"weather.epw": valid_epw().encode()}, ["--site", str(DATA / "sites" / "good.toml"), "--weather",
                                         "weather.epw", *CHEAP]),
    ):
        with workspace() as root:
            for name, raw in files.items():
                (root / name).write_bytes(raw)
            ran = run_main(["plan", *options, "--out", str(root / "out")], capsys)
            assert ran.code == 0, ran.err
            read_plan_folder(root / "out")


@fuzz_settings(12)
@given(data=st.data())
def test_site_files(capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    text = mutate_toml(data, SITE_TOML)
    plan_with(capsys, {"site.toml": encoded(data, text)}, ["--site", "site.toml", *CHEAP])


CSV_CELL = st.one_of(NUMBER_TEXT, TEXT.filter(lambda t: "\n" not in t and "\r" not in t),
                     st.sampled_from(["2026-12-01", "01/12/2026", "2026-12-01T25:00:00+08:00", "yes", "no",
                                      "#comment", '"a,b"', '"', "2026-12-01T00:00:00+99:00"]))


@fuzz_settings(12)
@given(data=st.data())
def test_job_queues_csv(capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    rows = [line.split(",") for line in JOBS_CSV.splitlines()]
    text = csv_text(mutate_rows(data, rows, CSV_CELL))
    plan_with(capsys, {"jobs.csv": encoded(data, text)},
              ["--site", str(DATA / "sites" / "good.toml"), "--jobs", "jobs.csv", *CHEAP])


@fuzz_settings(12)
@given(data=st.data())
def test_job_queues_json(capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    document = mutate_json(data, json.loads(JOBS_JSON))
    text = json_text(document, data.draw(st.sampled_from([None, 1]), label="indent"))
    plan_with(capsys, {"jobs.json": encoded(data, text)},
              ["--site", str(DATA / "sites" / "good.toml"), "--jobs", "jobs.json", *CHEAP])


@fuzz_settings(10)
@given(data=st.data())
def test_weather_files(capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    lines = valid_epw().splitlines()
    if data.draw(st.booleans(), label="header"):
        fields = lines[0].split(",")
        at = data.draw(st.sampled_from([6, 7, 8, 9]), label="location field")  # lat, lon, tz, altitude
        fields[at] = data.draw(NUMBER_TEXT, label="value")
        text = "\n".join([",".join(fields), *lines[1:]]) + "\n"
    else:
        rows = [line.split(",") for line in lines[8:]]
        mutated = mutate_rows(data, [[str(n) for n in range(len(rows[0]))], *rows], NUMBER_TEXT)
        text = "\n".join([*lines[:8], *(",".join(r) for r in mutated[1:])]) + "\n"
    plan_with(capsys, {"weather.epw": encoded(data, text)},
              ["--site", str(DATA / "sites" / "good.toml"), "--weather", "weather.epw", *CHEAP])


#: Command-line options and the cheap value each keeps when another one is fuzzed.
OPTIONS = ("--date", "--horizon-h", "--step-min", "--time-limit", "--gap", "--carbon-price", "--checkpoint-h",
           "--late-window-h", "--pareto")
#: Values for --pareto: a large count is not an error but N solves (see the report), so it stays small here.
PARETO = st.sampled_from(["-1", "0", "1", "2", "x", "nan", "1e3", "2.5", "", "9" * 30])


@fuzz_settings(16)
@given(data=st.data())
def test_command_line_values(capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    option = data.draw(st.sampled_from(OPTIONS), label="option")
    value = data.draw(PARETO if option == "--pareto" else st.one_of(NUMBER_TEXT, TEXT), label="value")
    options = ["--site", str(DATA / "sites" / "good.toml"), *CHEAP]
    if option in options:
        options[options.index(option) + 1] = value
    else:
        options += [option, value]
    plan_with(capsys, {}, options)


def _fleet_files(data: st.DataObject) -> dict[str, bytes]:
    """A fleet file (one site file with a queue and a forecast, one built-in site), one input mutated."""
    files = {"site.toml": SITE_TOML.encode(), "jobs.csv": JOBS_CSV.encode(),
             "weather.epw": valid_epw().encode()}
    files["fleet.toml"] = encoded(data, mutate_toml(data, FLEET_TOML))
    return files


@fuzz_settings(12)
@given(data=st.data())
def test_fleet_files_dry_run(capsys: pytest.CaptureFixture[str], data: st.DataObject) -> None:
    """A mutated fleet file through ``nightly --dry-run``: 0, 1 or 2, one line or a table, nothing written."""
    with workspace() as root:
        for name, raw in _fleet_files(data).items():
            (root / name).write_bytes(raw)
        before = tree(root)
        ran = run_main(["nightly", "--fleet", str(root / "fleet.toml"), "--date", NIGHT, "--dry-run"], capsys)
        assert "Traceback" not in ran.err + ran.out, ran.err
        assert ran.code in (0, 1, 2), ran
        if ran.code == 2:
            errors = [line for line in ran.err.splitlines() if not line.startswith("{")]
            assert len(errors) == 1 and errors[0].startswith("error: "), ran.err
        assert tree(root) == before


# --------------------------------------------------------------------------------------------------
# A few through the installed script, and the real nightly on mutated inputs (slow)


@pytest.mark.slow
@pytest.mark.parametrize("argv", [
    ["plan", "--site", str(DATA / "sites" / "good.toml"), *CHEAP, "--horizon-h", "nan"],
    ["plan", "--site", str(DATA / "sites" / "good.toml"), *CHEAP, "--date", "0001-01-01"],
    ["plan", "--site", str(DATA / "sites" / "good.toml"), *CHEAP, "--step-min", "9" * 400],
    ["plan", "--site", str(DATA / "sites" / "good.toml"), *CHEAP, "--out", "."],
    ["nightly", "--fleet", "fleet.toml", "--date", "9999-12-31"],
])
def test_the_installed_script_fails_in_one_line(tmp_path: Path, argv: list[str]) -> None:
    (tmp_path / "fleet.toml").write_text('[[site]]\nid = "wuhu"\n')
    (tmp_path / "notes.txt").write_text("a user's folder")
    before = tree(tmp_path)
    ran = run_script(argv, tmp_path)
    assert ran.code == 2 and "Traceback" not in ran.err
    assert len(ran.err.strip().splitlines()) == 1 and ran.err.startswith("error: ")
    assert tree(tmp_path) == before


@pytest.mark.slow
@fuzz_settings(1)
@given(data=st.data())
def test_the_nightly_on_mutated_queues(data: st.DataObject) -> None:
    """The real nightly (Dask, a process per site) with a mutated queue: 0 or 1, the JSON log, a table."""
    with workspace() as root:
        files = {"site.toml": SITE_TOML.encode(), "weather.epw": valid_epw().encode(),
                 "fleet.toml": FLEET_TOML.encode()}
        rows = [line.split(",") for line in JOBS_CSV.splitlines()]
        files["jobs.csv"] = encoded(data, csv_text(mutate_rows(data, rows, CSV_CELL)))
        for name, raw in files.items():
            (root / name).write_bytes(raw)
        before = tree(root, skip=root / "data")
        ran = run_script(["nightly", "--fleet", "fleet.toml", "--date", NIGHT], root)
        assert ran.code in (0, 1), ran.err[-2000:]
        assert "Traceback" not in ran.out and all(line.startswith("{") for line in ran.err.splitlines())
        events = [json.loads(line) for line in ran.err.splitlines()]
        assert {e["site"] for e in events if e["event"] == "site_done"} == {"testsite", "wuhu"}
        assert "testsite" in ran.out and "wuhu" in ran.out
        assert tree(root, skip=root / "data") == before
        shutil.rmtree(root / "data", ignore_errors=True)
