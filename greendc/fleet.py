"""The fleet file (TOML): which sites the nightly run plans, where each night's inputs come from.

```toml
[fleet]
name = "hubs"
output_root = "greendc-data"      # data folder: plans/<site>/<date>/, runs.sqlite, the lock
workers = 2                        # Dask worker processes

[defaults]                         # any [[site]] key except id/file; a site's own value wins
jobs = "sample"
time_limit_s = 30

[[site]]
id = "zhangjiakou"                 # a built-in id, or: file = "my-site.toml"
jobs = "queues/{site}/{date}.csv"  # "sample", a CSV/JSON queue or a Slurm `squeue --json` dump
weather = "forecasts/{site}/{date}.nc"
```

Relative paths are relative to the fleet file's folder; ``{site}`` and ``{date}`` (YYYY-MM-DD, the
plan date) are filled in per site and night. docs/file-formats.md lists every key.
"""

from __future__ import annotations

import hashlib
import string
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from greendc.optimizer.io.publish import DEFAULT_DATA_DIR
from greendc.sites.loader import builtin_ids, validation_to_input_error
from greendc.weather.errors import InputError

JobsFormat = Literal["auto", "squeue"]
WeatherFallback = Literal["synthetic", "keep_previous"]
#: How the nightly plans the fleet: each site alone, or one joint plan across hubs (docs/fleet.md).
FleetMode = Literal["independent", "joint"]
#: The plans a joint fleet plan compares (greendc.optimizer.fleet.solve.CANDIDATES).
Candidate = Literal["independent", "greedy", "joint"]
CANDIDATES: tuple[Candidate, ...] = ("independent", "greedy", "joint")
PLACEHOLDERS = frozenset({"site", "date"})
_T = TypeVar("_T")


def check_pattern(pattern: str, key: str) -> None:
    """Reject placeholders other than {site} and {date} in a path pattern."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(pattern) if name is not None}
    except ValueError as exc:
        raise ValueError(f"bad path pattern for {key}: {exc}") from None
    unknown = names - PLACEHOLDERS
    if unknown:
        first = sorted(unknown)[0]
        raise ValueError(f"unknown placeholder {{{first}}} in {key}; allowed: {{site}}, {{date}}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class SiteInputs(_Model):
    """Per-site inputs and limits; every key optional so [defaults] and [[site]] share it."""

    jobs: str | None = None
    """'sample' (the built-in sample queue sized to the site) or a queue file path pattern. [-]"""
    jobs_format: JobsFormat | None = None
    """auto (a queue file, CSV or JSON by its extension) or squeue (a Slurm `squeue --json` dump). [-]"""
    weather: str | None = None
    """Forecast file path pattern (EPW, CSV, NetCDF); unset means the synthetic year, with a warning. [-]"""
    weather_fallback: WeatherFallback | None = None
    """Forecast file missing: plan on the synthetic year (flagged fallback) or keep the previous plan. [-]"""
    seed: int | None = None
    """Seed of the sample queue. [-]"""
    time_limit_s: float | None = Field(default=None, gt=0, le=3600)
    """Solver wall-clock limit; the heuristic fallback plan after it. [s]"""
    wall_limit_s: float | None = Field(default=None, gt=0, le=7200)
    """Hard limit on the whole site task (start, inputs, solve, writing); killed after it. [s]"""
    step_minutes: int | None = Field(default=None, gt=0, le=60)
    """Time step of the plan. [min]"""
    horizon_h: float | None = Field(default=None, gt=0, le=168)
    """Planning horizon from local midnight of the plan date. [h]"""
    carbon_price_per_t: float | None = Field(default=None, ge=0)
    """Price on emitted CO2 in the objective. [currency/tCO2]"""
    rel_gap: float | None = Field(default=None, gt=0, lt=1)
    """Relative MIP gap at which the solver stops. [-]"""

    @model_validator(mode="after")
    def _known_placeholders(self) -> SiteInputs:
        for name in ("jobs", "weather"):
            pattern = getattr(self, name)
            if pattern is not None:
                check_pattern(pattern, name)
        return self


class SiteEntry(SiteInputs):
    """One [[site]]: a built-in id or a site file, with its own inputs."""

    id: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    """Built-in site id (see `greendc sites list`). [-]"""
    file: str | None = None
    """Site file (TOML), relative to the fleet file. [-]"""

    @model_validator(mode="after")
    def _one_of_id_or_file(self) -> SiteEntry:
        if (self.id is None) == (self.file is None):
            raise ValueError("give exactly one of 'id' (a built-in site) or 'file' (a site file)")
        return self


class FleetSection(_Model):
    """The [fleet] table: name, data folder, parallelism."""

    name: str = "fleet"
    """Label in logs and history. [-]"""
    output_root: str = str(DEFAULT_DATA_DIR)
    """Data folder for plans, history and the lock, relative to the fleet file. [-]"""
    workers: int = Field(default=2, ge=1, le=256)
    """Dask worker processes (each runs one site at a time). [-]"""
    scheduler: str | None = None
    """Address of an existing Dask scheduler; unset starts a local cluster of processes. [-]"""
    keep_days: int = Field(default=14, ge=1, le=3650)
    """Plans of dates more than this many days before the night's date are pruned. [d]"""
    mode: FleetMode = "independent"
    """The nightly: each site planned alone, or one joint plan moving work between hubs ([joint]). [-]"""


