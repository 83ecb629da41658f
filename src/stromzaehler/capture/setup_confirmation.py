"""Whether the owner has vouched for the digit boxes: the condition for a first reading.

Frames that agree with each other prove nothing when the boxes sit wrong (a camera 6 % closer
than the default boxes assume reads 129495.2 for 099492.3, the same way every minute), so a new
installation stores its first reading only when the owner has
- placed or confirmed the boxes on a frame of this camera (saved them on the Set-up page), or
- typed the reading he sees on the meter (`stromzaehler teach`, the Set-up page's field),
or when the meter is the simulated one, whose geometry is known exactly. Once readings are
stored the gate judges every frame against them; this file only matters for the first one.

The confirmation is a small JSON file in the data folder, tied to the geometry it was given
for: new boxes need a new confirmation.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Literal

from ..config import MeterGeometry
from ..status import Reason

CONFIRMATION_NAME = "setup-confirmed.json"
SIMULATED_SOURCE = "simulated"
# The reason a first frame is rejected while nobody has vouched for the boxes.
SETUP_UNCONFIRMED = Reason.SETUP_UNCONFIRMED

ConfirmedBy = Literal["boxes", "reading"]


def geometry_fingerprint(geometry: MeterGeometry) -> str:
    """A short stable id of the digit boxes and decimals (what a confirmation vouches for)."""
    boxes = [[b.x, b.y, b.w, b.h] for b in geometry.digit_boxes]
    text = json.dumps({"boxes": boxes, "decimals": geometry.decimals}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


class SetupConfirmation:
    """The owner's confirmation of the boxes, kept in `data_dir`."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / CONFIRMATION_NAME

    def confirmed_by(self, geometry: MeterGeometry) -> ConfirmedBy | None:
        """How the owner confirmed these boxes, None when he has not (or other boxes)."""
        try:
            record = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("geometry") != geometry_fingerprint(geometry):
            return None
        how = record.get("confirmed_by")
        return how if how in ("boxes", "reading") else None

    def confirm(self, geometry: MeterGeometry, how: ConfirmedBy) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "geometry": geometry_fingerprint(geometry),
            "confirmed_by": how,
            "at_utc": int(time.time()),
        }
        temporary = self.path.with_suffix(".tmp")
        temporary.write_text(json.dumps(record))
        temporary.replace(self.path)  # never a half-written file after a power cut

    def allows_first_reading(self, geometry: MeterGeometry, frame_source: str) -> bool:
        return frame_source == SIMULATED_SOURCE or self.confirmed_by(geometry) is not None
