"""Consumption as JSON-ready dicts and as CSV (also for German spreadsheets: ';' and ',')."""

from __future__ import annotations

import csv
import io
import json
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from .consumption import MISSING, QUALITY_NAMES, Consumption
from .disc_power import SOURCE_NAMES
from .periods import format_instants

SEPARATORS = {",": ",", ";": ";", "tab": "\t", "\t": "\t"}
DECIMAL_MARKS = (".", ",")


def consumption_dict(result: Consumption) -> dict[str, Any]:
    """{"resolution", "timezone", "buckets": [{"start", "end", "kwh", "quality"}], "total_kwh"}.

    kwh is null for missing buckets, never 0; total_kwh sums the buckets that are not missing.
    A bucket the recording starts or stops inside has the quality "partial" and the energy of
    the part it covers; every bucket says its "coverage" (0-1).
    The missing bucket that holds the latest reading also has partial_kwh: what was used from
    its start until partial_until (the latest reading). Where disc revolutions exist for the
    range, every bucket also has "source": "disc" (the disc shaped all of it), "mixed" (a
    part) or "counter".
    """
    texts = format_instants(result.bounds_utc, ZoneInfo(result.timezone))
    energy = result.energy_wh.tolist()
    quality = result.quality.tolist()
    buckets = [
        {
            "start": texts[i],
            "end": texts[i + 1],
            "kwh": None if quality[i] == MISSING else round(energy[i] / 1000, 3),
            "quality": QUALITY_NAMES[quality[i]],
        }
        for i in range(len(energy))
    ]
    if result.source is not None:
        for bucket, code in zip(buckets, result.source.tolist(), strict=True):
            bucket["source"] = SOURCE_NAMES[code]
    if result.coverage is not None:
        for bucket, share in zip(buckets, result.coverage.tolist(), strict=True):
            bucket["coverage"] = round(share, 4)
    if result.partial_index is not None and result.partial_wh is not None:
        bucket = buckets[result.partial_index]
        bucket["partial_kwh"] = round(result.partial_wh / 1000, 3)
        bucket["partial_until"] = format_instants(
            np.array([result.partial_until_utc]), ZoneInfo(result.timezone))[0]
    return {
        "resolution": result.resolution,
        "timezone": result.timezone,
        "from": texts[0],
        "to": texts[-1],
        "buckets": buckets,
        "total_kwh": round(result.total_wh / 1000, 3),
        "missing_buckets": result.missing_count,
    }


def consumption_json(result: Consumption) -> str:
    """consumption_dict as JSON text, written directly: a year of quarter hours is 35,040
    buckets, and building dicts for json.dumps took longer than the query itself."""
    texts = format_instants(result.bounds_utc, ZoneInfo(result.timezone))
    kwh = [
        "null" if q == MISSING else f"{wh / 1000:.3f}"
        for wh, q in zip(result.energy_wh.tolist(), result.quality.tolist(), strict=True)
    ]
    names = [QUALITY_NAMES[q] for q in result.quality.tolist()]
    extra = [""] * len(kwh)
    if result.source is not None:
        extra = [f',"source":"{SOURCE_NAMES[code]}"' for code in result.source.tolist()]
    if result.coverage is not None:
        extra = [f'{text},"coverage":{round(share, 4)}'
                 for text, share in zip(extra, result.coverage.tolist(), strict=True)]
    if result.partial_index is not None and result.partial_wh is not None:
        until = format_instants(np.array([result.partial_until_utc]), ZoneInfo(result.timezone))
        extra[result.partial_index] += (f',"partial_kwh":{round(result.partial_wh / 1000, 3)},'
                                       f'"partial_until":"{until[0]}"')
    buckets = ",".join([
        f'{{"start":"{texts[i]}","end":"{texts[i + 1]}","kwh":{kwh[i]},'
        f'"quality":"{names[i]}"{extra[i]}}}'
        for i in range(len(kwh))
    ])
    head = json.dumps({"resolution": result.resolution, "timezone": result.timezone,
                       "from": texts[0], "to": texts[-1]})[:-1]
    tail = json.dumps({"total_kwh": round(result.total_wh / 1000, 3),
                       "missing_buckets": result.missing_count})[1:]
    return f'{head},"buckets":[{buckets}],{tail}'


def consumption_csv(result: Consumption, separator: str = ",", decimal: str = ".") -> str:
    """One row per bucket: start;end;kwh;quality (;source where disc revolutions exist for the
    range). Missing buckets have an empty kwh field."""
    if separator not in SEPARATORS:
        raise ValueError(f"separator {separator!r}: expected ',', ';' or 'tab'")
    if decimal not in DECIMAL_MARKS:
        raise ValueError(f"decimal mark {decimal!r}: expected '.' or ','")
    delimiter = SEPARATORS[separator]
    if delimiter == decimal:
        raise ValueError("separator and decimal mark must differ (use sep=; with decimal=,)")
    texts = format_instants(result.bounds_utc, ZoneInfo(result.timezone))
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    sources = None if result.source is None else result.source.tolist()
    writer.writerow(["start", "end", "kwh", "quality"] + ([] if sources is None else ["source"]))
    for i, (wh, quality) in enumerate(zip(result.energy_wh.tolist(), result.quality.tolist(),
                                          strict=True)):
        kwh = "" if quality == MISSING else f"{wh / 1000:.3f}".replace(".", decimal)
        row = [texts[i], texts[i + 1], kwh, QUALITY_NAMES[quality]]
        writer.writerow(row if sources is None else [*row, SOURCE_NAMES[sources[i]]])
    return out.getvalue()
