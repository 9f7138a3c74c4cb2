"""The plan folder: contents, every objective term recomputed from its files alone, atomic replacement."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from baseline_cases import DAY, job, tiny_profile, tiny_site
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.day.plan import make_plan
from greendc.optimizer.io.planfolder import (
    INPUTS_DIR,
    input_files,
    read_plan_folder,
    read_saved_inputs,
    write_folder,
    write_plan_folder,
)
from greendc.optimizer.types import OBJECTIVE_TERMS, RUN_COLUMNS, STEP_COLUMNS, Plan, PlanSettings
from greendc.weather.errors import InputError
from locations import DATA

SETTINGS = PlanSettings(carbon_price_per_t=100.0, time_limit_s=20.0, default_penalty_per_h_late=50.0)
INPUTS = {"site": "a" * 64, "jobs": "b" * 64, "weather": "synthetic"}
SITE_FILE = DATA / "sites" / "good.toml"


@pytest.fixture(scope="module")
def plans() -> dict[str, object]:
    """An optimised tiny plan (one job late by construction) and its baseline."""
    site = tiny_site()
    profile = tiny_profile(site, export_limit_kw=5.0)
    jobs = [job("A", 2, 2.0, 0, 2, False), job("B", 3, 1.0, 0, 4, True), job("tight", 4, 2.0, 1, 2, False)]
    return {"site": site, "profile": profile, "plan": make_plan(profile, site, jobs, SETTINGS),
            "baseline": baseline_plan(profile, site, jobs, SETTINGS), "jobs": jobs}


def _write(out: Path, plans: dict[str, object], plan: Plan | None = None, **kwargs: object) -> Path:
    """Write the fixture's plan (or ``plan``) with its baseline to ``out``."""
    return write_plan_folder(out, plan=plan or plans["plan"], baseline=plans["baseline"],  # type: ignore[arg-type]
                             site=plans["site"], profile=plans["profile"], settings=SETTINGS,  # type: ignore[arg-type]
                             inputs=INPUTS, **kwargs)  # type: ignore[arg-type]


def test_files_and_contract(tmp_path: Path, plans: dict[str, object]) -> None:
    """plan.json, steps.csv (UTC ISO times) and jobs.csv with the contract's columns and facts."""
    folder = _write(tmp_path / "plan", plans, render_report=lambda meta, steps, runs: "<html>report</html>")
    assert sorted(p.name for p in folder.iterdir()) == ["jobs.csv", "plan.json", "report.html", "steps.csv"]
    meta = json.loads((folder / "plan.json").read_text())
    steps = pd.read_csv(folder / "steps.csv")
    assert tuple(steps.columns) == STEP_COLUMNS
    assert steps["time"].iloc[0] == "2026-01-14T16:00:00Z"  # local midnight in Shanghai
    assert tuple(pd.read_csv(folder / "jobs.csv").columns) == RUN_COLUMNS
    assert meta["schema_version"] == 1 and meta["site"]["id"] == "testsite"
    assert meta["horizon"]["steps"] == 4 and meta["horizon"]["start_local"] == DAY.isoformat()
    assert meta["rates"]["demand_share_of_month"] == pytest.approx(4 / 744)  # 4 h of January's 744 h
    assert meta["inputs"] == INPUTS
    assert {j["job_id"] for j in meta["jobs"]} == {"A", "B", "tight"}
    tight = next(j for j in meta["jobs"] if j["job_id"] == "tight")
    assert tight["status"] in ("late", "not_run") and tight["lateness_h"] > 0 and tight["reason"]
    assert set(meta["solver"]) >= {"status", "gap", "build_s", "solve_s", "fallback", "fallback_reason"}
    base = meta["baseline"]["objective"]["total"]
    assert meta["savings"]["cost_with_lateness"] == pytest.approx(base - meta["objective"]["total"])
    late = meta["baseline"]["objective"]["lateness_penalty"] - meta["objective"]["lateness_penalty"]
    # lateness is no saving
    assert meta["savings"]["cost"] == pytest.approx(base - meta["objective"]["total"] - late)


