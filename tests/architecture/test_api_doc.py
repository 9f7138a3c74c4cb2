"""docs/api.md's notebook example runs as written, from a folder that is not the repository."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def python_blocks(text: str) -> list[str]:
    """The ```python blocks of a Markdown text."""
    return re.findall(r"```python\n(.*?)```", text, flags=re.S)


def test_the_doc_has_one_example_that_imports_only_greendc_names() -> None:
    (block,) = python_blocks(DOC.read_text())
    imported = re.findall(r"^from (\S+) import", block, flags=re.M)
    allowed = {"greendc", "datetime", "pathlib", "tempfile"}
    assert imported and all(n.split(".")[0] in allowed for n in imported)


@pytest.mark.slow
def test_the_notebook_example_plans_a_day(tmp_path: Path) -> None:
    (block,) = python_blocks(DOC.read_text())
    done = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "vs today's" in done.stdout and "setpoint_c" in done.stdout
