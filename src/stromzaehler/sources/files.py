"""Replay one image or a folder of images in name order, looping."""

from __future__ import annotations

from pathlib import Path

import cv2

from .base import Frame, SourceError, wall_clock

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp"}


class FilesSource:
    speed = 1.0

    def __init__(self, path: Path) -> None:
        self.path = path
        self.name = f"files:{path}"
        self._position = 0

    def _images(self) -> list[Path]:
        if self.path.is_file():
            return [self.path]
        if self.path.is_dir():
            return sorted(p for p in self.path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
        raise SourceError(f"{self.path}: no such file or folder")

    def capture(self) -> Frame:
        # The folder is listed on every capture so that images added later are replayed too.
        images = self._images()
        if not images:
            raise SourceError(f"{self.path}: no images in folder")
        path = images[self._position % len(images)]
        self._position += 1
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            raise SourceError(f"{path}: not a readable image")
        return Frame(image=image, captured_at_utc=wall_clock(), source=self.name)

    def close(self) -> None:
        pass
