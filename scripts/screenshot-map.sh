#!/usr/bin/env bash
# Redoes the README's picture of the sample yard's map (docs/images/yard-map.png): runs
# scripts/demo.sh (which writes build-release/yard-map.html), then photographs the page in
# headless Chromium at a fixed size (tests/support/browser.py; chromium: install-deps.sh).
#   scripts/screenshot-map.sh [WIDTHxHEIGHT]   (default 1000x640)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1000x640}
scripts/demo.sh >/dev/null 2>&1 || { echo "screenshot-map: scripts/demo.sh failed (run it to see why)" >&2; exit 1; }
mkdir -p docs/images
/usr/bin/python3 tests/support/browser.py screenshot build-release/yard-map.html docs/images/yard-map.png --size "$size"
echo "docs/images/yard-map.png: $(stat -c %s docs/images/yard-map.png) bytes, $size"
