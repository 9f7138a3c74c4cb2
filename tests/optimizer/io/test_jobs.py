"""Job queue files: CSV and JSON read alike, every bad input named by file, job and field."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from greendc.optimizer.io.jobs import JobQueueWarning, jobs_to_frame, read_jobs
from greendc.weather.errors import InputError
from hypothesis import given, settings
from hypothesis import strategies as st
from locations import DATA

JOBS = DATA / "jobs"
TZ = "Asia/Shanghai"


def test_csv_and_json_give_the_same_jobs() -> None:
    """The two formats of one queue read to equal Job records, times converted to the site's zone."""
    from_csv, from_json = read_jobs(JOBS / "good.csv", TZ), read_jobs(JOBS / "good.json", TZ)
    assert from_csv == from_json
    a, b, c = from_csv
    assert (a.job_id, a.nodes, a.duration_h, a.preemptible, a.node_kw, a.penalty_per_h_late) == \
        ("train-a", 4, 3.0, True, 7.0, None)
    assert (b.preemptible, b.node_kw, b.penalty_per_h_late) == (False, None, 800.0)
    # 18:00 UTC is 02:00 next day in Shanghai
    assert c.release == pd.Timestamp("2026-12-01 02:00", tz=TZ) and str(c.release.tz) == TZ


def test_naive_times_are_local_with_a_warning() -> None:
    """Times without an offset are read as the site's local time, and a warning says how many."""
    with pytest.warns(JobQueueWarning, match=r"3 timestamp\(s\) without a UTC offset .* Asia/Shanghai"):
        jobs = read_jobs(JOBS / "naive_times.csv", TZ)
    assert jobs[0].release == pd.Timestamp("2026-12-01T08:00:00+08:00")
    assert jobs[1].deadline == pd.Timestamp("2026-11-30T22:00:00Z")


@pytest.mark.parametrize(("name", "key", "words"), [
    ("deadline_before_release.csv", "job backwards, deadline", "before release"),
    ("duplicate_ids.csv", "job j1, job_id", "duplicate job id (rows 1 and 3)"),
    ("unknown_column.csv", "priority", "unknown column; allowed: job_id"),
    ("non_numeric.csv", "job j2, nodes", "'eight': must be a number"),
    ("bad_bool.json", "job j1, preemptible", "must be true or false"),
])
def test_bad_queue_names_file_job_and_field(name: str, key: str, words: str) -> None:
    """Each malformed queue raises InputError whose one line names the file, the job and the field."""
    with pytest.raises(InputError) as info:
        read_jobs(JOBS / name, TZ)
    assert info.value.key == key
    assert name in str(info.value) and words in str(info.value)
    assert "\n" not in str(info.value)


def test_hard_jobs_are_valid_input() -> None:
    """A job wider than any site or longer than its window is read; the optimiser plans it late."""
    jobs = {j.job_id: j for j in read_jobs(JOBS / "wide_and_long.csv", TZ)}
    assert jobs["too-wide"].nodes == 64
    long = jobs["too-long"]
    assert long.duration_h > (long.deadline - long.release) / pd.Timedelta("1h")


@pytest.mark.parametrize("name", ["empty.csv", "empty.json"])
def test_empty_queue(name: str) -> None:
    """A header-only CSV or an empty JSON list is an empty queue, not an error."""
    assert read_jobs(JOBS / name, TZ) == []


def test_missing_file_and_unknown_suffix(tmp_path: Path) -> None:
    """A missing file and a file that is neither CSV nor JSON are refused by name."""
    with pytest.raises(InputError, match="not found"):
        read_jobs(tmp_path / "nope.csv", TZ)
    odd = tmp_path / "queue.txt"
    odd.write_text("x")
    with pytest.raises(InputError, match=r"use a \.csv or \.json file"):
        read_jobs(odd, TZ)


@pytest.mark.parametrize(("field", "value", "words"), [
    ("nodes", 2.5, "whole number"), ("nodes", 0, "whole number"), ("duration_h", -1, "greater than 0"),
    ("duration_h", "inf", "finite"), ("node_kw", 0, "greater than 0"), ("penalty_per_h_late", -3, "negative"),
    ("release", "tomorrow-ish", "ISO 8601"), ("preemptible", 2, "true or false"),
])
def test_field_checks(tmp_path: Path, field: str, value: object, words: str) -> None:
    """Out-of-range and unparsable fields are refused with the field named."""
    record = {"job_id": "x", "nodes": 2, "duration_h": 1, "release": "2026-12-01T00:00:00+08:00",
              "deadline": "2026-12-01T06:00:00+08:00", "preemptible": True, field: value}
    path = tmp_path / "q.json"
    path.write_text(json.dumps([record]))
    with pytest.raises(InputError, match=words) as info:
        read_jobs(path, TZ)
    assert info.value.key == f"job x, {field}"


@settings(max_examples=30, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 512), st.floats(0.25, 48), st.integers(0, 47), st.integers(0, 96),
                          st.booleans()), max_size=12))
def test_round_trip_through_csv(tmp_path_factory: pytest.TempPathFactory,
                                rows: list[tuple[int, float, int, int, bool]]) -> None:
    """Jobs written with jobs_to_frame and read back are the same jobs."""
    start = pd.Timestamp("2026-12-01", tz=TZ)
    from greendc.optimizer.types import Job

    jobs = [Job(f"j{i}", n, round(h, 4), start + pd.Timedelta(minutes=15 * r),
                start + pd.Timedelta(minutes=15 * (r + d)), p) for i, (n, h, r, d, p) in enumerate(rows)]
    path = tmp_path_factory.mktemp("q") / "q.csv"
    jobs_to_frame(jobs).to_csv(path, index=False)
    assert read_jobs(path, TZ) == jobs
