"""Does the synthetic year reproduce a real climate? The issue's acceptance figures, and the doc table.

Monthly normals are computed from a typical-year file (``greendc.weather.normals.normals_from_weather``), a
synthetic year is generated from those normals alone, and the two years are compared: worst monthly
mean temperature error, annual GHI ratio, hourly 5th and 95th temperature percentiles.

    .venv/bin/python -m greendc.weather.validation [--seeds 0,1,2,3,4] [FILE]

prints the tables of docs/weather.md ("Validation") for pvlib's Greensboro NC TMY3, or for FILE.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pvlib
import xarray as xr
from greendc.weather.normals import local_frame, monthly_normals
from greendc.weather.readers import read_weather
from greendc.weather.synthetic import synthetic_year

#: pvlib's shipped TMY3 file for Greensboro NC (36.10 N, -79.95 E, 273 m).
GREENSBORO_TMY3 = Path(pvlib.__file__).parent / "data" / "723170TYA.CSV"
#: The issue's acceptance limits: monthly mean [K], annual GHI [relative], p5/p95 [K].
MONTHLY_MEAN_LIMIT_C = 1.0
ANNUAL_GHI_LIMIT = 0.10
PERCENTILE_LIMIT_C = 2.5


@dataclass(frozen=True)
class Comparison:
    """How a synthetic year compares with the real year it was built from."""

    monthly_mean_error_c: float
    """Largest absolute difference of monthly mean temperature. [K]"""
    ghi_real_kwh_m2: float
    """Annual irradiation of the real year. [kWh/m2]"""
    ghi_synthetic_kwh_m2: float
    """Annual irradiation of the synthetic year. [kWh/m2]"""
    p5_real_c: float
    """5th percentile of hourly temperature, real year. [deg C]"""
    p5_synthetic_c: float
    """5th percentile of hourly temperature, synthetic year. [deg C]"""
    p95_real_c: float
    """95th percentile of hourly temperature, real year. [deg C]"""
    p95_synthetic_c: float
    """95th percentile of hourly temperature, synthetic year. [deg C]"""
    rh_real_pct: float
    """Mean relative humidity, real year. [%]"""
    rh_synthetic_pct: float
    """Mean relative humidity, synthetic year. [%]"""
    wind_real_ms: float
    """Mean wind speed, real year. [m/s]"""
    wind_synthetic_ms: float
    """Mean wind speed, synthetic year. [m/s]"""

    @property
    def ghi_error(self) -> float:
        """Relative error of the synthetic annual irradiation. [-]"""
        return self.ghi_synthetic_kwh_m2 / self.ghi_real_kwh_m2 - 1.0

    @property
    def p5_error_c(self) -> float:
        """Synthetic minus real 5th percentile. [K]"""
        return self.p5_synthetic_c - self.p5_real_c

    @property
    def p95_error_c(self) -> float:
        """Synthetic minus real 95th percentile. [K]"""
        return self.p95_synthetic_c - self.p95_real_c

    @property
    def accepted(self) -> bool:
        """Whether all the issue's acceptance limits hold."""
        return (
            self.monthly_mean_error_c < MONTHLY_MEAN_LIMIT_C
            and abs(self.ghi_error) < ANNUAL_GHI_LIMIT
            and abs(self.p5_error_c) < PERCENTILE_LIMIT_C
            and abs(self.p95_error_c) < PERCENTILE_LIMIT_C
        )


def _months(frame: pd.DataFrame) -> Any:
    """Month numbers (1-12) of a time-indexed frame, for grouping."""
    return pd.DatetimeIndex(frame.index).month


def _irradiation_kwh_m2(ds: xr.Dataset) -> float:
    """Annual GHI sum of a year. [kWh/m2]"""
    return float(ds["ghi"].sum()) * float(ds.attrs.get("step_minutes", 60)) / 60.0 / 1000.0


def compare_years(real: xr.Dataset, synthetic: xr.Dataset) -> Comparison:
    """The acceptance figures of a synthetic year against the real one, months in local time."""
    a, b = local_frame(real), local_frame(synthetic)
    monthly = (
        b["temp_air"].groupby(_months(b)).mean() - a["temp_air"].groupby(_months(a)).mean()
    ).abs()
    qa = a["temp_air"].quantile([0.05, 0.95]).to_numpy()
    qb = b["temp_air"].quantile([0.05, 0.95]).to_numpy()
    return Comparison(
        monthly_mean_error_c=float(monthly.max()),
        ghi_real_kwh_m2=_irradiation_kwh_m2(real),
        ghi_synthetic_kwh_m2=_irradiation_kwh_m2(synthetic),
        p5_real_c=float(qa[0]),
        p5_synthetic_c=float(qb[0]),
        p95_real_c=float(qa[1]),
        p95_synthetic_c=float(qb[1]),
        rh_real_pct=float(a["relative_humidity"].mean()),
        rh_synthetic_pct=float(b["relative_humidity"].mean()),
        wind_real_ms=float(a["wind_speed"].mean()),
        wind_synthetic_ms=float(b["wind_speed"].mean()),
    )


