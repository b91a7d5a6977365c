#!/usr/bin/env bash
# The drawer's and the docs site's browser tests drive Debian's Chromium (/usr/bin/chromium)
# through playwright-core. Installs it when it is missing; playwright's own browser download
# does not work on machines without general internet access.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null; then
  echo "Chromium is missing: install it so that /usr/bin/chromium exists, then run again." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
echo "Installing Debian's Chromium for the browser tests..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null
/usr/bin/chromium --version
