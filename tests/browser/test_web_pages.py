"""End-to-end: the pages in headless Chromium against the real service on a year of readings."""

from __future__ import annotations

import urllib.error
import urllib.request

import pytest

from ..conftest import REFERENCE_FRAME, require_shared
from .conftest import SCREENSHOTS, api_json, log_in

pytestmark = pytest.mark.browser

CHART_VALUES = """(selector) => {
  const chart = echarts.getInstanceByDom(document.querySelector(selector));
  const option = chart.getOption();
  return {
    values: option.series[0].data.map((d) => d.value),
    labels: option.xAxis[0].data,
  };
}"""


def open_dashboard(page, query: str) -> dict:
    page.goto(f"/#/dashboard?{query}")
    page.wait_for_selector("main[data-page=dashboard][data-state=ready]")
    return page.evaluate(CHART_VALUES, "#consumption-chart")


def api_values(service, query: str) -> list[float | None]:
    buckets = api_json(service, f"/api/consumption?{query}")["buckets"]
    return [None if b["quality"] == "missing" else b["kwh"] for b in buckets]


def click_bar(page, index: int) -> None:
    """Click the middle of bar `index` of the consumption chart."""
    x, y = page.evaluate(
        """(index) => {
          const chart = echarts.getInstanceByDom(document.querySelector('#consumption-chart'));
          const value = chart.getOption().series[0].data[index].value;
          return chart.convertToPixel({ seriesIndex: 0 }, [index, value / 2]);
        }""",
        index,
    )
    box = page.locator("#consumption-chart").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def test_dashboard_bars_are_the_api_values(service, page_factory):
    page, _ = page_factory()
    chart = open_dashboard(page, "kind=month&date=2026-05-01")
    expected = api_values(service, "resolution=day&from=2026-05-01&to=2026-06-01")
    assert len(expected) == 31
    assert chart["values"] == expected
    total = api_json(service, "/api/consumption?resolution=day&from=2026-05-01&to=2026-06-01")
    assert page.inner_text("#stat-total") == f"{total['total_kwh']:,.1f} kWh"


def test_clicking_bars_drills_down_from_year_to_hour(service, page_factory):
    page, _ = page_factory()
    chart = open_dashboard(page, "kind=year&date=2026-01-01")
    assert len(chart["values"]) == 12
    click_bar(page, 2)  # March
    page.wait_for_url("**/#/dashboard?kind=month&date=2026-03-01")
    page.wait_for_selector("main[data-state=ready]")
    assert page.evaluate(CHART_VALUES, "#consumption-chart")["values"] == api_values(
        service, "resolution=day&from=2026-03-01&to=2026-04-01"
    )
    click_bar(page, 9)  # 10 March
    page.wait_for_url("**/#/dashboard?kind=day&date=2026-03-10&res=hour")
    page.wait_for_selector("main[data-state=ready]")
    click_bar(page, 18)  # 18:00-19:00 local = 17:00 UTC
    page.wait_for_url("**/#/dashboard?kind=hour&at=2026-03-10T17%3A00%3A00Z")
    page.wait_for_selector("main[data-state=ready]")
    assert page.get_attribute("main", "data-buckets") == "60"


@pytest.mark.parametrize(("date", "hours"), [("2026-03-29", 23), ("2026-10-25", 25)])
def test_dst_days_show_23_and_25_hourly_bars(service, page_factory, date, hours):
    page, _ = page_factory()
    chart = open_dashboard(page, f"kind=day&date={date}&res=hour")
    assert len(chart["values"]) == hours
    assert len(set(chart["labels"])) == hours  # the repeated autumn hour is told apart
    assert all(value is not None and value > 0 for value in chart["values"])


def test_minute_view_states_the_effective_resolution(page_factory):
    page, _ = page_factory()
    open_dashboard(page, "kind=day&date=2026-01-15&res=minute")
    assert "10 min" in page.inner_text("#effective-resolution", timeout=10_000)
    open_dashboard(page, "kind=day&date=2026-05-15&res=minute")
    page.wait_for_timeout(0)
    assert page.locator("#effective-resolution").count() == 0


