#!/usr/bin/env bash
# Check deploy/install-pi.sh without a Pi: a Debian armhf userland under qemu-user, for either
# Raspberry Pi OS release (trixie: Python 3.13, OpenCV 4.10, NumPy 2.2; bookworm: Python 3.11,
# OpenCV 4.6, NumPy 1.24). Plain Debian armhf stands in for Raspberry Pi OS: same Debian packages,
# without the Raspberry Pi archive (picamera2, lgpio).
#
#   sudo RELEASE=trixie ./scripts/check-pi-install.sh [ROOT]   (RELEASE: bookworm (default) or
#                                          trixie; ROOT defaults to /work/pi-root-RELEASE)
#
# Builds ROOT with debootstrap when it is missing, copies `git archive HEAD` into it, runs the
# installer twice (the second run must change nothing), then checks from the venv: wheels only,
# Debian's numpy and cv2 in charge, `stromzaehler --help`, `doctor`, `serve --simulate`
# answering /api/health and /api/image, every locked dependency at its locked version,
# `stromzaehler read` of the reference frame when ../shared is there, and the unit's conditions (own user, port 80 through an
# ambient capability, read-only system except the data folder). Emulated times and memory are
# not Pi numbers. Needs root, debootstrap, qemu-user-static and binfmt-support on the host.
set -euo pipefail

