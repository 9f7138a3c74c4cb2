"""Does the synthetic year reproduce a real climate? The issue's acceptance figures, and the doc table.

Monthly normals are computed from a typical-year file (``greendc.weather.normals.normals_from_weather``), a
synthetic year is generated from those normals alone, and the two years are compared on what a daily
plan feels: monthly means, the day-to-day spread and persistence of daily means, hourly tails, cold
hours (dry-bulb and wet-bulb), irradiation by year and month, and PV yield.

    .venv/bin/python -m greendc.weather.validation [--seeds 0,1,2,3,4] [FILE ...]

prints the tables of docs/weather.md ("Validation") for pvlib's three shipped typical years, or for
the FILEs; exit 1 when a seed misses a limit.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pvlib
import xarray as xr
from greendc.weather.normals import local_frame, monthly_normals
from greendc.weather.readers import read_weather
from greendc.weather.synthetic import synthetic_year

PVLIB_DATA = Path(pvlib.__file__).parent / "data"
#: pvlib's shipped TMY3 file for Greensboro NC (36.10 N, -79.95 E, 273 m).
GREENSBORO_TMY3 = PVLIB_DATA / "723170TYA.CSV"
#: pvlib's three shipped real typical years: Greensboro NC, Sand Point AK (TMY3), Miami FL (TMY2).
REFERENCE_YEARS = (GREENSBORO_TMY3, PVLIB_DATA / "703165TY.csv", PVLIB_DATA / "12839.tm2")
#: Acceptance limits (issue 14): monthly mean [K], seasonal spread of daily means [relative],
#: lag-one autocorrelation [-], hourly p1/p5/p95/p99 [K], cold hours [relative, h], GHI [relative], PV.
MONTHLY_MEAN_LIMIT_C = 0.5
DAILY_SD_LIMIT = 0.30
LAG1_LIMIT = 0.15
PERCENTILE_LIMIT_C = 1.5
COLD_HOURS_LIMIT, COLD_HOURS_FLOOR_H = 0.15, 30.0
ANNUAL_GHI_LIMIT = 0.05
MONTHLY_GHI_LIMIT = 0.10
PV_LIMIT = 0.05
#: The limits by name, in the order Comparison.failures lists them.
LIMIT_NAMES = (
    "monthly mean", "daily sd", "lag-1", "percentiles", "cold hours", "cold wet-bulb hours",
    "annual GHI", "monthly GHI", "PV",
)  # fmt: skip
#: Hourly temperature percentiles compared [%]; cold-hour thresholds, dry-bulb and wet-bulb [deg C].
PERCENTILES = (1, 5, 95, 99)
COLD_DRY_C, COLD_WET_C = 10.0, 8.0
#: Seasons over which the spread of daily means is pooled (a single month's is too noisy, about 22 %).
SEASONS = {"DJF": (12, 1, 2), "MAM": (3, 4, 5), "JJA": (6, 7, 8), "SON": (9, 10, 11)}


@dataclass(frozen=True)
class Figures:
    """What a daily plan feels of one year's climate."""

    monthly_mean_c: tuple[float, ...]
    """Mean temperature by month. [deg C]"""
    daily_sd_c: tuple[float, ...]
    """Standard deviation of daily mean temperature about its month's mean, DJF, MAM, JJA, SON. [K]"""
    lag1: float
    """Lag-one autocorrelation of daily mean anomalies (from the month's mean). [-]"""
    percentiles_c: tuple[float, ...]
    """Hourly temperature at PERCENTILES. [deg C]"""
    cold_dry_h: float
    """Hours below 10 deg C dry-bulb. [h]"""
    cold_wet_h: float
    """Hours at or below 8 deg C wet-bulb. [h]"""
    ghi_monthly_kwh_m2: tuple[float, ...]
    """Irradiation by month. [kWh/m2]"""
    pv_kwh_per_kwp: float
    """Yield of 1 kWp facing the equator at the latitude's tilt. [kWh/kWp]"""
    rh_pct: float
    """Mean relative humidity. [%]"""
    wind_ms: float
    """Mean wind speed. [m/s]"""

    @property
    def ghi_kwh_m2(self) -> float:
        """Annual irradiation. [kWh/m2]"""
        return float(sum(self.ghi_monthly_kwh_m2))