class JointSection(_Model):
    """The [joint] table: the fleet queue, the network and the inference demand (docs/fleet.md)."""

    jobs: str = "builtin"
    """'builtin' (the built-in fleet queue) or a CSV/JSON queue with the fleet columns. [-]"""
    n_jobs: int = Field(default=2000, ge=1, le=100_000)
    """Jobs in the built-in fleet queue. [-]"""
    seed: int = 0
    """Seed of the built-in fleet queue. [-]"""
    price_per_gb: float = Field(default=0.05, ge=0, le=100)
    """Transfer price on the built-in links (an estimate). [currency/GB]"""
    bandwidth_gbps: float = Field(default=100.0, gt=0, le=100_000)
    """Bandwidth of the built-in links, each direction. [Gbit/s]"""
    inference_peak_kw: float = Field(default=1500.0, ge=0, le=1_000_000)
    """Peak inference load of each built-in demand region. [kW]"""
    inference_latency_ms: float = Field(default=10.0, gt=0, le=1000)
    """Latency limit of the built-in regions' inference. [ms]"""
    lp_time_limit_s: float = Field(default=300.0, gt=0, le=7200)
    """Time limit of the joint LP (the bound). [s]"""
    wall_limit_s: float = Field(default=3600.0, gt=0, le=86_400)
    """The nightly's hard limit on the whole joint plan; killed after it, each hub then planned alone. [s]"""
    candidates: list[Candidate] = Field(default_factory=lambda: list(CANDIDATES), min_length=1)
    """Plans compared; the fleet plan is the cheapest. [-]"""
    hub_reports: bool = True
    """Write each hub folder's report.html, as a plan folder has one (plotly.js shared: the data folder's,
    or the fleet folder's own ``assets/`` outside one); false saves the seconds it takes. [-]"""


class LinkEntry(_Model):
    """A [[link]]: replaces (or adds) the link between hubs a and b."""

    a: str
    b: str
    bandwidth_gbps: float = Field(gt=0, le=100_000)
    latency_ms: float = Field(ge=0, le=1000)
    price_per_gb: float = Field(ge=0, le=100)
    source: str = ""
    estimate: bool = True


class RegionEntry(_Model):
    """A [[region]]: inference demand of a region (one of the built-in regions' ids)."""

    id: str
    kw: list[float] = Field(min_length=24, max_length=24)
    """24 hourly values from local midnight. [kW]"""
    latency_ms: float = Field(gt=0, le=1000)


class Fleet(_Model):
    """A whole fleet file."""

    fleet: FleetSection = FleetSection()
    defaults: SiteInputs = SiteInputs()
    site: list[SiteEntry] = Field(min_length=1)
    """The sites, in order. [-]"""
    joint: JointSection = JointSection()
    """The joint plan's queue, network and demand (`greendc fleet plan`, the nightly's joint mode). [-]"""
    link: list[LinkEntry] = Field(default_factory=list)
    region: list[RegionEntry] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_sites(self) -> Fleet:
        refs = [s.id or s.file for s in self.site]
        duplicates = sorted({r for r in refs if refs.count(r) > 1 and r is not None})
        if duplicates:
            raise ValueError(f"site listed twice: {', '.join(duplicates)}")
        return self


#: Values used when neither the site nor [defaults] sets a key (wall_limit_s: time_limit_s + WALL_MARGIN_S).
BUILTIN_DEFAULTS = SiteInputs(
    jobs="sample",
    jobs_format="auto",
    weather_fallback="synthetic",
    time_limit_s=60.0,
    step_minutes=15,
    horizon_h=24.0,
    rel_gap=1e-3,
)
#: Time a site task gets beyond the solver's limit: process start, imports, profile, baseline, writing. [s]
WALL_MARGIN_S = 120.0


@dataclass(frozen=True)
class SiteTask:
    """One site's work for one night, fully resolved (absolute paths, no inherited values); JSON-able."""

    ref: str
    """Built-in id or absolute site-file path, for sites.load_site. [-]"""
    label: str
    """Folder name under plans/: the site id (a site file's [site].id, its stem if unreadable). [-]"""
    plan_date: str
    jobs: str
    jobs_format: str
    weather: str | None
    weather_fallback: str
    seed: int | None
    time_limit_s: float
    wall_limit_s: float
    step_minutes: int
    horizon_h: float
    carbon_price_per_t: float | None  # None: the site file's [grid] carbon_price_per_t
    rel_gap: float
    output_root: str


