"""Local-time bucket boundaries: DST days, calendar months, offsets in the ISO text."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stromzaehler.analytics.periods import (
    RangeError,
    bucket_boundaries,
    format_instants,
    local_fields,
    offset_spans,
)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def test_spring_switch_day_has_23_hours_with_offsets():
    bounds = bucket_boundaries("hour", utc("2026-03-29T00:00+01:00"), utc("2026-03-30T00:00+02:00"),
                               BERLIN)
    texts = format_instants(bounds, BERLIN)
    assert len(bounds) - 1 == 23
    assert texts[:4] == [
        "2026-03-29T00:00:00+01:00",
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T04:00:00+02:00",
    ]
    assert texts[-1] == "2026-03-30T00:00:00+02:00"
    assert set(np.diff(bounds).tolist()) == {3600}


def test_autumn_switch_day_has_25_hours_and_the_repeated_hour_twice():
    bounds = bucket_boundaries("hour", utc("2026-10-25T00:00+02:00"), utc("2026-10-26T00:00+01:00"),
                               BERLIN)
    texts = format_instants(bounds, BERLIN)
    assert len(bounds) - 1 == 25
    assert texts[2:5] == [
        "2026-10-25T02:00:00+02:00",
        "2026-10-25T02:00:00+01:00",
        "2026-10-25T03:00:00+01:00",
    ]


def test_days_of_2026_include_one_23_and_one_25_hour_day():
    bounds = bucket_boundaries("day", utc("2026-01-01T00:00+01:00"), utc("2027-01-01T00:00+01:00"),
                               BERLIN)
    lengths = np.diff(bounds) // 3600
    assert len(lengths) == 365
    assert sorted(set(lengths.tolist())) == [23, 24, 25]
    assert (lengths == 23).sum() == 1 and (lengths == 25).sum() == 1


def test_quarter_hours_of_the_autumn_day():
    bounds = bucket_boundaries("15min", utc("2026-10-25T00:00+02:00"),
                               utc("2026-10-26T00:00+01:00"), BERLIN)
    assert len(bounds) - 1 == 100


def test_range_is_widened_to_whole_buckets():
    bounds = bucket_boundaries("month", utc("2026-01-15T10:00+01:00"),
                               utc("2026-04-02T00:00+02:00"), BERLIN)
    assert format_instants(bounds, BERLIN) == [
        "2026-01-01T00:00:00+01:00",
        "2026-02-01T00:00:00+01:00",
        "2026-03-01T00:00:00+01:00",
        "2026-04-01T00:00:00+02:00",
        "2026-05-01T00:00:00+02:00",
    ]
    year = bucket_boundaries("year", utc("2026-06-01T00:00+02:00"), utc("2026-06-02T00:00+02:00"),
                             BERLIN)
    assert format_instants(year, BERLIN) == ["2026-01-01T00:00:00+01:00",
                                            "2027-01-01T00:00:00+01:00"]


def test_half_hour_zone_hours_start_on_local_full_hours():
    kolkata = ZoneInfo("Asia/Kolkata")
    bounds = bucket_boundaries("hour", utc("2026-05-01T10:10+05:30"), utc("2026-05-01T12:00+05:30"),
                               kolkata)
    assert format_instants(bounds, kolkata) == [
        "2026-05-01T10:00:00+05:30",
        "2026-05-01T11:00:00+05:30",
        "2026-05-01T12:00:00+05:30",
    ]


def test_a_day_whose_midnight_does_not_exist_starts_at_the_first_instant_after():
    santiago = ZoneInfo("America/Santiago")  # 2026-09-06 00:00 -04 jumps to 01:00 -03
    bounds = bucket_boundaries("day", utc("2026-09-05T12:00-04:00"), utc("2026-09-06T12:00-03:00"),
                               santiago)
    assert format_instants(bounds, santiago)[1] == "2026-09-06T01:00:00-03:00"
    assert np.diff(bounds).tolist() == [86400, 82800]


@pytest.mark.parametrize(
    ("resolution", "days"), [("minute", 40), ("15min", 400), ("hour", 2000)]
)
def test_too_long_ranges_are_refused_with_a_message(resolution, days):
    start = utc("2026-01-01T00:00+01:00")
    with pytest.raises(RangeError, match="too long for resolution"):
        bucket_boundaries(resolution, start, start + days * 86400, BERLIN)


def test_empty_range_and_unknown_resolution_are_refused():
    with pytest.raises(RangeError, match="empty"):
        bucket_boundaries("day", 100, 100, BERLIN)
    with pytest.raises(RangeError, match="resolution 'week'"):
        bucket_boundaries("week", 0, 100, BERLIN)


@settings(max_examples=60, deadline=None)
@given(
    start=st.integers(1_700_000_000, 1_900_000_000),
    length_h=st.integers(1, 24 * 40),
    resolution=st.sampled_from(["day", "hour", "15min"]),
    zone_name=st.sampled_from(["Europe/Berlin", "America/New_York", "Australia/Adelaide",
                               "Asia/Kathmandu", "UTC"]),
)
def test_boundaries_match_zoneinfo_wall_clock(start, length_h, resolution, zone_name):
    zone = ZoneInfo(zone_name)
    end = start + length_h * 3600
    bounds = bucket_boundaries(resolution, start, end, zone)
    assert bounds[0] <= start and bounds[-1] >= end
    assert np.all(np.diff(bounds) > 0)
    step = {"day": 86400, "hour": 3600, "15min": 900}[resolution]
    for t in bounds.tolist():
        local = datetime.fromtimestamp(t, zone)
        seconds = local.hour * 3600 + local.minute * 60 + local.second
        assert seconds % step == 0
    # No wall-clock boundary is skipped: one step of UTC time never crosses two boundaries.
    assert np.diff(bounds).max() <= step + 3600
    texts = format_instants(bounds, zone)
    for t, text in zip(bounds.tolist(), texts, strict=True):
        parsed = datetime.fromisoformat(text)
        assert parsed.timestamp() == t
        assert parsed.utcoffset() == datetime.fromtimestamp(t, zone).utcoffset()


def test_offset_spans_find_both_switches_of_a_year():
    spans = offset_spans(BERLIN, utc("2026-01-01T00:00+01:00"), utc("2027-01-01T00:00+01:00"))
    assert [s.offset_s for s in spans] == [3600, 7200, 3600]
    assert spans[1].start_utc == utc("2026-03-29T01:00+00:00")
    assert spans[2].start_utc == utc("2026-10-25T01:00+00:00")


def test_local_fields_agree_with_datetime():
    instants = np.arange(utc("2026-03-28T00:00+01:00"), utc("2026-03-31T00:00+02:00"), 3700)
    fields = local_fields(instants, BERLIN)
    for index, t in enumerate(instants.tolist()):
        local = datetime.fromtimestamp(t, BERLIN)
        assert fields.weekday[index] == local.weekday()
        assert fields.day_of_year[index] == local.timetuple().tm_yday
        assert fields.month[index] == local.month
        assert fields.second_of_day[index] == local.hour * 3600 + local.minute * 60 + local.second
        assert (fields.day_number[index] - local.date().toordinal()
                == -datetime(1970, 1, 1).toordinal())
