"""Builds the reader from the settings and keeps the alignment reference (the gate for the
settings is built beside the Gate: gate.make_gate).

The reference is the frame the digit boxes were drawn on: it is saved when the boxes are
saved in the set-up page, or, on a fresh installation, from the first frame whose reading the
gate accepted with the configured boxes.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from ..config import Settings
from ..recognition.align import load_reference, save_reference
from ..recognition.digits import DigitModel
from ..recognition.reading import FrameReading, MeterReader
from .adaptation import SampleCollector, digit_reader_for, roller_crops
from .adaptation_store import AdaptationStore

log = logging.getLogger(__name__)

REFERENCE_NAME = "reference.png"


class Recognizer:
    """The reader for the current geometry, rebuilt when the geometry or reference changes."""

    def __init__(self, settings: Settings, data_dir: Path) -> None:
        self.reference_path = data_dir / REFERENCE_NAME
        self.data_dir = data_dir
        self.settings = settings
        self._generic_model: DigitModel | None = None
        self.reader = self._make_reader()
        self.collector = SampleCollector(AdaptationStore(data_dir), settings.meter.geometry())

    @property
    def has_reference(self) -> bool:
        return self.reference_path.is_file()

    def _make_reader(self) -> MeterReader:
        geometry = self.settings.meter.geometry()
        reference = None
        if self.has_reference:
            try:
                reference = load_reference(self.reference_path, geometry.digit_boxes)
            except (OSError, ValueError) as error:
                log.warning("alignment reference unusable, reading without it: %s", error)
        if self._generic_model is None:
            self._generic_model = DigitModel.load()
        model = digit_reader_for(self.data_dir, geometry, self._generic_model)
        return MeterReader(geometry, model=model, reference=reference)

    def rebuild(self) -> None:
        """The digit reader refitted to the profile in the data folder as it is now; the
        reader keeps its alignment state (a knocked camera stays knocked)."""
        if self._generic_model is None:
            self._generic_model = DigitModel.load()
        geometry = self.reader.geometry
        self.reader.model = digit_reader_for(self.data_dir, geometry, self._generic_model)

    def observe(self, t_utc: int, image: np.ndarray, result: FrameReading, accepted: bool) -> None:
        """Collect samples from confirmed readings; refit the adapted reader when some came."""
        crops = roller_crops(self.reader, image, result) if accepted else []
        if self.collector.observe(t_utc, result, crops, accepted):
            self.rebuild()

    def set_reference(self, image_bgr: np.ndarray) -> None:
        save_reference(self.reference_path, image_bgr)
        self.reader = self._make_reader()
        log.info("alignment reference saved to %s", self.reference_path)

    def reconfigure(self, settings: Settings, image_bgr: np.ndarray | None) -> None:
        """New boxes mean a new reference: the frame they were drawn on (the newest one)."""
        geometry_changed = settings.meter != self.settings.meter
        self.settings = settings
        if geometry_changed:
            self.collector = SampleCollector(
                AdaptationStore(self.data_dir), settings.meter.geometry()
            )
            if image_bgr is not None:
                self.set_reference(image_bgr)
            else:
                self.reference_path.unlink(missing_ok=True)
                self.reader = self._make_reader()