def test_estimated_buckets_are_marked(page_factory):
    page, _ = page_factory()
    open_dashboard(page, "kind=day&date=2026-06-10&res=15min")
    qualities = page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('#consumption-chart'))
              .getOption().series[0].data.map((d) => d.quality)"""
    )
    assert "estimated" in qualities
    assert "estimated" in page.inner_text("#consumption-notes")


def test_german_page_formats_numbers_the_german_way(service, page_factory):
    page, _ = page_factory(locale="de-DE")
    open_dashboard(page, "kind=year&date=2026-01-01")
    assert page.inner_text("#nav a[data-page=dashboard]") == "Verbrauch"
    total = api_json(service, "/api/consumption?resolution=month&from=2026-01-01&to=2027-01-01")
    german = f"{total['total_kwh']:,.1f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    assert page.inner_text("#stat-total") == f"{german} kWh"
    page.click("#lang-switch")
    page.wait_for_selector("#nav a[data-page=dashboard]:text('Consumption')")


def put_json_without_login(service, path: str, body: bytes) -> int:
    request = urllib.request.Request(
        service.url + path, data=body, method="PUT", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_changes_need_login(service, page_factory):
    assert put_json_without_login(service, "/api/settings", b'{"gate":{"max_power_w":9000}}') == 401
    assert put_json_without_login(service, "/api/setup/geometry", b'{"decimals":2}') == 401
    page, log = page_factory()
    log.allow("401")
    page.goto("/#/settings")
    page.wait_for_selector("#settings-form")
    page.fill("input[name=max_power_w]", "9000")
    page.click("#settings-form button[type=submit]")
    page.wait_for_selector("#login-dialog[open]")
    page.fill("#login-dialog input[name=password]", "wrong password")
    page.click("#login-dialog button[type=submit]")
    page.wait_for_selector("#login-error:text('wrong password')")
    assert api_json(service, "/api/settings")["gate"]["max_power_w"] == 20000
    page.click("#login-cancel")
    log_in(page)
    page.click("#settings-form button[type=submit]")
    page.wait_for_selector("#toast:text('Saved.')")
    assert api_json(service, "/api/settings")["gate"]["max_power_w"] == 9000
    page.fill("input[name=max_power_w]", "20000")
    page.click("#settings-form button[type=submit]")
    page.wait_for_function(
        "async () => (await (await fetch('/api/settings')).json()).gate.max_power_w === 20000"
    )


def test_dragging_a_box_changes_the_saved_geometry(service, page_factory):
    before = api_json(service, "/api/setup/geometry")["digit_boxes"]
    page, _ = page_factory()
    page.goto("/#/setup")
    log_in(page)
    page.wait_for_selector("main[data-page=setup][data-state=ready]")
    page.wait_for_function("document.querySelector('#setup-frame').naturalWidth > 0")
    box = page.locator("#box-editor rect.box[data-key='2']")
    bounds = box.bounding_box()
    editor = page.locator("#box-editor").bounding_box()
    scale = 640 / editor["width"]
    start_x, start_y = bounds["x"] + bounds["width"] / 2, bounds["y"] + bounds["height"] / 2
    page.mouse.move(start_x, start_y)
    page.mouse.down()
    page.mouse.move(start_x + 20, start_y + 10, steps=5)
    page.mouse.up()
    page.click("#setup-test")  # what the reader gets with the moved (unsaved) box
    page.wait_for_selector("#test-result p")
    page.click("#setup-save")
    page.wait_for_selector("#toast:text('Saved.')")
    after = api_json(service, "/api/setup/geometry")["digit_boxes"]
    assert after[2][0] == pytest.approx(before[2][0] + 20 * scale, abs=1)
    assert after[2][1] == pytest.approx(before[2][1] + 10 * scale, abs=1)
    assert after[2][2:] == before[2][2:]
    assert after[:2] == before[:2] and after[3:] == before[3:]


def test_correction_on_the_review_page_changes_the_consumption(service, page_factory):
    query = "resolution=hour&from=2026-06-10&to=2026-06-11"
    before = api_json(service, f"/api/consumption?{query}")
    frame = next(
        f
        for f in api_json(service, "/api/frames?status=rejected")["frames"]
        if f["reason"] == "low_confidence"
    )
    t = frame["t_utc"]
    around = api_json(service, f"/api/readings?from={t - 4 * 3600}&to={t + 4 * 3600}")["readings"]
    low = max(r["counter_wh"] for r in around if r["t_utc"] < t)
    high = min(r["counter_wh"] for r in around if r["t_utc"] > t)
    typed_wh = (low + (high - low) * 9 // 10) // 100 * 100  # late in the gap: a visible change
    page, _ = page_factory()
    page.goto("/#/review")
    log_in(page)
    card = page.locator(f"article[data-frame-id='{frame['id']}']")
    card.locator("input[name=reading]").fill(f"{typed_wh / 1000:.1f}")
    card.locator("button[type=submit]").click()
    page.wait_for_selector("#toast:text('Corrected')")
    assert card.count() == 0
    after = api_json(service, f"/api/consumption?{query}")
    assert [b["kwh"] for b in after["buckets"]] != [b["kwh"] for b in before["buckets"]]
    assert after["total_kwh"] == pytest.approx(before["total_kwh"], abs=0.002)
    chart = open_dashboard(page, "kind=day&date=2026-06-10&res=hour")
    assert chart["values"] == [b["kwh"] for b in after["buckets"]]


PAGES = ("live", "dashboard", "setup", "review", "settings")


@pytest.mark.parametrize("width", [1280, 390])
def test_screenshots_of_every_page_fit_the_width(page_factory, width):
    page, _ = page_factory(width=width)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for name in PAGES:
        query = "?kind=month&date=2026-03-01" if name == "dashboard" else ""
        page.goto(f"/#/{name}{query}")
        if name == "live":
            page.wait_for_selector("#live-health .badge")
        elif name == "settings":
            page.wait_for_selector("#settings-form")
        else:
            page.wait_for_selector(f"main[data-page={name}][data-state=ready]")
        if name == "dashboard":
            page.wait_for_selector("#day-profile-chart canvas")
        if name == "review":  # crops load lazily: scroll them into view, wait for all
            page.mouse.wheel(0, 20_000)
            page.wait_for_function(
                "[...document.images].every((image) => image.complete && image.naturalWidth > 0)"
            )
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow} px wider than {width} px"
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def test_live_page_draws_a_box_per_roller_and_switching_the_light_needs_login(page_factory):
    page, _ = page_factory()
    page.goto("/#/live")
    page.wait_for_selector("#live-health .badge")
    page.wait_for_function("document.querySelectorAll('svg.overlay rect.box').length === 7")
    assert "kWh" in page.inner_text("#live-reading")
    page.click("#live-light")
    page.wait_for_selector("#login-dialog[open]")
    assert not page.is_checked("#live-light")


def test_a_typed_reading_the_reader_does_not_see_names_the_rollers(service, page_factory):
    # Which roller disagrees, and what it reads, is known only on the real reference frame.
    require_shared(REFERENCE_FRAME)
    page, _ = page_factory()
    page.goto("/#/setup")
    log_in(page)
    page.wait_for_selector("main[data-page=setup][data-state=ready]")
    page.wait_for_selector("#adaptation-state p")
    # The frame shows 0995160: the reader disagrees with 0000000 and names the rollers.
    page.fill("#setup-typed-reading", "000000.0")
    page.click("#setup-teach")
    page.wait_for_selector("#teach-result:text('roller 2: typed 0, read 9')")
    page.click("#setup-adaptation-reset")
    page.wait_for_selector("#adaptation-state p:text('not adapted')")
    assert api_json(service, "/api/adaptation")["samples"] == 0
