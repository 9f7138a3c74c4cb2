"""Weather files written by the tests: an EPW from a weather Dataset, a small hourly table."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import xarray as xr

EPW_HEADER = [
    "LOCATION,TESTVILLE,NC,USA,test,723170,36.10,-79.95,-5.0,273.0",
    "DESIGN CONDITIONS,0",
    "TYPICAL/EXTREME PERIODS,0",
    "GROUND TEMPERATURES,0",
    "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0",
    "COMMENTS 1,written by the greendc tests",
    "COMMENTS 2,",
    "DATA PERIODS,1,1,Data,Sunday, 1/ 1,12/31",
]


def write_epw(path: Path, ds: xr.Dataset, hours: int | None = None, offset_h: int = -5) -> Path:
    """Write the first ``hours`` of a weather Dataset as an EPW file (local standard time, hour 1-24)."""
    frame = ds.to_dataframe().iloc[:hours]
    local = pd.DatetimeIndex(frame.index) + pd.Timedelta(hours=offset_h)  # interval start, local standard
    rows = []
    for when, r in zip(local, frame.itertuples(), strict=True):
        fields = [
            when.year,
            when.month,
            when.day,
            when.hour + 1,
            60,
            "?",
            f"{r.temp_air:.1f}",
            f"{r.temp_dew:.1f}",
            f"{r.relative_humidity:.0f}",
            f"{r.pressure:.0f}",
            9999,
            9999,
            9999,
            f"{r.ghi:.0f}",
            f"{r.dni:.0f}",
            f"{r.dhi:.0f}",
            999999,
            999999,
            999999,
            9999,
            180,
            f"{r.wind_speed:.1f}",
            5,
            5,
            9999,
            99999,
            9,
            999999999,
            999,
            0.999,
            999,
            99,
            999,
            999,
            99,
        ]
        rows.append(",".join(map(str, fields)))
    path.write_text("\n".join(EPW_HEADER + rows) + "\n")
    return path




def hourly_frame(hours: int = 48, start: str = "2025-06-01 00:00") -> pd.DataFrame:
    """A small, plausible hourly weather table in the standard names."""
    times = pd.date_range(start, periods=hours, freq="h")
    hour = times.hour.to_numpy()
    sun = np.clip(np.sin(np.pi * (hour - 6) / 12), 0, None)
    return pd.DataFrame(
        {
            "time": times.strftime("%Y-%m-%d %H:%M"),
            "temp_air": 20 + 5 * sun,
            "relative_humidity": 60.0 - 10 * sun,
            "ghi": 800 * sun,
            "wind_speed": 3.0,
        }
    )
