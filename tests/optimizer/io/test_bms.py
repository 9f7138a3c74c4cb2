"""The BMS setpoint schedule: merged intervals that tile the horizon, local times, stable bytes."""

from __future__ import annotations

import pandas as pd
from greendc.optimizer.io.bms import setpoint_csv, setpoint_schedule
from hypothesis import given, settings
from hypothesis import strategies as st

TZ = "Asia/Shanghai"


def _steps(setpoints: list[float], step_minutes: int = 15) -> pd.DataFrame:
    time = pd.date_range("2026-11-30T16:00Z", periods=len(setpoints), freq=f"{step_minutes}min")
    return pd.DataFrame({"time": time, "setpoint_c": setpoints})


def test_consecutive_equal_setpoints_merge() -> None:
    schedule = setpoint_schedule(_steps([18, 18, 21, 21, 21, 18]), TZ, 15)
    assert schedule["setpoint_c"].tolist() == [18.0, 21.0, 18.0]
    day = "2026-11-30T"
    assert schedule["start_utc"].tolist() == [f"{day}16:00:00Z", f"{day}16:30:00Z", f"{day}17:15:00Z"]
    assert schedule["end_utc"].tolist() == [f"{day}16:30:00Z", f"{day}17:15:00Z", f"{day}17:30:00Z"]
    # Shanghai is UTC+8: 16:00Z is local midnight of the plan day.
    assert schedule["start_local"].iloc[0] == "2026-12-01T00:00:00"
    assert schedule["end_local"].iloc[-1] == "2026-12-01T01:30:00"


def test_csv_text_is_exact() -> None:
    text = setpoint_csv(setpoint_schedule(_steps([24.0, 27.0]), TZ, 15))
    assert text == (
        "start_utc,end_utc,start_local,end_local,setpoint_c\n"
        "2026-11-30T16:00:00Z,2026-11-30T16:15:00Z,2026-12-01T00:00:00,2026-12-01T00:15:00,24.00\n"
        "2026-11-30T16:15:00Z,2026-11-30T16:30:00Z,2026-12-01T00:15:00,2026-12-01T00:30:00,27.00\n"
    )


def test_empty_steps_give_header_only() -> None:
    header = "start_utc,end_utc,start_local,end_local,setpoint_c\n"
    assert setpoint_csv(setpoint_schedule(_steps([]), TZ, 15)) == header


@settings(deadline=None, max_examples=60)  # pandas per example; the machine is shared
@given(st.lists(st.sampled_from([18.0, 21.0, 24.0, 27.0]), min_size=1, max_size=96))
def test_intervals_tile_the_horizon_and_alternate(setpoints: list[float]) -> None:
    schedule = setpoint_schedule(_steps(setpoints), TZ, 15)
    start = pd.to_datetime(schedule["start_utc"])
    end = pd.to_datetime(schedule["end_utc"])
    assert (start.iloc[1:].to_numpy() == end.iloc[:-1].to_numpy()).all()  # no gap, no overlap
    assert (end - start).sum() == pd.Timedelta(minutes=15 * len(setpoints))
    assert (schedule["setpoint_c"].diff().iloc[1:] != 0).all()  # neighbours differ
    # Expanding the intervals back to steps gives the input.
    minutes = ((end - start).dt.total_seconds() // 900).astype(int)
    assert [s for s, n in zip(schedule["setpoint_c"], minutes, strict=True) for _ in range(n)] == setpoints
