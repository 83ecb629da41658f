"""Frame statuses and reasons: the one list that the store, the API, the review page and
`web/static/js/i18n.js` follow (tests/test_status.py checks that i18n.js has a text for each).

StrEnum members are plain strings: they compare equal to the stored text and serialise to it
in JSON, so the database and the HTTP API stay as they were.
"""

from __future__ import annotations

from enum import StrEnum


class FrameStatus(StrEnum):
    """What became of a captured frame (frames.status)."""

    ACCEPTED = "accepted"  # read and let through by the gate: a stored reading
    REJECTED = "rejected"  # read or tried, kept out; its image is kept for review
    UNREAD = "unread"  # no reader configured yet
    FAILED = "failed"  # the capture or the reader broke (reason: the error)
    CORRECTED = "corrected"  # a rejected frame the owner typed the reading for
    UNREADABLE = "unreadable"  # a rejected frame the owner marked as unreadable


class HealthStatus(StrEnum):
    """How the capture service is doing (/api/health `status`)."""

    STARTING = "starting"  # no capture yet
    OK = "ok"
    DEGRADED = "degraded"  # something needs attention, readings may still be stored
    FAILING = "failing"  # no reading can be stored (health_checks says why)
    STOPPED = "stopped"  # no capture service runs


class Reason(StrEnum):
    """Why a frame was rejected (frames.reason); the reader's reasons come first."""

    FROZEN = "frozen"  # the same image as the frame before: the camera is stuck
    ALIGNMENT = "alignment"  # the counter was not found in the frame
    OUT_OF_VIEW = "out_of_view"  # a roller is not fully in the picture
    LOW_CONFIDENCE = "low_confidence"  # digits not read with confidence
    # A roller between two digits while its right neighbour is far from a carry: the boxes
    # do not sit on the rollers (a misplaced camera), whatever the digits say.
    ROLLERS_DISAGREE = "rollers_disagree"
    # Read without an alignment reference, the boxes do not sit on the digits found in the
    # frame (recognition/placement.py): a camera placed otherwise than the boxes assume.
    BOXES_MISPLACED = "boxes_misplaced"
    # Much less sharp than the set-up frame (recognition/focus.py): a defocused lens or
    # condensation moves the roller positions enough to round a reading up too early.
    BLURRED = "blurred"
    UNREADABLE = "unreadable"  # no counter value came out, for no other reason
    # The one clock rule (gate): a frame's time must lie after the last accepted reading and
    # after every reading waiting for confirmation.
    CLOCK_BACKWARDS = "clock_backwards"
    CLOCK_UNSYNCHRONISED = "clock_unsynchronised"  # NTP has not set the clock yet
    CLOCK_AHEAD = "clock_ahead"  # the wall clock ran ahead of the monotonic clock (clock_guard)
    # A reading stored while the clock was ahead, flagged when it came back (store.clock_errors)
    CLOCK_ERROR = "clock_error"
    DECREASING = "decreasing"  # less than the last accepted reading
    TOO_FAST = "too_fast"  # more energy than the maximum plausible power allows
    UNCONFIRMED = "unconfirmed"  # a jump that waits for agreeing frames
    # A new installation: no reading is stored until the owner confirmed the boxes or typed
    # the reading (setup_confirmation.py).
    SETUP_UNCONFIRMED = "setup_unconfirmed"


class TrackingState(StrEnum):
    """What the disc loop is doing (/api/power `tracking.state`)."""

    OFF = "off"  # switched off, or no disc loop runs
    STARTING = "starting"  # no frame yet
    LEARNING = "learning"  # learning the rim of the window
    TRACKING = "tracking"
    LOST = "lost"  # no usable frame for a while
    FAILED = "failed"  # no frames at all (camera gone, a source that cannot share)
