"""Where the catalogue's monthly temperature normals come from, and how the derived ones are made.

Each published station table here is quoted from the China Meteorological Administration (CMA)
normals as tabulated in the station's Wikipedia article (docs/sources.md, "Climate normals"). Where
a site's own station has only published anchors (January, July or annual means, quoted in the
city's article text), its monthly cycle is a *donor* station's published 1991-2020 cycle mapped
linearly onto those anchors (least squares, :func:`anchored_cycle`), and its daily maximum and
minimum keep the donor's published offsets from the mean. The catalogue files carry the results;
``tests/sites/test_sites_facts.py`` recomputes them here, so a file cannot drift from its stated source.

Regenerate after changing a table: ``python -m greendc.sites.climate_sources`` prints the
``[climate]`` temperature lines of every derived site.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

#: Days in each month of a non-leap year, to weight monthly values into an annual mean [d].
DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)


@dataclass(frozen=True)
class StationNormals:
    """A published monthly normals table of one station (January..December) [deg C]."""

    station: str
    period: str
    source: str
    temp_max_c: tuple[float, ...]
    temp_mean_c: tuple[float, ...]
    temp_min_c: tuple[float, ...]


#: Wangjiang, Anqing, Anhui (30.1 N, 116.7 E; Yangtze valley), CMA 1991-2020.
WANGJIANG = StationNormals(
    station="Wangjiang (Anqing, Anhui)",
    period="1991-2020",
    source="CMA 1991-2020 normals of Wangjiang station, via Wikipedia 'Wangjiang County' (docs/sources.md)",
    temp_max_c=(7.9, 10.9, 15.5, 21.9, 26.8, 29.4, 32.8, 32.3, 28.4, 23.2, 17.1, 10.5),
    temp_mean_c=(4.3, 6.8, 11.2, 17.3, 22.3, 25.5, 28.9, 28.2, 24.1, 18.6, 12.4, 6.4),
    temp_min_c=(1.6, 3.8, 7.8, 13.5, 18.7, 22.5, 25.8, 25.2, 20.9, 15.2, 8.9, 3.4),
)
#: Zuoyun, Datong, Shanxi (40.0 N, 112.7 E, 1,336 m; north China plateau margin), CMA 1991-2020.
ZUOYUN = StationNormals(
    station="Zuoyun (Datong, Shanxi; 1336 m)",
    period="1991-2020",
    source="CMA 1991-2020 normals of Zuoyun station, via Wikipedia 'Zuoyun County' (docs/sources.md)",
    temp_max_c=(-3.9, 0.7, 7.5, 15.6, 21.8, 26.1, 27.5, 25.6, 20.8, 13.7, 5.0, -2.3),
    temp_mean_c=(-10.9, -6.7, 0.2, 8.2, 14.8, 19.2, 21.1, 19.2, 13.8, 6.6, -1.7, -8.8),
    temp_min_c=(-16.1, -12.5, -5.9, 1.3, 7.4, 12.4, 15.3, 13.6, 8.0, 1.1, -6.7, -13.7),
)


@dataclass(frozen=True)
class AnchoredSite:
    """A site whose own station publishes only anchors; its cycle is a donor's mapped onto them."""

    site_id: str
    station: str
    donor: StationNormals
    anchors: dict[int | str, float]
    """Month number (1-12) or 'year' -> published mean temperature [deg C]."""
    source: str
    checks: dict[int | str, float] = field(default_factory=dict)
    """Published figures not used in the fit, to compare against (month or 'year') [deg C]."""


ANCHORED: dict[str, AnchoredSite] = {
    "guian": AnchoredSite(
        "guian", "Guiyang", WANGJIANG, {1: 4.6, 7: 24.0, "year": 15.3},
        "Guiyang meteorological figures as quoted in city guides: annual mean 15.3, coldest month "
        "(January) 4.6, hottest (July) 24 deg C, RH 77 %, 1,148.3 sunshine hours (docs/sources.md)",
    ),
    "horinger": AnchoredSite(
        "horinger", "Hohhot", ZUOYUN, {1: -11.0, 7: 23.3},
        "CMA normals of Hohhot quoted in Wikipedia 'Hohhot' (January -11.0, July 23.3, annual 7.33 "
        "deg C, 2,862 sunshine hours) (docs/sources.md)",
        checks={"year": 7.33},
    ),
    "qingyang": AnchoredSite(
        "qingyang", "Qingyang (Xifeng)", ZUOYUN, {1: -4.2, 7: 21.4},
        "CMA 1991-2020 normals of Qingyang (Xifeng, 1,421 m) quoted in Wikipedia 'Qingyang, Gansu' "
        "(January -4.2, July 21.4, annual 9.20 deg C) (docs/sources.md)",
        checks={"year": 9.20},
    ),
    "tianfu": AnchoredSite(
        "tianfu", "Chengdu", WANGJIANG, {1: 5.6, "year": 16.27},
        "CMA normals of Chengdu quoted in Wikipedia 'Chengdu' (January 5.6, July-August about 25, "
        "annual 16.27 deg C, 1,073 sunshine hours) (docs/sources.md)",
        checks={7: 25.0},
    ),
    "chongqing": AnchoredSite(
        "chongqing", "Chongqing", WANGJIANG, {1: 7.55, 8: 28.65},
        "Chongqing January and August mean daily maximum and minimum (9.5 / 5.6 and 32.8 / 24.5 deg C) "
        "and annual mean 19.0 deg C of a German climate summary (weak source) (docs/sources.md)",
        checks={"year": 19.0},
    ),
}


def annual_mean(monthly: npt.ArrayLike) -> float:
    """Day-weighted annual mean of twelve monthly values."""
    return float(np.average(np.asarray(monthly, dtype=float), weights=DAYS_IN_MONTH))


def anchored_cycle(donor_mean_c: npt.ArrayLike, anchors: dict[int | str, float]) -> npt.NDArray[np.float64]:
    """The donor's monthly means mapped by a + b T onto the anchors (least squares) [deg C].

    anchors: month number 1-12 or 'year' (day-weighted annual mean) -> target mean temperature.
    """
    donor = np.asarray(donor_mean_c, dtype=float)
    rows, targets = [], []
    for key, value in anchors.items():
        x = annual_mean(donor) if key == "year" else donor[int(key) - 1]
        rows.append([1.0, x])
        targets.append(value)
    (a, b), *_ = np.linalg.lstsq(np.array(rows), np.array(targets), rcond=None)
    return a + b * donor


def derived_temperatures(site_id: str) -> dict[str, list[float]]:
    """temp_mean_c / temp_max_c / temp_min_c of an anchored site, rounded to 0.1 deg C."""
    spec = ANCHORED[site_id]
    donor = spec.donor
    mean = anchored_cycle(donor.temp_mean_c, spec.anchors)
    up = np.subtract(donor.temp_max_c, donor.temp_mean_c)
    down = np.subtract(donor.temp_mean_c, donor.temp_min_c)
    return {
        "temp_mean_c": [round(float(v), 1) for v in mean],
        "temp_max_c": [round(float(v), 1) for v in mean + up],
        "temp_min_c": [round(float(v), 1) for v in mean - down],
    }


def main() -> None:
    """Print the derived [climate] temperature lines, one block per anchored site."""
    for site_id in ANCHORED:
        print(f"# {site_id}")
        for key, values in derived_temperatures(site_id).items():
            print(f"{key} = [{', '.join(f'{v:.1f}' for v in values)}]")


if __name__ == "__main__":
    main()
