"""The capture stage: the minute loop, the verdict on each frame, the reader set-up and the
disc loop."""
