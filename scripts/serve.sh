#!/usr/bin/env bash
# Install into .venv and start the service: the Pi camera when one is found, otherwise the
# simulated meter, on http://localhost:8080. Extra arguments go to `stromzaehler serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_apt_packages python3-venv
ensure_venv .venv python3
.venv/bin/pip install --quiet --disable-pip-version-check -e '.[pc]'
exec .venv/bin/stromzaehler serve "$@"
