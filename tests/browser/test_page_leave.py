"""A page left while its request is still out must not write into the next page.

The PV plan takes seconds on the Pi; a user who goes on to another page before it arrives
used to get its error toast (or its data-state) on that page.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_a_late_planner_answer_does_not_reach_the_next_page(page_factory):
    page, log = page_factory()
    log.allow("status of 422")
    held = []
    page.route("**/api/pv?*", lambda route: held.append(route))
    page.goto("/#/pv")
    page.wait_for_function("document.querySelector('main[data-page=pv] form') !== null")
    page.wait_for_function("document.querySelector('main').dataset.state === 'loading'")
    assert held, "the planner request was not sent"
    page.goto("/#/settings")
    page.wait_for_selector("#settings-form")
    with page.expect_response("**/api/pv?*"):
        held[0].fulfill(status=422, json={"detail": "no measured consumption: late answer"})
    page.wait_for_timeout(500)  # lets the page handle the answer; the check is what it did
    assert page.get_attribute("main", "data-page") == "settings"
    assert page.get_attribute("main", "data-state") != "error"
    assert "late answer" not in page.inner_text("body")


def test_a_page_that_fails_to_load_after_it_was_left_shows_no_error(page_factory):
    page, log = page_factory()
    log.allow("status of 503")
    held = []
    page.route("**/api/pv/stations*", lambda route: held.append(route))
    with page.expect_request("**/api/pv/stations*"):
        page.goto("/#/pv")
    page.goto("/#/settings")
    page.wait_for_selector("#settings-form")
    assert held, "the stations request was not sent"
    with page.expect_response("**/api/pv/stations*"):
        held[0].fulfill(status=503, json={"detail": "stations: late failure"})
    page.wait_for_timeout(500)  # lets the page handle the answer; the check is what it did
    assert "late failure" not in page.inner_text("body")
