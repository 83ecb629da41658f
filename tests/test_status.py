"""Statuses and reasons are one enumeration: the web page has a text for each in every
language, and the code uses the enumeration's values (the same strings as stored)."""

from __future__ import annotations

import re
from importlib.resources import files

import pytest

from stromzaehler.status import FrameStatus, HealthStatus, Reason

I18N = files("stromzaehler") / "web" / "static" / "js" / "i18n.js"


def texts_per_language() -> dict[str, set[str]]:
    """The keys of each language block of i18n.js (`  en: {` ... `  },`)."""
    source = I18N.read_text(encoding="utf-8")
    blocks = re.findall(r"^  (\w+): \{\n(.*?)^  \},?$", source, flags=re.S | re.M)
    return {lang: set(re.findall(r'"([\w.]+)":', body)) for lang, body in blocks}


def test_i18n_has_both_languages():
    assert set(texts_per_language()) == {"en", "de"}


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("reason", list(Reason))
def test_every_reason_has_a_text(lang, reason):
    assert f"reason.{reason}" in texts_per_language()[lang]


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("status", list(FrameStatus))
def test_every_frame_status_has_a_text(lang, status):
    assert f"status.{status}" in texts_per_language()[lang]


@pytest.mark.parametrize("lang", ["en", "de"])
@pytest.mark.parametrize("status", list(HealthStatus))
def test_every_health_status_has_a_text(lang, status):
    assert f"status.{status}" in texts_per_language()[lang]


def test_members_are_the_stored_strings():
    assert Reason.CLOCK_BACKWARDS == "clock_backwards"
    assert f"{FrameStatus.REJECTED}" == "rejected"
    assert len({r.value for r in Reason}) == len(Reason)