def load_fleet(path: str | Path) -> Fleet:
    """Read and validate a fleet file; any problem is one InputError naming the file and key."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError("fleet file not found", file=file) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read fleet file: {exc}", file=file) from None
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"malformed TOML: {exc}", file=file) from None
    try:
        return Fleet.model_validate(raw)
    except ValidationError as exc:
        error = validation_to_input_error(exc, file, root=Fleet)
        raise InputError(error.message, file=file, key=_one_based(error.key)) from None


def _one_based(key: str | None) -> str | None:
    """'site.2.jobs' -> 'site[3].jobs' (also link, region): counted from 1, as a person reads the file."""
    if key is None:
        return None
    parts = key.split(".")
    if len(parts) >= 2 and parts[0] in ("site", "link", "region") and parts[1].isdigit():
        return ".".join([f"{parts[0]}[{int(parts[1]) + 1}]", *parts[2:]])
    return key


def fleet_digest(path: Path) -> str:
    """SHA-256 of the fleet file's bytes, recorded with each run."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def output_root(fleet: Fleet, fleet_path: Path) -> Path:
    """The data folder, absolute (relative paths are taken from the fleet file's folder)."""
    return _absolute(fleet.fleet.output_root, fleet_path.parent)


def _absolute(text: str, base: Path) -> Path:
    """A path from the fleet file made absolute against the fleet file's folder (``~`` expanded)."""
    path = Path(text).expanduser()
    return path if path.is_absolute() else (base / path).resolve()


def site_label(entry: SiteEntry, base: Path) -> str:
    """The plans/ folder name of a site: its id; for a file, its [site].id, else the file stem."""
    if entry.id is not None:
        return entry.id
    path = _absolute(str(entry.file), base)
    try:
        label = tomllib.loads(path.read_text(encoding="utf-8"))["site"]["id"]
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, KeyError, TypeError):
        return path.stem
    return label if isinstance(label, str) and label else path.stem


def resolve(fleet: Fleet, fleet_path: Path, plan_date: date) -> list[SiteTask]:
    """Every site's task for the night: site values over [defaults] over BUILTIN_DEFAULTS, paths absolute."""
    base = fleet_path.resolve().parent
    root = str(output_root(fleet, fleet_path))
    check_builtin_ids(fleet, fleet_path)
    tasks = [
        _task(entry, _layered(BUILTIN_DEFAULTS, fleet.defaults, entry), base, plan_date, root)
        for entry in fleet.site
    ]
    labels = [t.label for t in tasks]
    duplicates = sorted({label for label in labels if labels.count(label) > 1})
    if duplicates:
        raise InputError(f"two sites share the id {duplicates[0]}", file=fleet_path, key="site")
    return tasks


def check_builtin_ids(fleet: Fleet, fleet_path: Path) -> None:
    """An id that is not in the catalogue is a fleet-file error (it will not fix itself overnight)."""
    known = builtin_ids()
    for number, entry in enumerate(fleet.site, start=1):
        if entry.id is not None and entry.id not in known:
            raise InputError(
                f"unknown built-in site {entry.id!r}; built-in ids are {', '.join(known)}",
                file=fleet_path, key=f"site[{number}].id",
            )


def _task(entry: SiteEntry, value: SiteInputs, base: Path, plan_date: date, root: str) -> SiteTask:
    """One site's resolved task; ``value`` holds every key (BUILTIN_DEFAULTS is the bottom layer)."""
    label = site_label(entry, base)
    fill = {"site": label, "date": plan_date.isoformat()}
    jobs = _required(value.jobs)
    time_limit_s = _required(value.time_limit_s)
    return SiteTask(
        ref=entry.id if entry.id is not None else str(_absolute(str(entry.file), base)),
        label=label,
        plan_date=plan_date.isoformat(),
        jobs=jobs if jobs == "sample" else str(_absolute(jobs.format(**fill), base)),
        jobs_format=_required(value.jobs_format),
        weather=None if value.weather is None else str(_absolute(value.weather.format(**fill), base)),
        weather_fallback=_required(value.weather_fallback),
        seed=value.seed,
        time_limit_s=time_limit_s,
        wall_limit_s=value.wall_limit_s if value.wall_limit_s is not None else time_limit_s + WALL_MARGIN_S,
        step_minutes=_required(value.step_minutes),
        horizon_h=_required(value.horizon_h),
        carbon_price_per_t=value.carbon_price_per_t,
        rel_gap=_required(value.rel_gap),
        output_root=root,
    )


def _layered(*layers: SiteInputs) -> SiteInputs:
    """Later layers' set keys over earlier ones (a [[site]] entry contributes only SiteInputs keys)."""
    data: dict[str, object] = {}
    for layer in layers:
        data.update(layer.model_dump(include=set(SiteInputs.model_fields), exclude_none=True))
    return SiteInputs.model_validate(data)


def _required(value: _T | None) -> _T:
    """A key BUILTIN_DEFAULTS always sets; None here is a bug, not bad input."""
    if value is None:
        raise AssertionError("BUILTIN_DEFAULTS must set every key but weather, seed and wall_limit_s")
    return value
