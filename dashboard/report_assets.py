"""plotly.js for the reports: one shared file per data folder (optimizer.io.assets), inlined elsewhere.

A plan, study or fleet folder in a data folder's layout gets a report whose ``<head>`` loads
``<data>/assets/plotly-<version>.min.js`` by a relative path: about 4.8 MB written once per data folder
and plotly.js version instead of once per plan. A folder anywhere else gets plotly.js inlined in its
report.html, so it opens offline on its own and nothing is written beside it. ``self_contained`` turns
a report that loads the shared file back into one page (a download from the dashboard).
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path

from greendc.optimizer.io import assets
from plotly.offline import get_plotlyjs, get_plotlyjs_version

#: The first of a report's tags that load the shared plotly.js (``script_tag``), for ``self_contained``.
_SHARED_SRC = re.compile(r'<script src="([^"<>]*plotly-[0-9A-Za-z.+-]+\.min\.js)" charset="utf-8"></script>')


def plotly_js_name() -> str:
    """The shared file's name, by plotly.js's version: an upgrade adds a file, never changes one in use."""
    return f"plotly-{get_plotlyjs_version()}.min.js"


def plotly_src(folder: str | Path, kind: assets.FolderKindName) -> str | None:
    """How the report of a folder to be published at ``folder`` loads plotly.js (the shared file written
    first, atomically), or None for a folder outside a data folder: its report inlines plotly.js."""
    data_folder = assets.data_folder_of(folder, kind)
    return None if data_folder is None else shared_plotly_src(data_folder, folder)


def shared_plotly_src(root: str | Path, folder: str | Path) -> str:
    """Put plotly.js once in ``<root>/assets/`` (atomically, unchanged if there) and give the ``src`` by
    which a report in ``folder`` loads it: the data folder's copy, or a fleet folder's own."""
    target = assets.shared_path(Path(root), plotly_js_name())
    assets.publish_shared_file(target, get_plotlyjs().encode("utf-8"))
    return assets.relative_src(target, folder)


def script_tag(src: str) -> str:
    """The ``<head>`` tags that load plotly.js from ``src`` (relative to the report), or else from one folder
    further up: a nightly plan is opened by its date or ``latest`` pointer (``plans/<site>/<date>/``) and
    by its version folder (``plans/<site>/.versions/<version>/``), one level deeper, and a browser
    resolves ``src`` from the path it opened, not through the link."""
    first = html.escape(src)
    deeper = html.escape("../" + src)
    return (f'<script src="{first}" charset="utf-8"></script>'
            f"<script>window.Plotly||document.write('<script src=\"{deeper}\" charset=\"utf-8\"><\\/script>')"
            "</script>")


def self_contained(report_html: str, folder: Path) -> str:
    """The report with the shared plotly.js it loads inlined, to be saved anywhere on its own.

    A report that loads none (plotly.js inline already) or whose shared file is missing is returned
    as it is.
    """
    found = _SHARED_SRC.search(report_html)
    if found is None:
        return report_html
    src = html.unescape(found.group(1))
    tags = script_tag(src)
    paths = [Path(os.path.normpath(Path(folder) / s)) for s in (src, "../" + src)]  # as a browser resolves
    path = next((p for p in paths if p.parent.name == assets.ASSETS_DIR and p.is_file()), None)
    if path is None or tags not in report_html:
        return report_html
    script = f'<script type="text/javascript">{path.read_text(encoding="utf-8")}</script>'
    return report_html.replace(tags, script, 1)
