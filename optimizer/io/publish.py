"""Crash-safe publishing of plan folders: content-addressed versions, symlink pointers, a run lock.

Layout under a site's plan folder ``plans/<site>/``::

    .versions/<date>-<digest12>/   complete plan folders, never modified once renamed into place
    .staging/<run>/...             work in progress; invisible to readers, removed by the next run
    <date> -> .versions/<date>-<digest12>     the plan of that date (a relative symlink)
    latest -> <date>                          the newest published date

A reader only ever follows ``<date>`` or ``latest``. Both are switched by ``rename(2)`` of a fresh
symlink over the old one, which POSIX guarantees atomic: a reader sees the old plan or the new one,
never half of either. A plan folder is renamed into ``.versions`` only once complete and fsynced, so
a crash (SIGKILL, power loss) at any instant leaves the previous pointers and folders intact.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

VERSIONS = ".versions"
STAGING = ".staging"
LATEST = "latest"
LOCK_NAME = ".nightly.lock"


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
            _fsync_path(path, os.O_RDONLY)
    for path in [folder, *(p for p in folder.rglob("*") if p.is_dir())]:
        _fsync_path(path, os.O_RDONLY | os.O_DIRECTORY)


def _fsync_path(path: Path, flags: int) -> None:
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
    _fsync_path(link.parent, os.O_RDONLY | os.O_DIRECTORY)


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


def publish(folder: Path, site_dir: Path, name: str, *, keep_versions: int = 2) -> Path:
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
        _fsync_path(versions, os.O_RDONLY | os.O_DIRECTORY)
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
