"""The plan folder: plan.json, steps.csv, jobs.csv and report.html, written atomically and read back checked.

Contract (docs/file-formats.md, "Plan folder"): ``plan.json`` holds the schema version,
the site, the horizon, every objective term and every rate needed to recompute it from ``steps.csv``
(including the demand charge's share of the month), the KPIs of the plan and of the baseline and the
savings, per-job status, solver facts and input digests. ``steps.csv`` has STEP_COLUMNS with ``time``
in UTC ISO 8601; ``jobs.csv`` has RUN_COLUMNS. ``inputs/`` keeps what the plan was made from (the job
queue in the queue file format, the site profile slice as NetCDF, the site file) so that it can be
planned again (the dashboard's What-if) without reaching outside the folder; plan.json records each
input file's SHA-256. A folder is written into a temporary sibling and moved into place in one step,
replacing an older plan, so a reader never sees half a plan.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Final

import pandas as pd
import xarray as xr
from greendc.optimizer.accounting import (
    JOB_STATUS_COLUMNS,
    Rates,
    headline_savings,
    objective_terms,
    plan_kpis,
)
from greendc.optimizer.io import publish
from greendc.optimizer.io.jobs import jobs_to_frame, read_jobs
from greendc.optimizer.io.planjson import (
    BaselineMeta,
    HorizonMeta,
    JobRecord,
    ParetoPoint,
    PlanMeta,
    RatesMeta,
    SiteMeta,
    SolverMeta,
    parse_plan_meta,
)
from greendc.optimizer.types import OBJECTIVE_TERMS, RUN_COLUMNS, STEP_COLUMNS, Job, Plan, PlanSettings
from greendc.sites import load_site, parse_site
from greendc.sites.model import Site
from greendc.weather.errors import InputError

PLAN_JSON, STEPS_CSV, JOBS_CSV, REPORT_HTML = "plan.json", "steps.csv", "jobs.csv", "report.html"
#: Sub-folder of the Pareto points' own tables: ``pareto/<rank>/steps.csv`` and ``jobs.csv``.
PARETO_DIR = "pareto"
#: The plan's inputs: sub-folder and its files (job queue, site profile slice, site file).
INPUTS_DIR, INPUT_JOBS, INPUT_PROFILE, INPUT_SITE = "inputs", "jobs.csv", "profile.nc", "site.toml"
#: NetCDF engine of inputs/profile.nc (HDF5; its bytes are the same for the same profile).
PROFILE_ENGINE: Final = "h5netcdf"
#: Relative tolerance when a reader recomputes the objective from steps.csv. [-]
RECOMPUTE_RTOL = 1e-6
#: How plan.json's rates recompute each objective term from steps.csv.
RATES_NOTE = ("energy = sum(grid_import_kw * price_per_kwh) * step_h; demand = "
              "demand_charge_per_kw_horizon * max(grid_import_kw); "
              "export = sum(grid_export_kw * export_price_per_kwh) * step_h; "
              "carbon = carbon_price_per_t / 1000 * "
              "sum(grid_import_kw * carbon_kg_per_kwh) * step_h; "
              "lateness = sum(jobs.lateness_h * jobs.penalty_per_h)")
#: Renders report.html from plan.json's dict, the steps and the runs (dashboard.report_plan supplies it).
ReportRenderer = Callable[[dict[str, Any], pd.DataFrame, pd.DataFrame], str]


@dataclass(frozen=True)
class SavedInputs:
    """What a plan was made from, read back from its ``inputs/`` folder."""

    site: Site
    """The site as planned (its file, or the built-in site of that id when no file was kept). [-]"""
    profile: xr.Dataset
    """The site profile over the plan's horizon (greendc.sites.profile.site_profile's contract). [-]"""
    jobs: list[Job]
    """The job queue, times in the site's timezone. [-]"""


@dataclass(frozen=True)
class PlanFolder:
    """A plan folder read back: plan.json as a dict and the two tables with UTC times."""

    path: Path
    meta: dict[str, Any]
    """plan.json as plain data (``info.to_json()``), for the report and figure builders. [-]"""
    steps: pd.DataFrame
    runs: pd.DataFrame
    info: PlanMeta | None = None
    """plan.json as its typed model. [-]"""

    @property
    def rates(self) -> Rates:
        """The rates plan.json records, to recompute the objective. [-]"""
        r = self.meta["rates"]
        return Rates(step_h=r["step_h"], demand_charge_per_kw_horizon=r["demand_charge_per_kw_horizon"],
                     demand_share_of_month=r["demand_share_of_month"],
                     carbon_price_per_t=r["carbon_price_per_t"])

    @property
    def job_status(self) -> pd.DataFrame:
        """Per-job status from plan.json (job_id, status, finish, lateness_h, penalty_per_h, reason). [-]"""
        frame = pd.DataFrame(self.meta["jobs"])
        if frame.empty:
            return pd.DataFrame(columns=list(JOB_STATUS_COLUMNS))
        frame["finish"] = pd.to_datetime(frame["finish"], utc=True, format="ISO8601")
        return frame