def test_every_term_recomputed_from_the_files_alone(tmp_path: Path, plans: dict[str, object]) -> None:
    """steps.csv + plan.json's rates and jobs give each objective term (no greendc code involved)."""
    folder = _write(tmp_path / "plan", plans)
    meta = json.loads((folder / "plan.json").read_text())
    steps = pd.read_csv(folder / "steps.csv")
    r = meta["rates"]
    dt, imp, exp = r["step_h"], steps["grid_import_kw"], steps["grid_export_kw"]
    recomputed = {
        "energy_cost": (imp * steps["price_per_kwh"]).sum() * dt,
        "demand_charge": r["demand_charge_per_kw_month"] * r["demand_share_of_month"] * imp.max(),
        "export_revenue": (exp * steps["export_price_per_kwh"]).sum() * dt,
        "carbon_cost": r["carbon_price_per_t"] / 1000 * (imp * steps["carbon_kg_per_kwh"]).sum() * dt,
        "lateness_penalty": sum(j["lateness_h"] * j["penalty_per_h"] for j in meta["jobs"]),
    }
    recomputed["total"] = (recomputed["energy_cost"] + recomputed["demand_charge"]
                           - recomputed["export_revenue"] + recomputed["carbon_cost"]
                           + recomputed["lateness_penalty"])
    for term in (*OBJECTIVE_TERMS, "total"):
        assert meta["objective"][term] == pytest.approx(recomputed[term], rel=1e-9, abs=1e-9), term
    assert recomputed["carbon_cost"] > 0 and recomputed["lateness_penalty"] > 0  # the test checks something
    kpis = meta["kpis"]
    assert kpis["pue"] == pytest.approx(steps["facility_kw"].sum() / steps["it_kw"].sum())
    assert kpis["carbon_kg"] == pytest.approx((imp * steps["carbon_kg_per_kwh"]).sum() * dt)


def test_read_back_and_refuse_tampering(tmp_path: Path, plans: dict[str, object]) -> None:
    """read_plan_folder checks the folder; an objective that does not follow from steps.csv is refused."""
    folder = _write(tmp_path / "plan", plans)
    read = read_plan_folder(folder)
    assert len(read.steps) == 4 and str(read.steps["time"].dt.tz) == "UTC"
    steps = pd.read_csv(folder / "steps.csv")
    steps.loc[0, "grid_import_kw"] += 1.0
    steps.to_csv(folder / "steps.csv", index=False)
    with pytest.raises(InputError, match=r"objective\.energy_cost"):
        read_plan_folder(folder)
    (folder / "jobs.csv").unlink()
    with pytest.raises(InputError, match=r"jobs\.csv: missing file"):
        read_plan_folder(folder)


def test_unknown_schema_version_is_refused(tmp_path: Path, plans: dict[str, object]) -> None:
    """A plan.json from another schema version is refused, naming the key."""
    folder = _write(tmp_path / "plan", plans)
    meta = json.loads((folder / "plan.json").read_text())
    meta["schema_version"] = 99
    (folder / "plan.json").write_text(json.dumps(meta))
    with pytest.raises(InputError, match="schema_version"):
        read_plan_folder(folder)


def test_replaces_an_older_plan_atomically(tmp_path: Path, plans: dict[str, object]) -> None:
    """A second write replaces the first; no temporary folder is left beside it."""
    out = tmp_path / "plans" / "testsite" / "2026-01-15"
    _write(out, plans, plan=plans["baseline"])  # type: ignore[arg-type]
    first = json.loads((out / "plan.json").read_text())["objective"]["total"]
    (out / "setpoints.csv").write_text("from the old plan")  # a greendc file the new plan lacks
    _write(out, plans)
    second = json.loads((out / "plan.json").read_text())["objective"]["total"]
    assert second < first and not (out / "setpoints.csv").exists()
    assert os.listdir(out.parent) == ["2026-01-15"]


