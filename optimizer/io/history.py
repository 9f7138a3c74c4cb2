"""The nightly run history: SQLite (standard library), one row per site and night's run.

Two tables. ``nightly_runs``: one row per ``greendc nightly`` invocation (fleet, start, end, exit
code; an end left empty means the run was killed). ``site_runs``: one row per site in that run with
its status, KPIs, solver gap, durations, input digests and error text. Timestamps live only here,
never in plan files, so plan files stay byte-identical for identical inputs.

The nightly writes through ``connect``; ``greendc runs`` and the dashboard read through ``reader``
(read-only). A file SQLite calls corrupt is never patched: ``move_aside`` keeps it beside the new
one as ``runs.sqlite.corrupt-<UTC time>`` for inspection, and the history starts again.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import closing, contextmanager
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from greendc.weather.errors import InputError

SCHEMA_VERSION = 1
#: optimal: solver plan; fallback: heuristic plan or degraded inputs (flagged, reason given);
#: kept_previous: inputs unusable, the last plan stays in place; failed: no plan could be kept or made.
STATUSES: tuple[str, ...] = ("optimal", "fallback", "kept_previous", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS nightly_runs (
    run_id TEXT PRIMARY KEY,
    fleet TEXT NOT NULL,
    fleet_digest TEXT NOT NULL,
    started_utc TEXT NOT NULL,
    finished_utc TEXT,
    exit_code INTEGER
);
CREATE TABLE IF NOT EXISTS site_runs (
    run_id TEXT NOT NULL REFERENCES nightly_runs(run_id),
    site TEXT NOT NULL,
    plan_date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('optimal', 'fallback', 'kept_previous', 'failed')),
    solver_status TEXT NOT NULL DEFAULT '',
    gap REAL,
    objective_total REAL,
    energy_kwh REAL,
    carbon_kg REAL,
    pue REAL,
    cost_saving REAL,
    carbon_saving_kg REAL,
    kpis_json TEXT NOT NULL DEFAULT '{}',
    wall_s REAL NOT NULL,
    build_s REAL,
    solve_s REAL,
    site_digest TEXT NOT NULL DEFAULT '',
    jobs_digest TEXT NOT NULL DEFAULT '',
    weather_digest TEXT NOT NULL DEFAULT '',
    plan_path TEXT NOT NULL DEFAULT '',
    plan_digest TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '',
    started_utc TEXT NOT NULL,
    finished_utc TEXT NOT NULL,
    PRIMARY KEY (run_id, site)
);
CREATE INDEX IF NOT EXISTS site_runs_site_date ON site_runs (site, plan_date);
"""


@dataclass(frozen=True)
class SiteRun:
    """One site's outcome in one nightly run (a row of ``site_runs``)."""

    run_id: str
    site: str
    plan_date: str
    """Local plan date, YYYY-MM-DD. [-]"""
    status: str
    """One of STATUSES. [-]"""
    wall_s: float
    """Wall-clock time of the site's task, process start to result. [s]"""
    started_utc: str
    finished_utc: str
    solver_status: str = ""
    gap: float | None = None
    """Relative MIP gap at the end; None for a heuristic plan or no plan. [-]"""
    objective_total: float | None = None
    """Objective over the horizon (cost plus priced carbon and penalties). [currency]"""
    energy_kwh: float | None = None
    carbon_kg: float | None = None
    pue: float | None = None
    cost_saving: float | None = None
    """Objective saved against today's practice (the baseline). [currency]"""
    carbon_saving_kg: float | None = None
    kpis: Mapping[str, float] = field(default_factory=dict)
    """Every KPI of plan.json, flattened. [-]"""
    build_s: float | None = None
    solve_s: float | None = None
    site_digest: str = ""
    jobs_digest: str = ""
    weather_digest: str = ""
    plan_path: str = ""
    """The version folder now behind the site's pointer (kept or new). [-]"""
    plan_digest: str = ""
    reason: str = ""
    """Why the plan is a fallback or was kept, in one line. [-]"""
    error: str = ""
    """Error text (last lines of a crash, the input error). [-]"""

    def __post_init__(self) -> None:
        """Reject a status outside STATUSES early, with the allowed values."""
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r} not in {STATUSES}")


_COLUMNS = tuple(f.name for f in fields(SiteRun))
#: SQLite result codes that mean the file itself is damaged (not busy, locked or read-only).
_CORRUPT_CODES = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
#: Suffix of a corrupt history moved aside, followed by the UTC time it was moved.
CORRUPT_SUFFIX = ".corrupt-"


class CorruptHistoryError(InputError):
    """The history file is not a sound SQLite database; the message says where a copy is or will be."""


def default_path(data_dir: Path) -> Path:
    """Where the history lives in a data folder (docs/file-formats.md: ``<data>/runs.sqlite``)."""
    return data_dir / "runs.sqlite"


@contextmanager
def connect(path: Path, *, create: bool = True) -> Iterator[sqlite3.Connection]:
    """An open connection with the schema in place; WAL so readers never block the nightly writer."""
    if not create and not path.is_file():
        raise InputError("no run history here yet; run `greendc nightly` first", file=path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with closing(sqlite3.connect(path, timeout=30.0)) as conn:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA foreign_keys=ON")
        _migrate(conn, path)
        yield conn


def _migrate(conn: sqlite3.Connection, path: Path) -> None:
    """Create the schema in a new file; refuse a file written by a newer greendc."""
    _check_version(conn, path)
    with conn:
        conn.executescript(_SCHEMA)
        conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")


def is_corruption(exc: sqlite3.Error) -> bool:
    """True when SQLite's error says the file is damaged or not a database at all."""
    name = str(getattr(exc, "sqlite_errorname", "") or "")
    return name.startswith(_CORRUPT_CODES) or "not a database" in str(exc) or "malformed" in str(exc)


def corruption(path: Path) -> str | None:
    """Why the history file is unusable (SQLite's words), or None when it is sound or absent."""
    if not path.is_file():
        return None
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=30.0)) as conn:
            problems = [str(row[0]) for row in conn.execute("PRAGMA quick_check") if row[0] != "ok"]
    except sqlite3.DatabaseError as exc:
        return str(exc) if is_corruption(exc) else None
    return "; ".join(problems[:3]) or None


