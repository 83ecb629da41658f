#!/usr/bin/env bash
# Install stromzaehler-pi as a service on Raspberry Pi OS Lite 32-bit: trixie (Debian 13, Python
# 3.13, what the Imager writes today) or bookworm (Debian 12, Python 3.11, older cards).
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

# The release decides the Python version and with it the lock file; the package names, the video
# and gpio groups and the Raspberry Pi OS packages are the same on both releases.
. /etc/os-release
RELEASE=${VERSION_CODENAME:-unknown}
case "$RELEASE" in
    bookworm | trixie) echo "Raspberry Pi OS / Debian $RELEASE" ;;
    *) echo "warning: tested on bookworm and trixie, not on '$RELEASE'; trying anyway" >&2 ;;
esac

# NumPy, OpenCV and picamera2 come from Debian: there are no armv7 wheels, and a pip NumPy other
# than the one Debian's cv2 was built against breaks it (bookworm: 1.24, trixie: 2.2).
# python3-venv brings pip for the venv (python3-pip-whl).
REQUIRED_PACKAGES=(python3-venv python3-opencv python3-numpy)
# Only in the Raspberry Pi OS archive, not in Debian: without them the service has no Pi camera
# (it falls back to the simulated meter) and no LED, but everything else works.
PI_OS_PACKAGES=(python3-picamera2 python3-lgpio)

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
known_to_apt() { apt-cache show "$1" >/dev/null 2>&1; }
have_package_lists() { compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; }

missing_required=()
for package in "${REQUIRED_PACKAGES[@]}"; do
    installed "$package" || missing_required+=("$package")
done
missing_pi_os=()
for package in "${PI_OS_PACKAGES[@]}"; do
    installed "$package" || missing_pi_os+=("$package")
done
# Refresh the lists only to install something: a Pi OS package that non-empty lists do not know
# means this is not Raspberry Pi OS, and refreshing on every run would not change that.
refresh=0
[ ${#missing_required[@]} -gt 0 ] && refresh=1
for package in "${missing_pi_os[@]}"; do
    if known_to_apt "$package" || ! have_package_lists; then refresh=1; fi
done
if [ "$refresh" -eq 1 ]; then
    apt-get update
fi
to_install=("${missing_required[@]}")
for package in "${missing_pi_os[@]}"; do
    if known_to_apt "$package"; then
        to_install+=("$package")
    else
        echo "warning: $package is not in the package lists (not Raspberry Pi OS?);" \
            "continuing without it" >&2
    fi
done
if [ ${#to_install[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${to_install[@]}"
fi

if ! id "$USER_NAME" >/dev/null 2>&1; then
    useradd --system --home-dir "$DATA" --no-create-home --shell /usr/sbin/nologin "$USER_NAME"
fi
# The unit names both groups (SupplementaryGroups=) and systemd refuses to start it when one is
# missing; Raspberry Pi OS has both, plain Debian has no gpio group.
for group in video gpio; do
    getent group "$group" >/dev/null || groupadd --system "$group"
    if ! id -nG "$USER_NAME" | grep -qw "$group"; then
        usermod -aG "$group" "$USER_NAME"
    fi
done
install -d -o "$USER_NAME" -g "$USER_NAME" -m 0750 "$DATA"

if [ ! -x "$PREFIX/venv/bin/python" ]; then
    python3 -m venv --system-site-packages "$PREFIX/venv"
fi
changed=0
# Reinstall only when the source changed, so that a second run changes nothing. The wheel is built
# from a copy: building in the repository would write build/ and src/*.egg-info into it (owned by
# root) and change the hash.
# Every pip-installed dependency comes from the lock for this Python (hashes, wheels only):
# an install next year gets what was tested. Refresh: scripts/lock-pi-requirements.sh.
PY_TAG=$(python3 -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')
LOCK=deploy/requirements-pi-py$PY_TAG.txt
if [ ! -f "$REPO/$LOCK" ]; then
    echo "no lock file for Python ${PY_TAG:0:1}.${PY_TAG:1} ($LOCK): use Raspberry Pi OS" \
        "bookworm or trixie, or run scripts/lock-pi-requirements.sh" >&2
    exit 1
fi
SOURCE_FILES=(pyproject.toml README.md src "$LOCK")
# The lock holds PyPI's files. Raspberry Pi OS's /etc/pip.conf adds piwheels, whose armv7 builds
# of the same versions have other hashes (and win over manylinux wheels), so pip runs here
# without any configuration file.
PIP=(env PIP_CONFIG_FILE=/dev/null "$PREFIX/venv/bin/pip")
source_hash=$(cd "$REPO" && find "${SOURCE_FILES[@]}" -type f ! -path '*/__pycache__/*' \
    ! -path '*.egg-info/*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1)
if [ "$(cat "$PREFIX/source.sha256" 2>/dev/null)" != "$source_hash" ]; then
    work_dir=$(mktemp -d)
    trap 'rm -rf "$work_dir"' EXIT
    mkdir "$work_dir/source" "$work_dir/wheel"
    tar -C "$REPO" --exclude=__pycache__ --exclude='*.egg-info' -cf - "${SOURCE_FILES[@]}" \
        | tar -C "$work_dir/source" -xf -
    "${PIP[@]}" wheel --quiet --no-deps --wheel-dir "$work_dir/wheel" \
        "$work_dir/source"
    # The locked dependencies first, then the package without resolving anything; Debian's NumPy
    # satisfies numpy>=1.24, so it (and Debian's cv2) stays in charge. pip check proves the set
    # is complete and consistent.
    "${PIP[@]}" install --quiet --require-hashes --only-binary=:all: \
        -r "$REPO/$LOCK"
    "${PIP[@]}" install --quiet --no-index --force-reinstall --no-deps \
        "$work_dir"/wheel/stromzaehler-*.whl
    "${PIP[@]}" check
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
    # systemctl enable works without a running systemd (it only writes the symlink).
    if systemctl is-enabled --quiet stromzaehler.service 2>/dev/null \
        || systemctl enable stromzaehler.service; then
        echo "systemd is not running here (a chroot?); the service starts at the next boot"
    else
        echo "warning: could not enable stromzaehler.service; start it by hand" >&2
    fi
fi
