"""Study scenarios: what an investor varies across a comparison (carbon price, flexibility, costs, limits).

A scenario file is TOML with an optional ``[study]`` table and one ``[[scenario]]`` table per
scenario (docs/file-formats.md, "Scenario file"). Every model forbids unknown keys; every field's
docstring ends with its unit. Errors are one ``InputError`` naming the file, the scenario and the
key, raised before any computation starts.

Default technology costs are illustrative 2023-24 China figures (CNY), of the order reported by
IRENA, *Renewable Power Generation Costs in 2023* (2024): utility PV total installed cost about
USD 0.5-0.7/W, onshore wind about USD 0.8-1.0/W; CNESA 2024 utility LFP storage system bids about
CNY 0.6-1.0/Wh. They are the first thing a user replaces.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

from greendc.sites.loader import resolve_site_path
from greendc.weather.errors import InputError
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class FlexClass(_Model):
    """A class of deferrable training energy: the share that may move within fixed windows of a length."""

    window_h: int = Field(gt=0, le=168)
    """Length of the windows within which this energy may move; energy is conserved per window. [h]"""
    share: float = Field(ge=0, le=1)
    """Share of the flexible training energy in this class. [-]"""


class TechCosts(_Model):
    """Capital and fixed O&M cost and life of each technology the study may size."""

    pv_capex_per_kw: float = Field(default=3500.0, ge=0)
    """PV installed cost per kWp (DC). [currency/kWp]"""
    pv_om_per_kw_year: float = Field(default=45.0, ge=0)
    """PV fixed O&M. [currency/kWp/yr]"""
    pv_life_years: float = Field(default=25.0, gt=0, le=60)
    """PV economic life. [yr]"""
    wind_capex_per_kw: float = Field(default=5500.0, ge=0)
    """Wind installed cost per kW of turbine rating. [currency/kW]"""
    wind_om_per_kw_year: float = Field(default=150.0, ge=0)
    """Wind fixed O&M. [currency/kW/yr]"""
    wind_life_years: float = Field(default=20.0, gt=0, le=60)
    """Wind economic life. [yr]"""
    battery_capex_per_kwh: float = Field(default=800.0, ge=0)
    """Battery energy-related installed cost per kWh of usable capacity. [currency/kWh]"""
    battery_capex_per_kw: float = Field(default=400.0, ge=0)
    """Battery power-related installed cost (converter, grid connection) per kW. [currency/kW]"""
    battery_om_per_kw_year: float = Field(default=20.0, ge=0)
    """Battery fixed O&M per kW of power rating. [currency/kW/yr]"""
    battery_life_years: float = Field(default=12.0, gt=0, le=40)
    """Battery economic life. [yr]"""
    battery_round_trip_efficiency: float = Field(default=0.9, gt=0.3, le=1)
    """AC round-trip efficiency, split evenly between charge and discharge. [-]"""
    battery_min_soc_frac: float = Field(default=0.05, ge=0, lt=1)
    """Lowest state of charge as a share of capacity. [-]"""

    def by_size(self) -> dict[str, tuple[float, float, float]]:
        """(capex per unit, fixed O&M per unit-year, life) of each size, so every costing agrees.

        Keys are the size names of the study (pv_kw, wind_kw, battery_kwh, battery_kw); the
        battery's O&M is charged on its power rating. [currency/unit, currency/unit/yr, yr]
        """
        return {
            "pv_kw": (self.pv_capex_per_kw, self.pv_om_per_kw_year, self.pv_life_years),
            "wind_kw": (self.wind_capex_per_kw, self.wind_om_per_kw_year, self.wind_life_years),
            "battery_kwh": (self.battery_capex_per_kwh, 0.0, self.battery_life_years),
            "battery_kw": (self.battery_capex_per_kw, self.battery_om_per_kw_year, self.battery_life_years),
        }


class Limits(_Model):
    """Bounds on the sizes (land for PV and wind, space for storage)."""

    pv_min_kw: float = Field(default=0.0, ge=0)
    """Smallest PV size. [kWp]"""
    pv_max_kw: float = Field(default=50_000.0, ge=0)
    """Largest PV size (land). [kWp]"""
    wind_min_kw: float = Field(default=0.0, ge=0)
    """Smallest wind size. [kW]"""
    wind_max_kw: float = Field(default=50_000.0, ge=0)
    """Largest wind size (land, permits). [kW]"""
    battery_min_kwh: float = Field(default=0.0, ge=0)
    """Smallest battery energy. [kWh]"""
    battery_max_kwh: float = Field(default=80_000.0, ge=0)
    """Largest battery energy. [kWh]"""
    battery_min_kw: float = Field(default=0.0, ge=0)
    """Smallest battery power. [kW]"""
    battery_max_kw: float = Field(default=20_000.0, ge=0)
    """Largest battery power. [kW]"""

    @model_validator(mode="after")
    def _min_below_max(self) -> Limits:
        for tech, unit in (("pv", "kw"), ("wind", "kw"), ("battery", "kwh"), ("battery", "kw")):
            low = getattr(self, f"{tech}_min_{unit}")
            high = getattr(self, f"{tech}_max_{unit}")
            if low > high:
                raise ValueError(
                    f"{tech}_min_{unit} = {low:g} exceeds {tech}_max_{unit} = {high:g}; the minimum must not "
                    "exceed the maximum"
                )
        return self


class Subsidies(_Model):
    """Support an investor receives: a share of capital cost and a price on green power."""

    capex_share: float = Field(default=0.0, ge=0, lt=1)
    """Share of PV, wind and battery capital cost paid by a voucher or grant. [-]"""
    green_power_price_per_kwh: float = Field(default=0.0, ge=0, le=5)
    """Premium paid per kWh of on-site renewable energy used (green certificate). [currency/kWh]"""


class Voucher(_Model):
    """A province's computing-power voucher: a share of the compute contract paid, capped per firm."""

    province: str = Field(min_length=1)
    """Province whose sites it applies to (as in the site file's ``site.province``). [-]"""
    share: float = Field(gt=0, le=1)
    """Share of the valid contract value the voucher pays. [-]"""
    cap_per_firm: float | None = Field(default=None, ge=0)
    """Most a firm receives a year; None for no cap. [currency/yr]"""
    source: str = ""
    """Publication and year the terms come from. [-]"""


