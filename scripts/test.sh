#!/usr/bin/env bash
# Install everything the tests need and run the whole suite:
#   1. lint, then all tests in .venv (pip's OpenCV and NumPy; real Chromium for the browser tests);
#   2. the recognition tests again with Debian's python3-opencv 4.6 and python3-numpy 1.24 — the
#      library versions of the Raspberry Pi — in a venv with --system-site-packages.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_apt_packages python3-venv chromium python3-opencv python3-numpy mosquitto mosquitto-clients

ensure_venv .venv python3
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[pc,test]'
.venv/bin/ruff check .
.venv/bin/pytest "$@"

echo "== recognition with Debian's OpenCV and NumPy (the Pi's versions) =="
ensure_venv .venv-debian /usr/bin/python3 --system-site-packages
.venv-debian/bin/pip install --quiet --disable-pip-version-check -e . pytest hypothesis httpx
.venv-debian/bin/python -c 'import cv2, numpy; print("cv2", cv2.__version__, "numpy", numpy.__version__)'
.venv-debian/bin/python -m pytest --pi-libraries-only -p no:cacheprovider
