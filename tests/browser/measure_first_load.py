"""Page weight (bytes on the wire, compressed) and time to first chart of the dashboard.

Start a service first, then: python -m tests.browser.measure_first_load http://127.0.0.1:8080
Prints one line per resource and the totals; a fresh browser context each run (empty cache).
"""

from __future__ import annotations

import argparse
import statistics

from playwright.sync_api import sync_playwright

from .conftest import CHROMIUM, CHROMIUM_ARGS

DASHBOARD = "/#/dashboard?kind=month&date=2026-03-01"


def first_load(browser, base_url: str) -> tuple[list[tuple[str, int, str]], float, float]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=base_url)
    page = context.new_page()
    responses = []
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(DASHBOARD)
    page.wait_for_selector("main[data-state=ready]")
    page.wait_for_selector("#day-profile-chart canvas")
    page.wait_for_load_state("networkidle")
    first_chart_ms = page.evaluate("performance.getEntriesByName('first-chart')[0].startTime")
    cold = list(responses)
    # A second visit in the same browser: the vendored library comes from the cache.
    page.goto("about:blank")
    page.goto(DASHBOARD)
    page.wait_for_selector("main[data-state=ready]")
    warm_ms = page.evaluate("performance.getEntriesByName('first-chart')[0].startTime")
    rows = []
    for request in cold:
        sizes = request.sizes()
        response = request.response()
        encoding = (response.headers.get("content-encoding", "") if response else "") or "-"
        wire = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        rows.append((request.url.removeprefix(base_url), wire, encoding))
    context.close()
    return rows, first_chart_ms, warm_ms


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        runs = [first_load(browser, args.base_url) for _ in range(args.runs)]
        browser.close()
    rows = runs[0][0]
    for url, wire, encoding in sorted(rows, key=lambda row: -row[1]):
        print(f"{wire:>9} B  {encoding:<5} {url}")
    static = sum(w for u, w, _ in rows if not u.startswith("/api/"))
    print(
        f"total {sum(w for _, w, _ in rows)} B on the wire ({len(rows)} requests), "
        f"of which static files {static} B"
    )
    first = [run[1] for run in runs]
    print(
        f"time to first chart: median {statistics.median(first):.0f} ms "
        f"(min {min(first):.0f}, max {max(first):.0f}, {args.runs} cold loads)"
    )
    warm = [run[2] for run in runs]
    print(
        f"time to first chart, second visit (library cached): median "
        f"{statistics.median(warm):.0f} ms (min {min(warm):.0f}, max {max(warm):.0f})"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
