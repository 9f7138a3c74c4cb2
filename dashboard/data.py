"""All file access of the dashboard: plans, studies and the nightly history under one data folder.

Only files under the data folder are ever read. Every name that reaches this module from a URL, a
dropdown or any other input is checked against a strict pattern, joined to the data folder,
resolved (following symbolic links) and refused unless it is still inside the folder. Problems with
a folder's content (missing file, bad JSON, missing columns, a half-written plan) raise
``DataError`` so a page can show an error card instead of crashing.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from greendc.optimizer.io import history
from greendc.optimizer.io.planfolder import read_plan_folder
from greendc.optimizer.io.planjson import PlanMeta
from greendc.weather.errors import InputError

#: Folder and file names allowed in a data-folder path: no separators, no leading dot.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$")

PLANS = "plans"
STUDIES = "studies"
#: Joint fleet plans: ``fleet/<name>/<date>`` and ``latest`` (greendc fleet plan, the joint nightly).
FLEETS = "fleet"
FLEET_TABLES = {"transfers.csv": ("from_hub", "to_hub", "gb"),
                "assignments.csv": ("job_id", "home_hub", "hub", "moved")}
RUNS_DB = history.default_path(Path()).name
PLAN_FILES = ("plan.json", "steps.csv", "jobs.csv")
STUDY_TABLES = ("kpis.csv", "ranking.csv")
#: Columns of the nightly history the Runs page relies on (optimizer/io/history.py, docs/file-formats.md).
RUNS_TABLE = "site_runs"
RUN_SITE = "site"
RUN_DATE = "plan_date"
RUN_STARTED = "started_utc"
RUN_STATUS = "status"
#: History columns shown on the Runs page, in order (the rest: digests, raw KPI JSON, stay in the file).
RUN_SHOWN = (
    "site", "plan_date", "status", "solver_status", "gap", "objective_total", "energy_kwh", "carbon_kg",
    "pue", "cost_saving", "carbon_saving_kg", "wall_s", "build_s", "solve_s", "reason", "error",
    "started_utc", "run_id",
)


class DataError(InputError):
    """A data-folder path that is refused, or a plan / study / history that cannot be read."""


@dataclass(frozen=True)
class PlanData:
    """A saved plan folder as the pages use it (read and checked by ``greendc.optimizer.io.planfolder``)."""

    site: str
    """Site id (folder name under plans/). [-]"""
    date: str
    """Plan folder name under the site, normally the plan date YYYY-MM-DD. [-]"""
    folder: Path
    """Resolved plan folder, inside the data folder. [-]"""
    meta: dict[str, Any]
    """plan.json as plain data (``info.to_json()``), for the figure and report builders. [-]"""
    steps: pd.DataFrame
    """steps.csv with ``time`` parsed as UTC. [-]"""
    runs: pd.DataFrame
    """jobs.csv (one row per run interval) with ``start``/``end`` parsed as UTC. [-]"""
    job_status: pd.DataFrame
    """Per-job status from plan.json: job_id, status, finish, lateness_h, penalty_per_h, reason. [-]"""
    info: PlanMeta | None = None
    """plan.json as its typed model (greendc.optimizer.io.planjson). [-]"""


@dataclass(frozen=True)
class StudyData:
    """A saved study folder of ``greendc compare``."""

    name: str
    """Study folder name under studies/. [-]"""
    folder: Path
    """Resolved study folder, inside the data folder. [-]"""
    kpis: pd.DataFrame
    """kpis.csv: one row per site and scenario. [-]"""
    ranking: pd.DataFrame
    """ranking.csv: sites by the study's score. [-]"""


@dataclass(frozen=True)
class FleetPlanData:
    """A published joint fleet plan (optimizer/fleet/folder.py): its summary and its moves."""

    name: str
    """Fleet name (folder under fleet/). [-]"""
    date: str
    """Plan date YYYY-MM-DD (fleet.json). [-]"""
    folder: Path
    """Resolved fleet plan folder, inside the data folder. [-]"""
    summary: dict[str, Any]
    """fleet.json as plain data. [-]"""
    transfers: pd.DataFrame
    """transfers.csv: GB per link direction and step. [-]"""
    assignments: pd.DataFrame
    """assignments.csv: one row per job, where it runs and whether it moved. [-]"""
    hub_it_mw: dict[str, float] = field(default_factory=dict)
    """Each hub's mean IT load over the plan (its hubs/<hub>/steps.csv), where the folder has one. [MW]"""


