"""The real service on a year of readings, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest

from ..conftest import REFERENCE_FRAME, REPO, RunningService, start_service
from .year_data import fill

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "meter-cabinet-1"
ARTIFACTS = REPO / "test-artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"


@pytest.fixture(scope="session")
def sync_playwright_module():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} not found: install Debian's chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright for Python is not installed (pip install playwright)")
    return sync_playwright


def frame_for_source() -> np.ndarray:
    if REFERENCE_FRAME.exists():
        return cv2.imread(str(REFERENCE_FRAME))
    image = np.full((480, 640, 3), (30, 20, 160), np.uint8)
    cv2.putText(image, "0995160", (20, 240), cv2.FONT_HERSHEY_SIMPLEX, 3.2, (40, 40, 230), 8)
    return image


@pytest.fixture(scope="session")
def service(tmp_path_factory, sync_playwright_module) -> Iterator[RunningService]:
    root = tmp_path_factory.mktemp("web")
    data_dir, frames = root / "data", root / "frames"
    frames.mkdir()
    image = frame_for_source()
    cv2.imwrite(str(frames / "meter.png"), image)
    fill(data_dir, image)
    passwd = subprocess.run(
        [sys.executable, "-m", "stromzaehler", "passwd", "--data", str(data_dir)],
        input=PASSWORD + "\n",
        text=True,
        capture_output=True,
        check=False,
    )
    assert passwd.returncode == 0, passwd.stderr
    running = start_service(data_dir, "--source", f"files:{frames}", "--interval", "3600")
    running.wait_until(lambda: running.get("/api/image")[0] == 200, "the first frame")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser(sync_playwright_module):
    with sync_playwright_module() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleLog:
    """Console errors and uncaught exceptions of a page; tests may allow expected ones."""

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.allowed: list[re.Pattern[str]] = []

    def allow(self, pattern: str) -> None:
        self.allowed.append(re.compile(pattern))

    def unexpected(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]


def new_page(browser, service: RunningService, locale: str = "en-GB", width: int = 1280):
    context = browser.new_context(
        viewport={"width": width, "height": 900}, locale=locale, base_url=service.url
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    log = ConsoleLog()
    page.on("console", lambda m: log.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: log.errors.append(f"uncaught: {e}"))
    return context, page, log


@pytest.fixture
def page_factory(browser, service):
    opened = []

    def open_page(locale: str = "en-GB", width: int = 1280):
        context, page, log = new_page(browser, service, locale, width)
        opened.append((context, log))
        return page, log

    yield open_page
    problems = []
    for context, log in opened:
        problems += log.unexpected()
        context.close()
    assert not problems, f"console errors: {problems}"


def api_json(service: RunningService, path: str) -> dict:
    with urllib.request.urlopen(service.url + path, timeout=20) as response:
        return json.loads(response.read())


def log_in(page) -> None:
    """Log in through the header's button and the dialog."""
    page.click("#auth-button")
    page.fill("#login-dialog input[name=password]", PASSWORD)
    page.click("#login-dialog button[type=submit]")
    page.wait_for_selector("#auth-button.logged-in")