def sha256_bytes(data: bytes) -> str:
    """SHA-256 of bytes, hex (input digests)."""
    return hashlib.sha256(data).hexdigest()


def iso_utc(stamp: Any) -> str | None:
    """A timestamp as UTC ISO 8601 with a 'Z' (None for a missing time)."""
    if stamp is None or pd.isna(stamp):
        return None
    ts = pd.Timestamp(stamp)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _json_number(value: Any) -> Any:
    """A JSON-safe number: NaN and infinities become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _clean(values: Mapping[str, Any]) -> dict[str, Any]:
    """A dict of floats made JSON-safe."""
    return {k: _json_number(float(v)) if isinstance(v, float) else v for k, v in values.items()}


def savings(plan_kpi: Mapping[str, float], plan_objective: Mapping[str, float], base_kpi: Mapping[str, float],
            base_objective: Mapping[str, float]) -> dict[str, float | None]:
    """Savings against the baseline, the headline cost without lateness (accounting.headline_savings)."""
    return headline_savings(dict(plan_kpi), dict(plan_objective), dict(base_kpi), dict(base_objective))


def job_records(job_status: pd.DataFrame) -> list[JobRecord]:
    """plan.json's per-job list: status, finish (UTC ISO), lateness, penalty rate and reason."""
    rows: list[dict[Any, Any]] = job_status.to_dict(orient="records")
    return [
        JobRecord(job_id=str(r["job_id"]), status=str(r["status"]), finish=iso_utc(r["finish"]),
                  lateness_h=float(r["lateness_h"]), penalty_per_h=float(r["penalty_per_h"]),
                  reason="" if pd.isna(r["reason"]) else str(r["reason"]))
        for r in rows
    ]


def plan_metadata(*, plan: Plan, baseline: Plan, site: Site, profile: xr.Dataset, settings: PlanSettings,
                  inputs: Mapping[str, str], plan_date: str | None = None,
                  pareto: Sequence[ParetoPoint] = ()) -> PlanMeta:
    """plan.json: everything needed to audit and recompute the plan from steps.csv."""
    rates = plan.rates
    kpis = plan_kpis(plan.steps, rates.step_h)
    base_kpis = plan_kpis(baseline.steps, rates.step_h)
    times = pd.DatetimeIndex(plan.steps["time"])
    tz = site.site.timezone
    start = times[0] if len(times) else pd.Timestamp(profile["time"].values[0]).tz_localize("UTC")
    end = start + pd.Timedelta(hours=rates.step_h) * len(times)
    status = plan.job_status
    counts = status["status"].value_counts().to_dict() if not status.empty else {}
    return PlanMeta(
        site=SiteMeta(id=site.id, name=site.site.name, timezone=tz, currency=site.site.currency,
                      latitude=site.site.latitude, longitude=site.site.longitude, nodes=site.it.nodes,
                      setpoint_levels_c=list(site.cooling.setpoint_levels_c),
                      baseline_setpoint_c=site.cooling.baseline_c),
        plan_date=plan_date or start.tz_convert(tz).date().isoformat(),
        horizon=HorizonMeta(start_utc=iso_utc(start), end_utc=iso_utc(end),
                            start_local=start.tz_convert(tz).isoformat(),
                            step_minutes=round(rates.step_h * 60), steps=len(times),
                            hours=rates.step_h * len(times)),
        settings=settings,
        rates=RatesMeta(**_clean(asdict(rates)), currency=site.site.currency, note=RATES_NOTE,
                        demand_charge_per_kw_month=float(profile.attrs.get("demand_charge_per_kw_month", 0))),
        objective=_clean(plan.objective),
        kpis=_clean(kpis),
        baseline=BaselineMeta(objective=_clean(baseline.objective), kpis=_clean(base_kpis),
                              late_jobs=int((baseline.job_status["status"] != "on_time").sum())
                              if not baseline.job_status.empty else 0),
        savings=_clean(savings(kpis, plan.objective, base_kpis, baseline.objective)),
        job_counts={"total": len(status), **{str(k): int(v) for k, v in counts.items()}},
        jobs=job_records(status),
        solver=SolverMeta(**_clean(asdict(plan.solver))),
        inputs=dict(inputs),
        weather_source=str(profile.attrs.get("weather_source", "")),
        pareto=list(pareto),
        warnings=[str(w) for w in plan.warnings],
    )


