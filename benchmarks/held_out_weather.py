"""The synthetic year on real typical years it was never set on: three files from pvlib's source test data.

    .venv/bin/python -m benchmarks.held_out_weather [--seeds 0,1,2,3,4] [--cache DIR]

pvlib's wheel ships three typical years (Greensboro, Sand Point, Miami; ``greendc.weather.validation``,
which the generator's maritime parts were set on). Its source distribution carries more in
``tests/data``: Amsterdam's IWEC year (ASHRAE, maritime, 52 N), a PVGIS typical year for 45 N 8 E
near Turin (ERA5 reanalysis temperatures, Po valley) and a SolarAnywhere TMY3-format year for
Burlington, Vermont (44.5 N, continental; whole-degree temperatures, no dew point). This script
downloads that source distribution from the package index once (``pip download``, about 40 MB,
into ``benchmarks/out/cache``), extracts the three files and prints the validation tables for them:
the same limits and figures as docs/weather.md, "Validation", three times: from the normals alone
(the spread of daily means by the generator's default rule), with the file's monthly spread given
(as every catalogue site carries a spread), and with its monthly irradiation given too (the sunshine
model bypassed). Exit 1 when a seed misses a limit in any.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tarfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

#: The pvlib source release whose test data are used, and the files taken from it (name in the archive's
#: tests/data -> local name).
PVLIB_SDIST = "pvlib==0.16.1"
HELD_OUT = {
    "NLD_Amsterdam062400_IWEC.epw": "amsterdam-iwec.epw",
    "tmy_45.000_8.000_2005_2023.epw": "turin-pvgis-tmy.epw",
    "Burlington, United States SolarAnywhere Time Series 2021 Lat_44_465 Lon_-73_205 TMY3 format.csv": (
        "burlington-solaranywhere-tmy3.csv"
    ),
}
DEFAULT_CACHE = ROOT / "benchmarks" / "out" / "cache"


def held_out_files(cache: Path) -> list[Path]:
    """The held-out files, downloaded and extracted into `cache` unless already there."""
    wanted = [cache / local for local in HELD_OUT.values()]
    if all(path.exists() for path in wanted):
        return wanted
    cache.mkdir(parents=True, exist_ok=True)
    archives = sorted(cache.glob("pvlib-*.tar.gz"))
    if not archives:
        command = [sys.executable, "-m", "pip", "download", PVLIB_SDIST, "--no-deps", "--no-binary", ":all:"]
        if subprocess.run([*command, "--quiet", "--dest", str(cache)]).returncode != 0:
            raise SystemExit(f"error: pip download {PVLIB_SDIST} failed (see pip's message); needs the index")
        archives = sorted(cache.glob("pvlib-*.tar.gz"))
    with tarfile.open(archives[-1]) as archive:
        for member in archive.getmembers():
            name = Path(member.name).name
            if name in HELD_OUT and "/tests/data/" in member.name:
                source = archive.extractfile(member)
                if source is not None:
                    (cache / HELD_OUT[name]).write_bytes(source.read())
    missing = [path.name for path in wanted if not path.exists()]
    if missing:
        raise SystemExit(f"error: {archives[-1].name}: tests/data lacks {', '.join(missing)}")
    return wanted


def main(argv: list[str] | None = None) -> int:
    """Fetch the held-out years if needed and print their validation tables."""
    from greendc.weather import validation

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds")
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="where the files are kept")
    args = parser.parse_args(argv)
    files = [str(path) for path in held_out_files(args.cache)]
    print("### The normals alone (default spread rule)\n")
    rule = validation.main([*files, "--seeds", args.seeds])
    print("\n### With each file's monthly spread of daily means\n")
    given = validation.main([*files, "--seeds", args.seeds, "--spread-given"])
    print("\n### With each file's spread and monthly irradiation\n")
    ghi = validation.main([*files, "--seeds", args.seeds, "--spread-given", "--ghi-given"])
    return max(rule, given, ghi)


if __name__ == "__main__":
    sys.exit(main())
