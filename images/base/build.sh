#!/usr/bin/env bash
# Builds the local base image csgw/base:bookworm with debootstrap + docker import.
# There is no container registry to pull from, only a Debian mirror; the mirror
# URL is read from this machine's apt configuration, never hard-coded.
# Idempotent: does nothing when the image already exists (FORCE=1 rebuilds).
set -euo pipefail

IMAGE="${BASE_IMAGE:-csgw/base:bookworm}"
SUITE=bookworm

if [ "${FORCE:-0}" != 1 ] && docker image inspect "$IMAGE" >/dev/null 2>&1; then
  exit 0
fi

# First URI of a deb822 stanza whose Suites list contains exactly "bookworm".
mirror_from_deb822() {
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    awk -v suite="$SUITE" '
      function flush() { if (ok && uri != "") { print uri; found = 1; exit } ok = 0; uri = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^URIs:/ { uri = $2 }
      /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == suite) ok = 1 }
      END { if (!found) flush() }
    ' "$f"
  done
}

# First "deb [options] URI bookworm ..." line of the classic format.
mirror_from_sources_list() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    sed -E -n "s/^deb[[:space:]]+(\[[^]]*\][[:space:]]+)?([^[:space:]]+)[[:space:]]+${SUITE}[[:space:]].*/\2/p" "$f"
  done
}

MIRROR="$( { mirror_from_deb822; mirror_from_sources_list; } | head -n 1)"
if [ -z "$MIRROR" ]; then
  echo "base/build.sh: no '$SUITE' mirror found in /etc/apt/sources.list{,.d}" >&2
  exit 1
fi

WORK="$(mktemp -d /tmp/csgw-base.XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
ROOTFS="$WORK/rootfs"

echo "base/build.sh: debootstrap $SUITE from $MIRROR (takes a few minutes)" >&2
DEBOOTSTRAP="$(command -v debootstrap || echo /usr/sbin/debootstrap)"
"$DEBOOTSTRAP" --variant=minbase "$SUITE" "$ROOTFS" "$MIRROR" >"$WORK/debootstrap.log" 2>&1 || {
  tail -n 30 "$WORK/debootstrap.log" >&2
  exit 1
}

# Keep the image small: downloaded .debs and package lists are rebuilt by
# apt-get update in each Dockerfile anyway.
rm -rf "$ROOTFS"/var/cache/apt/archives/*.deb "$ROOTFS"/var/lib/apt/lists/*

tar --numeric-owner -C "$ROOTFS" -c . |
  docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["/bin/bash"]' \
    - "$IMAGE" >/dev/null
echo "base/build.sh: built $IMAGE" >&2
