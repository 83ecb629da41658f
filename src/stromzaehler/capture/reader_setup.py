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
from ..recognition.reading import MeterReader

log = logging.getLogger(__name__)

REFERENCE_NAME = "reference.png"


class Recognizer:
    """The reader for the current geometry, rebuilt when the geometry or reference changes."""

    def __init__(self, settings: Settings, data_dir: Path) -> None:
        self.reference_path = data_dir / REFERENCE_NAME
        self.settings = settings
        self.reader = self._make_reader()

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
        return MeterReader(geometry, reference=reference)

    def set_reference(self, image_bgr: np.ndarray) -> None:
        save_reference(self.reference_path, image_bgr)
        self.reader = self._make_reader()
        log.info("alignment reference saved to %s", self.reference_path)

    def reconfigure(self, settings: Settings, image_bgr: np.ndarray | None) -> None:
        """New boxes mean a new reference: the frame they were drawn on (the newest one)."""
        geometry_changed = settings.meter != self.settings.meter
        self.settings = settings
        if geometry_changed:
            if image_bgr is not None:
                self.set_reference(image_bgr)
            else:
                self.reference_path.unlink(missing_ok=True)
                self.reader = self._make_reader()