def _cold_miss(real_h: float, synthetic_h: float) -> bool:
    """Whether cold hours differ by more than 15 % and more than 30 h."""
    gap = abs(synthetic_h - real_h)
    return gap > COLD_HOURS_LIMIT * real_h and gap > COLD_HOURS_FLOOR_H


@dataclass(frozen=True)
class Comparison:
    """How a synthetic year compares with the real year it was built from."""

    real: Figures
    synthetic: Figures

    def _relative(self, name: str) -> npt.NDArray[np.float64]:
        """Synthetic over real minus one, element by element, of a tuple field."""
        return np.asarray(getattr(self.synthetic, name)) / np.asarray(getattr(self.real, name)) - 1.0

    @property
    def monthly_mean_error_c(self) -> float:
        """Largest absolute difference of monthly mean temperature. [K]"""
        return float(np.abs(np.subtract(self.synthetic.monthly_mean_c, self.real.monthly_mean_c)).max())

    @property
    def daily_sd_error(self) -> float:
        """Largest relative error of the seasonal spread of daily means. [-]"""
        return float(np.abs(self._relative("daily_sd_c")).max())

    @property
    def lag1_error(self) -> float:
        """Synthetic minus real lag-one autocorrelation. [-]"""
        return self.synthetic.lag1 - self.real.lag1

    @property
    def percentile_error_c(self) -> float:
        """Largest absolute error of the hourly percentiles. [K]"""
        return float(np.abs(np.subtract(self.synthetic.percentiles_c, self.real.percentiles_c)).max())

    @property
    def ghi_error(self) -> float:
        """Relative error of the annual irradiation. [-]"""
        return self.synthetic.ghi_kwh_m2 / self.real.ghi_kwh_m2 - 1.0

    @property
    def monthly_ghi_error(self) -> float:
        """Largest relative error of a month's irradiation. [-]"""
        return float(np.abs(self._relative("ghi_monthly_kwh_m2")).max())

    @property
    def pv_error(self) -> float:
        """Relative error of the PV yield. [-]"""
        return self.synthetic.pv_kwh_per_kwp / self.real.pv_kwh_per_kwp - 1.0

    @property
    def failures(self) -> list[str]:
        """The names of the limits this year misses (empty when it passes), in LIMIT_NAMES order."""
        checks = {
            "monthly mean": self.monthly_mean_error_c > MONTHLY_MEAN_LIMIT_C,
            "daily sd": self.daily_sd_error > DAILY_SD_LIMIT,
            "lag-1": abs(self.lag1_error) > LAG1_LIMIT,
            "percentiles": self.percentile_error_c > PERCENTILE_LIMIT_C,
            "cold hours": _cold_miss(self.real.cold_dry_h, self.synthetic.cold_dry_h),
            "cold wet-bulb hours": _cold_miss(self.real.cold_wet_h, self.synthetic.cold_wet_h),
            "annual GHI": abs(self.ghi_error) > ANNUAL_GHI_LIMIT,
            "monthly GHI": self.monthly_ghi_error > MONTHLY_GHI_LIMIT,
            "PV": abs(self.pv_error) > PV_LIMIT,
        }
        return [name for name in LIMIT_NAMES if checks[name]]

    @property
    def accepted(self) -> bool:
        """Whether all the issue's acceptance limits hold."""
        return not self.failures


