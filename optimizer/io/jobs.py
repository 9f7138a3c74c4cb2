"""Job queues: read a CSV or JSON file of training batches into ``Job`` records, checking every field.

One row (CSV) or object (JSON) per batch with the columns of docs/file-formats.md, "Job queue":
``job_id, nodes, duration_h, release, deadline, preemptible`` and optionally ``node_kw`` and
``penalty_per_h_late``. Malformed input (unknown columns, duplicate ids, text where a number belongs,
a deadline before the release) is an ``InputError`` naming the file, the job and the field. A job
that is merely hard to plan (wider than the site, longer than its window) is valid here: the
optimiser plans it late and says why. Times are ISO 8601 only (``01/12/2026`` could be either
month, ``now`` depends on when it is read); those without a UTC offset are read in the site's
timezone, with a warning that says so.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from greendc.optimizer.types import Job
from greendc.weather.errors import InputError

REQUIRED_COLUMNS: tuple[str, ...] = ("job_id", "nodes", "duration_h", "release", "deadline", "preemptible")
OPTIONAL_COLUMNS: tuple[str, ...] = ("node_kw", "penalty_per_h_late")
#: Optional columns of a fleet queue (optimizer/fleet/inputs.py reads them; a day plan ignores them).
FLEET_COLUMNS: tuple[str, ...] = ("data_gb", "home_hub", "allowed_hubs", "checkpoint_gb")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}
#: ISO 8601 date and optional time of day and UTC offset, e.g. 2026-12-01T08:00, 2026-12-01 08:00:30Z.
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?(Z|[+-]\d{2}:?\d{2})?$")
#: A day and month in either order with slashes or dots, e.g. 01/12/2026: which is the month?
AMBIGUOUS_DATE = re.compile(r"^\d{1,2}[/.]\d{1,2}[/.]\d{2,4}")
TIME_FORMAT = "an ISO 8601 time YYYY-MM-DDTHH:MM[:SS][+HH:MM], e.g. 2026-12-01T08:00+08:00"
#: Longest integer a queue may hold (JSON numbers are otherwise unbounded) [digits].
MAX_DIGITS = 18


class JobQueueWarning(UserWarning):
    """Something in a job queue was read by a rule the user should know (naive times); names the file."""


def read_jobs(path: str | Path, timezone: str) -> list[Job]:
    """The jobs of a CSV or JSON queue file; naive times are local time in ``timezone``."""
    file = Path(path)
    if not file.is_file():
        raise InputError("job queue file not found", file=file, key="--jobs")
    suffix = file.suffix.lower()
    if suffix == ".csv":
        records = _csv_records(file)
    elif suffix == ".json":
        records = _json_records(file)
    else:
        raise InputError(f"unknown queue format {suffix or '(no suffix)'!r}; use a .csv or .json file",
                         file=file)
    return jobs_from_records(records, timezone, file=file)


def _csv_records(file: Path) -> list[dict[str, Any]]:
    """Rows of a CSV queue as dicts of text; a header alone is an empty queue, a zero-byte file an error.

    Every row must have as many fields as the header (an extra field would shift the columns); a
    ``#`` is text like any other character (a queue has no comments); blank lines are skipped.
    """
    try:
        rows = list(csv.reader(io.StringIO(file.read_text(encoding="utf-8-sig")), skipinitialspace=True))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise InputError(f"unreadable CSV: {exc}".splitlines()[0], file=file) from None
    rows = [(line, row) for line, row in enumerate(rows, start=1) if any(cell.strip() for cell in row)]
    if not rows:
        raise InputError("empty file; a queue needs at least its header line", file=file)
    header = [cell.strip() for cell in rows[0][1]]
    check_columns(header, file)
    for line, row in rows[1:]:
        if len(row) != len(header):
            raise InputError(f"{len(row)} fields but the header has {len(header)} ({', '.join(header)}); "
                             "quote a field that contains a comma", file=file, key=f"line {line}")
    return [dict(zip(header, row, strict=True)) for _, row in rows[1:]]


def _bounded_int(text: str) -> int:
    """A JSON integer of at most MAX_DIGITS digits (Python refuses 4,300 with a ValueError of its own)."""
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"a number of {len(text.lstrip('-')):,} digits; numbers have at most {MAX_DIGITS}")
    return int(text)


def _json_records(file: Path) -> list[dict[str, Any]]:
    """Objects of a JSON queue: a list of jobs, or an object with a ``jobs`` list."""
    try:
        value = json.loads(file.read_text(encoding="utf-8") or "[]", parse_int=_bounded_int)
    except (ValueError, UnicodeDecodeError) as exc:  # JSONDecodeError is a ValueError
        raise InputError(f"not valid JSON: {exc}", file=file) from None
    except RecursionError:
        raise InputError("not valid JSON: arrays or objects nested too deeply; a queue is a list of flat "
                         "objects", file=file) from None
    if isinstance(value, dict) and set(value) == {"jobs"}:
        value = value["jobs"]
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise InputError("expected a list of job objects, or {\"jobs\": [...]}", file=file)
    for i, record in enumerate(value):
        check_columns(record.keys(), file, job=str(record.get("job_id", f"#{i + 1}")))
    return value


def check_columns(columns: Sequence[str] | Any, file: Path, job: str | None = None) -> None:
    """Refuse unknown and missing columns, naming them and listing the allowed ones."""
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS + FLEET_COLUMNS
    where = f"job {job}, " if job else ""
    for name in columns:
        if name not in allowed:
            raise InputError(f"unknown column; allowed: {', '.join(allowed)}", file=file,
                             key=f"{where}{name}")
    for name in REQUIRED_COLUMNS:
        if name not in columns:
            raise InputError("missing required column", file=file, key=f"{where}{name}")


def jobs_from_records(records: Sequence[Mapping[str, Any]], timezone: str, *, file: Path) -> list[Job]:
    """Check every record and build the jobs; warn once when naive times were read as local time."""
    jobs: list[Job] = []
    seen: dict[str, int] = {}
    naive = 0
    for row, record in enumerate(records, start=1):
        job_id = _job_id(record.get("job_id"), file, row)
        if job_id in seen:
            raise InputError(f"duplicate job id (rows {seen[job_id]} and {row}); each id must be unique",
                             file=file, key=f"job {job_id}, job_id")
        seen[job_id] = row
        field = _FieldReader(file, job_id, record)
        release, naive_release = field.timestamp("release", timezone)
        deadline, naive_deadline = field.timestamp("deadline", timezone)
        naive += naive_release + naive_deadline
        if deadline < release:
            raise InputError(f"deadline {deadline.isoformat()} is before release {release.isoformat()}; "
                             "the deadline must not be earlier than the release", file=file,
                             key=f"job {job_id}, deadline")
        jobs.append(Job(
            job_id=job_id, nodes=field.positive_int("nodes"), duration_h=field.positive_float("duration_h"),
            release=release, deadline=deadline, preemptible=field.boolean("preemptible"),
            node_kw=field.optional_float("node_kw", positive=True),
            penalty_per_h_late=field.optional_float("penalty_per_h_late", positive=False),
        ))
    if naive:
        warnings.warn(JobQueueWarning(f"{file}: {naive} timestamp(s) without a UTC offset were read as "
                                      f"local time in {timezone}"), stacklevel=2)
    return jobs


def _job_id(value: Any, file: Path, row: int) -> str:
    """The job id as text; empty ids are refused with the row number."""
    text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value).strip()
    if not text:
        raise InputError("empty job id; every job needs a unique id", file=file, key=f"row {row}, job_id")
    return text


class _FieldReader:
    """Parses the fields of one job record, raising InputError naming file, job and field."""

    def __init__(self, file: Path, job_id: str, record: Mapping[str, Any]) -> None:
        self.file, self.job_id, self.record = file, job_id, record

    def _fail(self, name: str, message: str) -> InputError:
        """The error for field ``name``: its value, what is wrong, and file, job and field as the key."""
        return InputError(f"{self.record.get(name)!r}: {message}", file=self.file,
                          key=f"job {self.job_id}, {name}")

    def _number(self, name: str) -> float:
        """Field ``name`` as a finite float (text or JSON number; booleans refused)."""
        value = self.record.get(name)
        if isinstance(value, bool):
            raise self._fail(name, "must be a number")
        try:
            number = float(str(value).strip()) if not isinstance(value, int | float) else float(value)
        except ValueError:
            raise self._fail(name, "must be a number") from None
        if not math.isfinite(number):
            raise self._fail(name, "must be a finite number")
        return number

    def positive_int(self, name: str) -> int:
        """A whole number >= 1 (e.g. GPU nodes)."""
        number = self._number(name)
        if number < 1 or number != int(number):
            raise self._fail(name, "must be a whole number >= 1")
        return int(number)

    def positive_float(self, name: str) -> float:
        """A number > 0 (e.g. run time in hours)."""
        number = self._number(name)
        if number <= 0:
            raise self._fail(name, "must be greater than 0")
        return number

    def optional_float(self, name: str, *, positive: bool) -> float | None:
        """An optional number (empty or absent means None): > 0 if ``positive``, else >= 0."""
        value = self.record.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        number = self._number(name)
        if number < 0 or (positive and number == 0):
            raise self._fail(name, "must be greater than 0" if positive else "must not be negative")
        return number

    def boolean(self, name: str) -> bool:
        """true/false, yes/no or 1/0."""
        value = self.record.get(name)
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise self._fail(name, "must be true or false (also yes/no, 1/0)")

    def timestamp(self, name: str, timezone: str) -> tuple[pd.Timestamp, bool]:
        """An ISO 8601 time in ``timezone``; naive times are localised (the flag says so)."""
        text = str(self.record.get(name)).strip()
        if not ISO_TIME.match(text):
            why = " (is it 1 December or 12 January?)" if AMBIGUOUS_DATE.match(text) else ""
            raise self._fail(name, f"must be {TIME_FORMAT}{why}")
        try:
            stamp = pd.Timestamp(text)
        except (ValueError, TypeError):
            raise self._fail(name, f"not a date and time that exists; must be {TIME_FORMAT}") from None
        if stamp.tzinfo is None:
            return stamp.tz_localize(timezone, nonexistent="shift_forward", ambiguous=False), True
        return stamp.tz_convert(timezone), False


def jobs_to_frame(jobs: Sequence[Job]) -> pd.DataFrame:
    """A queue as a table with the file's columns (times as ISO text with offset), e.g. to save it."""
    rows = [{"job_id": j.job_id, "nodes": j.nodes, "duration_h": j.duration_h,
             "release": j.release.isoformat(), "deadline": j.deadline.isoformat(),
             "preemptible": j.preemptible, "node_kw": j.node_kw, "penalty_per_h_late": j.penalty_per_h_late}
            for j in jobs]
    return pd.DataFrame(rows, columns=list(REQUIRED_COLUMNS + OPTIONAL_COLUMNS))
