"""Files the reports of a data folder share (plotly.js), kept once in ``<data>/assets/``, not once per plan.

A data folder (DESIGN.md) holds ``plans/<site>/<date>/`` (the nightly's dates and ``latest`` are links to
``plans/<site>/.versions/<version>/``), ``studies/<name>/`` and ``assets/``. A report in a folder of
that layout refers to ``<data>/assets/<file>`` by a path relative to where it is published (the date);
the report itself also tries one folder further up, for a reader who opens the version folder
(greendc.dashboard.report_assets.script_tag). A folder anywhere else (``--out`` of the user's choosing)
gets no shared file: nothing is written outside it, and its report carries what it needs itself.

A shared file is named by its version (``plotly-3.7.0.min.js``) and never changed once written, so the
nightly's retention, which removes only a site's old dates and versions, never touches one in use.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Literal

from greendc.optimizer.io.publish import WriteFailedError, fsync_path, os_reason

#: The shared folder of a data folder.
ASSETS_DIR = "assets"
#: Kinds of folder that may share assets, with the folder above them and how many levels below the
#: data folder they sit: ``<data>/plans/<site>/<date>`` and ``<data>/studies/<name>``.
LAYOUT: dict[str, tuple[str, int]] = {"plan": ("plans", 2), "study": ("studies", 1)}
FolderKindName = Literal["plan", "study"]


def data_folder_of(folder: str | Path, kind: FolderKindName) -> Path | None:
    """The data folder a plan or study folder sits in by greendc's layout, or None for one elsewhere."""
    above, depth = LAYOUT[kind]
    path = Path(os.path.abspath(folder))
    parents = path.parents
    if len(parents) > depth and parents[depth - 1].name == above:
        return parents[depth]
    return None


def shared_path(data_folder: Path, name: str) -> Path:
    """Where a shared file of this name lives in a data folder."""
    return Path(data_folder) / ASSETS_DIR / name


def relative_src(target: Path, folder: str | Path) -> str:
    """A '/'-separated path from ``folder`` to ``target``: a report's ``src`` (a URL, not a shell path)."""
    return Path(os.path.relpath(os.path.abspath(target), os.path.abspath(folder))).as_posix()


def publish_shared_file(path: Path, data: bytes, *, key: str | None = None) -> Path:
    """Put a shared file in place atomically (temporary sibling, fsync, rename); same bytes there: no write.

    An OSError (a full disk, permissions) is one WriteFailedError line naming the file; nothing is
    left behind and a file already there is unchanged.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        if _holds(path, data):
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        fsync_path(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise WriteFailedError(f"could not write the reports' shared file ({os_reason(exc)}); nothing was "
                               "published", file=path, key=key) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return path


def _holds(path: Path, data: bytes) -> bool:
    """True when ``path`` is a file with exactly these bytes."""
    return path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data