def test_a_failed_write_keeps_the_old_plan(tmp_path: Path, plans: dict[str, object]) -> None:
    """If writing fails midway (here the report), the previous plan folder is untouched."""
    out = tmp_path / "plan"
    _write(out, plans)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def broken(*_args: object) -> str:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        _write(out, plans, plan=plans["baseline"], render_report=broken)  # type: ignore[arg-type]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert os.listdir(tmp_path) == ["plan"]


def test_a_symlinked_plan_is_replaced_by_a_folder(tmp_path: Path, plans: dict[str, object]) -> None:
    """A nightly pointer (symlink to a version folder) is replaced; the version folder stays."""
    version = tmp_path / ".versions" / "v1"
    version.mkdir(parents=True)
    (version / "plan.json").write_text("{}")
    link = tmp_path / "2026-01-15"
    link.symlink_to(".versions/v1")
    _write(link, plans)
    assert link.is_dir() and not link.is_symlink() and (version / "plan.json").read_text() == "{}"
    assert np.isfinite(json.loads((link / "plan.json").read_text())["objective"]["total"])


def _with_inputs(out: Path, plans: dict[str, object]) -> tuple[Path, dict[str, bytes]]:
    """The fixture's plan written with its inputs/ (queue, profile, the site file)."""
    files = input_files(plans["jobs"], plans["profile"], SITE_FILE.read_bytes())  # type: ignore[arg-type]
    return _write(out, plans, files=files), files


def test_inputs_are_kept_and_read_back_equal(tmp_path: Path, plans: dict[str, object]) -> None:
    """inputs/ holds the queue, the profile and the site file; read back they equal what was planned."""
    from greendc.sites import load_site

    folder, files = _with_inputs(tmp_path / "plan", plans)
    assert sorted(p.name for p in (folder / INPUTS_DIR).iterdir()) == ["jobs.csv", "profile.nc", "site.toml"]
    meta = json.loads((folder / "plan.json").read_text())
    digests = meta["input_files"]
    assert sorted(digests) == sorted(files) and all(len(d) == 64 for d in digests.values())
    kept = read_saved_inputs(folder, meta)
    assert kept is not None
    assert kept.jobs == plans["jobs"]  # same ids, nodes, hours, tz-aware times, flags
    kept.profile.attrs["step_minutes"] = int(kept.profile.attrs["step_minutes"])
    assert kept.profile.identical(plans["profile"])  # type: ignore[arg-type]
    assert kept.site == load_site(SITE_FILE)
    assert files == input_files(plans["jobs"], plans["profile"], SITE_FILE.read_bytes())  # type: ignore[arg-type]


def test_changed_or_missing_input_is_refused(tmp_path: Path, plans: dict[str, object]) -> None:
    """An input file that no longer matches plan.json's digest, or is gone, is an InputError naming it."""
    folder, _files = _with_inputs(tmp_path / "plan", plans)
    meta = json.loads((folder / "plan.json").read_text())
    queue = folder / INPUTS_DIR / "jobs.csv"
    queue.write_text(queue.read_text().replace("A,2,", "A,3,"))
    with pytest.raises(InputError, match=r"inputs/jobs\.csv: SHA-256 differs"):
        read_saved_inputs(folder, meta)
    queue.unlink()
    with pytest.raises(InputError, match=r"inputs/jobs\.csv: missing input file"):
        read_saved_inputs(folder, meta)
    outside = tmp_path / "elsewhere.csv"
    outside.write_text("job_id,nodes,duration_h,release,deadline,preemptible\n")
    queue.symlink_to(outside)
    with pytest.raises(InputError, match=r"inputs/jobs\.csv: refused: a link that leaves the plan folder"):
        read_saved_inputs(folder, meta)


def test_folder_without_inputs_reads_as_none(tmp_path: Path, plans: dict[str, object]) -> None:
    """A folder written without inputs (an older greendc) has no input_files and no inputs/: None."""
    folder, _files = _with_inputs(tmp_path / "plan", plans)
    read = read_plan_folder(folder)
    write_folder(folder, read.meta, read.steps, read.runs)  # written again without inputs
    meta = json.loads((folder / "plan.json").read_text())
    assert "input_files" not in meta and not (folder / INPUTS_DIR).exists()
    assert read_saved_inputs(folder, meta) is None