def pareto_point(plan: Plan) -> ParetoPoint:
    """One point of the cost-carbon front: its cap, cost terms, carbon, PUE and solver facts."""
    kpis = plan_kpis(plan.steps, plan.rates.step_h)
    tag = plan.pareto
    return ParetoPoint(rank=tag.rank if tag else 0, carbon_cap_kg=tag.carbon_cap_kg if tag else None,
                       objective=dict(plan.objective), carbon_kg=kpis["carbon_kg"], pue=kpis["pue"],
                       renewable_share=kpis["renewable_share"], solver_status=plan.solver.status,
                       gap=plan.solver.gap, fallback=plan.solver.fallback)


def steps_csv(steps: pd.DataFrame) -> str:
    """steps.csv text: STEP_COLUMNS in order, time as UTC ISO 8601, numbers at full precision."""
    frame = steps[list(STEP_COLUMNS)].copy()
    frame["time"] = [iso_utc(t) for t in frame["time"]]
    return frame.to_csv(index=False, lineterminator="\n")


def jobs_csv(runs: pd.DataFrame) -> str:
    """jobs.csv text: one row per run interval, start and end as UTC ISO 8601."""
    frame = runs[list(RUN_COLUMNS)].copy()
    for column in ("start", "end"):
        frame[column] = [iso_utc(t) for t in frame[column]]
    return frame.to_csv(index=False, lineterminator="\n")


def pareto_files(points: Sequence[Plan]) -> dict[str, str]:
    """Each front point's steps.csv and jobs.csv under ``pareto/<rank>/`` (its rank in plan.json's pareto)."""
    files: dict[str, str] = {}
    for index, point in enumerate(points):
        rank = point.pareto.rank if point.pareto is not None else index
        files[f"{PARETO_DIR}/{rank}/{STEPS_CSV}"] = steps_csv(point.steps)
        files[f"{PARETO_DIR}/{rank}/{JOBS_CSV}"] = jobs_csv(point.runs)
    return files


