#!/usr/bin/env bash
# Debian's Chromium, driven by Playwright (with executable_path) in tests/browser.
# Playwright's own browser download is not used: it needs hosts this project may not reach.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
    echo "chromium already installed"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
