"""The meter's arithmetic in one place, and the same refusal of impossible counters from the
command line and the set-up page."""

from __future__ import annotations

import pytest

from stromzaehler.geometry import (
    GeometryError,
    check_rollers,
    counter_wh_from_text,
    modulus_wh,
    roller_digits,
    steps_to_wh,
    wh_per_step,
    wh_to_steps,
)
from stromzaehler.web.errors import detail_text

from .test_web_api import client, data_dir, login, store  # noqa: F401 (fixtures)


def test_steps_and_modulus_follow_the_decimals():
    assert wh_per_step(1) == 100 and wh_per_step(0) == 1000 and wh_per_step(3) == 1
    assert steps_to_wh(995160, 1) == 99_516_000
    assert wh_to_steps(99_516_099, 1) == 995160
    assert modulus_wh(7, 1) == 1_000_000_000 and modulus_wh(5, 2) == 1_000_000


def test_digits_and_typed_text_go_both_ways():
    assert roller_digits(99_516_000, 7, 1) == "0995160"
    assert roller_digits(1_000_000_100, 7, 1) == "0000001"  # past all nines
    assert counter_wh_from_text("0995160", 7, 1) == 99_516_000
    assert counter_wh_from_text("99516,05", 7, 1) == 99_516_050
    with pytest.raises(ValueError, match="roller digits"):
        counter_wh_from_text("12a", 7, 1)


@pytest.mark.parametrize(("rollers", "decimals"), [(3, 3), (1, 1), (0, 0), (7, 4), (13, 1)])
def test_impossible_counters_are_refused(rollers, decimals):
    with pytest.raises(GeometryError):
        check_rollers(rollers, decimals)


def test_the_setup_page_refuses_decimals_the_cli_refuses(client):  # noqa: F811
    boxes = [[10, 10, 20, 30], [40, 10, 20, 30], [70, 10, 20, 30]]
    response = client.put("/api/setup/geometry", headers=login(client),
                          json={"digit_boxes": boxes, "decimals": 3, "disc_window": None})
    assert response.status_code == 422
    assert "decimals (3) must be fewer than the rollers (3)" in detail_text(response.json())
