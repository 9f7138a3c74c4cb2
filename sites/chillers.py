"""The compressor curves the cooling model uses: DOE-2 / EnergyPlus EIR curves of a water-cooled
centrifugal chiller, an air-cooled chiller and a DX coil, each with its fitted range and rating point
(sources in docs/sources.md, "Cooling"; the physics that uses them is ``greendc.sites.cooling``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChillerCurve:
    """A DOE-2 compressor performance curve set (EnergyPlus ``Chiller:Electric:EIR`` or DX coil)."""

    name: str
    """Where the curve comes from. [-]"""
    eirft: tuple[float, float, float, float, float, float]
    """Biquadratic c1..c6 of EIRFT(x, y) = c1 + c2 x + c3 x^2 + c4 y + c5 y^2 + c6 x y. [-]"""
    x_range_c: tuple[float, float]
    """Fitted range of x (leaving chilled water, or the DX coil's entering wet-bulb). [deg C]"""
    y_range_c: tuple[float, float]
    """Fitted range of the condenser temperature y. [deg C]"""
    eirfplr: tuple[float, float, float]
    """Quadratic d1..d3 of EIRFPLR(p) = d1 + d2 p + d3 p^2. [-]"""
    rating_c: tuple[float, float]
    """(x, y) of the rating point where the rated COP applies; EIRFT is normalised to 1 there. [deg C]"""


#: AHRI 550/590 standard rating: 6.67 deg C leaving chilled water, 29.44 deg C entering condenser
#: water (water-cooled) or 35 deg C outdoor air (air-cooled) [deg C].
AHRI_WATER_COOLED_C = (6.67, 29.44)
AHRI_AIR_COOLED_C = (6.67, 35.0)

#: Air-cooled chiller, ASHRAE 90.1-2010 path A (openstudio-standards); y = outdoor dry-bulb.
#: EIRFT = 1.00 at 6.67/35 deg C. Condenser fans are inside the rated COP (AHRI 550/590).
AIR_COOLED_90_1_2010 = ChillerCurve(
    name="ASHRAE 90.1-2010 path A air-cooled (openstudio-standards)",
    eirft=(0.5961915, -0.0099496, 0.0007888, 0.0004506, 0.0004875, -0.0007623),
    x_range_c=(5.0, 10.0),
    y_range_c=(12.7, 51.7),
    eirfplr=(0.141, 0.655, 0.203),
    rating_c=AHRI_AIR_COOLED_C,
)

#: Water-cooled centrifugal chiller, EnergyPlus Chillers.idf "ElectricEIRChiller McQuay PFH
#: 2124kW/6.03COP/Vanes" (a 604-ton machine; its catalogue COP 6.03 is quoted at 8.89 / 23.89 deg C,
#: 5.60 at AHRI conditions); ranges as in the Modelica Buildings library record of the same chiller
#: (x 5.56-8.89, y 12.78-29.44 deg C). Used for its shape, rated at the plant's COP.
WATER_COOLED_CENTRIFUGAL = ChillerCurve(
    name="EnergyPlus McQuay PFH 2124 kW centrifugal",
    eirft=(1.157799, -0.03621524, -0.003684818, -0.01202959, -7.378548e-05, 0.003787365),
    x_range_c=(5.56, 8.89),
    y_range_c=(12.78, 29.44),
    eirfplr=(0.1051419, 0.2033679, 0.6902026),
    rating_c=AHRI_WATER_COOLED_C,
)

#: Single-speed DX cooling coil, EnergyPlus example curve (AirflowNetwork_MultiZone_House.idf,
#: Modelica Buildings DXCoils "Curve_I"; Griffith et al. 2003): x = entering-air wet-bulb 12.78-23.89,
#: y = outdoor dry-bulb 18-46.11 deg C, 1.00 at the AHRI 210/240 point 19.44 / 35 deg C. CRAC
#: compressors stage, so no cycling loss is applied (EIRFPLR(p) = p).
DX_COIL_ENERGYPLUS = ChillerCurve(
    name="EnergyPlus single-speed DX coil example (Modelica Buildings Curve_I)",
    eirft=(0.342414409, 0.034885008, -0.0006237, 0.004977216, 0.000437951, -0.000728028),
    x_range_c=(12.78, 23.89),
    y_range_c=(18.0, 46.11),
    eirfplr=(0.0, 1.0, 0.0),
    rating_c=(19.44, 35.0),
)

CURVES: dict[str, ChillerCurve] = {
    "air_cooled_chiller": AIR_COOLED_90_1_2010,
    "water_cooled_chiller": WATER_COOLED_CENTRIFUGAL,
    "dx_crac": DX_COIL_ENERGYPLUS,
}
