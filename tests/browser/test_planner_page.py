"""The PV planner page in Chromium on the simulated year: drawn without console errors, the
figures are the API's, a heatmap click chooses a system, German texts, CSV export."""

from __future__ import annotations

import csv
import io
import urllib.parse

import pytest

from .conftest import SCREENSHOTS, api_json, log_in

pytestmark = pytest.mark.browser

# The simulated year ends on 2026-12-20; the planning year ends there, whatever today is.
TO = "2026-12-20T00:00:00Z"
HEATMAP_CELLS = """() => {
  const chart = echarts.getInstanceByDom(document.querySelector('#pv-grid'));
  return chart.getOption().series[0].data.length;
}"""
CELL_POSITION = """([battery, kwp]) => {
  const chart = echarts.getInstanceByDom(document.querySelector('#pv-grid'));
  return chart.convertToPixel({ seriesIndex: 0 }, [battery, kwp]);
}"""


def open_planner(page, extra: str = "") -> None:
    page.goto(f"/#/pv?to={urllib.parse.quote(TO)}{extra}")
    page.wait_for_selector("main[data-page=pv][data-state=ready]", timeout=120_000)


def test_planner_page_draws_the_apis_figures(service, page_factory):
    page, _ = page_factory()
    open_planner(page)
    plan = api_json(service, f"/api/pv?kwp=5&battery_kwh=5&to={urllib.parse.quote(TO)}")
    assert page.inner_text("#pv-yield") == f"{plan['year']['pv_kwh']:,.0f} kWh"
    assert page.inner_text("#pv-load") == f"{plan['year']['load_kwh']:,.0f} kWh"
    assert page.evaluate(HEATMAP_CELLS) == 15 * 16
    assert "Kassel" in page.inner_text("#pv-weather")
    assert "Deutscher Wetterdienst" in page.inner_text("#pv-results")
    assert "%" in page.inner_text("#pv-measured")
    page.screenshot(path=str(SCREENSHOTS / "pv-1280.png"), full_page=True)


def test_clicking_a_heatmap_cell_chooses_that_system(service, page_factory):
    page, _ = page_factory()
    open_planner(page)
    x, y = page.evaluate(CELL_POSITION, [10, 7])  # 10 kWh, 8 kWp
    page.locator("#pv-grid").scroll_into_view_if_needed()
    box = page.locator("#pv-grid").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_function("document.querySelector('input[name=kwp]').value === '8'")
    page.wait_for_selector("main[data-state=ready]")
    assert page.input_value("input[name=battery_kwh]") == "10"
    plan = api_json(service, f"/api/pv?kwp=8&battery_kwh=10&to={urllib.parse.quote(TO)}")
    page.wait_for_function(
        f"document.querySelector('#pv-yield').textContent === '{plan['year']['pv_kwh']:,.0f} kWh'")


def test_german_texts_and_csv_export(page_factory):
    page, _ = page_factory(locale="de-DE")
    open_planner(page)
    assert "PV-Planer" in page.inner_text("#nav")
    assert "Autarkiegrad" in page.inner_text("#pv-results")
    with page.expect_download() as download:
        page.click("#pv-csv")
    rows = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    assert len(rows) >= 12
    assert {"month", "autarky", "feed_in_kwh"} <= set(rows[0])


def test_the_planner_is_in_the_navigation_of_every_page(page_factory):
    page, _ = page_factory()
    page.goto("/#/dashboard")
    page.click("#nav a[data-page=pv]")
    page.wait_for_url("**/#/pv")
    page.wait_for_selector("#pv-form")


def test_planner_page_fits_a_phone(page_factory):
    page, _ = page_factory(width=390)
    open_planner(page)
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the planner is {overflow} px wider than 390 px"
    page.screenshot(path=str(SCREENSHOTS / "pv-390.png"), full_page=True)


def test_an_uploaded_pvgis_file_becomes_the_weather(page_factory, tmp_path):
    from stromzaehler.analytics.pv.weather import try_weather

    from ..test_pv_weather import pvgis_csv

    path = tmp_path / "tmy.csv"
    path.write_bytes(pvgis_csv(try_weather(7)))
    page, _ = page_factory()
    open_planner(page)
    log_in(page)
    page.set_input_files("input[name=pvgis_file]", str(path))
    page.click("#pv-upload")
    page.wait_for_function("document.querySelector('#pv-weather').textContent.includes('PVGIS')",
                           timeout=120_000)
    assert page.is_checked("input[name=use_pvgis]")
    page.uncheck("input[name=use_pvgis]")  # the other tests expect the DWD year
