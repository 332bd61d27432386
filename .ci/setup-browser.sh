#!/usr/bin/env bash
# The browser of the trace viewer test (test/viewer/viewer.test.ts): Debian's Chromium at /usr/bin/chromium,
# driven by playwright-core (which downloads no browser of its own). Idempotent: installs it with
# apt-get only when it is missing; prints one line saying what it did. Without it the test skips
# with the reason. Exits non-zero only when an install was attempted and failed.
set -euo pipefail
CHROMIUM=/usr/bin/chromium
say() { printf 'setup-browser: %s\n' "$1"; }

if [ -x "$CHROMIUM" ]; then
  say "chromium present: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  say "skipped: $CHROMIUM is missing and installing it needs root (apt-get install -y chromium)"
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  say "skipped: $CHROMIUM is missing and there is no apt-get to install it"
  exit 0
fi

log=$(mktemp -t setup-browser.XXXXXX.log)
install() { ${as_root[@]+"${as_root[@]}"} env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >>"$log" 2>&1; }
# A fresh image often has no package lists yet: update only when the first attempt fails.
if install || { ${as_root[@]+"${as_root[@]}"} apt-get update >>"$log" 2>&1 && install; }; then
  say "installed chromium: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
  rm -f "$log"
else
  say "FAILED: apt-get install -y chromium (log: $log)"
  tail -n 20 "$log" >&2
  exit 1
fi