def pv_kwh_per_kwp(ds: xr.Dataset) -> float:
    """Annual yield of 1 kWp facing the equator at tilt = latitude, the chain of sites.renewables:
    Hay-Davies, physical IAM, SAPM open-rack cell temperature, PVWatts DC (-0.37 %/K, 14 % losses)."""
    lat = float(ds.attrs["latitude"])
    tilt, azimuth = min(abs(lat), 60.0), 180.0 if lat >= 0 else 0.0
    step_h = float(ds.attrs.get("step_minutes", 60)) / 60.0
    mid = pd.DatetimeIndex(ds["time"].values).tz_localize("UTC") + pd.Timedelta(hours=step_h / 2)
    sun = pvlib.solarposition.get_solarposition(
        mid, lat, float(ds.attrs["longitude"]), float(ds.attrs["altitude_m"])
    )
    zenith, sun_azimuth = sun["apparent_zenith"].to_numpy(), sun["azimuth"].to_numpy()
    poa = pvlib.irradiance.get_total_irradiance(
        tilt, azimuth, zenith, sun_azimuth, ds["dni"].to_numpy(), ds["ghi"].to_numpy(), ds["dhi"].to_numpy(),
        dni_extra=pvlib.irradiance.get_extra_radiation(mid).to_numpy(), model="haydavies",
    )  # fmt: skip
    iam = pvlib.iam.physical(pvlib.irradiance.aoi(tilt, azimuth, zenith, sun_azimuth))
    effective = np.nan_to_num(poa["poa_direct"] * iam + poa["poa_diffuse"])
    params = pvlib.temperature.TEMPERATURE_MODEL_PARAMETERS["sapm"]["open_rack_glass_polymer"]
    cell_c = pvlib.temperature.sapm_cell(
        np.nan_to_num(poa["poa_global"]), ds["temp_air"].to_numpy(), ds["wind_speed"].to_numpy(), **params
    )
    dc_kw = np.asarray(pvlib.pvsystem.pvwatts_dc(effective, cell_c, 1.0, -0.0037), float) * 0.86
    return float(np.clip(dc_kw, 0.0, None).sum() * step_h)


def figures(ds: xr.Dataset) -> Figures:
    """The figures of one year, months in its local time."""
    frame = local_frame(ds)
    step_h = float(ds.attrs.get("step_minutes", 60)) / 60.0
    month = pd.DatetimeIndex(frame.index).month
    daily = frame["temp_air"].resample("D").mean()
    day_month = pd.DatetimeIndex(daily.index).month
    anomaly = daily - daily.groupby(day_month).transform("mean")
    season_sd = [float(np.sqrt((anomaly[day_month.isin(m)] ** 2).mean())) for m in SEASONS.values()]
    return Figures(
        monthly_mean_c=tuple(frame["temp_air"].groupby(month).mean()),
        daily_sd_c=tuple(season_sd),
        lag1=float(anomaly.autocorr(1)),
        percentiles_c=tuple(np.percentile(frame["temp_air"], PERCENTILES)),
        cold_dry_h=float((frame["temp_air"] < COLD_DRY_C).sum() * step_h),
        cold_wet_h=float((frame["temp_wet_bulb"] <= COLD_WET_C).sum() * step_h),
        ghi_monthly_kwh_m2=tuple(frame["ghi"].groupby(month).sum() * step_h / 1000.0),
        pv_kwh_per_kwp=pv_kwh_per_kwp(ds),
        rh_pct=float(frame["relative_humidity"].mean()),
        wind_ms=float(frame["wind_speed"].mean()),
    )


def within_day_dew_share(ds: xr.Dataset) -> dict[str, float]:
    """The dew point's hourly wander about its daily level, over the spread of daily dew points, DJF and JJA.

    The daily level is the daily means interpolated from noon to noon; the mean diurnal cycle of each
    month is taken out too, so what is left is weather within the day (fronts, sea breezes, mixing) [-].
    """
    frame = local_frame(ds)
    dew = frame["temp_dew"]
    daily = dew.resample("D").mean()
    position_d = (frame.index - frame.index[0]) / pd.Timedelta(days=1)
    level = np.interp(position_d, np.arange(len(daily)) + 0.5, daily.to_numpy())
    index = pd.DatetimeIndex(frame.index)
    left = pd.Series(dew.to_numpy() - level, index=index)
    left -= left.groupby([index.month, index.hour]).transform("mean")
    day_month = pd.DatetimeIndex(daily.index).month
    anomaly = daily - daily.groupby(day_month).transform("mean")
    return {
        season: float(
            left[index.month.isin(SEASONS[season])].std() / anomaly[day_month.isin(SEASONS[season])].std()
        )
        for season in ("DJF", "JJA")
    }


def compare_years(real: xr.Dataset, synthetic: xr.Dataset) -> Comparison:
    """The acceptance figures of a synthetic year against the real one."""
    return Comparison(figures(real), figures(synthetic))


