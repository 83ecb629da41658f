"""The disc tracker counts each pass of the mark exactly once on simulated window sequences."""

from __future__ import annotations

import numpy as np
import pytest

from stromzaehler.recognition.disc import DiscTracker, Revolution, TrackerConfig
from stromzaehler.simulator.disc_sequence import (
    NO_FAULTS,
    DiscFaults,
    DiscSequence,
    DiscWindowStyle,
    constant_power,
    match_revolutions,
    steps_power,
)

START_UTC = 1_764_115_200 + 6 * 3600


def track(
    sequence: DiscSequence,
    config: TrackerConfig | None = None,
    keep=lambda t: True,
    gray: bool = False,
) -> list[Revolution]:
    tracker = DiscTracker(config)
    revolutions: list[Revolution] = []
    for frame in sequence.frames():
        image = frame.image if keep(frame.t_utc) else None
        if gray and image is not None:
            image = image.mean(axis=2).astype(np.uint8)
        revolutions += tracker.update(frame.t_utc, image)
    return revolutions


LEARNING_S = 6.0  # 25 frames at 5 frames/s learn the empty rim before counting starts


def counted(sequence: DiscSequence, revolutions: list[Revolution]):
    """Truth and detections compared after the tracker has learned the rim."""
    settled = sequence.start_utc + LEARNING_S
    truth = sequence.revolution_times_utc()
    return match_revolutions(
        truth[truth > settled], [r.t_utc for r in revolutions if r.t_utc > settled - 0.5]
    )


def test_standby_one_revolution_in_sixteen_minutes_counts_once():
    # 50 W: one revolution every 960 s; the mark creeps through the window for minutes.
    sequence = DiscSequence(constant_power(50), START_UTC, 2100, seed=1, start_revolutions=0.9)
    revolutions = track(sequence)
    match = counted(sequence, revolutions)
    assert match.truth == 3
    assert (match.missed, match.extra) == (0, 0)
    periods = np.diff([r.t_utc for r in revolutions])
    assert np.abs(periods - 960.0).max() < 960.0 * 0.01


@pytest.mark.parametrize("mark", ["black", "red"])
def test_normal_load_with_noise_glare_and_dropped_frames(mark):
    sequence = DiscSequence(
        constant_power(1500), START_UTC, 900, seed=3, style=DiscWindowStyle(mark=mark)
    )
    match = counted(sequence, track(sequence))
    assert match.truth == 28
    assert (match.missed, match.extra) == (0, 0)
    assert np.abs(match.timing_errors_s).max() < 0.5


def test_twenty_kilowatts_mark_in_view_for_two_or_three_frames():
    # One revolution every 2.4 s: at 5 frames/s the mark is seen in two or three frames.
    sequence = DiscSequence(constant_power(20000), START_UTC, 600, seed=4)
    match = counted(sequence, track(sequence))
    assert match.truth == 248
    assert (match.missed, match.extra) == (0, 0)


def test_sudden_load_changes():
    power = steps_power([(300, 100), (300, 20000), (300, 2000), (300, 40), (300, 5000)])
    sequence = DiscSequence(power, START_UTC, 1500, seed=2)
    match = counted(sequence, track(sequence))
    assert match.truth > 100
    assert (match.missed, match.extra) == (0, 0)


def test_glare_bursts_neither_add_nor_lose_revolutions():
    faults = DiscFaults(glare_bursts_per_hour=240.0, glare_burst_s=(2.0, 15.0))
    sequence = DiscSequence(constant_power(800), START_UTC, 1200, seed=5, faults=faults)
    match = counted(sequence, track(sequence))
    assert match.truth == 20
    assert match.extra == 0 and match.missed <= 1


def test_many_dropped_frames_at_high_load():
    faults = DiscFaults(dropped=0.15)
    sequence = DiscSequence(constant_power(10000), START_UTC, 600, seed=6, faults=faults)
    match = counted(sequence, track(sequence))
    assert match.truth == 124
    assert match.extra == 0 and match.missed <= 2


def test_a_pass_hidden_by_dropped_frames_is_inferred_from_the_steady_speed():
    sequence = DiscSequence(constant_power(20000), START_UTC, 120, seed=7, faults=NO_FAULTS)
    truth = sequence.revolution_times_utc()
    hidden = truth[30]
    revolutions = track(sequence, keep=lambda t: abs(t - hidden) > 0.5)
    match = counted(sequence, revolutions)
    assert match.missed == 0 and match.extra == 0
    assert [r.method for r in revolutions if abs(r.t_utc - hidden) < 0.5] == ["inferred"]


def test_direction_right_to_left_is_learned():
    sequence = DiscSequence(
        constant_power(3000), START_UTC, 300, seed=8, style=DiscWindowStyle(direction=-1)
    )
    tracker = DiscTracker()
    revolutions = []
    for frame in sequence.frames():
        revolutions += tracker.update(frame.t_utc, frame.image)
    assert tracker.direction == -1
    match = counted(sequence, revolutions)
    assert (match.missed, match.extra) == (0, 0)


def test_a_disc_that_stands_still_is_never_counted():
    sequence = DiscSequence(constant_power(0), START_UTC, 600, seed=9, start_revolutions=0.0)
    assert track(sequence) == []


def test_a_disc_running_backwards_is_not_counted_forwards():
    forward = DiscSequence(constant_power(2000), START_UTC, 200, seed=10)
    tracker = DiscTracker()
    for frame in forward.frames():
        tracker.update(frame.t_utc, frame.image)
    assert tracker.direction == 1
    backward = DiscSequence(
        constant_power(2000), START_UTC + 200, 200, seed=10, style=DiscWindowStyle(direction=-1)
    )
    revolutions = []
    for frame in backward.frames():
        revolutions += tracker.update(frame.t_utc, frame.image)
    assert revolutions == []


def test_grey_crops_from_a_luminance_stream_work_too():
    sequence = DiscSequence(constant_power(2500), START_UTC, 300, seed=11)
    match = counted(sequence, track(sequence, gray=True))
    assert match.truth == 15
    assert (match.missed, match.extra) == (0, 0)


def test_long_blind_stretch_breaks_continuity():
    sequence = DiscSequence(constant_power(3000), START_UTC, 300, seed=12, faults=NO_FAULTS)
    revolutions = track(sequence, keep=lambda t: not START_UTC + 100 < t < START_UTC + 160)
    after_gap = [r for r in revolutions if r.t_utc > START_UTC + 160]
    assert not after_gap[0].continuous
    assert all(r.continuous for r in after_gap[1:])


def test_a_flickering_column_at_the_window_edge_is_not_a_revolution():
    sequence = DiscSequence(constant_power(0), START_UTC, 300, seed=13, start_revolutions=0.5)
    tracker = DiscTracker()
    revolutions = []
    for index, frame in enumerate(sequence.frames()):
        image = frame.image
        if image is not None and index > 50 and index % 200 < 6:
            image = image.copy()
            image[:, :2] //= 4  # dirt, a dead pixel column or the window frame's shadow
        revolutions += tracker.update(frame.t_utc, image)
    assert revolutions == []
