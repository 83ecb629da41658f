#!/usr/bin/env bash
# Refresh the Pi's lock files: deploy/requirements-pi-py311.txt (Raspberry Pi OS bookworm) and
# deploy/requirements-pi-py313.txt (trixie), every pip-installed dependency pinned with hashes.
#
#   ./scripts/lock-pi-requirements.sh
#
# Resolves pyproject.toml's dependencies plus deploy/requirements-pi.in with uv (installed into a
# throw-away venv from PyPI), wheels only, numpy left out (Debian's python3-numpy provides it).
# uv has no armv7 target, so the lock is then proven for the Pi: pip downloads every pinned file
# for linux_armv7l and that Python with --require-hashes --only-binary=:all: (pydantic-core is the
# one compiled wheel; the rest are pure Python). deploy/install-pi.sh and
# scripts/check-pi-install.sh install from these files.
set -euo pipefail
cd "$(dirname "$0")/.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check uv

for version in 3.11 3.13; do
    tag=${version/./}
    out=deploy/requirements-pi-py$tag.txt
    "$work/venv/bin/uv" pip compile --quiet pyproject.toml deploy/requirements-pi.in \
        --python-version "$version" --python-platform linux --only-binary :all: \
        --generate-hashes --no-emit-package numpy --no-header --output-file "$work/lock.txt"
    {
        echo "# Locked for the Raspberry Pi (armv7, Python $version) by scripts/lock-pi-requirements.sh:"
        echo "# do not edit. Installed with pip install --require-hashes --only-binary=:all: -r."
        cat "$work/lock.txt"
    } > "$out"
    "$work/venv/bin/pip" download --quiet --disable-pip-version-check --no-deps \
        --only-binary=:all: --require-hashes --implementation cp --python-version "$version" \
        --abi "cp$tag" --platform linux_armv7l --platform manylinux2014_armv7l \
        --platform manylinux_2_17_armv7l --platform manylinux_2_31_armv7l \
        --dest "$work/wheels-$tag" -r "$out"
    echo "$out: $(grep -c '^[a-z]' "$out") packages, all with armv7 wheels for Python $version:"
    ls "$work/wheels-$tag" | grep -v 'none-any' || true
done
