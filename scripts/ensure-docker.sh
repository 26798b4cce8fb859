#!/usr/bin/env bash
# Makes sure a working Docker daemon (and debootstrap, for the base image) is
# available. Idempotent and silent when everything is already in place.
# Fresh machines have neither docker.io nor a running dockerd, so we install the
# Debian packages and start dockerd ourselves (there is no systemd in CI boxes).
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/csgw-dockerd.log}"
DOCKERD_TIMEOUT="${DOCKERD_TIMEOUT:-60}"

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" -eq 0 ]; then
    echo "ensure-docker: apt-get update" >&2
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    apt_updated=1
  fi
  echo "ensure-docker: installing $*" >&2
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# dockerd lives in /usr/sbin, which is not always on a non-root PATH.
have_dockerd() { command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ]; }
have_debootstrap() { command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ]; }

start_dockerd() {
  echo "ensure-docker: starting dockerd (log: $DOCKERD_LOG)" >&2
  local bin
  bin="$(command -v dockerd || echo /usr/sbin/dockerd)"
  # setsid + nohup: the daemon must outlive this script and the test run.
  as_root setsid nohup "$bin" >>"$DOCKERD_LOG" 2>&1 </dev/null &
  local waited=0
  until docker info >/dev/null 2>&1; do
    if [ "$waited" -ge "$DOCKERD_TIMEOUT" ]; then
      echo "ensure-docker: dockerd not ready after ${DOCKERD_TIMEOUT}s; last log lines:" >&2
      tail -n 20 "$DOCKERD_LOG" >&2 || true
      exit 1
    fi
    sleep 1
    waited=$((waited + 1))
  done
}

missing=()
have_dockerd || missing+=(docker.io)
have_debootstrap || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_install "${missing[@]}"
fi

docker info >/dev/null 2>&1 || start_dockerd
