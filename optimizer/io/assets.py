"""Files the reports of a data folder share (plotly.js), kept once in ``<data>/assets/``, not once per plan.

A data folder (docs/file-formats.md, "Data folder") holds ``plans/<site>/<date>/`` (the nightly's
dates and ``latest`` are links to ``plans/<site>/.versions/<version>/``), ``fleet/<name>/<date>/``
(the same pointers, each hub's plan in ``hubs/<hub>/``), ``studies/<name>/`` and ``assets/``. A
report in a folder of that layout refers to ``<data>/assets/<file>`` by a path relative to where it
is published (the date, or a hub under it);
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
#: Kinds of folder that may share assets, by the path from the data folder down to them (``*``: any
#: name): a plan ``plans/<site>/<date>``, a study ``studies/<name>``, a fleet plan
#: ``fleet/<name>/<date>`` and a hub's plan inside it ``fleet/<name>/<date>/hubs/<hub>``.
LAYOUT: dict[str, tuple[str, ...]] = {
    "plan": ("plans", "*", "*"), "study": ("studies", "*"),
    "fleet": ("fleet", "*", "*"), "fleet_hub": ("fleet", "*", "*", "hubs", "*"),
}
FolderKindName = Literal["plan", "study", "fleet", "fleet_hub"]


def data_folder_of(folder: str | Path, kind: FolderKindName) -> Path | None:
    """The data folder a plan, study or fleet folder sits in by greendc's layout, or None for one elsewhere
    (a report there inlines plotly.js: nothing is written outside a folder of the user's choosing)."""
    pattern = LAYOUT[kind]
    path = Path(os.path.abspath(folder))
    if len(path.parts) <= len(pattern):
        return None
    below = path.parts[len(path.parts) - len(pattern):]
    if any(want not in ("*", got) for want, got in zip(pattern, below, strict=True)):
        return None
    return path.parents[len(pattern) - 1]


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