def synthetic_twin(real: xr.Dataset, seed: int = 0, spread: bool = False, ghi: bool = False) -> xr.Dataset:
    """A synthetic year built only from the monthly normals of a real typical year, at its place.

    With `spread` the normals carry the file's monthly spread of daily means, as every catalogue site
    carries one (then the spread limit only checks that the generator holds it); without, the
    generator's default rule sets it. With `ghi` they carry the file's monthly irradiation (then the
    irradiation limits only check that the generator holds it, and PV tests its days, hours and
    beam-diffuse split); without, it comes from the sunshine hours.
    """
    local_start = local_frame(real.isel(time=slice(0, 1))).index[0]
    return synthetic_year(
        monthly_normals(real, spread=spread, ghi=ghi),
        float(real.attrs["latitude"]),
        float(real.attrs["longitude"]),
        float(real.attrs["altitude_m"]),
        str(real.attrs["timezone"]),
        year=local_start.year,
        seed=seed,
        step_minutes=int(real.attrs["step_minutes"]),
    )


def mean_figures(many: list[Figures]) -> Figures:
    """The figures of several synthetic years averaged field by field: what the generator gives on average."""
    fields = Figures.__dataclass_fields__
    mean = {name: np.mean([getattr(f, name) for f in many], axis=0) for name in fields}
    return Figures(**{name: tuple(v) if np.ndim(v) else float(v) for name, v in mean.items()})  # type: ignore[arg-type]


def _pair(real: float, synthetic: float, digits: int = 1) -> str:
    """'real / synthetic' with the given decimals."""
    return f"{real:.{digits}f} / {synthetic:.{digits}f}"


def summary_rows(name: str, comparisons: dict[int, Comparison]) -> list[str]:
    """One row per seed: real / synthetic for every acceptance figure, and the limits missed."""
    rows = []
    for seed, c in comparisons.items():
        r, s = c.real, c.synthetic
        sd = " ".join(f"{b / a - 1:+.0%}" for a, b in zip(r.daily_sd_c, s.daily_sd_c, strict=True))
        tails = " ".join(f"{b - a:+.1f}" for a, b in zip(r.percentiles_c, s.percentiles_c, strict=True))
        rows.append(
            f"| {name} | {seed} | {c.monthly_mean_error_c:.2f} | {sd} | {_pair(r.lag1, s.lag1, 2)} | "
            f"{tails} | "
            f"{_pair(r.cold_dry_h, s.cold_dry_h, 0)} | {_pair(r.cold_wet_h, s.cold_wet_h, 0)} | "
            f"{_pair(r.ghi_kwh_m2, s.ghi_kwh_m2, 0)} ({c.ghi_error:+.1%}) | {c.monthly_ghi_error:.0%} | "
            f"{_pair(r.pv_kwh_per_kwp, s.pv_kwh_per_kwp, 0)} ({c.pv_error:+.1%}) | "
            f"{', '.join(c.failures) or 'pass'} |"
        )
    return rows


def ensemble_rows(name: str, comparisons: dict[int, Comparison]) -> list[str]:
    """One row per file: the limits the seeds' mean figures miss, and how many seeds meet each limit."""
    seeds = list(comparisons.values())
    mean = Comparison(seeds[0].real, mean_figures([c.synthetic for c in seeds]))
    missed_by_any = sorted({name for c in seeds for name in c.failures}, key=list(LIMIT_NAMES).index)
    counts = ", ".join(
        f"{limit} {sum(limit not in c.failures for c in seeds)}/{len(seeds)}" for limit in missed_by_any
    )
    wet = [c.synthetic.cold_wet_h for c in seeds]
    p1 = [c.synthetic.percentiles_c[0] - c.real.percentiles_c[0] for c in seeds]
    return [
        f"| {name} | {len(seeds)} | {', '.join(mean.failures) or 'pass'} | {counts or 'all'} | "
        f"{mean.real.cold_wet_h:.0f} / {np.mean(wet):.0f} ({min(wet):.0f}-{max(wet):.0f}) | "
        f"{np.mean(p1):+.1f} ({min(p1):+.1f} to {max(p1):+.1f}) | {mean.monthly_ghi_error:.1%} |"
    ]


ENSEMBLE_HEADER = [
    "| file | seeds | limits the seeds' mean misses | seeds within each limit some seed misses "
    "| h wet-bulb <= 8 C file / mean (range) | p1 error mean (range) (K) | worst month GHI, mean |",
    "|---|---|---|---|---|---|---|",
]

