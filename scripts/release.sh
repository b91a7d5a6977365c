#!/usr/bin/env bash
# `pnpm release`: versions every package from the pending changesets, commits that, builds,
# checks the packages as consumers get them, and publishes to npm. See RELEASING.md.
#
#   pnpm release            # the release
#   pnpm release --no-publish  # everything up to (not including) npm publish: to rehearse
set -euo pipefail
cd "$(dirname "$0")/.."

publish=true
if [ "${1:-}" = "--no-publish" ]; then publish=false; fi

fail() {
  echo "release: $*" >&2
  exit 1
}

[ -z "$(git status --porcelain)" ] ||
  fail "the working tree has uncommitted changes: commit or remove them first (git status)"

pending=$(find .changeset -maxdepth 1 -name '*.md' ! -name README.md | wc -l)
[ "$pending" -gt 0 ] || fail "no pending changesets in .changeset/: nothing to release (add one with 'pnpm changeset')"

# A package still at its skeleton would be published empty: it must be written, or made private.
for dir in packages/*; do
  index="$dir/src/index.ts"
  [ -f "$dir/package.json" ] || continue
  if [ "$(node -p "require('./$dir/package.json').private === true")" = "true" ]; then continue; fi
  if [ -f "$index" ] && [ "$(tr -d '[:space:]' <"$index")" = "export{};" ]; then
    fail "$dir/src/index.ts is still 'export {};': finish the package or set \"private\": true in its package.json before releasing"
  fi
done

# 1. Versions and changelogs. Workspace dependencies are written `workspace:^`, so the lockfile
#    does not change with the versions (pnpm 10 records them as links); pnpm publish replaces
#    `workspace:^` with the released version in the published package.json.
pnpm exec changeset version
git add packages/*/package.json packages/*/CHANGELOG.md .changeset
version=$(node -p "require('./packages/core/package.json').version")
git commit -m "release: v$version"

# 2. What gets published is what was checked.
pnpm build
bash scripts/check-packages.sh

if [ "$publish" = false ]; then
  echo "release: v$version versioned, committed, built and checked; not published (--no-publish)."
  echo "release: to publish it: pnpm exec changeset publish && git push --follow-tags"
  exit 0
fi

# 3. Publishes every package whose version is not on the registry yet (pnpm publish under the
#    hood), and tags each one (@eventloom/core@x.y.z) on the release commit.
pnpm exec changeset publish
echo "release: v$version published. Push the commit and tags: git push --follow-tags"