class Scenario(_Model):
    """One scenario of a study: prices, flexibility, technology options, costs, limits and subsidies."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """Short name used in files and figures. [-]"""
    description: str = ""
    """What the scenario represents. [-]"""
    carbon_price_per_t: float = Field(default=0.0, ge=0, le=10_000)
    """Price on emitted CO2 (location-based) in the objective. [currency/tCO2]"""
    renewables: bool = True
    """Size on-site PV, wind and battery (True) or stay grid only (False). [-]"""
    it_mw: float | None = Field(default=None, gt=0, le=1000)
    """IT nameplate to scale each site's fleet, firm load and import limit to; None keeps the site's. [MW]"""
    training_utilisation: float = Field(default=0.8, ge=0, le=1)
    """Average share of the training nodes' busy power drawn over the year. [-]"""
    flexible_share: float = Field(default=0.3, ge=0, le=1)
    """Share of the training energy that may be deferred within its class window. [-]"""
    flex_classes: list[FlexClass] = Field(
        default_factory=lambda: [
            FlexClass(window_h=4, share=0.4),
            FlexClass(window_h=24, share=0.4),
            FlexClass(window_h=48, share=0.2),
        ],
        min_length=1,
    )
    """Flexibility classes; their shares sum to 1. [-]"""
    discount_rate: float = Field(default=0.06, gt=0, lt=1)
    """Real discount rate for annualising capital and the NPV. [-]"""
    analysis_years: float = Field(default=20.0, gt=0, le=60)
    """Period of the NPV against business as usual. [yr]"""
    tariff_scale: float = Field(default=1.0, gt=0, le=10)
    """Multiplier on every import price of the site's tariff. [-]"""
    emission_factor_kg_per_kwh: float | None = Field(default=None, ge=0, le=2)
    """Override of the annual grid emission factor; the hourly shape is rescaled to it. [kgCO2/kWh]"""
    demand_charge_per_kw_month: float | None = Field(default=None, ge=0)
    """Override of the site's demand charge. [currency/kW-month]"""
    export_limit_kw: float | None = Field(default=None, ge=0)
    """Override of the site's export limit. [kW]"""
    export_price_per_kwh: float | None = Field(default=None, ge=0, le=20)
    """Override of the site's export price. [currency/kWh]"""
    costs: TechCosts = Field(default_factory=TechCosts)
    """Technology costs. [-]"""
    limits: Limits = Field(default_factory=Limits)
    """Size limits. [-]"""
    subsidies: Subsidies = Field(default_factory=Subsidies)
    """Subsidies. [-]"""
    currency: str = Field(default="CNY", pattern=r"^[A-Z]{3}$")
    """ISO 4217 currency of every cost and price in this scenario. [-]"""
    gpu_hour_price: float | None = Field(default=None, gt=0, le=1000)
    """Contract price a customer pays per GPU-hour (the base of computing-power vouchers). [currency/GPU-h]"""
    customer_firms: int = Field(default=1, ge=1, le=10_000)
    """Customer firms sharing the site's GPU-hours (each voucher cap applies per firm). [-]"""
    vouchers: list[Voucher] = Field(default_factory=list)
    """Computing-power vouchers by province. [-]"""
    min_green_share: float = Field(default=0.0, ge=0, le=1)
    """Least share of facility energy from on-site renewables and green-power purchases. [-]"""
    green_purchase_price_per_kwh: float | None = Field(default=None, ge=0, le=5)
    """Premium on imports bought as green power (certificates, green deals); None: none. [currency/kWh]"""

    horizon_years: int = Field(default=1, ge=1, le=30)
    """Years of demand growth planned one after the other with staged builds; 1: one year that
    repeats over the analysis period (docs/compare.md, "Demand growth"). [yr]"""
    it_growth_per_year: float = Field(default=1.0, gt=0, le=10)
    """Factor on the IT load (and the grid connection) from one year of the horizon to the next;
    2 doubles it every year. [-]"""

    @field_validator("horizon_years")
    @classmethod
    def _horizon_within_analysis(cls, years: int, info: ValidationInfo) -> int:
        analysis = info.data.get("analysis_years")
        if analysis is not None and years > analysis:
            raise ValueError(
                f"horizon_years = {years} exceeds analysis_years = {analysis:g}; "
                "the growth years lie within the analysis period"
            )
        return years

    @field_validator("it_growth_per_year")
    @classmethod
    def _growth_needs_a_horizon(cls, growth: float, info: ValidationInfo) -> float:
        years = info.data.get("horizon_years")
        if growth != 1.0 and years == 1:
            raise ValueError(
                f"it_growth_per_year = {growth:g} needs horizon_years > 1 (the years the load grows over)"
            )
        it_mw = info.data.get("it_mw")
        if it_mw is not None and years is not None and it_mw * growth ** (years - 1) > 1000:
            raise ValueError(
                f"it_mw = {it_mw:g} grown {growth:g}x a year reaches {it_mw * growth ** (years - 1):,.0f} MW "
                f"in year {years}, above 1000 MW"
            )
        return growth

    @model_validator(mode="after")
    def _vouchers_need_a_price(self) -> Scenario:
        if self.vouchers and self.gpu_hour_price is None:
            raise ValueError("vouchers need gpu_hour_price (the contract value they are a share of)")
        return self

    def voucher_for(self, province: str) -> Voucher | None:
        """The voucher of a site's province, if this scenario has one. [-]"""
        return next((v for v in self.vouchers if v.province.lower() == province.lower()), None)

    @field_validator("flex_classes")
    @classmethod
    def _shares_sum_to_one(cls, classes: list[FlexClass]) -> list[FlexClass]:
        total = sum(c.share for c in classes)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"flex_classes shares sum to {total:g}; they must sum to 1")
        return classes


