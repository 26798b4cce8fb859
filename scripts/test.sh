#!/usr/bin/env bash
# The whole test suite, as README.md and .ci/run call it: `npm test`.
#   static checks -> unit -> integration (real kernel, own network namespace; real IPVS in a qemu VM)
#   -> e2e (Docker, real packets)
# Set CSGW_SKIP_E2E=1 to stop after the integration tests (the e2e stage needs root and a Docker engine,
# which this script installs and starts when missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
export AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=true
JEST=(node --experimental-vm-modules node_modules/jest/bin/jest.js)

stage() { printf '\n=== %s\n' "$*"; }

stage "dependencies"
bash scripts/ensure-node-deps.sh
bash scripts/ensure-host-tools.sh
# The IPVS test VM (this kernel has no ip_vs): Debian's stock kernel and an initramfs, cached in .cache/ipvs-vm.
bash scripts/ipvs-vm/build.sh

stage "build, typecheck, lint, format"
npm run --silent build
npm run --silent typecheck
npm run --silent lint
npm run --silent format:check

stage "unit tests"
"${JEST[@]}" --selectProjects unit

stage "integration tests (real nftables in a private network namespace, real IPVS in a VM)"
# unshare gives the test process a network namespace of its own: it plays the gateway, so the host's
# firewall and routes are never touched. The IPVS tests boot a qemu VM (no network device) as their gateway.
unshare --net -- "${JEST[@]}" --selectProjects integration --runInBand

if [ "${CSGW_SKIP_E2E:-0}" = "1" ]; then
  echo "CSGW_SKIP_E2E=1: e2e tests skipped"
  exit 0
fi

stage "e2e tests (Docker, NET_ADMIN, real packets)"
bash scripts/ensure-docker.sh
bash scripts/build-images.sh
TESTCONTAINERS_RYUK_DISABLED=true "${JEST[@]}" --selectProjects e2e --runInBand
