"""The one publisher: every folder greendc writes (plan, study, nightly version) goes into place here.

Two ways to publish, both crash-safe (a reader sees the old content or the new, never half):

* In place (``greendc plan --out``, ``greendc compare``): ``staged_folder`` gives a sibling folder to
  fill; it is fsynced and swapped with the target in one ``renameat2(RENAME_EXCHANGE)`` (a rename when
  nothing is there), keeping the target's permissions. A target greendc did not write (a file, a
  folder with other content) is refused with an InputError before anything is touched, and callers
  run ``check_target`` before any work so a refusal costs nothing.
* Versions and pointers (``greendc nightly``), under a site's plan folder ``plans/<site>/``::

    .versions/<date>-<digest12>/   complete plan folders, never modified once renamed into place
    .staging/<run>/...             work in progress; invisible to readers, removed by the next run
    <date> -> .versions/<date>-<digest12>     the plan of that date (a relative symlink)
    latest -> <date>                          the newest published date

  A reader only ever follows ``<date>`` or ``latest``. Both are switched by ``rename(2)`` of a fresh
  symlink over the old one, which POSIX guarantees atomic. A plan folder is renamed into ``.versions``
  only once complete and fsynced, so a crash (SIGKILL, power loss) at any instant leaves the previous
  pointers and folders intact. ``run_lock`` keeps two nightly runs apart.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import hashlib
import json
import os
import shutil
import stat
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from greendc.weather.errors import InputError

#: The data folder (docs/file-formats.md: plans/, studies/, runs.sqlite) when no --data / --out is given.
DEFAULT_DATA_DIR = Path("greendc-data")
VERSIONS = ".versions"
STAGING = ".staging"
LATEST = "latest"
LOCK_NAME = ".nightly.lock"


@dataclass(frozen=True)
class FolderKind:
    """A kind of folder greendc writes, told by its entries: only such a folder may be replaced."""

    label: str
    """How messages name it ("greendc plan folder"). [-]"""
    marker: str
    """An entry every folder of this kind has. [-]"""
    entries: frozenset[str]
    """Every path (relative, '/'-separated) greendc may write inside it. [-]"""


#: A plan folder: optimizer/io/planfolder.py's files and inputs/, the nightly's BMS and Slurm exports.
PLAN_FOLDER = FolderKind("greendc plan folder", "plan.json", frozenset({
    "plan.json", "steps.csv", "jobs.csv", "report.html", "setpoints.csv", "slurm-starttime.sh",
    "inputs", "inputs/jobs.csv", "inputs/profile.nc", "inputs/site.toml",
}))
#: A study folder of ``greendc compare`` (greendc/workflows/compare.py, write_study).
STUDY_FOLDER = FolderKind("greendc study folder", "kpis.csv", frozenset({
    "results.nc", "kpis.csv", "ranking.csv", "report.html",
}))


class ForeignTargetError(InputError):
    """The target holds something greendc did not write; it is left exactly as it is."""


def check_target(target: Path, kind: FolderKind, *, key: str = "--out") -> None:
    """Refuse a target greendc may not replace or cannot write: a file, a folder with other content, a link
    to either, the working folder (unless a folder of this kind), a folder whose parent is read-only."""
    path = Path(target)
    if path.is_symlink() and not path.resolve().is_dir():
        raise ForeignTargetError(f"is a link to something that is not a {kind.label}", file=path, key=key)
    _refuse_working_folder(path, kind, key)
    if path.exists() and not path.is_dir():
        raise ForeignTargetError(f"exists and is a file, not a {kind.label}; give a folder path",
                                 file=path, key=key)
    found = _relative_entries(path.resolve()) if path.exists() else set()
    foreign = sorted(found - kind.entries)
    if found and (foreign or kind.marker not in found):
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise ForeignTargetError(
            f"not empty and not a {kind.label} (it holds {shown or 'no ' + kind.marker}); greendc replaces "
            "only folders it wrote: give a new or empty folder", file=path, key=key)
    check_writable(Path(os.path.abspath(path)).parent, key=key, file=path)


def _refuse_working_folder(path: Path, kind: FolderKind, key: str) -> None:
    """The current folder (``--out .``) or one holding it is replaced only when it already is this kind."""
    here = Path.cwd()
    if path.exists() and path.resolve() in (here, *here.parents) and not (path / kind.marker).is_file():
        raise ForeignTargetError(f"is the current folder (or holds it) and not a {kind.label}; give a new "
                                 "folder path, e.g. --out ./plan", file=path, key=key)


def nearest_existing(path: Path) -> Path:
    """``path`` made absolute, or its nearest ancestor that exists (what ``mkdir -p`` would write into)."""
    existing = Path(os.path.abspath(path))
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    return existing


def check_writable(folder: Path, *, key: str = "--out", file: Path | None = None) -> None:
    """Refuse, before any work, a folder that cannot be created or written (read-only, no permission)."""
    existing = nearest_existing(folder)
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise InputError(f"cannot be written: {existing} is not a writable folder (read-only or no "
                         "permission)", file=file or folder, key=key)


def _relative_entries(folder: Path) -> set[str]:
    """Every path inside a folder, relative and '/'-separated (links not followed)."""
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*")}


class WriteFailedError(InputError):
    """Writing a folder failed part-way (a full disk, permissions changed): nothing was published."""


@contextlib.contextmanager
def staged_folder(target: Path, kind: FolderKind, *, key: str = "--out") -> Iterator[Path]:
    """A fresh sibling of ``target`` to fill; on success it replaces ``target``, on an error it is removed.

    An OSError while filling or publishing (ENOSPC, EACCES, EROFS) becomes one WriteFailedError line:
    the staging folder is removed and ``target`` is as it was.
    """
    target = Path(os.path.abspath(target))  # `--out .` has no name to make a sibling from
    check_target(target, kind, key=key)
    staging = target.parent / f".{target.name}.tmp-{os.getpid()}"
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        remove_tree(staging)
        staging.mkdir()
        yield staging
        replace_folder(staging, target, kind)
    except OSError as exc:
        raise WriteFailedError(f"could not write the {kind.label} ({os_reason(exc)}); nothing was "
                               "published and what was there is unchanged", file=target, key=key) from None
    finally:
        remove_tree(staging)


def os_reason(exc: OSError) -> str:
    """An OSError in a few words: its errno name and text ("ENOSPC: No space left on device")."""
    name = errno.errorcode.get(exc.errno or 0, "")
    text = exc.strerror or str(exc)
    return f"{name}: {text}" if name else text


def replace_folder(staging: Path, target: Path, kind: FolderKind) -> Path:
    """Publish a complete ``staging`` folder as ``target`` atomically, keeping the target's permissions.

    The target is checked again (it may have changed while the work ran), the staging tree fsynced,
    then swapped in with renameat2(RENAME_EXCHANGE), or renamed when nothing is there; the old
    content is removed after. A target that is a link (a nightly pointer) is replaced by the folder;
    the version it named stays. Without renameat2 the old folder is renamed aside first (a reader may
    then miss the folder for an instant, never see half of one).
    """
    check_target(target, kind)
    staging.chmod(_kept_mode(target))
    fsync_tree(staging)
    if not target.exists() and not target.is_symlink():
        os.rename(staging, target)
    elif not _exchange(staging, target):
        aside = target.parent / f".{target.name}.old-{os.getpid()}"
        os.rename(target, aside)
        os.rename(staging, target)
        staging = aside
    fsync_path(target.parent, os.O_RDONLY | os.O_DIRECTORY)
    remove_tree(staging)  # the old content, after the swap
    return target


def _kept_mode(target: Path) -> int:
    """The permission bits for the new folder: the replaced folder's, else the default under umask."""
    if target.is_dir() and not target.is_symlink():
        return stat.S_IMODE(target.stat().st_mode)
    umask = os.umask(0)
    os.umask(umask)
    return 0o777 & ~umask


