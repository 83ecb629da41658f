"""`simulate`: files on disk, byte-identical reruns, geometry round trip, readings into a store."""

import argparse
from pathlib import Path

import pytest

from stromzaehler.cli.simulator import register
from stromzaehler.config import load_geometry
from stromzaehler.simulator import SimulatedMeter
from stromzaehler.simulator.run import GEOMETRY_FILE, TRUTH_FILE

START = "2025-03-30T00:00:00Z"   # a daylight-saving change inside the first day


def run_cli(*args: str) -> int:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    parsed = parser.parse_args(["simulate", *args])
    return parsed.func(parsed)


def test_same_seed_writes_byte_identical_truth(tmp_path: Path) -> None:
    common = ["--start", START, "--days", "1.5", "--interval", "300", "--quiet"]
    assert run_cli(*common, "--seed", "7", "--out", str(tmp_path / "a")) == 0
    assert run_cli(*common, "--seed", "7", "--out", str(tmp_path / "b")) == 0
    assert run_cli(*common, "--seed", "8", "--out", str(tmp_path / "c")) == 0
    a = (tmp_path / "a" / TRUTH_FILE).read_bytes()
    assert a == (tmp_path / "b" / TRUTH_FILE).read_bytes()
    assert a != (tmp_path / "c" / TRUTH_FILE).read_bytes()
    lines = a.decode().splitlines()
    assert len(lines) == 1 + 1.5 * 86_400 / 300 + 1
    assert lines[1].startswith("2025-03-30T00:00:00Z,1743292800,99516000,0995160,")


def test_geometry_file_round_trips_into_the_reader_config(tmp_path: Path) -> None:
    assert run_cli("--start", START, "--days", "0.01", "--quiet", "--out", str(tmp_path)) == 0
    geometry = load_geometry(tmp_path / GEOMETRY_FILE)
    assert geometry == SimulatedMeter(seed=0).geometry
    assert geometry.digit_boxes[3].as_list() == [292, 169, 46, 84]


def test_images_are_named_by_time_and_listed_in_truth(tmp_path: Path) -> None:
    assert run_cli("--start", START, "--days", "0.01", "--interval", "300", "--images",
                   "--faults", "dark=1.0", "--quiet", "--out", str(tmp_path)) == 0
    rows = (tmp_path / TRUTH_FILE).read_text().splitlines()[1:]
    assert len(rows) == 3
    for row in rows:
        fields = row.split(",")
        assert fields[-2] == "dark"
        assert (tmp_path / fields[-1]).is_file()
    assert (tmp_path / "20250330T000500Z.jpg").is_file()


def test_readings_only_fills_the_store(tmp_path: Path) -> None:
    store_module = pytest.importorskip("stromzaehler.store")
    assert run_cli("--start", START, "--days", "2", "--interval", "60", "--readings-only",
                   "--data", str(tmp_path), "--quiet") == 0
    store = store_module.Store.open(tmp_path)
    readings = store.readings(0, 2**40)
    assert len(readings) == 2 * 1440 + 1
    assert readings[0].counter_wh == 99_516_000 and readings[0].source == "simulated"
    counters = [r.counter_wh for r in readings]
    assert counters == sorted(counters)
    truth = SimulatedMeter(seed=0, start_utc=readings[-1].t_utc - 2 * 86_400)
    assert counters[-1] == truth.truth_at(readings[-1].t_utc).counter_wh


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--faults", "glare=0.1,smoke=0.2"], "--faults"),
     (["--faults", "blur=lots"], "--faults"),
     (["--start", "tomorrow"], "--start"),
     (["--days", "0"], "--days"),
     (["--interval", "0"], "--interval"),
     (["--readings-only"], "--data")],
)
def test_bad_input_gives_one_line_and_exit_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str) -> None:
    assert run_cli(*args, "--out", str(tmp_path)) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err


def test_the_main_cli_runs_simulate(tmp_path: Path) -> None:
    from stromzaehler.cli import main

    assert main(["simulate", "--start", START, "--days", "0.01", "--quiet",
                 "--out", str(tmp_path)]) == 0
    assert (tmp_path / TRUTH_FILE).is_file() and (tmp_path / GEOMETRY_FILE).is_file()
