"""The grid section of a site file: the connection's limits, the time-of-use tariff and its periods."""

from __future__ import annotations

from typing import Literal

from greendc.sites.schema import MAX_SITE_KW, StrictModel
from pydantic import Field, field_validator


class TariffPeriod(StrictModel):
    """One time-of-use period: a price and the local clock-time windows it applies to."""

    name: str
    """Period name, e.g. peak, flat, valley, critical. [-]"""
    price_per_kwh: float = Field(ge=-5, le=20)
    """Energy price in this period. [currency/kWh]"""
    windows: list[str] = Field(min_length=1, max_length=96)
    """Local clock-time windows 'HH:MM-HH:MM' (end exclusive, 24:00 allowed), 15-minute aligned. [-]"""
    months: list[int] = Field(default_factory=lambda: list(range(1, 13)), max_length=12)
    """Months (1-12) in which the period applies. [-]"""

    @field_validator("windows")
    @classmethod
    def _parse_windows(cls, windows: list[str]) -> list[str]:
        for window in windows:
            parse_window(window)
        return windows

    @field_validator("months")
    @classmethod
    def _valid_months(cls, months: list[int]) -> list[int]:
        if not months or any(m < 1 or m > 12 for m in months):
            raise ValueError("months must be integers 1-12")
        return months


def parse_window(window: str) -> tuple[int, int]:
    """Minutes of day [start, end) of a 'HH:MM-HH:MM' window; raises ValueError otherwise."""
    try:
        start_s, end_s = window.split("-")
        start = _minutes(start_s)
        end = _minutes(end_s)
    except ValueError:
        raise ValueError(f"window {window!r} is not 'HH:MM-HH:MM' with 15-minute steps up to 24:00") from None
    if not 0 <= start < end <= 1440:
        raise ValueError(f"window {window!r} must start before it ends, within 00:00-24:00")
    return start, end


def _minutes(text: str) -> int:
    hours, minutes = text.strip().split(":")
    value = int(hours) * 60 + int(minutes)
    if int(minutes) % 15 or not 0 <= int(minutes) < 60:
        raise ValueError(text)
    return value


class Grid(StrictModel):
    """The grid connection: limits, tariff, demand charge, export and carbon."""

    import_limit_kw: float = Field(gt=0, le=MAX_SITE_KW)
    """Largest import from the grid. [kW]"""
    export_limit_kw: float = Field(default=0.0, ge=0, le=MAX_SITE_KW)
    """Largest export to the grid; 0 forbids export. [kW]"""
    export_price_per_kwh: float = Field(default=0.0, ge=-5, le=20)
    """Price paid for exported energy. [currency/kWh]"""
    demand_charge_per_kw_month: float = Field(default=0.0, ge=0, le=1000)
    """Capacity (demand) charge on the month's peak import. [currency/kW-month]"""
    storage_export: bool = False
    """Whether energy from the battery may be exported; False (the default): only the PV and wind
    surplus over the site's own load is exported, in the day plan and the year study alike. [-]"""
    carbon_price_per_t: float = Field(default=0.0, ge=0, le=10_000)
    """Default price on grid emissions in the plan's objective (``--carbon-price`` overrides it); the
    built-in Chinese sites use the national ETS price (docs/sources.md). [currency/tCO2]"""
    tariff_label: str = "illustrative"
    """What the tariff is: 'illustrative' for a built-in default, or the tariff's official name. [-]"""
    tariff: list[TariffPeriod] = Field(min_length=1, max_length=96)
    """Time-of-use periods; together they price every minute of every day exactly once. [-]"""
    emission_factor_kg_per_kwh: float = Field(ge=0, le=2)
    """Annual average grid emission factor. [kgCO2/kWh]"""
    emission_series_file: str | None = None
    """Optional CSV of hourly intensity (columns time, carbon_kg_per_kwh), relative to the site file. [-]"""
    emission_shape: Literal["flat", "solar_dip"] = "solar_dip"
    """Hourly shape applied to the annual factor when no series file is given (see docs/sites.md). [-]"""
    emission_dip_frac: float = Field(default=0.15, ge=0, lt=1)
    """Depth of the 'solar_dip' shape: intensity at solar noon is about this much below the
    night-time level before the daily mean is rescaled to the annual factor. [-]"""

    @field_validator("tariff")
    @classmethod
    def _tariff_covers_every_minute(cls, tariff: list[TariffPeriod]) -> list[TariffPeriod]:
        for month in range(1, 13):
            covered = [0] * (24 * 4)
            for period in tariff:
                if month not in period.months:
                    continue
                for window in period.windows:
                    start, end = parse_window(window)
                    for q in range(start // 15, end // 15):
                        covered[q] += 1
            for q, count in enumerate(covered):
                if count != 1:
                    when = f"{q // 4:02d}:{q % 4 * 15:02d}"
                    problem = "is not priced" if count == 0 else "is priced by more than one period"
                    raise ValueError(
                        f"{when} in month {month} {problem}; periods must cover 00:00-24:00 exactly once"
                    )
        return tariff