def remove_tree(path: Path) -> None:
    """Remove a folder greendc made (staging, an old plan), read-only or not; a link only as a link."""
    if path.is_symlink():
        path.unlink()
    elif path.is_dir():
        with contextlib.suppress(OSError):  # a read-only file system: rmtree below says nothing either
            path.chmod(stat.S_IMODE(path.stat().st_mode) | stat.S_IRWXU)
        shutil.rmtree(path, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux renameat2(RENAME_EXCHANGE); False where unsupported."""
    name = ctypes.util.find_library("c")
    func = getattr(ctypes.CDLL(name, use_errno=True), "renameat2", None) if name else None
    if func is None:
        return False
    return bool(func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0)


class LockHeldError(RuntimeError):
    """Another process holds the run lock; the message says who and what to do."""


def tree_digest(folder: Path) -> str:
    """SHA-256 over every file's relative path and bytes, in sorted order: equal folders, equal digest."""
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def fsync_tree(folder: Path) -> None:
    """Flush every file and directory under folder to disk, so a rename after it publishes durable data."""
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            fsync_path(path, os.O_RDONLY)
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        fsync_path(path, os.O_RDONLY | os.O_DIRECTORY)


def fsync_path(path: Path, flags: int) -> None:
    """fsync one file or directory by path."""
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def switch_symlink(link: Path, target: str) -> None:
    """Point ``link`` at ``target`` (relative text) atomically: a new symlink renamed over the old one."""
    tmp = link.with_name(f".{link.name}.tmp-{os.getpid()}")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    os.symlink(target, tmp)
    os.replace(tmp, link)
    fsync_path(link.parent, os.O_RDONLY | os.O_DIRECTORY)


def staging_dir(site_dir: Path, run_id: str) -> Path:
    """A fresh, empty staging folder for one run inside the site's plan folder (same filesystem)."""
    path = site_dir / STAGING / run_id
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    return path


def clean_staging(site_dir: Path) -> list[Path]:
    """Remove what interrupted runs left in ``.staging``; call only while holding the run lock."""
    root = site_dir / STAGING
    removed = sorted(root.iterdir()) if root.is_dir() else []
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def publish_version(folder: Path, site_dir: Path, name: str, *, keep_versions: int = 2) -> Path:
    """Move a complete ``folder`` into place as ``site_dir/name`` and return the version folder.

    The folder is fsynced, renamed to ``.versions/<name>-<digest12>`` (or dropped if that exact
    content is already there: same inputs, same bytes, nothing changes), then ``site_dir/name`` is
    switched to it. ``latest`` moves to ``name`` unless it points at a later name already. Older
    versions of ``name`` beyond ``keep_versions`` are removed.
    """
    digest = tree_digest(folder)
    versions = site_dir / VERSIONS
    versions.mkdir(parents=True, exist_ok=True)
    version = versions / f"{name}-{digest[:12]}"
    if version.is_dir():
        shutil.rmtree(folder)
    else:
        fsync_tree(folder)
        os.rename(folder, version)
        fsync_path(versions, os.O_RDONLY | os.O_DIRECTORY)
    pointer = site_dir / name
    _adopt_real_folder(pointer, versions)
    switch_symlink(pointer, f"{VERSIONS}/{version.name}")
    current = pointed_name(site_dir / LATEST)
    if current is None or current <= name:
        switch_symlink(site_dir / LATEST, name)
    prune_versions(site_dir, name, keep=keep_versions)
    return version


def _adopt_real_folder(pointer: Path, versions: Path) -> None:
    """A plan folder written in place (by ``greendc plan``) becomes a version, so a symlink can replace it."""
    if pointer.is_dir() and not pointer.is_symlink():
        check_target(pointer, PLAN_FOLDER, key="plan date")
        adopted = versions / f"{pointer.name}-adopted-{tree_digest(pointer)[:12]}"
        if adopted.exists():
            shutil.rmtree(pointer)
        else:
            os.rename(pointer, adopted)
        os.symlink(f"{VERSIONS}/{adopted.name}", pointer)


def pointed_name(link: Path) -> str | None:
    """The name a symlink points at (its last path part), or None when it does not exist."""
    try:
        return Path(os.readlink(link)).name
    except (FileNotFoundError, OSError):
        return None


def current_plan(site_dir: Path, name: str = LATEST) -> Path | None:
    """The resolved plan folder behind ``site_dir/name`` (``latest`` by default), if it exists."""
    link = site_dir / name
    return link.resolve() if link.exists() else None


def prune_versions(site_dir: Path, name: str, *, keep: int) -> list[Path]:
    """Delete the oldest versions of ``name`` beyond ``keep``, never the one ``name`` points at."""
    versions = site_dir / VERSIONS
    in_use = current_plan(site_dir, name)
    candidates = sorted(
        (p for p in versions.glob(f"{name}-*") if p.is_dir()),
        key=lambda p: p.stat().st_mtime_ns,
        reverse=True,
    )
    removed = [p for p in candidates[keep:] if p.resolve() != in_use]
    for path in removed:
        shutil.rmtree(path, ignore_errors=True)
    return removed


def prune_old_dates(site_dir: Path, newest: date, *, keep_days: int) -> list[Path]:
    """Delete the date pointers and versions of plan dates more than ``keep_days`` before ``newest``.

    Only what the nightly manages goes: ``<date>`` symlinks and ``.versions/<date>-*`` folders; a real
    folder a user or ``greendc plan`` wrote at ``<date>`` stays, and so does whatever ``latest`` names.
    """
    cutoff = newest - timedelta(days=keep_days)
    in_use = current_plan(site_dir)
    versions = site_dir / VERSIONS
    managed = [*(p for p in site_dir.iterdir() if p.is_symlink()),
               *(versions.iterdir() if versions.is_dir() else ())]
    removed = [p for p in managed if _before(p.name, cutoff) and p.resolve() != in_use]
    for path in sorted(removed, key=lambda p: not p.is_symlink()):  # pointers first, then their folders
        remove_tree(path)
    return removed


def _before(name: str, cutoff: date) -> bool:
    """True when a pointer or version folder is named by a plan date before ``cutoff``."""
    day = _date_of(name)
    return day is not None and day < cutoff


def _date_of(name: str) -> date | None:
    """The plan date a pointer or version folder is named by (``2026-12-01``, ``2026-12-01-<digest>``)."""
    try:
        return date.fromisoformat(name[:10])
    except ValueError:
        return None


@contextlib.contextmanager
def run_lock(root: Path, what: str = "greendc nightly") -> Iterator[Path]:
    """Hold an exclusive lock on ``root`` for a run; raise LockHeldError naming the holder if it is taken.

    ``flock(2)`` locks belong to the open file, so the kernel releases them when the holder dies,
    even by SIGKILL: a crashed run never leaves a stale lock. The file records who holds it.
    """
    root.mkdir(parents=True, exist_ok=True)
    path = root / LOCK_NAME
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockHeldError(_lock_message(path, what)) from None
        holder = {"pid": os.getpid(), "since_utc": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        yield path
    finally:
        os.close(fd)


def _lock_message(path: Path, what: str) -> str:
    """The one-line message for a held lock, with the holder's pid and start time when readable."""
    try:
        holder = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        holder = {}
    who = f" (pid {holder.get('pid', '?')}, since {holder.get('since_utc', '?')})" if holder else ""
    return (
        f"another {what} run holds the lock {path}{who}; "
        "wait for it to finish; the lock frees itself when that process exits"
    )