def synthetic_twin(real: xr.Dataset, seed: int = 0) -> xr.Dataset:
    """A synthetic year built only from the monthly normals of a real typical year, at its place."""
    local_start = local_frame(real.isel(time=slice(0, 1))).index[0]
    return synthetic_year(
        monthly_normals(real),
        float(real.attrs["latitude"]),
        float(real.attrs["longitude"]),
        float(real.attrs["altitude_m"]),
        str(real.attrs["timezone"]),
        year=local_start.year,
        seed=seed,
        step_minutes=int(real.attrs["step_minutes"]),
    )


def monthly_table(real: xr.Dataset, synthetic: xr.Dataset) -> pd.DataFrame:
    """By month: mean, mean daily max and min temperature, and GHI of both years."""
    columns: dict[str, Any] = {}
    for label, ds in (("file", real), ("synth", synthetic)):
        frame = local_frame(ds)
        daily = frame["temp_air"].resample("D")
        daily_max, daily_min = daily.max().to_frame(), daily.min().to_frame()
        step_h = float(ds.attrs.get("step_minutes", 60)) / 60.0
        columns[f"t_mean_{label}"] = frame["temp_air"].groupby(_months(frame)).mean()
        columns[f"t_max_{label}"] = daily_max["temp_air"].groupby(_months(daily_max)).mean()
        columns[f"t_min_{label}"] = daily_min["temp_air"].groupby(_months(daily_min)).mean()
        columns[f"ghi_{label}"] = frame["ghi"].groupby(_months(frame)).sum() * step_h / 1000.0
    return pd.DataFrame(columns)


def markdown(real: xr.Dataset, twins: dict[int, xr.Dataset]) -> str:
    """The two validation tables of docs/weather.md for synthetic twins by seed (months for the first)."""
    lines = [
        "| seed | worst monthly mean error | annual GHI file / synthetic (kWh/m2) | hourly p5 file / "
        "synthetic (deg C) | p95 file / synthetic | mean RH file / synthetic (%) | mean wind (m/s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for seed, twin in twins.items():
        c = compare_years(real, twin)
        lines.append(
            f"| {seed} | {c.monthly_mean_error_c:.2f} K | {c.ghi_real_kwh_m2:.0f} / "
            f"{c.ghi_synthetic_kwh_m2:.0f} ({100 * c.ghi_error:+.1f} %) | {c.p5_real_c:.1f} / "
            f"{c.p5_synthetic_c:.1f} ({c.p5_error_c:+.1f}) | {c.p95_real_c:.1f} / {c.p95_synthetic_c:.1f} "
            f"({c.p95_error_c:+.1f}) | {c.rh_real_pct:.1f} / {c.rh_synthetic_pct:.1f} | "
            f"{c.wind_real_ms:.2f} / {c.wind_synthetic_ms:.2f} |"
        )
    first = next(iter(twins))
    table = monthly_table(real, twins[first])
    lines += [
        "",
        f"By month, seed {first}:",
        "",
        "| month | mean T file / synth | mean daily max file / synth | mean daily min file / synth "
        "| GHI file / synth (kWh/m2) |",
        "|---|---|---|---|---|",
    ]
    for month, r in table.iterrows():
        lines.append(
            f"| {month} | {r.t_mean_file:.1f} / {r.t_mean_synth:.1f} | {r.t_max_file:.1f} / "
            f"{r.t_max_synth:.1f} | {r.t_min_file:.1f} / {r.t_min_synth:.1f} | {r.ghi_file:.0f} / "
            f"{r.ghi_synth:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the validation tables; exit 1 when a seed misses the acceptance limits."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", type=Path, default=GREENSBORO_TMY3)
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds")
    args = parser.parse_args(argv)
    real = read_weather(args.file)[0]
    seeds = [int(s) for s in args.seeds.split(",")]
    twins = {seed: synthetic_twin(real, seed) for seed in seeds}  # each generated once
    print(markdown(real, twins))
    return 0 if all(compare_years(real, twin).accepted for twin in twins.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
