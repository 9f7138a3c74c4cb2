"""The installed distribution is `greendc` alone: no generic top-level names in a user's environment.

The repository keeps sites/, weather/, optimizer/ and dashboard/ at its top level; the build maps
them to greendc.sites, ... (pyproject.toml, docs/architecture.md). These tests build the real wheel.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
#: Repository folder -> the installed package it becomes.
MAPPED = {"greendc": "greendc", "sites": "greendc/sites", "weather": "greendc/weather",
          "optimizer": "greendc/optimizer", "dashboard": "greendc/dashboard"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel `pip wheel` builds from the working tree (no build isolation: setuptools is a dev need)."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(out), str(ROOT)], check=True, capture_output=True)
    (found,) = out.glob("greendc-*.whl")
    return found


def test_the_wheel_has_one_top_level_package(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"greendc"}


def test_every_source_file_and_data_file_is_in_the_wheel(wheel: Path) -> None:
    """A package missing from pyproject's list would silently drop its modules from the install."""
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder, installed in MAPPED.items():
        for path in (ROOT / folder).rglob("*"):
            rel = path.relative_to(ROOT / folder).as_posix()
            if path.is_file() and "__pycache__" not in rel and path.suffix in {".py", ".toml", ".typed"}:
                assert f"{installed}/{rel}" in names, f"{folder}/{rel} is not installed"
    assert "greendc/dashboard/assets/greendc.css" in names


def _dummy_weather_wheel(folder: Path) -> Path:
    """A tiny distribution with a top-level `weather` module, as other projects on the index ship."""
    path = folder / "weather_dummy-1.0-py3-none-any.whl"
    files = {
        "weather/__init__.py": b"SOURCE = 'weather-dummy'\n",
        "weather_dummy-1.0.dist-info/METADATA": b"Metadata-Version: 2.1\nName: weather-dummy\nVersion: 1.0\n",
        "weather_dummy-1.0.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\n"
                                             b"Tag: py3-none-any\n",
    }
    rows = [f"{name},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},"
            f"{len(data)}" for name, data in files.items()]
    files["weather_dummy-1.0.dist-info/RECORD"] = ("\n".join([*rows, "weather_dummy-1.0.dist-info/RECORD,,"])
                                                   + "\n").encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


@pytest.mark.slow
def test_installed_beside_a_weather_module_and_planned_from_a_folder_of_lookalikes(
    wheel: Path, tmp_path: Path
) -> None:
    """A fresh environment: greendc's wheel + a dummy `weather` distribution; plan from a folder that
    holds sites/, weather/ and dashboard/ packages of the user's own; both greendc and `weather` work."""
    env_dir = tmp_path / "env"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    ask = "import sysconfig; print(sysconfig.get_path('purelib'))"
    purelib = Path(subprocess.run([str(python), "-c", ask], check=True, capture_output=True,
                                  text=True).stdout.strip())
    # greendc's dependencies come from the test environment's site-packages (a path, not a site dir: its
    # .pth files, among them the editable install's finder, are not run)
    (purelib / "deps.pth").write_text(sysconfig.get_path("purelib") + "\n")
    subprocess.run([str(python), "-m", "pip", "install", "--no-deps", "--no-index", "-q", str(wheel),
                    str(_dummy_weather_wheel(tmp_path))], check=True, capture_output=True)
    work = tmp_path / "work"
    for name in ("sites", "weather", "dashboard"):
        (work / name).mkdir(parents=True)
        (work / name / "__init__.py").write_text("raise ImportError('the user folder was imported')\n")
    (work / "sites" / "my-dc.toml").write_bytes((DATA / "sites" / "good.toml").read_bytes())
    clean_env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    done = subprocess.run([str(env_dir / "bin" / "greendc"), "plan", "--site", "sites/my-dc.toml", "--date",
                           "2026-12-01", "--out", "out", "--time-limit", "20"],
                          cwd=work, env=clean_env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert json.loads((work / "out" / "plan.json").read_text())["plan_date"] == "2026-12-01"
    probe = ("import weather, greendc.weather.readers as r, greendc.sites as s; "
             "print(weather.SOURCE, r.__file__.startswith(sys.prefix), s.__file__.startswith(sys.prefix))")
    shown = subprocess.run([str(python), "-c", "import sys; " + probe], cwd=tmp_path, env=clean_env,
                           capture_output=True, text=True, check=True).stdout.split()
    assert shown == ["weather-dummy", "True", "True"]