def safe_path(data_dir: Path | str, *parts: str) -> Path:
    """The resolved path of ``parts`` under ``data_dir``; refuses any name or link that leaves it."""
    root = Path(data_dir).resolve()
    for part in parts:
        if not isinstance(part, str) or not _NAME.fullmatch(part) or ".." in part:
            raise DataError(
                "refused: names may contain only letters, digits, '_', '-', '+', '.' (no '..' or '/')",
                file=str(root), key=repr(part)[:80],
            )
    path = root.joinpath(*parts).resolve()
    if not path.is_relative_to(root):
        raise DataError("refused: the path leaves the data folder", file=str(root), key="/".join(parts))
    return path


def _child_names(folder: Path, root: Path) -> list[str]:
    """Names of the sub-folders of ``folder`` that are safe names and resolve inside ``root``."""
    if not folder.is_dir():
        return []
    names = []
    for child in folder.iterdir():
        if _NAME.fullmatch(child.name) and ".." not in child.name and child.is_dir() \
                and child.resolve().is_relative_to(root):
            names.append(child.name)
    return sorted(names)


def plan_sites(data_dir: Path | str) -> list[str]:
    """Site ids that have at least one saved plan folder."""
    root = Path(data_dir).resolve()
    return [s for s in _child_names(root / PLANS, root) if plan_dates(root, s)]


def plan_dates(data_dir: Path | str, site: str) -> list[str]:
    """Plan folder names of one site, newest first (``latest`` pointers are left out)."""
    root = Path(data_dir).resolve()
    folder = safe_path(root, PLANS, site)
    dates = [d for d in _child_names(folder, root) if d != "latest" and not d.startswith(".")]
    return sorted(dates, reverse=True)


def study_names(data_dir: Path | str) -> list[str]:
    """Study folder names, sorted."""
    root = Path(data_dir).resolve()
    return [n for n in _child_names(root / STUDIES, root) if (root / STUDIES / n / "kpis.csv").is_file()]


def is_empty(data_dir: Path | str) -> bool:
    """True when the data folder has no plan, no study and no history yet."""
    root = Path(data_dir).resolve()
    return not plan_sites(root) and not study_names(root) and not (root / RUNS_DB).is_file()


def _read_csv(path: Path, columns: tuple[str, ...]) -> pd.DataFrame:
    """A CSV of a study folder with its required columns checked."""
    if not path.is_file():
        raise DataError("missing file (the folder may be half-written)", file=str(path))
    try:
        frame = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"unreadable CSV: {exc}", file=str(path)) from None
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise DataError(f"missing columns {', '.join(missing)}", file=str(path))
    return frame


def load_plan(data_dir: Path | str, site: str, date: str) -> PlanData:
    """The plan folder ``plans/<site>/<date>/``, read and checked; any defect is a DataError."""
    folder = safe_path(data_dir, PLANS, site, date)
    if not folder.is_dir():
        raise DataError("no such plan folder", file=str(folder))
    for name in PLAN_FILES:
        path = folder / name
        if path.is_file() and path.stat().st_size == 0:
            raise DataError("empty file (the folder may be half-written)", file=str(path))
    try:
        plan = read_plan_folder(folder)
        job_status = plan.job_status
    except InputError as exc:
        raise DataError(exc.message, file=exc.file or str(folder), key=exc.key) from None
    except (KeyError, TypeError, ValueError, UnicodeDecodeError, pd.errors.ParserError,
            pd.errors.EmptyDataError) as exc:
        raise DataError(f"not a readable plan folder: {type(exc).__name__}: {exc}",
                        file=str(folder)) from None
    if plan.steps.empty:
        raise DataError("no steps", file=str(folder / "steps.csv"))
    return PlanData(site=site, date=date, folder=folder, meta=plan.meta, steps=plan.steps, runs=plan.runs,
                    job_status=job_status, info=plan.info)


def plan_stamp(data_dir: Path | str, site: str, date: str) -> tuple[int, ...]:
    """Identity of a plan folder's files (inode, size, mtime of each): it changes whenever one is replaced."""
    folder = safe_path(data_dir, PLANS, site, date)
    stamp: list[int] = []
    for name in PLAN_FILES:
        path = folder / name
        try:
            info = path.stat()
        except OSError:
            raise DataError("missing file (the folder may be half-written)", file=str(path)) from None
        stamp += [info.st_ino, info.st_size, info.st_mtime_ns]
    return tuple(stamp)


