"""The files a site applies (optimizer/io/exports.py): one builder for `greendc plan` and the nightly."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from baseline_cases import TZ, job, tiny_profile, tiny_site
from greendc.optimizer.day.baseline import baseline_plan
from greendc.optimizer.day.pareto import FrontTag, front_plans
from greendc.optimizer.io.exports import SETPOINTS_FILE, SLURM_FILE, SlurmQueue, plan_files
from greendc.optimizer.io.planfolder import read_pareto_point, write_folder
from greendc.optimizer.types import ParetoTag, PlanSettings


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    """Today's practice of the tiny case: 81 runs first (a held job), 82 and 83 pending."""
    site = tiny_site()
    jobs = [job("81", 2, 1.0, 0, 1, False), job("82", 3, 1.0, 0, 4, False), job("83", 9, 1.0, 0, 4, False)]
    return baseline_plan(tiny_profile(site), site, jobs, PlanSettings())


def test_setpoints_always_and_the_script_only_for_a_slurm_queue(plan) -> None:  # type: ignore[no-untyped-def]
    assert set(plan_files(plan, timezone=TZ, step_minutes=60)) == {SETPOINTS_FILE}
    queue = SlurmQueue(title="site t, plan date 2026-01-15", pending=("82", "83"), held=frozenset({"81"}))
    files = plan_files(plan, timezone=TZ, step_minutes=60, slurm=queue)
    script = files[SLURM_FILE]
    assert "JobId=82 " in script and "JobId=81 " not in script  # a held (running) job is never moved
    assert "# 83: not run in this plan's horizon; left unchanged" in script  # 9 nodes: the site has fewer
    assert "# 81" not in script


def test_each_front_point_is_saved_under_pareto(plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The cheapest plan's FrontTag carries the points; their tables go to pareto/<rank>/ and read back."""
    cleaner = replace(plan, steps=plan.steps.assign(grid_import_kw=plan.steps["grid_import_kw"] * 0.5),
                      pareto=ParetoTag(1, 10.0))
    points = (replace(plan, pareto=ParetoTag(0, None)), cleaner)
    first = replace(plan, pareto=FrontTag(0, None, points=points))
    assert front_plans(first)[1] is cleaner and front_plans(plan) == ()
    files = plan_files(first, timezone=TZ, step_minutes=60, front=front_plans(first))
    saved = {"pareto/0/steps.csv", "pareto/0/jobs.csv", "pareto/1/steps.csv", "pareto/1/jobs.csv"}
    assert saved <= set(files)
    out = write_folder(tmp_path / "p", {"schema": "x"}, plan.steps, plan.runs, exports=files)
    steps, runs = read_pareto_point(out, 1)
    assert steps["grid_import_kw"].tolist() == pytest.approx(cleaner.steps["grid_import_kw"].tolist())
    assert len(runs) == len(plan.runs)
    assert pd.api.types.is_datetime64_any_dtype(steps["time"])


def test_an_export_name_cannot_leave_the_folder(plan, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValueError, match="leaves the plan folder"):
        write_folder(tmp_path / "p", {}, plan.steps, plan.runs, exports={"../evil.sh": "x"})
    assert not (tmp_path / "evil.sh").exists()
