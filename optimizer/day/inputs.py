"""What a day's plan starts from: the site, the plan date, the queue and the weather, read and checked once.

``read_inputs`` loads them (the site file once: its bytes give both the Site and its digest) and
records an input digest for each; ``profile_for`` makes the site profile of the horizon from local
midnight of the plan date. Every caller of the plan service (``greendc plan``, the nightly, What-if,
tests) goes through these, so the digests and the profile are the same wherever a plan is made.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import xarray as xr
from greendc.optimizer.io import publish
from greendc.optimizer.types import Job, PlanSettings
from greendc.sites.model import Site
from greendc.weather.errors import InputError

#: The data folder (docs/file-formats.md, "Data folder"); plans go to ``plans/<site>/<date>/`` under it.
DEFAULT_DATA_DIR = publish.DEFAULT_DATA_DIR
#: Plan dates greendc accepts: inside pandas' nanosecond timestamps (1677-2262) with a horizon to spare.
FIRST_PLAN_DATE, LAST_PLAN_DATE = date(1900, 1, 1), date(2200, 12, 31)


@dataclass(frozen=True)
class PlanInputs:
    """What to plan: the site, the day, the queue, the weather and how."""

    site: Site
    plan_date: date
    jobs: list[Job]
    settings: PlanSettings
    weather: xr.Dataset | None = None
    """Weather Dataset, or None for the site's synthetic typical year. [-]"""
    digests: dict[str, str] = field(default_factory=dict)
    """SHA-256 of the site file, the queue and the weather (or a label for made inputs). [-]"""
    warnings: list[str] = field(default_factory=list)
    """Warnings raised while reading the inputs, one line each. [-]"""
    site_toml: bytes = b""
    """The site file's bytes, kept in the plan folder's inputs/ (empty: not kept). [-]"""


def tomorrow(timezone: str, now: pd.Timestamp | None = None) -> date:
    """Tomorrow on the site's local calendar (the default plan date)."""
    today = (now if now is not None else pd.Timestamp.now(tz="UTC")).tz_convert(timezone).date()
    return today + timedelta(days=1)


def check_plan_date(day: date, key: str = "--date") -> date:
    """Refuse a date outside FIRST_PLAN_DATE..LAST_PLAN_DATE before pandas fails on it with a traceback."""
    if not FIRST_PLAN_DATE <= day <= LAST_PLAN_DATE:
        raise InputError(f"{day.isoformat()} is outside the plan dates greendc supports "
                         f"({FIRST_PLAN_DATE.isoformat()} to {LAST_PLAN_DATE.isoformat()})", key=key)
    return day


def day_start(plan_date: date, timezone: str) -> pd.Timestamp:
    """Local midnight starting the plan date, timezone-aware."""
    return pd.Timestamp(plan_date).tz_localize(timezone)


def default_out_dir(site_id: str, plan_date: date, data_dir: Path = DEFAULT_DATA_DIR) -> Path:
    """``<data>/plans/<site>/<date>/``, the folder the dashboard reads."""
    return data_dir / "plans" / site_id / plan_date.isoformat()


def check_out_dir(out: Path) -> None:
    """Refuse an output path that cannot become a plan folder (a file, or inside one) before any work."""
    path = Path(out)
    if path.is_file():
        raise InputError("exists and is a file, not a plan folder; give a folder path", file=path,
                         key="--out")
    blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise InputError(f"is a file, so {path} cannot be a plan folder; give a folder path", file=blocker,
                         key="--out")
    publish.check_target(path, publish.PLAN_FOLDER)  # never replace what greendc did not write


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of bytes, hex (input digests)."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    """SHA-256 of a file's bytes, hex."""
    return sha256_bytes(Path(path).read_bytes())


def jobs_digest(jobs: Sequence[Job]) -> str:
    """SHA-256 of a job list in canonical JSON (for a queue that was made, not read)."""
    rows = [{k: str(v) for k, v in sorted(vars(j).items())} for j in jobs]
    return sha256_bytes(json.dumps(rows, sort_keys=True).encode())


def sample_digest(seed: int, jobs: Sequence[Job]) -> str:
    """plan.json's digest of the built-in sample queue: its seed and the queue's canonical digest."""
    return f"sample:{seed}:{jobs_digest(jobs)}"


