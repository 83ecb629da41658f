"""The OpenSCAD case: every part renders to STL without warnings for the default counter and for
a wider one, and the camera distance it echoes is the field-of-view formula."""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CASE = Path(__file__).resolve().parents[1] / "hardware" / "case.scad"
PARTS = ("hood", "camera_plate", "light_bar", "pi_tray")
HFOV_DEG, VFOV_DEG = 53.50, 41.41  # Pi camera V1.3

pytestmark = pytest.mark.skipif(
    shutil.which("openscad") is None, reason="openscad is not installed (apt install openscad)"
)


def _openscad(out: Path, *defines: str) -> str:
    """Run openscad and return its stderr (where it prints ECHO and WARNING lines)."""
    args = ["openscad", "-o", str(out)]
    for define in defines:
        args += ["-D", define]
    done = subprocess.run(
        [*args, str(CASE)], capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stderr


def _expected_lens_to_rollers_mm(
    width_mm: float, height_mm: float, margin_mm: float, share: float
) -> float:
    def distance(size_mm: float, fov_deg: float) -> float:
        return size_mm / 2 / math.tan(math.radians(fov_deg / 2))

    return max(
        distance(width_mm / share, HFOV_DEG),
        distance(width_mm + 2 * margin_mm, HFOV_DEG),
        distance(height_mm + 2 * margin_mm, VFOV_DEG),
    )


@pytest.mark.slow
@pytest.mark.parametrize("counter_width_mm", [None, 90])
@pytest.mark.parametrize("part", PARTS)
def test_every_part_renders_to_stl_without_warnings(
    tmp_path: Path, part: str, counter_width_mm: int | None
) -> None:
    defines = [f'part="{part}"']
    if counter_width_mm is not None:
        defines.append(f"counter_width_mm={counter_width_mm}")
    out = tmp_path / f"{part}.stl"
    stderr = _openscad(out, *defines)
    assert "WARNING" not in stderr.upper(), stderr
    assert "ERROR" not in stderr.upper(), stderr
    text = out.read_text()
    assert text.startswith("solid") and text.count("facet normal") > 12


@pytest.mark.parametrize(
    ("defines", "width_mm", "height_mm", "margin_mm", "share"),
    [
        ((), 60, 15, 8, 0.6),
        (("counter_width_mm=90",), 90, 15, 8, 0.6),
        # a tall counter with a big margin: the height decides
        (("counter_width_mm=40", "counter_height_mm=40", "margin_mm=15"), 40, 40, 15, 0.6),
    ],
)
def test_echoed_camera_distance_is_the_field_of_view_formula(
    tmp_path: Path,
    defines: tuple[str, ...],
    width_mm: float,
    height_mm: float,
    margin_mm: float,
    share: float,
) -> None:
    # An .echo export evaluates the model without building geometry: fast.
    stderr = _openscad(tmp_path / "out.echo", 'part="light_bar"', *defines)
    echoed = (tmp_path / "out.echo").read_text() + stderr
    match = re.search(r"lens to rollers ([0-9.]+) mm, lens to glass ([0-9.]+) mm", echoed)
    assert match, echoed
    expected = _expected_lens_to_rollers_mm(width_mm, height_mm, margin_mm, share)
    assert float(match.group(1)) == pytest.approx(expected, rel=1e-4)
    assert float(match.group(2)) == pytest.approx(expected - 12, rel=1e-4)
    tilt = re.search(r"glare tilt: ([0-9.]+) deg", echoed)
    assert tilt, echoed
    expected_tilt = math.degrees(math.atan((height_mm / 2 + margin_mm) / expected))
    assert float(tilt.group(1)) == pytest.approx(expected_tilt, rel=1e-4)
    assert re.search(r"turn it out \(anticlockwise\) by 0\.[0-9]+ mm", echoed), echoed
