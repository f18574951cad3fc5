#!/usr/bin/env bash
# Make sure Debian's Chromium is at /usr/bin/chromium for the Playwright browser tests
# (tests/test_web_journeys.py). Playwright's own browser download is never used: the
# tests launch this executable.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
echo "ensure-chromium: installing Chromium from Debian's packages" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
