"""The dashboard styles a bucket the recording only partly covers and says so when hovered."""

from __future__ import annotations

import pytest

from .conftest import api_json
from .test_web_pages import open_dashboard

pytestmark = pytest.mark.browser


def test_the_month_the_recording_stops_in_is_partial_with_its_share(service, page_factory):
    page, _ = page_factory()
    # The recording ends on 20 December 2026 at 01:00 local time.
    open_dashboard(page, "kind=year&date=2026-01-01")
    buckets = api_json(service, "/api/consumption?resolution=month&from=2026-01-01"
                       "&to=2027-01-01")["buckets"]
    assert buckets[11]["quality"] == "partial" and buckets[11]["kwh"] > 0
    bar = page.evaluate(
        """() => {
          const chart = echarts.getInstanceByDom(document.querySelector('#consumption-chart'));
          const option = chart.getOption();
          const bar = option.series[0].data[11];
          return { quality: bar.quality, value: bar.value, colour: bar.itemStyle.color,
                   hover: option.tooltip[0].formatter({ dataIndex: 11 }) };
        }"""
    )
    assert bar["quality"] == "partial" and bar["value"] == buckets[11]["kwh"]
    assert bar["colour"] != page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('#consumption-chart'))
              .getOption().series[0].data[5].itemStyle.color"""
    )
    percent = round(100 * buckets[11]["coverage"])
    assert "partial" in bar["hover"] and f"{percent} %" in bar["hover"]


def test_a_partly_recorded_period_is_not_compared_with_the_previous_one(service, page_factory):
    page, _ = page_factory()
    # December 2026 is recorded up to the 20th only: a change against November would mislead.
    open_dashboard(page, "kind=month&date=2026-12-01")
    assert page.inner_text("#stat-change") == "—"
    assert "Only part of this period is recorded" in page.inner_text("#consumption-notes")
    # November is recorded whole: compared as before.
    open_dashboard(page, "kind=month&date=2026-11-01")
    assert page.inner_text("#stat-change").endswith("%")
