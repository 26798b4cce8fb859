#!/usr/bin/env bash
# Installs the npm dependencies from the lock file when node_modules is missing or older than the lock.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
if [ -f node_modules/.package-lock.json ] && [ ! package-lock.json -nt node_modules/.package-lock.json ]; then
  exit 0
fi
echo "ensure-node-deps: npm ci" >&2
if ! npm ci --no-audit --no-fund; then
  # Some registries lack other platforms' optional native bindings (jest's resolver, swc), so npm cannot write
  # them into the lock and `npm ci` refuses it. `npm install --no-save` still installs every locked version and
  # leaves package-lock.json untouched.
  echo "ensure-node-deps: npm ci refused the lock; installing the locked versions with npm install --no-save" >&2
  npm install --no-save --no-audit --no-fund
fi
