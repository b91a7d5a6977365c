#!/usr/bin/env bash
# Checks every publishable package (packages/*) the way a consumer would get it: publint (the
# package.json fields against the packed files) and Are the Types Wrong? (the types resolve from
# the packed tarball under node16 ESM and bundler resolution; ESM only, so CommonJS resolution is
# not checked). Run after `pnpm build`: both read dist/.
#
#   bash scripts/check-packages.sh            # every package
#   bash scripts/check-packages.sh draw core  # only these
#
# A package whose src/index.ts is still the skeleton's `export {};` is skipped (said so), and a
# private one is never published, so never checked.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  dirs=()
  for name in "$@"; do dirs+=("packages/$name"); done
else
  dirs=(packages/*)
fi

failed=()
checked=0
for dir in "${dirs[@]}"; do
  pkg="$dir/package.json"
  if [ ! -f "$pkg" ]; then
    echo "check-packages: $dir has no package.json" >&2
    failed+=("$dir")
    continue
  fi
  name=$(node -p "require('./$pkg').name")
  if [ "$(node -p "require('./$pkg').private === true")" = "true" ]; then
    echo "-- $name: private, not published: skipped"
    continue
  fi
  index="$dir/src/index.ts"
  if [ -f "$index" ] && [ "$(tr -d '[:space:]' <"$index")" = "export{};" ]; then
    echo "-- $name: src/index.ts is still the skeleton's 'export {};': skipped until it has code"
    continue
  fi
  if [ ! -d "$dir/dist" ]; then
    echo "check-packages: $name has no dist/: run 'pnpm build' first" >&2
    failed+=("$name")
    continue
  fi
  echo "== $name"
  ok=true
  (cd "$dir" && pnpm exec publint . --strict) || ok=false
  (cd "$dir" && pnpm exec attw --pack . --profile esm-only --no-emoji --no-color --format table) ||
    ok=false
  checked=$((checked + 1))
  if [ "$ok" = false ]; then failed+=("$name"); fi
done

if [ "${#failed[@]}" -gt 0 ]; then
  echo "check-packages: ${#failed[@]} package(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "check-packages: $checked package(s) pass publint and attw"
