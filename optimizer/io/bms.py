"""The plan's cooling setpoints as a schedule a building management system (BMS) can load.

One row per interval of constant supply-air setpoint (consecutive equal steps merged), with UTC and
site-local times, so a BMS time program of "from, to, setpoint" is filled line by line.
"""

from __future__ import annotations

import pandas as pd

#: Columns of setpoints.csv.
SETPOINT_COLUMNS: tuple[str, ...] = ("start_utc", "end_utc", "start_local", "end_local", "setpoint_c")


def setpoint_schedule(steps: pd.DataFrame, timezone: str, step_minutes: int) -> pd.DataFrame:
    """Merge consecutive steps with the same ``setpoint_c`` into intervals [start, end).

    ``steps`` has ``time`` (step start, UTC) and ``setpoint_c`` [deg C]; the last interval ends one
    step after the last step starts.
    """
    if steps.empty:
        return pd.DataFrame(columns=list(SETPOINT_COLUMNS))
    start = pd.to_datetime(steps["time"], utc=True).reset_index(drop=True)
    setpoint_c = steps["setpoint_c"].astype(float).reset_index(drop=True)
    new_block = setpoint_c.ne(setpoint_c.shift()).cumsum()
    blocks = pd.DataFrame({"start": start, "setpoint_c": setpoint_c, "block": new_block}).groupby("block")
    first = blocks.first()
    end = blocks["start"].max() + pd.Timedelta(minutes=step_minutes)
    local = "%Y-%m-%dT%H:%M:%S"
    return pd.DataFrame(
        {
            "start_utc": first["start"].dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "end_utc": end.dt.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "start_local": first["start"].dt.tz_convert(timezone).dt.strftime(local),
            "end_local": end.dt.tz_convert(timezone).dt.strftime(local),
            "setpoint_c": first["setpoint_c"].round(2),
        }
    ).reset_index(drop=True)


def setpoint_csv(schedule: pd.DataFrame) -> str:
    """The schedule as CSV text, byte-stable (fixed column order, newline, number format)."""
    columns = list(SETPOINT_COLUMNS)
    return schedule.to_csv(index=False, columns=columns, lineterminator="\n", float_format="%.2f")
