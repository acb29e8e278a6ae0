#!/usr/bin/env bash
# Makes sure what the harness needs outside npm is here: Debian's Chromium (installed when missing and
# running as root; otherwise a message says how to get it) and the npm dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."

chromium_path="${IDP_HARNESS_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium_path" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's chromium (needed for browser logins)…" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: Chromium is missing at $chromium_path." >&2
    echo "       Install it as root (apt-get install -y chromium), or set IDP_HARNESS_CHROMIUM to a Chromium binary." >&2
    exit 1
  fi
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies (npm ci)…" >&2
  npm ci --no-fund --no-audit >/dev/null
fi
