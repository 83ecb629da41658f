"""Write the packaged DWD test reference years (TRY 2010) used by the PV planner.

Dev-only, in a throwaway venv with demandlib 0.2.2 (it ships the TRY files; MIT licence) and
shapely (to simplify the region polygons):

    python3 -m venv /tmp/venv-try && /tmp/venv-try/bin/pip install demandlib==0.2.2 shapely
    /tmp/venv-try/bin/python scripts/extract_try.py

Writes src/stromzaehler/analytics/pv/try2010.npz (int16 per station and hour: horizontal beam
and diffuse in W/m², air temperature in 0.1 °C, wind in 0.1 m/s) and try2010_regions.json
(stations with place and measured share, simplified region polygons). demandlib is never
imported at run time.

The TRY files count hours 1..24 in MEZ without saying whether a value belongs to the hour that
ends, is centred on, or starts at that label. For every station this script models a 30° east
and a 30° west array (stromzaehler.analytics.pv.convention) for interval starts from label - 1 h
to the label in quarter hours and keeps the one whose yields are the most alike: a wrong
reading shifts the sun against the irradiance and favours one side (tests/test_pv_model.py
checks the kept one for every station).
"""

from __future__ import annotations

import json
import re
import sys
from importlib import resources
from pathlib import Path

import numpy as np
from shapely.geometry import Point, shape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from stromzaehler.analytics.pv import convention  # noqa: E402
from stromzaehler.analytics.pv.weather import HOURS, Weather  # noqa: E402

OUT = ROOT / "src" / "stromzaehler" / "analytics" / "pv"
SIMPLIFY_DEG = 0.01  # about 1 km: plenty for choosing a climate region
# Start of the hour a value labelled HH describes, from HH - 1 h (the hour ending at the label)
# to HH (the hour starting at it), in quarter-hour steps.
CANDIDATES_S = (0, 900, 1800, 2700, 3600)
_COORD = re.compile(r"(\d+)°(\d+)'N <- B\.\s+(\d+)°(\d+)'O")


def read_station(path: Path) -> dict:
    lines = path.read_text(encoding="utf-8").splitlines()
    name = lines[1].split("WMO")[0].split(":", 1)[1].strip()
    region = lines[0][5:].split("(Klimaregion")[0].strip()
    match = _COORD.search(lines[2])
    assert match, lines[2]
    lat = int(match[1]) + int(match[2]) / 60
    lon = int(match[3]) + int(match[4]) / 60
    altitude = float(lines[2].split("Meter")[0].split()[-1])
    start = lines.index("***") + 1
    rows = np.array([line.split() for line in lines[start:start + HOURS]], dtype=np.float64)
    assert rows.shape == (HOURS, 19), rows.shape
    assert rows[0, 2] == 1 and rows[0, 3] == 1 and rows[0, 4] == 1, "first row is 1 Jan 1 h"
    return {"number": int(rows[0, 0]), "name": name, "region": region,
            "latitude": round(lat, 4), "longitude": round(lon, 4), "altitude_m": altitude,
            "beam": rows[:, 13], "diffuse": rows[:, 14], "air": rows[:, 8], "wind": rows[:, 7],
            "measured_share": round(float(np.mean(rows[:, 15] == 1)), 4)}


def east_west_ratio(station: dict, hour_start_s: int) -> float:
    year = Weather(name=station["name"], source="try2010", latitude=station["latitude"],
                   longitude=station["longitude"], hour_start_s=hour_start_s,
                   beam_h_w_m2=station["beam"], diffuse_h_w_m2=station["diffuse"],
                   air_c=station["air"], wind_m_s=station["wind"], measured_share=None)
    return convention.east_west_ratio(year)


def main() -> int:
    folder = Path(str(resources.files("demandlib") / "vdi" / "resources_weather"))
    stations = sorted((read_station(p) for p in folder.glob("TRY2010_*_Jahr.dat")),
                      key=lambda s: s["number"])
    assert [s["number"] for s in stations] == list(range(1, 16))
    for station in stations:
        ratios = {start: east_west_ratio(station, start) for start in CANDIDATES_S}
        best = min(ratios, key=lambda start: abs(np.log(ratios[start])))
        station["hour_start_s"] = best
        print(f"{station['number']:2d} {station['name']:24s} east/west by start of the hour "
              "(s after label - 1 h): " + ", ".join(f"{k} {v:.3f}" for k, v in ratios.items())
              + f" -> {best}")
    np.savez_compressed(
        OUT / "try2010.npz",
        beam_w_m2=np.array([s["beam"] for s in stations]).astype(np.int16),
        diffuse_w_m2=np.array([s["diffuse"] for s in stations]).astype(np.int16),
        air_dc=np.rint(np.array([s["air"] for s in stations]) * 10).astype(np.int16),
        wind_dm_s=np.rint(np.array([s["wind"] for s in stations]) * 10).astype(np.int16),
    )
    geojson = json.loads((folder / "TRY_polygons.geojson").read_text(encoding="utf-8"))
    regions = []
    for feature in geojson["features"]:
        number = int(feature["properties"]["TRY_code"])
        own = stations[number - 1]
        original = shape(feature["geometry"])
        place = Point(own["longitude"], own["latitude"])
        # Small regions need a finer tolerance to keep their own station inside. Braunlage's
        # coordinates lie 300 m outside DWD's Oberharz polygon; the run-time lookup gives a
        # place within 1 km of a station that station (weather.NEAR_STATION_DEG).
        for tolerance in (SIMPLIFY_DEG, SIMPLIFY_DEG / 4, SIMPLIFY_DEG / 20, 0.0):
            geometry = original.simplify(tolerance, preserve_topology=True)
            if geometry.contains(place) == original.contains(place):
                break
        polygons = getattr(geometry, "geoms", [geometry])
        rings = []
        for polygon in polygons:
            for ring in [polygon.exterior, *polygon.interiors]:
                coords = np.round(np.asarray(ring.coords)[:, :2], 4).tolist()
                if len(coords) >= 4:
                    rings.append(coords)
        assert geometry.contains(place) == original.contains(place), own["name"]
        regions.append({"number": number, "rings": rings})
    regions.sort(key=lambda r: r["number"])
    keys = ("number", "name", "region", "latitude", "longitude", "altitude_m", "hour_start_s",
            "measured_share")
    document = {"source": "Deutscher Wetterdienst, Testreferenzjahre 2010 (mittleres Jahr), "
                          "via demandlib 0.2.2; polygons simplified to about 0.01°",
                "stations": [{k: s[k] for k in keys} for s in stations], "regions": regions}
    (OUT / "try2010_regions.json").write_text(json.dumps(document, ensure_ascii=False,
                                                         separators=(",", ":")),
                                              encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