def read_pareto_point(folder: str | Path, rank: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The steps and the runs of the front's point ``rank`` saved under the plan folder (UTC times)."""
    base = Path(folder) / PARETO_DIR / str(int(rank))
    for name in (STEPS_CSV, JOBS_CSV):
        if not (base / name).is_file():
            raise InputError("missing file of a Pareto point", file=base / name)
    return (_read_table(base / STEPS_CSV, STEP_COLUMNS, ("time",)),
            _read_table(base / JOBS_CSV, RUN_COLUMNS, ("start", "end")))


def input_files(jobs: Sequence[Job], profile: xr.Dataset, site_toml: bytes = b"") -> dict[str, bytes]:
    """The files of ``inputs/``: the queue as a queue CSV, the profile as NetCDF, the site file if given."""
    files = {INPUT_JOBS: jobs_to_frame(jobs).to_csv(index=False, lineterminator="\n").encode(),
             INPUT_PROFILE: bytes(profile.to_netcdf(engine=PROFILE_ENGINE))}
    if site_toml:
        files[INPUT_SITE] = bytes(site_toml)
    return files


def read_saved_inputs(folder: str | Path, meta: Mapping[str, Any]) -> SavedInputs | None:
    """The inputs a plan was made from, checked against plan.json's digests; None for a folder without them.

    Plans written before ``inputs/`` existed have no ``input_files`` in plan.json and give None. A site
    file is kept for every plan; should it be missing, the built-in site of the plan's id is used.
    """
    recorded = meta.get("input_files")
    if not recorded:
        return None
    base = Path(folder) / INPUTS_DIR
    for name, digest in recorded.items():
        path = base / Path(str(name)).name
        if not path.resolve().is_relative_to(Path(folder).resolve()):
            raise InputError("refused: a link that leaves the plan folder", file=path)
        if not path.is_file():
            raise InputError("missing input file of the plan (the folder may be half-written)", file=path)
        if sha256_bytes(path.read_bytes()) != digest:
            raise InputError("SHA-256 differs from plan.json's input_files: the file was changed",
                             file=path)
    site_file = base / INPUT_SITE
    site = parse_site(site_file.read_bytes(), file=site_file) if INPUT_SITE in recorded \
        else load_site(str(meta["site"]["id"]))
    with xr.open_dataset(io.BytesIO((base / INPUT_PROFILE).read_bytes()), engine=PROFILE_ENGINE) as handle:
        profile = handle.load()
    jobs = read_jobs(base / INPUT_JOBS, site.site.timezone)
    return SavedInputs(site=site, profile=profile, jobs=jobs)


def write_plan_folder(out_dir: str | Path, *, plan: Plan, baseline: Plan, site: Site, profile: xr.Dataset,
                      settings: PlanSettings, inputs: Mapping[str, str], plan_date: str | None = None,
                      pareto: Sequence[ParetoPoint] = (),
                      render_report: ReportRenderer | None = None,
                      files: Mapping[str, bytes] | None = None) -> Path:
    """Write the plan folder at ``out_dir`` atomically, replacing an older one; return its path.

    Files go into a temporary sibling folder, are flushed to disk, then the folder is swapped into
    place with one ``renameat2(RENAME_EXCHANGE)`` (or renamed when nothing is there yet); the old
    plan is removed afterwards. ``render_report`` makes report.html from the folder's own data;
    ``files`` (``input_files``) go to ``inputs/``.
    """
    meta = plan_metadata(plan=plan, baseline=baseline, site=site, profile=profile, settings=settings,
                         inputs=inputs, plan_date=plan_date, pareto=pareto)
    return write_folder(out_dir, meta.to_json(), plan.steps, plan.runs, render_report, inputs=files)


def input_digests(inputs: Mapping[str, bytes] | None) -> dict[str, str] | None:
    """plan.json's ``input_files``: the SHA-256 of each input file by name (None: no inputs/)."""
    return {name: sha256_bytes(data) for name, data in sorted(inputs.items())} if inputs else None


def with_input_digests(meta: Mapping[str, Any], inputs: Mapping[str, bytes] | None) -> dict[str, Any]:
    """plan.json's dict with ``input_files`` naming exactly the input files written (none: no key)."""
    out = {k: v for k, v in meta.items() if k != "input_files"}
    if inputs:
        out["input_files"] = input_digests(inputs)
    return out


def write_folder(out_dir: str | Path, meta: dict[str, Any], steps: pd.DataFrame, runs: pd.DataFrame,
                 render_report: ReportRenderer | None = None, *,
                 inputs: Mapping[str, bytes] | None = None, exports: Mapping[str, str] | None = None) -> Path:
    """Write plan.json from ``meta``, steps.csv, jobs.csv, report.html, inputs/ and ``exports`` atomically.

    ``exports`` are further text files of the folder by relative path (the BMS and Slurm exports, the
    Pareto points' ``pareto/<k>/`` tables), so a plan folder is written once, complete.
    """
    meta = with_input_digests(meta, inputs)
    target = Path(out_dir)
    with publish.staged_folder(target, publish.PLAN_FOLDER) as staging:
        files = {PLAN_JSON: json.dumps(meta, indent=2, allow_nan=False) + "\n",
                 STEPS_CSV: steps_csv(steps), JOBS_CSV: jobs_csv(runs)}
        if render_report is not None:
            files[REPORT_HTML] = render_report(meta, steps, runs)
        files.update(exports or {})
        for name, text in files.items():
            path = staging / name
            if Path(name).is_absolute() or ".." in Path(name).parts:
                raise ValueError(f"export name {name!r} leaves the plan folder")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
        if inputs:
            (staging / INPUTS_DIR).mkdir()
            for name, data in inputs.items():
                (staging / INPUTS_DIR / Path(name).name).write_bytes(data)
    return target


def read_plan_folder(path: str | Path) -> PlanFolder:
    """Read a plan folder and check it: files, schema version, columns, and its objective recomputed."""
    folder = Path(path)
    for name in (PLAN_JSON, STEPS_CSV, JOBS_CSV):
        if not (folder / name).is_file():
            raise InputError("missing file; not a complete plan folder", file=folder / name)
    try:
        raw = json.loads((folder / PLAN_JSON).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"not valid JSON: {exc}", file=folder / PLAN_JSON) from None
    info = parse_plan_meta(raw, folder / PLAN_JSON)
    steps = _read_table(folder / STEPS_CSV, STEP_COLUMNS, ("time",))
    runs = _read_table(folder / JOBS_CSV, RUN_COLUMNS, ("start", "end"))
    result = PlanFolder(folder, info.to_json(), steps, runs, info)
    check_objective(result)
    return result


def _read_table(path: Path, columns: tuple[str, ...], times: tuple[str, ...]) -> pd.DataFrame:
    """A CSV of the folder with its columns checked and its times parsed as UTC."""
    frame = pd.read_csv(path, dtype={"job_id": str})
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"missing columns: {', '.join(missing)}", file=path)
    for column in times:
        try:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        except (ValueError, TypeError):
            raise InputError("times must be ISO 8601", file=path, key=column) from None
    return frame


def check_objective(folder: PlanFolder) -> None:
    """Refuse a plan whose objective terms do not follow from its own steps.csv and rates."""
    recomputed = objective_terms(folder.steps, folder.job_status, folder.rates)
    stated = folder.meta.get("objective", {})
    for term in (*OBJECTIVE_TERMS, "total"):
        value = stated.get(term)
        if value is None or not math.isclose(recomputed[term], value, rel_tol=RECOMPUTE_RTOL, abs_tol=1e-6):
            raise InputError(f"stated {value!r} but steps.csv and the rates give {recomputed[term]!r}",
                             file=folder.path / PLAN_JSON, key=f"objective.{term}")

