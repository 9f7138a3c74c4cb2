"""The site file's shared parts: the strict model base, provenance and the plausibility caps.

Every site-file model derives from ``StrictModel``: frozen, no unknown keys, strict types, finite
numbers (docs/file-formats.md).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

#: ASHRAE TC9.9 (2021) allowable server inlet ranges by equipment class [deg C].
ASHRAE_ALLOWABLE_C: dict[str, tuple[float, float]] = {
    "A1": (15.0, 32.0),
    "A2": (10.0, 35.0),
    "A3": (5.0, 40.0),
    "A4": (5.0, 45.0),
}
#: ASHRAE TC9.9 (2021) recommended inlet range for classes A1-A4 [deg C].
ASHRAE_RECOMMENDED_C = (18.0, 27.0)

Status = Literal["measured", "published", "estimate", "stand-in", "illustrative", "default"]


#: Plausibility caps shared by several fields (a whole campus, not a single machine).
MAX_SITE_KW = 5_000_000.0  # 5 GW: above the largest announced AI campuses' grid connections
MAX_NODE_KW = 200.0  # a GB200 NVL72 rack, the densest 'node', draws about 132 kW
MAX_BATTERY_KWH = 20_000_000.0  # 20 GWh: above the largest battery plants built
#: Plausible outdoor air temperatures (world records about -89 and +57 deg C) [deg C].
AIR_TEMP_RANGE_C = (-90.0, 65.0)


class StrictModel(BaseModel):
    """Frozen, no unknown keys, strict types, finite numbers: a typo is refused where it is read."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, strict=True,
                              allow_inf_nan=False)


class Provenance(StrictModel):
    """Where one fact in the site file comes from, and how much to trust it."""

    fact: str
    """Dotted path of the fact in the site file, e.g. ``climate.temp_mean_c``. [-]"""
    source: str
    """Citation: publisher, table or page, year. [-]"""
    status: Status = "published"
    """measured / published figure, or an estimate, a stand-in from another place, illustrative. [-]"""
    note: str = ""
    """Anything a user should know, e.g. how a stand-in differs from the site. [-]"""