def plan_file(data_dir: Path | str, site: str, date: str, name: str) -> Path:
    """One downloadable file of a plan folder (steps.csv, jobs.csv, plan.json, report.html)."""
    if name not in (*PLAN_FILES, "report.html"):
        raise DataError(f"only {', '.join((*PLAN_FILES, 'report.html'))} may be downloaded", key=name)
    path = safe_path(data_dir, PLANS, site, date, name)
    if not path.is_file():
        raise DataError("missing file", file=str(path))
    return path


def load_study(data_dir: Path | str, name: str) -> StudyData:
    """The study folder ``studies/<name>/`` (kpis.csv and ranking.csv)."""
    folder = safe_path(data_dir, STUDIES, name)
    if not folder.is_dir():
        raise DataError("no such study folder", file=str(folder))
    kpis = _read_csv(folder / "kpis.csv", ("site", "scenario"))
    ranking = _read_csv(folder / "ranking.csv", ("site",))
    return StudyData(name=name, folder=folder, kpis=kpis, ranking=ranking)


def study_results_path(data_dir: Path | str, name: str) -> Path:
    """The study's results.nc (checked to exist), for figures that need the time series."""
    path = safe_path(data_dir, STUDIES, name, "results.nc")
    if not path.is_file():
        raise DataError("missing file", file=str(path))
    return path


def runs_db_path(data_dir: Path | str) -> Path:
    """The nightly history database inside the data folder."""
    return safe_path(data_dir, RUNS_DB)


def read_runs(data_dir: Path | str) -> pd.DataFrame:
    """The per-site rows of the nightly history (RUN_SHOWN columns), through the history's own reader."""
    path = runs_db_path(data_dir)
    if not path.is_file():
        return pd.DataFrame(columns=list(RUN_SHOWN))
    try:
        with history.reader(path) as connection:
            rows = history.query(connection)
    except InputError as exc:
        raise DataError(exc.message, file=str(path), key=RUNS_TABLE) from None
    except sqlite3.Error as exc:
        raise DataError(f"cannot read the history: {exc}", file=str(path), key=RUNS_TABLE) from None
    return pd.DataFrame([asdict(row) for row in rows], columns=list(RUN_SHOWN))


def latest_fleet_plan(data_dir: Path | str) -> FleetPlanData | None:
    """The newest published joint fleet plan (each fleet's ``latest``, newest plan date first), or None."""
    root = Path(data_dir).resolve()
    found = []
    for name in _child_names(root / FLEETS, root):
        summary_file = safe_path(root, FLEETS, name, "latest", "fleet.json")
        if summary_file.is_file():
            found.append((_fleet_summary(summary_file).get("plan_date", ""), name, summary_file))
    if not found:
        return None
    plan_date, name, summary_file = max(found)
    folder = summary_file.parent
    tables = {file: _read_csv(folder / file, columns) for file, columns in FLEET_TABLES.items()}
    summary = _fleet_summary(summary_file)
    return FleetPlanData(name=name, date=str(plan_date), folder=folder, summary=summary,
                         transfers=tables["transfers.csv"], assignments=tables["assignments.csv"],
                         hub_it_mw=hub_loads_mw(root, folder, summary.get("hubs", []), str(plan_date)))


def hub_loads_mw(root: Path, folder: Path, hubs: list[str], plan_date: str) -> dict[str, float]:
    """Mean IT load of each hub: its folder under the fleet plan (``hubs/<hub>/steps.csv``, ``greendc fleet
    plan``) or, published by a joint night, its plan ``plans/<hub>/<date>/steps.csv``. [MW]"""
    out: dict[str, float] = {}
    for hub in map(str, hubs):
        inside = folder / "hubs" / hub / "steps.csv"
        steps_file = inside if inside.is_file() else safe_path(root, PLANS, hub, plan_date, "steps.csv")
        if steps_file.is_file():
            out[hub] = float(_read_csv(steps_file, ("it_kw",))["it_kw"].mean()) / 1000.0
    return out


def _fleet_summary(path: Path) -> dict[str, Any]:
    """fleet.json of a fleet plan folder; unreadable is a DataError."""
    try:
        value = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"unreadable fleet.json: {exc}", file=str(path)) from None
    if not isinstance(value, dict):
        raise DataError("fleet.json is not an object", file=str(path))
    return value