SUMMARY_HEADER = [
    "| file | seed | worst monthly mean error (K) | daily-mean sd error DJF MAM JJA SON | lag-1 file / synth "
    "| hourly p1 p5 p95 p99 error (K) | h < 10 C file / synth | h wet-bulb <= 8 C | GHI (kWh/m2) "
    "| worst month GHI | PV (kWh/kWp) | limits missed |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
]


def monthly_table(real: xr.Dataset, synthetic: xr.Dataset) -> pd.DataFrame:
    """By month: mean, mean daily max and min temperature, spread of daily means and GHI of both years."""
    columns: dict[str, Any] = {}
    for label, ds in (("file", real), ("synth", synthetic)):
        frame = local_frame(ds)
        month = pd.DatetimeIndex(frame.index).month
        daily = frame["temp_air"].resample("D")
        day_month = pd.DatetimeIndex(daily.mean().index).month
        step_h = float(ds.attrs.get("step_minutes", 60)) / 60.0
        columns[f"t_mean_{label}"] = frame["temp_air"].groupby(month).mean()
        columns[f"t_max_{label}"] = daily.max().groupby(day_month).mean()
        columns[f"t_min_{label}"] = daily.min().groupby(day_month).mean()
        columns[f"sd_{label}"] = daily.mean().groupby(day_month).std()
        columns[f"ghi_{label}"] = frame["ghi"].groupby(month).sum() * step_h / 1000.0
    return pd.DataFrame(columns)


def compare_twins(
    reals: dict[str, xr.Dataset], twins: dict[str, dict[int, xr.Dataset]]
) -> dict[str, dict[int, Comparison]]:
    """Every twin against its real year, the real year's figures (PV included) computed once per file."""
    out = {}
    for name, real in reals.items():
        real_figures = figures(real)
        out[name] = {seed: Comparison(real_figures, figures(twin)) for seed, twin in twins[name].items()}
    return out


def markdown(
    reals: dict[str, xr.Dataset],
    twins: dict[str, dict[int, xr.Dataset]],
    comparisons: dict[str, dict[int, Comparison]] | None = None,
) -> str:
    """The validation tables of docs/weather.md: every file and seed, then each file's months (first seed)."""
    comparisons = compare_twins(reals, twins) if comparisons is None else comparisons
    lines = list(SUMMARY_HEADER)
    for name in reals:
        lines += summary_rows(name, comparisons[name])
    lines += ["", *ENSEMBLE_HEADER]
    for name in reals:
        lines += ensemble_rows(name, comparisons[name])
    for name, real in reals.items():
        first = next(iter(twins[name]))
        lines += [
            "",
            f"{name}, by month, seed {first} (file / synthetic):",
            "",
            "| month | mean T | mean daily max | mean daily min | sd of daily means | GHI (kWh/m2) |",
            "|---|---|---|---|---|---|",
        ]
        for month, r in monthly_table(real, twins[name][first]).iterrows():
            lines.append(
                f"| {month} | {_pair(r.t_mean_file, r.t_mean_synth)} | "
                f"{_pair(r.t_max_file, r.t_max_synth)} | {_pair(r.t_min_file, r.t_min_synth)} | "
                f"{_pair(r.sd_file, r.sd_synth)} | "
                f"{_pair(r.ghi_file, r.ghi_synth, 0)} |"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the validation tables; exit 1 when a seed misses an acceptance limit."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, default=list(REFERENCE_YEARS))
    parser.add_argument("--seeds", default="0,1,2,3,4,5,6,7,8,9", help="comma-separated seeds")
    parser.add_argument(
        "--spread-given", action="store_true", help="normals carry the file's monthly spread of daily means"
    )
    parser.add_argument(
        "--ghi-given", action="store_true", help="normals carry the file's monthly irradiation"
    )
    args = parser.parse_args(argv)
    seeds = [int(s) for s in args.seeds.split(",")]
    reals = {path.name: read_weather(path)[0] for path in args.files}
    twins = {
        name: {
            seed: synthetic_twin(real, seed, spread=args.spread_given, ghi=args.ghi_given) for seed in seeds
        }
        for name, real in reals.items()
    }
    comparisons = compare_twins(reals, twins)
    print(markdown(reals, twins, comparisons))
    passed = all(c.accepted for by_seed in comparisons.values() for c in by_seed.values())
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