RELEASE=${RELEASE:-bookworm}
case "$RELEASE" in bookworm | trixie) ;; *) echo "RELEASE must be bookworm or trixie" >&2; exit 1 ;; esac
ROOT=${1:-/work/pi-root-$RELEASE}
REPO=$(cd "$(dirname "$0")/.." && pwd)
# A free port: other checks and test runs may share the machine.
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
LOGS=$(mktemp -d)
MIRROR=${MIRROR:-http://deb.debian.org/debian}
CHROOT_REPO=/root/stromzaehler-pi
VENV=/opt/stromzaehler/venv

if [ "$(id -u)" -ne 0 ]; then
    echo "run as root: sudo $0" >&2
    exit 1
fi
case "$ROOT" in "$REPO"/*) echo "ROOT must be outside the repository" >&2; exit 1 ;; esac

step() { printf '\n== %s\n' "$*"; }
# A clean environment, as on the Pi: no pip settings of the host leak in.
IN_ROOT=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
    LANG=C.UTF-8 chroot "$ROOT")
in_root() { "${IN_ROOT[@]}" "$@"; }

step "binfmt_misc for 32-bit ARM"
if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
    mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
fi
update-binfmts --enable qemu-arm 2>/dev/null || true
# The F flag makes the kernel keep the interpreter open: no qemu binary needed inside ROOT.
grep -E '^(enabled|interpreter|flags)' /proc/sys/fs/binfmt_misc/qemu-arm

if [ ! -x "$ROOT/usr/bin/python3" ] && [ ! -e "$ROOT/etc/debian_version" ]; then
    step "debootstrap $RELEASE armhf from $MIRROR"
    time debootstrap --arch=armhf --foreign --include=ca-certificates "$RELEASE" "$ROOT" "$MIRROR"
    time chroot "$ROOT" /debootstrap/debootstrap --second-stage
fi
root_release=$(. "$ROOT/etc/os-release" && echo "${VERSION_CODENAME:-}")
if [ "$root_release" != "$RELEASE" ]; then
    echo "$ROOT holds '$root_release', not $RELEASE: pass another ROOT" >&2
    exit 1
fi
echo "uname -m inside: $(chroot "$ROOT" uname -m)"

mounted=()
cleanup() {
    for (( i=${#mounted[@]}-1; i>=0; i-- )); do umount -R "${mounted[i]}" 2>/dev/null || true; done
}
trap cleanup EXIT
mount_once() {
    mountpoint -q "$ROOT/$1" && return 0
    if [ "$1" = proc ]; then mount -t proc proc "$ROOT/proc"; else mount --rbind "/$1" "$ROOT/$1"; fi
    mounted+=("$ROOT/$1")
}
mount_once proc
mount_once sys
mount_once dev

step "apt inside: $RELEASE and $RELEASE-updates; no service starts in the chroot"
cat > "$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $RELEASE main
deb $MIRROR $RELEASE-updates main
EOF
printf '#!/bin/sh\nexit 101\n' > "$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
# Sandboxes that reach PyPI through an intercepting proxy need its CA inside as well.
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
    in_root update-ca-certificates >/dev/null
fi

step "copy the repository (git archive HEAD: $(git -C "$REPO" log --oneline -1))"
rm -rf "${ROOT:?}$CHROOT_REPO"
mkdir -p "$ROOT$CHROOT_REPO"
git -C "$REPO" archive HEAD | tar -x -C "$ROOT$CHROOT_REPO"

step "a global pip configuration (Raspberry Pi OS has one for piwheels), pointing nowhere"
# The installer must not read it (the lock holds PyPI's hashes): with an index that cannot be
# reached in /etc/pip.conf, any pip run that reads the file fails.
printf '[global]\nindex-url = http://127.0.0.1:9/simple\n' > "$ROOT/etc/pip.conf"

step "remove an installation left by an earlier check (Debian packages stay)"
in_root userdel stromzaehler 2>/dev/null || true
in_root groupdel stromzaehler 2>/dev/null || true
rm -rf "$ROOT/opt/stromzaehler" "$ROOT/etc/stromzaehler" "$ROOT/var/lib/stromzaehler" \
    "$ROOT/etc/systemd/system/stromzaehler.service" \
    "$ROOT/etc/systemd/system/multi-user.target.wants/stromzaehler.service"

step "first run of deploy/install-pi.sh"
time in_root "$CHROOT_REPO/deploy/install-pi.sh" < /dev/null
in_root dpkg-query -W python3 python3-venv python3-numpy python3-opencv
for package in python3-picamera2 python3-lgpio; do
    in_root apt-cache show "$package" >/dev/null 2>&1 \
        && echo "$package: in the lists" || echo "$package: not in Debian (Raspberry Pi OS only)"
done

step "wheels only: tag of every distribution in the venv (no numpy, no OpenCV among them)"
site=$(echo "$ROOT$VENV"/lib/python3.*/site-packages)
for dist in "$site"/*.dist-info; do
    printf '%-40s %s\n' "$(basename "$dist" .dist-info)" "$(grep -h '^Tag:' "$dist/WHEEL" | head -1)"
done
if compgen -G "$site/numpy*" >/dev/null || compgen -G "$site/opencv*" >/dev/null; then
    echo "FAIL: numpy or OpenCV was pip-installed into the venv" >&2
    exit 1
fi
if find "$ROOT$CHROOT_REPO" \( -name '*.egg-info' -o -name build \) | grep -q .; then
    echo "FAIL: the installer wrote build output into the repository" >&2
    exit 1
fi

step "every locked dependency at its locked version"
lock=$(echo "$ROOT$CHROOT_REPO"/deploy/requirements-pi-py"$(in_root python3 -c 'import sys; print(f"{sys.version_info[0]}{sys.version_info[1]}")')".txt)
echo "lock: $(basename "$lock")"
in_root "$VENV/bin/pip" list --format=freeze 2>/dev/null | tr 'A-Z_' 'a-z-' | sort > "$LOGS/freeze.txt"
grep -oE '^[a-z0-9._-]+==[^ ]+' "$lock" | tr 'A-Z_' 'a-z-' | sort > "$LOGS/locked.txt"
if comm -23 "$LOGS/locked.txt" "$LOGS/freeze.txt" | grep .; then
    echo "FAIL: the lines above are locked but not installed at that version" >&2
    exit 1
fi
echo "$(wc -l < "$LOGS/locked.txt") locked packages installed at their locked versions"

step "Debian's numpy and cv2 from the venv"
in_root "$VENV/bin/python" -c 'import platform, sys, numpy, cv2
print(platform.machine(), "Python", sys.version.split()[0])
print("numpy", numpy.__version__, numpy.__file__)
print("cv2", cv2.__version__, cv2.__file__)
assert numpy.__file__.startswith("/usr/lib/python3/dist-packages/"), "numpy not from Debian"
assert cv2.__file__.startswith("/usr/lib/python3/dist-packages/"), "cv2 not from Debian"'

REFERENCE="$REPO/../shared/reference/meter-0995160.png"
if [ -f "$REFERENCE" ]; then
    step "stromzaehler read of the reference frame with this release's OpenCV and NumPy"
    cp "$REFERENCE" "$ROOT/tmp/meter-0995160.png"
    in_root "$VENV/bin/stromzaehler" read /tmp/meter-0995160.png --json | tee "$LOGS/read.json"
    grep -q '"reading": "0995160"' "$LOGS/read.json" \
        || { echo "FAIL: the reference frame was not read as 0995160" >&2; exit 1; }
else
    echo "(../shared/reference is absent: reading the reference frame skipped)"
fi

step "stromzaehler --help (emulated time)"
/usr/bin/time -f '%e s wall, %M KiB max RSS of qemu' "${IN_ROOT[@]}" "$VENV/bin/stromzaehler" --help

step "stromzaehler doctor --data /tmp/x --port $PORT (exit 1 expected: no LED, emulated speed)"
rm -rf "$ROOT/tmp/x"
/usr/bin/time -f '%e s wall' "${IN_ROOT[@]}" "$VENV/bin/stromzaehler" doctor --data /tmp/x --port "$PORT" \
    || echo "doctor exit code $?"

# Starts the server in the background and waits for /api/health, then for a JPEG at /api/image.
wait_for_service() {
    local port=$1 pid=$2 started=$3
    until curl -fsS -o /dev/null "http://127.0.0.1:$port/api/health" 2>/dev/null; do
        kill -0 "$pid" 2>/dev/null || { echo "FAIL: the service ended" >&2; return 1; }
        sleep 0.5
    done
    echo "/api/health after $(echo "$(date +%s.%N) - $started" | bc) s"
    until [ "$(curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/api/image")" = 200 ]
    do
        kill -0 "$pid" 2>/dev/null || { echo "FAIL: the service ended" >&2; return 1; }
        sleep 0.5
    done
    echo "/api/image 200 after $(echo "$(date +%s.%N) - $started" | bc) s"
    grep -E '^(VmRSS|VmHWM)' "/proc/$pid/status"
    # qemu's buffer of translated code is the one writable and executable mapping; it would not
    # exist on a Pi.
    awk '/^[0-9a-f]+-[0-9a-f]+ rwxp/ {code = 1; next} /^[0-9a-f]+-[0-9a-f]+ / {code = 0}
         code && /^Rss:/ {kib += $2} END {printf "of which qemu translated code: %d kB\n", kib}' \
        "/proc/$pid/smaps"
}

step "stromzaehler serve --simulate --port $PORT --data /tmp/x"
rm -rf "$ROOT/tmp/x"
started=$(date +%s.%N)
# Not through the in_root function: $! must be the service itself (env and chroot exec into it).
"${IN_ROOT[@]}" "$VENV/bin/stromzaehler" serve --simulate --port "$PORT" --data /tmp/x \
    > $LOGS/check-pi-serve.log 2>&1 &
serve_pid=$!
wait_for_service "$PORT" "$serve_pid" "$started"
in_root "$VENV/bin/python" - "$PORT" <<'PY'
import json, sys, urllib.request
base = f"http://127.0.0.1:{sys.argv[1]}"
health = json.load(urllib.request.urlopen(base + "/api/health"))
print("health (urllib inside):", {k: health[k] for k in ("status", "source", "frames_ok", "version")})
with urllib.request.urlopen(base + "/api/image") as response:
    body = response.read()
print("image (urllib inside):", response.headers["Content-Type"], len(body), "bytes,",
      "JPEG" if body[:3] == b"\xff\xd8\xff" else "NOT a JPEG")
PY
kill "$serve_pid"
wait "$serve_pid" || true

step "second run of deploy/install-pi.sh: must change nothing"
snapshot() {
    in_root sh -c 'find /opt/stromzaehler /etc/stromzaehler /etc/systemd/system /var/lib/stromzaehler \
        /etc/passwd /etc/group /var/lib/apt/lists -printf "%p %T@ %s %m %u\n" | sort
        dpkg-query -W | md5sum'
}
snapshot > $LOGS/check-pi-before.txt
time in_root "$CHROOT_REPO/deploy/install-pi.sh" < /dev/null
snapshot > $LOGS/check-pi-after.txt
if diff $LOGS/check-pi-before.txt $LOGS/check-pi-after.txt; then
    echo "no file, package, user or list changed"
else
    echo "(lines above: what the second run changed)"
fi

step "systemd-analyze verify of the installed unit (host systemd, --root)"
systemd-analyze --root="$ROOT" verify /etc/systemd/system/stromzaehler.service && echo "verify ok"
systemd-analyze security --offline=true --root="$ROOT" stromzaehler.service | tail -1

step "like the unit: user stromzaehler, port 80 only through CAP_NET_BIND_SERVICE, read-only system"
if curl -s -o /dev/null "http://127.0.0.1:80/" 2>/dev/null; then
    echo "port 80 is busy on this host: skipped"
    exit 0
fi
unit_exec=(setpriv --reuid stromzaehler --regid stromzaehler --init-groups)
start_cmd=("$VENV/bin/stromzaehler" serve --config /etc/stromzaehler/config.toml)
echo "without the capability (must fail to bind):"
timeout 120 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/stromzaehler LANG=C.UTF-8 \
    chroot "$ROOT" "${unit_exec[@]}" -- "${start_cmd[@]}" > $LOGS/check-pi-port80-denied.log 2>&1 \
    || true
grep -E 'Errno' $LOGS/check-pi-port80-denied.log \
    || { echo "FAIL: bound port 80 without the capability" >&2; exit 1; }
echo "with it, / read-only, /var/lib/stromzaehler writable, private /tmp:"
started=$(date +%s.%N)
# shellcheck disable=SC2016  # expanded by the inner bash
unshare -m bash -c '
    set -e
    mount --rbind "$1" "$1"
    mount -o remount,bind,ro "$1"
    mount --bind "$1/var/lib/stromzaehler" "$1/var/lib/stromzaehler"
    mount -o remount,bind,rw "$1/var/lib/stromzaehler"
    mount -t tmpfs tmpfs "$1/tmp"
    shift
    exec env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/var/lib/stromzaehler LANG=C.UTF-8 "$@"
' unit-like "$ROOT" chroot "$ROOT" "${unit_exec[@]}" \
    --inh-caps +net_bind_service --ambient-caps +net_bind_service \
    --bounding-set -all,+net_bind_service --no-new-privs -- "${start_cmd[@]}" \
    > $LOGS/check-pi-port80.log 2>&1 &
unit_pid=$!
sleep 1
service_pid=$(pgrep -P "$unit_pid" || echo "$unit_pid")
wait_for_service 80 "$service_pid" "$started"
grep -E '^(Uid|CapEff|CapAmb|NoNewPrivs)' "/proc/$service_pid/status"
kill "$service_pid"
wait "$unit_pid" || true
