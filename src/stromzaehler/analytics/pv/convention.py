"""Which part of the hour an hourly weather value describes, found from the weather itself.

Neither the DWD TRY files nor a PVGIS TMY say whether a value belongs to the hour that ends,
is centred on, or starts at its time stamp. A wrong choice shifts the sun against the
irradiance by up to an hour and makes a 30° east array yield more or less than a 30° west one.
Over a year the two are alike (ratio within a few per cent for every TRY station), so the
interval start that makes them most alike is taken. scripts/extract_try.py did this once for
the packaged TRY table; a PVGIS file is checked when it is read.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .pvmodel import PvArray, system_ac_w
from .solar import sun_position
from .weather import Weather

STEP_S = 900
EAST, WEST = PvArray(1.0, 30.0, 90.0), PvArray(1.0, 30.0, 270.0)


def east_west_ratio(weather: Weather) -> float:
    """Annual yield of a 30° east array over that of a 30° west array."""
    sun = sun_position(weather.center_utc, weather.latitude, weather.longitude)
    args = (sun, weather.beam_h_w_m2, weather.diffuse_h_w_m2, weather.air_c, weather.wind_m_s)
    west = float(system_ac_w([WEST], *args).sum())
    return float(system_ac_w([EAST], *args).sum()) / west if west > 0 else 1.0


def most_symmetric(weather: Weather, earliest_s: int, latest_s: int) -> Weather:
    """The weather with the hour start (seconds, in quarter hours between the two bounds
    around its current one) whose east and west yields are the most alike."""
    candidates = [dataclasses.replace(weather, hour_start_s=weather.hour_start_s + shift)
                  for shift in range(earliest_s, latest_s + 1, STEP_S)]
    return min(candidates, key=lambda w: abs(np.log(max(east_west_ratio(w), 1e-9))))
