"""The frame handler with the real gate: what gets stored, what gets logged and kept."""

import numpy as np

from stromzaehler.capture.verdict import FrameHandler
from stromzaehler.gate import Gate
from stromzaehler.recognition.digits import DigitReading
from stromzaehler.recognition.reading import FrameReading
from stromzaehler.sources import Frame
from stromzaehler.store import Store

START = 1_780_000_020


class ScriptedRecognizer:
    """Stands in for the camera reader: returns the counter values it is given, in order."""

    def __init__(self, values):
        self.values = list(values)
        self.references = []
        self.reader = self
        self.settings = None

    @property
    def has_reference(self):
        return bool(self.references)

    def set_reference(self, image):
        self.references.append(image)

    def read(self, frame_bgr, previous_wh=None):
        value = self.values.pop(0)
        if value is None:
            return FrameReading(None, None, [], 0.1, "low_confidence", [])
        digits = [DigitReading(d, float(d), 0.99) for d in f"{value // 100:07d}"]
        return FrameReading(f"{value // 100:07d}", value, digits, 0.99, None, [])


def frame(i, value=0):
    image = np.full((48, 64, 3), value, np.uint8)
    return Frame(image, START + 60 * i, "test")


def handler_for(tmp_path, values, keep=500):
    store = Store.open(tmp_path / "data")
    handler = FrameHandler(
        store,
        ScriptedRecognizer(values),
        Gate(),
        frames_dir=tmp_path / "frames",
        keep_rejected=keep,
    )
    return handler, store


def test_first_readings_are_confirmed_then_stored_with_the_waiting_ones(tmp_path):
    handler, store = handler_for(tmp_path, [99_516_000, 99_516_000, 99_516_100, 99_516_100])
    statuses = [handler.handle(frame(i)).status for i in range(4)]
    assert statuses == ["rejected", "rejected", "accepted", "accepted"]
    assert [r.counter_wh for r in store.readings(0, 2**31)] == [
        99_516_000,
        99_516_000,
        99_516_100,
        99_516_100,
    ]
    assert handler.recognizer.has_reference  # the first accepted frame became the reference


def test_a_wrong_reading_is_logged_with_reason_and_image_never_stored(tmp_path):
    values = [99_516_000] * 3 + [99_916_000, 99_516_100]  # a misread 5 -> 9 on the 3rd roller
    handler, store = handler_for(tmp_path, values)
    outcomes = [handler.handle(frame(i)) for i in range(5)]
    assert outcomes[3].status == "rejected" and outcomes[3].reason == "too_fast"
    assert 99_916_000 not in [r.counter_wh for r in store.readings(0, 2**31)]
    logged = store.frame(outcomes[3].frame_id)
    assert logged.reading == "0999160" and logged.image_path.endswith(".jpg")
    assert outcomes[4].status == "accepted"


def test_unreadable_frames_are_rejected_and_images_are_bounded(tmp_path):
    handler, store = handler_for(tmp_path, [None] * 5, keep=2)
    for i in range(5):
        assert handler.handle(frame(i)).reason == "low_confidence"
    kept = [f for f in store.frames() if f.image_path]
    assert len(kept) == 2
    assert len(list((tmp_path / "frames").iterdir())) == 2


def test_a_time_before_the_last_reading_is_never_written(tmp_path):
    handler, store = handler_for(tmp_path, [99_516_000] * 4)
    for i in range(3):
        handler.handle(frame(i))
    outcome = handler.handle(frame(1))  # the clock jumped back
    assert (outcome.status, outcome.reason) == ("rejected", "clock_backwards")
    assert store.count_readings() == 3


def test_unsynchronised_clock_stores_nothing_when_required(tmp_path):
    store = Store.open(tmp_path)
    handler = FrameHandler(
        store,
        ScriptedRecognizer([99_516_000] * 3),
        Gate(),
        require_clock_sync=True,
        clock_ok=lambda: False,
    )
    assert {handler.handle(frame(i)).reason for i in range(3)} == {"clock_unsynchronised"}
    assert store.count_readings() == 0


def test_simulated_meter_readings_match_the_truth(tmp_path):
    from stromzaehler.config import load_settings
    from stromzaehler.sources.simulated import SimulatedSource

    settings = load_settings(environ={}, overrides={"storage": {"data_dir": str(tmp_path)}})
    store = Store.open(tmp_path)
    handler = FrameHandler.for_settings(store, settings)
    meter = SimulatedSource(start_utc=START).meter
    times = [START + 60 * i for i in range(30)]
    outcomes = []
    for t in times:
        image, _ = meter.frame_at(t)
        outcomes.append(handler.handle(Frame(image, t, "simulated")))
    readings = store.readings(0, 2**31)
    assert len(readings) >= 25, [(o.status, o.reason) for o in outcomes]
    for reading in readings:
        # The last roller is read to its nearest digit: within one step (100 Wh) of the truth.
        assert abs(reading.counter_wh - meter.truth_at(reading.t_utc).counter_wh) < 100, reading
