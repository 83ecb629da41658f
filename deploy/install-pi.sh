#!/usr/bin/env bash
# Install stromzaehler-pi as a service on Raspberry Pi OS Lite 32-bit (bookworm).
# Idempotent: a second run changes nothing. Run from the repository: sudo ./deploy/install-pi.sh
set -euo pipefail

PREFIX=/opt/stromzaehler
DATA=/var/lib/stromzaehler
CONFIG=/etc/stromzaehler/config.toml
USER_NAME=stromzaehler
REPO=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root: sudo $0" >&2
    exit 1
fi

# NumPy, OpenCV and picamera2 come from Debian: there are no armv7 wheels, and pip's NumPy 2
# would break Debian's cv2.
APT_PACKAGES=(python3-venv python3-pip python3-opencv python3-numpy python3-picamera2 python3-lgpio)
missing=()
for package in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
        || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
    apt-get update
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
fi

if ! id "$USER_NAME" >/dev/null 2>&1; then
    useradd --system --home-dir "$DATA" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
for group in video gpio; do
    if getent group "$group" >/dev/null && ! id -nG "$USER_NAME" | grep -qw "$group"; then
        usermod -aG "$group" "$USER_NAME"
    fi
done
install -d -o "$USER_NAME" -g "$USER_NAME" -m 0750 "$DATA"

if [ ! -x "$PREFIX/venv/bin/python" ]; then
    python3 -m venv --system-site-packages "$PREFIX/venv"
fi
changed=0
# Reinstall only when the source changed, so that a second run changes nothing.
source_hash=$(cd "$REPO" && find pyproject.toml README.md src -type f ! -path '*/__pycache__/*' \
    -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$PREFIX/source.sha256" 2>/dev/null)" != "$source_hash" ]; then
    # Build our own wheel, then install it with every dependency from wheels only; Debian's
    # NumPy already satisfies numpy>=1.24, so pip leaves it (and Debian's cv2) in charge.
    wheel_dir=$(mktemp -d)
    trap 'rm -rf "$wheel_dir"' EXIT
    "$PREFIX/venv/bin/pip" wheel --quiet --no-deps --wheel-dir "$wheel_dir" "$REPO"
    "$PREFIX/venv/bin/pip" install --quiet --only-binary=:all: --force-reinstall --no-deps \
        "$wheel_dir"/stromzaehler-*.whl
    "$PREFIX/venv/bin/pip" install --quiet --only-binary=:all: "$wheel_dir"/stromzaehler-*.whl
    install -m 0644 "$REPO/README.md" "$PREFIX/README.md"
    echo "$source_hash" > "$PREFIX/source.sha256"
    changed=1
fi

if [ ! -f "$CONFIG" ]; then
    install -d -m 0755 "$(dirname "$CONFIG")"
    install -m 0644 "$REPO/deploy/config.toml" "$CONFIG"
fi

if ! cmp -s "$REPO/deploy/stromzaehler.service" /etc/systemd/system/stromzaehler.service; then
    install -m 0644 "$REPO/deploy/stromzaehler.service" /etc/systemd/system/stromzaehler.service
    changed=1
fi

if ! runuser -u "$USER_NAME" -- "$PREFIX/venv/bin/python" - <<PY
import sys
from pathlib import Path
from stromzaehler.store import Store
sys.exit(0 if Store.open(Path("$DATA")).get_state("password_hash") else 1)
PY
then
    if [ -t 0 ]; then
        echo "Choose the password for changes in the web interface:"
        runuser -u "$USER_NAME" -- "$PREFIX/venv/bin/stromzaehler" passwd --config "$CONFIG"
    else
        echo "no password set yet: sudo -u $USER_NAME $PREFIX/venv/bin/stromzaehler passwd --config $CONFIG"
    fi
fi

if [ -d /run/systemd/system ]; then
    if [ "$changed" -eq 1 ]; then
        systemctl daemon-reload
        systemctl enable stromzaehler.service
        systemctl restart stromzaehler.service
    fi
    systemctl is-active --quiet stromzaehler.service || systemctl start stromzaehler.service
    echo "stromzaehler is running: http://$(hostname -I | awk '{print $1}')/"
else
    echo "systemd is not running here (a chroot?); the service starts at the next boot"
    systemctl enable stromzaehler.service >/dev/null 2>&1 || true
fi
