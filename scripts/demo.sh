#!/usr/bin/env bash
# `npm start`: installs what is missing, builds, and runs the operator on the embedded SSM endpoint against a lab
# of network namespaces (needs root: it creates namespaces; the host's own firewall is never touched).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
bash scripts/ensure-node-deps.sh
bash scripts/ensure-host-tools.sh
npm run --silent build
exec node dist/lab/demo.js "$@"
