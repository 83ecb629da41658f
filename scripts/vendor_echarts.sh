#!/bin/sh
# Vendor Apache ECharts (full build: the only one that draws the heatmap) into the package's
# static folder, with its LICENSE and NOTICE. Pinned; run again after changing the version.
# Needs npm (only here, not at run time); nothing is installed, no node_modules is created.
set -eu

ECHARTS_VERSION="6.1.0"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
TARGET="$ROOT/src/stromzaehler/web/static/vendor/echarts"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

(cd "$WORK" && npm pack --silent "echarts@$ECHARTS_VERSION" >/dev/null)
tar -xzf "$WORK/echarts-$ECHARTS_VERSION.tgz" -C "$WORK" \
    package/dist/echarts.min.js package/LICENSE package/NOTICE
mkdir -p "$TARGET"
cp "$WORK/package/dist/echarts.min.js" "$WORK/package/LICENSE" "$WORK/package/NOTICE" "$TARGET/"
echo "$ECHARTS_VERSION" > "$TARGET/VERSION"
echo "echarts $ECHARTS_VERSION -> $TARGET"
ls -l "$TARGET"
