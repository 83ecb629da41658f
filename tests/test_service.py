import numpy as np

from stromzaehler.capture.loop import CaptureService, next_tick
from stromzaehler.capture.verdict import FrameHandler
from stromzaehler.light import NoLight
from stromzaehler.sources import Frame, SourceError
from stromzaehler.store import Store


class ScriptedSource:
    """Delivers frames or raises, as scripted; counts the calls."""

    name = "scripted"
    speed = 1.0

    def __init__(self, script):
        self.script = list(script)
        self.calls = 0

    def capture(self) -> Frame:
        self.calls += 1
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        return Frame(np.full((48, 64, 3), step, np.uint8), 1_700_000_000.0 + self.calls, self.name)

    def close(self) -> None:
        pass


class ExplodingHandler(FrameHandler):
    def handle(self, frame):
        raise ValueError("bug in a step")


def make_service(tmp_path, source, handler=None):
    store = Store.open(tmp_path)
    return CaptureService(lambda: source, handler or FrameHandler(store), 60, NoLight("t")), store


def test_unread_frames_are_logged_until_a_reader_exists(tmp_path):
    service, store = make_service(tmp_path, ScriptedSource([1, 2]))
    assert service.step().status == "unread"
    service.step()
    assert [f.status for f in store.frames()] == ["unread", "unread"]
    assert service.health.frames_ok == 2
    assert service.live.jpeg.startswith(b"\xff\xd8")


def test_camera_failure_is_reported_and_retried_with_backoff(tmp_path):
    source = ScriptedSource([SourceError("unplugged"), SourceError("unplugged"), 5])
    service, _ = make_service(tmp_path, source)
    assert service.step() is None
    assert service.health.status == "degraded"
    assert service.health.last_error == "unplugged"
    first_delay = service._delay()
    service.step()
    assert service._delay() > first_delay  # back-off grows
    assert service.step().status == "unread"
    assert service.health.status == "ok"
    assert (service.health.frames_failed, service.health.frames_ok) == (2, 1)


def test_an_exception_in_a_step_does_not_stop_the_loop(tmp_path):
    store = Store.open(tmp_path)
    service, _ = make_service(tmp_path, ScriptedSource([1, 2]), ExplodingHandler(store))
    outcome = service.step()
    assert outcome.status == "failed" and "bug in a step" in outcome.reason
    assert service.step().status == "failed"
    # Captured but not handled: failed frames, not ok ones (the health check says so).
    assert (service.health.frames_ok, service.health.frames_failed) == (0, 2)
    assert service.health.consecutive_store_failures == 2


def test_unexpected_source_errors_reopen_the_source(tmp_path):
    sources = [ScriptedSource([RuntimeError("driver crashed")]), ScriptedSource([3])]
    store = Store.open(tmp_path)
    service = CaptureService(lambda: sources.pop(0), FrameHandler(store), 60, NoLight("t"))
    assert service.step() is None
    assert service.step().status == "unread"
    assert sources == []


def test_the_loop_thread_runs_and_stops(tmp_path):
    source = ScriptedSource([1] * 1000)
    source.speed = 600.0  # a capture every 0.1 s
    service, store = make_service(tmp_path, source)
    service.start()
    try:
        service.capture_now()
        import time

        deadline = time.monotonic() + 20
        while store.frame_counts().get("unread", 0) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        service.stop()
    assert store.frame_counts()["unread"] >= 3


def test_ticks_are_aligned_to_the_wall_clock_minute():
    assert next_tick(1_700_000_010.5, 60) == 1_700_000_040  # 1_700_000_040 is a whole minute
    assert next_tick(1_700_000_040.0, 60) == 1_700_000_100
    assert next_tick(1_700_000_040.0, 60) % 60 == 0