def move_aside(path: Path) -> Path:
    """Rename a corrupt history (and its WAL files) to ``<name>.corrupt-<UTC time>``; return the copy."""
    aside = path.with_name(f"{path.name}{CORRUPT_SUFFIX}{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{path}{suffix}")
        if source.exists():
            os.replace(source, Path(f"{aside}{suffix}"))
    return aside


def recover(path: Path) -> tuple[Path, str] | None:
    """Move a corrupt history aside so a new one can start: (the copy, why), or None when it is sound."""
    reason = corruption(path)
    return (move_aside(path), reason) if reason else None


def corrupt_copies(path: Path) -> list[Path]:
    """Corrupt histories moved aside beside ``path``, oldest first."""
    return sorted(path.parent.glob(f"{path.name}{CORRUPT_SUFFIX}*[0-9TZ]"))


def corrupt_message(path: Path, reason: str) -> str:
    """One line: the history is corrupt, and where the copy is kept (or will be)."""
    return (f"the run history database is corrupt ({reason}); the next `greendc nightly` keeps it as "
            f"{path.name}{CORRUPT_SUFFIX}<time> and starts a new one")


@contextmanager
def reader(path: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection for `greendc runs` and the dashboard; a damaged file is one InputError."""
    if not path.is_file():
        raise InputError("no run history here yet; run `greendc nightly` first", file=path)
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)) as conn:
            conn.row_factory = sqlite3.Row
            _check_version(conn, path)
            yield conn
    except sqlite3.DatabaseError as exc:
        if is_corruption(exc):
            raise CorruptHistoryError(corrupt_message(path, str(exc)), file=path) from None
        raise


def _has_table(conn: sqlite3.Connection, table: str) -> bool:
    """True when the table exists (a new, empty file has none yet)."""
    sql = "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?"
    return conn.execute(sql, (table,)).fetchone() is not None


def _check_version(conn: sqlite3.Connection, path: Path) -> None:
    """Refuse a history written by a newer greendc (its schema may mean something else)."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise InputError(
            f"history schema {version} is newer than this greendc's ({SCHEMA_VERSION}); upgrade greendc",
            file=path,
        )


def start_run(conn: sqlite3.Connection, run_id: str, fleet: str, fleet_digest: str, started_utc: str) -> None:
    """Record that a nightly run began (its end stays empty until finish_run)."""
    with conn:
        conn.execute(
            "INSERT INTO nightly_runs (run_id, fleet, fleet_digest, started_utc) VALUES (?, ?, ?, ?)",
            (run_id, fleet, fleet_digest, started_utc),
        )


def finish_run(conn: sqlite3.Connection, run_id: str, finished_utc: str, exit_code: int) -> None:
    """Record a nightly run's end and exit code."""
    with conn:
        conn.execute(
            "UPDATE nightly_runs SET finished_utc = ?, exit_code = ? WHERE run_id = ?",
            (finished_utc, exit_code, run_id),
        )


def record(conn: sqlite3.Connection, row: SiteRun) -> None:
    """Insert one site's outcome, committed at once so a later crash cannot lose it."""
    values = asdict(row)
    values["kpis"] = json.dumps(dict(row.kpis), sort_keys=True)
    columns = [("kpis_json" if name == "kpis" else name) for name in _COLUMNS]
    with conn:
        conn.execute(
            f"INSERT INTO site_runs ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
            [values[name] for name in _COLUMNS],
        )


def query(conn: sqlite3.Connection, *, site: str | None = None, last: int | None = None) -> list[SiteRun]:
    """Site runs, newest first, optionally for one site and at most ``last`` rows."""
    if not _has_table(conn, "site_runs"):
        return []
    sql = "SELECT * FROM site_runs"
    params: list[object] = []
    if site is not None:
        sql += " WHERE site = ?"
        params.append(site)
    sql += " ORDER BY started_utc DESC, plan_date DESC, site"
    if last is not None:
        sql += " LIMIT ?"
        params.append(last)
    return [_row_to_site_run(r) for r in conn.execute(sql, params)]


def last_wall_s(conn: sqlite3.Connection) -> dict[str, float]:
    """Each site's wall seconds in its newest recorded run (to start the longest sites first)."""
    sql = (
        "SELECT site, wall_s FROM site_runs AS r WHERE started_utc = "
        "(SELECT MAX(started_utc) FROM site_runs WHERE site = r.site)"
    )
    return {str(site): float(wall_s) for site, wall_s in conn.execute(sql)}


def _row_to_site_run(row: sqlite3.Row) -> SiteRun:
    """A database row back into a SiteRun."""
    values = {name: row[name] for name in _COLUMNS if name != "kpis"}
    return SiteRun(**values, kpis=json.loads(row["kpis_json"]))


def runs(conn: sqlite3.Connection, *, last: int | None = None) -> list[dict[str, object]]:
    """Nightly invocations, newest first; ``finished_utc`` None means the run was interrupted."""
    if not _has_table(conn, "nightly_runs"):
        return []
    sql = "SELECT * FROM nightly_runs ORDER BY started_utc DESC"
    params: list[object] = []
    if last is not None:
        sql += " LIMIT ?"
        params.append(last)
    return [dict(r) for r in conn.execute(sql, params)]
