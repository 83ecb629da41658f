#!/usr/bin/env bash
# Install everything the tests need and run the whole suite:
#   1. lint, then all tests in .venv (pip's OpenCV and NumPy; real Chromium for the browser tests);
#   2. the recognition tests again with Debian's python3-opencv 4.6 and python3-numpy 1.24 — the
#      library versions of Raspberry Pi OS bookworm — in a venv with --system-site-packages;
#   3. the image-reading tests with OpenCV 4.10 and NumPy 2.2 (Raspberry Pi OS trixie's versions).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_apt_packages python3-venv chromium python3-opencv python3-numpy openscad \
    mosquitto mosquitto-clients

ensure_venv .venv python3
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[pc,test]'
.venv/bin/ruff check .
.venv/bin/pytest "$@"

echo "== recognition with Debian's OpenCV and NumPy (the Pi's versions) =="
ensure_venv .venv-debian /usr/bin/python3 --system-site-packages
.venv-debian/bin/pip install --quiet --disable-pip-version-check -e . pytest hypothesis httpx
.venv-debian/bin/python -c 'import cv2, numpy; print("cv2", cv2.__version__, "numpy", numpy.__version__)'
.venv-debian/bin/python -m pytest --pi-libraries-only -p no:cacheprovider

# Raspberry Pi OS trixie has python3-opencv 4.10 and python3-numpy 2.2. Debian trixie's packages
# cannot be installed on this bookworm host, so the image-reading tests run a third time on pip's
# wheels of the same versions (the whole armhf path with Debian's own packages is
# scripts/check-pi-install.sh with RELEASE=trixie).
echo "== image reading with OpenCV 4.10 and NumPy 2.2 (trixie's versions, pip wheels) =="
ensure_venv .venv-trixie python3
.venv-trixie/bin/pip install --quiet --disable-pip-version-check -e . 'numpy==2.2.*' \
    'opencv-python-headless==4.10.0.84' pytest hypothesis httpx
.venv-trixie/bin/python -c 'import cv2, numpy; print("cv2", cv2.__version__, "numpy", numpy.__version__)'
.venv-trixie/bin/python -m pytest -p no:cacheprovider tests/test_digits.py tests/test_align.py \
    tests/test_locate.py tests/test_reading_compose.py tests/test_recognition_cli.py \
    tests/test_aiming.py tests/test_placement.py tests/test_focus.py
