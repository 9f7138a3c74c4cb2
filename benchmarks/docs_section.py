"""Write a benchmark's figures into its own section of docs/performance.md, leaving the rest alone."""

from __future__ import annotations

from pathlib import Path

PERFORMANCE_MD = Path(__file__).resolve().parents[1] / "docs" / "performance.md"


def replace_section(heading: str, text: str, path: Path = PERFORMANCE_MD, parent: str | None = None) -> None:
    """Replace the section that starts with ``heading`` (up to the next ``## ``) by ``text``, or add it.

    A missing section goes at the end of the ``parent`` section (a ``## `` heading) when it exists, else
    at the end of the file. A blank line is kept between ``text`` and the section after it.
    """
    old = path.read_text(encoding="utf-8") if path.exists() else "# Performance\n\n"
    start = old.find(heading + "\n")
    if start < 0:
        at = old.find(parent + "\n") if parent is not None else -1
        end = old.find("\n## ", at + 1) if at >= 0 else -1
        if end < 0:
            new = old.rstrip("\n") + "\n\n" + text
        else:
            new = old[:end].rstrip("\n") + "\n\n" + text + "\n" + old[end + 1 :]
    else:
        end = old.find("\n## ", start + len(heading))
        new = old[:start] + text + ("\n" + old[end + 1 :] if end >= 0 else "")
    path.write_text(new, encoding="utf-8")