class StudyHeader(_Model):
    """The optional ``[study]`` table of a scenario file."""

    name: str = Field(default="study", pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    """Study name; the default output folder is greendc-data/studies/<name>/. [-]"""
    sites: list[str] | None = None
    """Site ids or site-file paths to compare; the command line's --sites overrides it. [-]"""
    year: int | None = Field(default=None, ge=1900, le=2200)
    """Calendar year of the synthetic weather; the command line's --year overrides it. [-]"""
    currency: str | None = Field(default=None, pattern=r"^[A-Z]{3}$")
    """Reporting currency of a study that mixes currencies. [-]"""
    exchange_rates: dict[str, float] = Field(default_factory=dict)
    """Units of the reporting currency per unit of each other currency, e.g. { USD = 7.1 }. [-]"""

    @field_validator("exchange_rates")
    @classmethod
    def _positive_rates(cls, rates: dict[str, float]) -> dict[str, float]:
        for code, rate in rates.items():
            if len(code) != 3 or not code.isupper() or not rate > 0:
                raise ValueError(f"exchange_rates.{code} = {rate:g}: use a 3-letter code and a positive rate")
        return rates


class ScenarioFile(_Model):
    """A whole scenario file."""

    study: StudyHeader = Field(default_factory=StudyHeader)
    """Study header. [-]"""
    scenario: list[Scenario] = Field(min_length=1)
    """The scenarios. [-]"""


#: Carbon prices of the default set: about the 2024 China national ETS price, and a high price of
#: the order of the EU ETS in 2023 (ICAP, *Emissions Trading Worldwide: Status Report 2024*). [CNY/t]
LOW_CARBON_PRICE_PER_T = 100.0
HIGH_CARBON_PRICE_PER_T = 600.0


def default_scenarios() -> list[Scenario]:
    """The built-in set: carbon price low / high, each grid only and with sized on-site renewables."""
    out = []
    for label, price in (("low", LOW_CARBON_PRICE_PER_T), ("high", HIGH_CARBON_PRICE_PER_T)):
        for suffix, renewables in (("grid", False), ("onsite", True)):
            out.append(
                Scenario(
                    name=f"{label}-{suffix}",
                    description=(
                        f"carbon price {price:g} CNY/t, "
                        + ("PV, wind and battery sized" if renewables else "grid only")
                    ),
                    carbon_price_per_t=price,
                    renewables=renewables,
                )
            )
    return out


def parse_scenarios(data: bytes | str, *, file: str | Path = "<string>") -> ScenarioFile:
    """Parse and validate a scenario file's TOML text; errors name the file, the scenario and the key."""
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", file=file) from None
    try:
        parsed = ScenarioFile.model_validate(raw)
    except ValidationError as exc:
        raise _scenario_error(exc, raw, file) from None
    _check_unique_names(parsed, file)
    if parsed.study.sites is not None:
        for site in parsed.study.sites:
            check_site_exists(site, file=file, key="study.sites")
    return parsed


def load_scenarios(path: str | Path) -> ScenarioFile:
    """A validated scenario file from disk."""
    path = Path(path)
    if not path.is_file():
        raise InputError("scenario file not found", file=path)
    return parse_scenarios(path.read_bytes(), file=path)


def check_site_exists(site: str, *, file: str | Path | None, key: str) -> None:
    """Raise an InputError naming the file and key when a site id or path does not exist."""
    try:
        resolve_site_path(site)
    except InputError as exc:
        raise InputError(f"{site!r}: {exc.message}", file=file, key=key) from None


def _check_unique_names(parsed: ScenarioFile, file: str | Path) -> None:
    seen: set[str] = set()
    for scenario in parsed.scenario:
        if scenario.name in seen:
            raise InputError(f"scenario name {scenario.name!r} is used twice", file=file, key="scenario.name")
        seen.add(scenario.name)


def _scenario_error(exc: ValidationError, raw: dict[str, object], file: str | Path) -> InputError:
    """The first pydantic error as one line: file, 'scenario <name>' and the dotted key, what is allowed."""
    error = exc.errors()[0]
    loc = list(error["loc"])
    where = ".".join(str(p) for p in loc) or "(top level)"
    if len(loc) >= 2 and loc[0] == "scenario" and isinstance(loc[1], int):
        scenarios = raw.get("scenario")
        name = f"#{loc[1] + 1}"
        if isinstance(scenarios, list) and loc[1] < len(scenarios) and isinstance(scenarios[loc[1]], dict):
            name = str(scenarios[loc[1]].get("name", name))
        where = f"scenario {name!r}: " + (".".join(str(p) for p in loc[2:]) or "(table)")
    kind = error["type"]
    if kind == "extra_forbidden":
        message = "unknown key; allowed keys are listed in docs/file-formats.md (Scenario file)"
    elif kind == "missing":
        message = "required key is missing"
    else:
        message = str(error["msg"]).removeprefix("Value error, ")
        if not isinstance(error.get("input"), dict | list) and kind != "value_error":
            message = f"{message} (got {error.get('input')!r})"
    return InputError(message, file=file, key=where)
