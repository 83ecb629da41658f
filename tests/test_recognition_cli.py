"""CLI contracts of `read`, `digits` and `locate`: JSON keys, exit codes, one-line errors."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import pytest

from stromzaehler.cli import recognition as cli
from stromzaehler.config import REFERENCE_DIGIT_BOXES

SHARED = Path(__file__).resolve().parents[2] / "shared"
REFERENCE_PNG = SHARED / "reference" / "meter-0995160.png"


@dataclass(frozen=True)
class FakeDigit:
    digit: str | None
    value: float
    confidence: float


class FakeModel:
    """Reads every batch of crops as the rollers of 0995160 (last roller just short of 0)."""

    values = (0.0, 9.0, 9.0, 5.0, 1.0, 6.0, 9.9996)

    def read(self, crops):
        values = [self.values[i % len(self.values)] for i in range(len(crops))]
        return [FakeDigit(str(int(v)), v, 0.97) for v in values]


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="stromzaehler")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli, "_load_model", lambda path: FakeModel())


@pytest.fixture
def frame_file(tmp_path: Path) -> Path:
    frame = np.full((480, 640, 3), (40, 40, 170), np.uint8)
    cv2.rectangle(frame, (0, 150), (639, 265), (15, 10, 40), -1)
    # Each digit centred in its documented box, as on a well-placed camera.
    for (x, y, w, h), digit in zip(REFERENCE_DIGIT_BOXES, "0995160", strict=True):
        (tw, th), _ = cv2.getTextSize(digit, cv2.FONT_HERSHEY_SIMPLEX, 2.6, 6)
        origin = (x + (w - tw) // 2, y + (h + th) // 2)
        cv2.putText(frame, digit, origin, cv2.FONT_HERSHEY_SIMPLEX, 2.6, (90, 110, 250), 6)
    path = tmp_path / "frame.png"
    cv2.imwrite(str(path), frame)
    return path


def test_read_json_contract(fake_model, frame_file: Path, capsys) -> None:
    assert run(["read", str(frame_file), str(frame_file), "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert {"file", "reading", "value_kwh", "accepted", "reason", "digits"} <= record.keys()
    assert record["file"] == str(frame_file)
    assert record["reading"] == "0995160"
    assert record["value_kwh"] == pytest.approx(99516.0)
    assert record["accepted"] is True
    assert record["reason"] is None
    assert len(record["digits"]) == 7
    assert set(record["digits"][0]) == {"digit", "value", "confidence"}
    assert all(0.0 <= d["value"] < 10.0 for d in record["digits"])


def test_read_with_boxes_and_decimals(fake_model, frame_file: Path, capsys) -> None:
    boxes = "19,166,46,84;109,166,46,84;200,168,46,84"
    assert run(["read", str(frame_file), "--boxes", boxes, "--decimals", "0", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["digits"]) == 3
    assert record["reading"] == "099"
    assert record["value_kwh"] == 99.0


def test_read_with_config_and_reference(fake_model, frame_file: Path, tmp_path, capsys) -> None:
    config = tmp_path / "meter.toml"
    config.write_text("[meter]\ndigit_boxes = [[19, 166, 46, 84], [109, 166, 46, 84]]\n")
    frame = str(frame_file)
    code = run(["read", frame, "--config", str(config), "--reference", frame, "--json"])
    assert code == 0
    record = json.loads(capsys.readouterr().out)
    assert len(record["digits"]) == 2


@pytest.mark.parametrize(
    "argv",
    [
        ["read", "{missing}", "--json"],
        ["read", "{garbage}", "--json"],
        ["read", "{frame}", "--boxes", "1,2,3", "--json"],
        ["read", "{frame}", "--boxes", "a,b,c,d", "--json"],
        ["read", "{frame}", "--boxes", "1,2,0,4", "--json"],
        ["read", "{frame}", "--decimals", "9", "--json"],
        ["read", "{frame}", "--config", "{missing}", "--json"],
        ["read", "{frame}", "--reference", "{garbage}", "--json"],
        ["digits", "{missing}", "--json"],
        ["digits", "{frame}", "--boxes", "x", "--json"],
        ["locate", "{garbage}", "--json"],
        ["locate", "{frame}", "--digits", "0", "--json"],
    ],
)
def test_bad_input_exits_2_with_one_line(fake_model, frame_file, tmp_path, capsys, argv) -> None:
    garbage = tmp_path / "garbage.png"
    garbage.write_bytes(b"not an image")
    names = {"missing": str(tmp_path / "nope.png"), "garbage": str(garbage)}
    names["frame"] = str(frame_file)
    assert run([a.format(**names) for a in argv]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert len(captured.err.strip().splitlines()) == 1
    assert captured.err.startswith("error: ")


def test_bad_config_value_exits_2(fake_model, frame_file, tmp_path, capsys) -> None:
    config = tmp_path / "meter.toml"
    config.write_text("[meter]\ndigit_boxes = [[19, 166, -46, 84]]\n")
    assert run(["read", str(frame_file), "--config", str(config), "--json"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_digits_json_contract(fake_model, frame_file: Path, capsys) -> None:
    assert run(["digits", str(frame_file), str(frame_file), "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    record = json.loads(lines[0])
    assert set(record) == {"file", "digit", "value", "confidence"}
    assert run(["digits", str(frame_file), "--boxes", "0,0,10,10;10,0,10,10", "--json"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [json.loads(line)["box"] for line in lines] == [0, 1]


def test_locate_json_contract(frame_file: Path, capsys) -> None:
    assert run(["locate", str(frame_file), "--digits", "7", "--json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["file"] == str(frame_file)
    assert record["digits"] == 7
    assert all(len(box) == 4 for box in record["boxes"])


def test_locate_without_counter_exits_1(tmp_path: Path, capsys) -> None:
    blank = tmp_path / "blank.png"
    cv2.imwrite(str(blank), np.full((480, 640, 3), 120, np.uint8))
    assert run(["locate", str(blank), "--json"]) == 1
    assert json.loads(capsys.readouterr().out)["boxes"] == []


def test_locate_reference_frame(capsys) -> None:
    if not REFERENCE_PNG.exists():
        pytest.skip(f"../shared/reference not found: {REFERENCE_PNG}")
    assert run(["locate", str(REFERENCE_PNG), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["digits"] == 7