@contextmanager
def collected_warnings(into: list[str]) -> Iterator[None]:
    """Collect the warnings raised inside as one-line strings in ``into`` (printed and recorded later)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    into.extend(str(w.message) for w in caught if issubclass(w.category, UserWarning))


def read_site(site_ref: str | Path) -> tuple[Site, bytes]:
    """The site and its file's bytes, the file read once (an id or a path), as ``load_site`` reads it."""
    from greendc.sites.loader import anchor_files, parse_site, resolve_site_path

    path = resolve_site_path(site_ref).resolve()
    try:
        site_toml = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the site file ({exc.strerror or exc})", file=path) from None
    return anchor_files(parse_site(site_toml, file=path), path.parent), site_toml


#: Settings whose default is the site's own, and where the site file gives it: the carbon price
#: (``[grid] carbon_price_per_t``) and the checkpoint overhead per resume (``[it] checkpoint_overhead_h``).
SITE_DEFAULTS: dict[str, Callable[[Site], float]] = {
    "carbon_price_per_t": lambda site: float(site.grid.carbon_price_per_t),
    "checkpoint_overhead_h": lambda site: float(site.it.checkpoint_overhead_h),
}


def with_site_defaults(settings: PlanSettings, site: Site, unset: Iterable[str]) -> PlanSettings:
    """The settings with each of ``unset`` (names of SITE_DEFAULTS the caller did not give) from the site.

    The one place the command line and the nightly take these defaults from the site file.
    """
    names = list(unset)
    unknown = sorted(set(names) - set(SITE_DEFAULTS))
    if unknown:
        raise ValueError(f"no site default for {', '.join(unknown)}")
    return replace(settings, **{name: SITE_DEFAULTS[name](site) for name in names}) if names else settings


def read_inputs(site_ref: str | Path, *, plan_date: date | None, jobs_path: Path | None,
                weather_path: Path | None, settings: PlanSettings, seed: int = 0,
                site_defaults: Iterable[str] = ()) -> PlanInputs:
    """Load the site, the queue (or the sample queue) and the weather (or None: the synthetic year).

    ``site_defaults`` names the settings the caller left unset: they are taken from the site file
    (``with_site_defaults``), so the CLI and the nightly plan with the same defaults.
    """
    site, site_toml = read_site(site_ref)
    settings = with_site_defaults(settings, site, site_defaults)
    tz = site.site.timezone
    day = check_plan_date(plan_date) if plan_date else tomorrow(tz)
    notes: list[str] = []
    digests = {"site": sha256_bytes(site_toml)}
    with collected_warnings(notes):
        if jobs_path is None:
            from greendc.optimizer.io.sample_queue import sample_queue

            jobs = sample_queue(site, day_start(day, tz), seed=seed, horizon_h=settings.horizon_h)
            digests["jobs"] = sample_digest(seed, jobs)
        else:
            from greendc.optimizer.io.jobs import read_jobs

            jobs = read_jobs(jobs_path, tz)
            digests["jobs"] = sha256_file(jobs_path)
        weather = None
        if weather_path is not None:
            from greendc.weather.readers import read_weather

            if not Path(weather_path).is_file():
                raise InputError("weather file not found", file=weather_path, key="--weather")
            weather, _meta = read_weather(weather_path)
            digests["weather"] = sha256_file(weather_path)
        else:
            digests["weather"] = "synthetic"
    return PlanInputs(site, day, jobs, settings, weather, digests, notes, site_toml)


def horizon_profile(site: Site, weather: xr.Dataset | None, plan_date: date,
                    settings: PlanSettings) -> xr.Dataset:
    """The site profile over the horizon from local midnight of the plan date (None: synthetic year)."""
    from greendc.sites.profile import site_profile

    tz = site.site.timezone
    start = day_start(plan_date, tz)
    end = start + pd.Timedelta(hours=settings.horizon_h)
    return site_profile(site, weather, start.tz_localize(None), end.tz_convert(tz).tz_localize(None),
                        settings.step_minutes)


def profile_for(inputs: PlanInputs) -> xr.Dataset:
    """The site profile of the inputs' horizon."""
    return horizon_profile(inputs.site, inputs.weather, inputs.plan_date, inputs.settings)
