"""The aiming aid's panel on the Live page in Chromium: the four test frames (the reference
frame and a dark, a blurred and a too-small version of it) each get their verdicts at desktop and
phone width, and the panel asks the server only while it is open."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import cv2
import pytest

from ..conftest import REFERENCE_FRAME, RunningService, require_shared, start_service
from ..test_aiming import CASES
from .conftest import SCREENSHOTS, new_page

pytestmark = pytest.mark.browser

# case -> a German verdict the panel must show, and whether the summary says "all good"
EXPECTED = {
    "reference": ("7 Rollen gefunden", True),
    "dark": ("zu dunkel", False),
    "blurred": ("unscharf: Objektiv nachdrehen", False),
    "too_small": ("Zähler zu klein im Bild: Kamera näher", False),
}


@pytest.fixture(scope="module", params=list(EXPECTED))
def aim_service(request, tmp_path_factory, sync_playwright_module) -> Iterator[tuple]:
    case = request.param
    reference = cv2.imread(str(require_shared(REFERENCE_FRAME)))
    root: Path = tmp_path_factory.mktemp(f"aim-{case}")
    frames = root / "frames"
    frames.mkdir()
    cv2.imwrite(str(frames / "meter.png"), CASES[case][0](reference))
    running: RunningService = start_service(
        root / "data", "--source", f"files:{frames}", "--interval", "3600"
    )
    running.wait_until(lambda: running.get("/api/image")[0] == 200, "the first frame")
    yield case, running
    running.stop()


@pytest.mark.parametrize("width", [1280, 390])
def test_the_panel_shows_the_verdicts_of_the_frame(browser, aim_service, width):
    case, running = aim_service
    verdict, all_good = EXPECTED[case]
    context, page, log = new_page(browser, running, locale="de-DE", width=width)
    try:
        asked = []
        page.on("request", lambda r: asked.append(r.url) if "/api/aim" in r.url else None)
        page.goto("/#/live")
        page.wait_for_selector("#live-health .badge")
        assert not asked  # closed: nothing asked
        page.click("#aim-panel summary")
        page.wait_for_selector("#aim-checks li[data-check]")
        checks = page.inner_text("#aim-checks")
        assert verdict in checks
        summary = page.inner_text("#aim-summary")
        assert ("eignet sich zum Ablesen" in summary) is all_good
        failed = page.eval_on_selector_all(
            "#aim-checks li.bad", "items => items.map(i => i.dataset.check)"
        )
        must_fail = CASES[case][1]
        assert must_fail <= set(failed) and (must_fail or not failed)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.locator("#aim-panel").screenshot(path=str(SCREENSHOTS / f"aim-{case}-{width}.png"))
        assert not log.unexpected(), log.unexpected()
        if case == "reference" and width == 1280:
            page.click("#aim-panel summary")  # closed again: no more questions
            page.wait_for_function("!document.querySelector('#aim-panel').open")
            count = len(asked)
            page.wait_for_timeout(7000)  # more than two polling intervals
            assert len(asked) == count
    finally:
        context.close()

