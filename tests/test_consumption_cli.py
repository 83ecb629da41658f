"""`stromzaehler export`, `profile` and `counter ...` through the area's register()."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

import numpy as np
import pytest

from stromzaehler.cli import analytics as cli
from stromzaehler.store import Store

DAY0 = int(datetime.fromisoformat("2026-03-28T00:00+01:00").timestamp())


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="stromzaehler")
    cli.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    return args.func(args)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    for name in ("STROMZAEHLER_ANALYTICS_TIMEZONE", "STROMZAEHLER_STORAGE_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    store = Store.open(tmp_path)
    t = np.arange(DAY0 - 3600, DAY0 + 3 * 86400, 60, dtype=np.int64)
    counter = 5_000_000 + (t - DAY0) // 9 // 100 * 100  # 400 W on rollers with 100 Wh steps
    store.add_readings_bulk([(int(a), int(c), 1.0, "x") for a, c in zip(t, counter, strict=True)])
    store.close()
    return tmp_path


def test_export_spring_day_as_json_has_23_hours(data_dir, capsys):
    code = run(["export", "--resolution", "hour", "--from", "2026-03-29", "--to", "2026-03-30",
                "--format", "json", "--data", str(data_dir)])
    assert code == 0
    body = json.loads(capsys.readouterr().out)
    assert len(body["buckets"]) == 23
    assert {b["kwh"] for b in body["buckets"]} == {0.4}
    assert body["buckets"][2]["start"] == "2026-03-29T03:00:00+02:00"


def test_export_german_csv_to_a_file(data_dir, tmp_path):
    out = tmp_path / "days.csv"
    code = run(["export", "-r", "day", "--from", "2026-03-28", "--to", "2026-04-01", "--german",
                "-o", str(out), "--data", str(data_dir)])
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "start;end;kwh;quality"
    assert lines[1] == "2026-03-28T00:00:00+01:00;2026-03-29T00:00:00+01:00;9,600;measured"
    assert lines[2].endswith(";9,200;measured")  # 23 hours
    assert lines[3].endswith(";9,600;measured")
    assert lines[4].endswith(";partial")  # readings end at 00:59 +02:00 on the 31st


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "-r", "minute", "--from", "2026-01-01", "--to", "2026-06-01"], "too long"),
        (["export", "--from", "tomorrow"], "'tomorrow'"),
        (["export", "--sep", ",", "--decimal", ","], "must differ"),
        (["counter", "correct", "--time", "2026-03-28T00:00:30+01:00", "--void"], "no reading"),
        (["counter", "manual", "--time", "2099-01-01", "--kwh", "5"], "future"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(data_dir, capsys, argv, message):
    assert run([*argv, "--data", str(data_dir)]) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1


def test_counter_events_change_the_export(data_dir, capsys):
    base = ["--data", str(data_dir)]
    correct = ["counter", "correct", "--time", str(DAY0 + 900), "--kwh", "5000.5", *base]
    assert run(correct) == 2
    # 0.5 kWh more than the reading a minute before: more than the highest power allows
    assert "more than the reading before it" in capsys.readouterr().err
    assert run([*correct, "--force"]) == 0
    assert run(["counter", "replace", "--time", str(DAY0 + 3 * 86400), "--old-kwh",
                str((5_000_000 + 3 * 86400 // 9) / 1000), "--new-kwh", "0", *base]) == 0
    assert run(["counter", "manual", "--time", str(DAY0 + 3 * 86400 + 3600), "--kwh", "0.4",
                *base]) == 0
    capsys.readouterr()
    assert run(["counter", "list", *base]) == 0
    listing = json.loads(capsys.readouterr().out)
    assert listing["corrections"][0]["counter_wh"] == 5_000_500
    assert listing["replacements"][0]["new_start_wh"] == 0
    assert run(["export", "-r", "15min", "--from", str(DAY0), "--to", str(DAY0 + 1800),
                "--format", "json", *base]) == 0
    quarters = json.loads(capsys.readouterr().out)["buckets"]
    # 5000.1 kWh at 00:15 corrected to 5000.5: the corrected value counts on both sides
    assert [q["kwh"] for q in quarters] == pytest.approx([0.5, -0.3], abs=0.03)
    assert run(["export", "-r", "hour", "--from", str(DAY0 + 3 * 86400 - 3600), "--to",
                str(DAY0 + 3 * 86400 + 3600), "--format", "json", *base]) == 0
    hours = json.loads(capsys.readouterr().out)["buckets"]
    # the meter values typed in are roller values: known to half a 100 Wh step
    assert [h["kwh"] for h in hours] == pytest.approx([0.4, 0.4], abs=0.06)


def test_profile_command_prints_figures(data_dir, capsys):
    assert run(["profile", "--from", "2026-03-28", "--to", "2026-03-30", "--data",
                str(data_dir)]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["mean_power_w"] == 400.0
    assert body["heatmap"]["dates"] == ["2026-03-28", "2026-03-29"]
