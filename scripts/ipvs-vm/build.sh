#!/usr/bin/env bash
# Builds the IPVS test VM: Debian 12's stock kernel (it has ip_vs, which this host's kernel lacks) and an initramfs
# with busybox, ipvsadm, ip and nft from the host (also Debian 12) and a command agent (scripts/ipvs-vm/agent.sh).
# Idempotent: the result is cached in .cache/ipvs-vm/ and rebuilt only when its inputs change.
# Prints nothing on a cache hit. Packages come from apt's own configuration.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cache="$repo/.cache/ipvs-vm"
tools=(/usr/sbin/ipvsadm /usr/sbin/ip /usr/sbin/nft)

log() { echo "ipvs-vm: $*" >&2; }

ensure_packages() {
  bash "$repo/scripts/ensure-host-tools.sh"
  if ldd /bin/busybox >/dev/null 2>&1; then
    log "installing busybox-static (the initramfs needs a static busybox)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends busybox-static >/dev/null
  fi
}

# The versioned package that bookworm's linux-image-amd64 points at, e.g. linux-image-6.1.0-57-amd64.
kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/ { print $2; exit }'
}

# Empty when apt cannot say (no package lists and no network): the caller falls back to a cached image.
resolve_kernel_package() {
  local pkg
  pkg="$(kernel_package)"
  if [ -z "$pkg" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    pkg="$(kernel_package)"
  fi
  echo "$pkg"
}

inputs_digest() {
  local pkg="$1"
  {
    echo "$pkg"
    cat "$here/build.sh" "$here/init" "$here/agent.sh" "$here/modules.txt"
    dpkg-query -W busybox-static ipvsadm iproute2 nftables libc6
  } | sha256sum | cut -d' ' -f1
}

download_kernel() {
  local pkg="$1" debs="$cache/debs"
  mkdir -p "$debs"
  if ! compgen -G "$debs/${pkg}_*.deb" >/dev/null; then
    log "downloading $pkg"
    (cd "$debs" && apt-get download -qq -o APT::Sandbox::User=root "$pkg" >/dev/null) || return 1
    # Kernels the image no longer uses (70 MB each) go.
    find "$debs" -name '*.deb' ! -name "${pkg}_*" -delete
  fi
  local deb
  deb="$(compgen -G "$debs/${pkg}_*.deb" | head -n1)"
  [ -n "$deb" ] && echo "$deb"
}

# Module paths (relative to lib/modules/<version>) for the wanted names and everything they depend on.
module_closure() {
  local moddir="$1"
  grep -v '^#' "$here/modules.txt" | awk 'NF' | awk -v dep="$moddir/modules.dep" '
    BEGIN { while ((getline line < dep) > 0) { split(line, parts, ":"); deps[parts[1]] = parts[2]
              n = split(parts[1], seg, "/"); name = seg[n]; sub(/\.ko$/, "", name); path[name] = parts[1] } }
    function add(p,   i, n, d) { if (p in seen) return; seen[p] = 1; print p
              n = split(deps[p], d, " "); for (i = 1; i <= n; i++) add(d[i]) }
    { if (!($1 in path)) { print "missing module " $1 > "/dev/stderr"; exit 1 } add(path[$1]) }'
}

copy_with_libs() {
  local root="$1" bin lib
  for bin in "${tools[@]}"; do
    install -D -m 0755 "$bin" "$root$bin"
    for lib in $(ldd "$bin" | awk '/=> \// { print $3 } /^\t\/lib/ { print $1 }'); do
      [ -e "$root$lib" ] || install -D -m 0755 "$lib" "$root$lib"
    done
  done
  # Debian's save/restore wrappers are POSIX sh under a bash shebang; busybox sh runs them.
  for bin in ipvsadm-save ipvsadm-restore; do
    sed '1s|^#!.*|#!/bin/sh|' "/usr/sbin/$bin" >"$root/usr/sbin/$bin"
    chmod 0755 "$root/usr/sbin/$bin"
  done
}

build_root() {
  local deb="$1" root="$2" extract="$3" kver moddir rel
  dpkg-deb -x "$deb" "$extract"
  kver="$(basename "$(ls -d "$extract"/lib/modules/*)")"
  moddir="$extract/lib/modules/$kver"
  busybox depmod -b "$extract" "$kver"
  mkdir -p "$root"/{bin,dev,proc,sys,run,tmp,etc,usr/sbin,lib/modules/"$kver"}
  ln -s bin "$root/sbin"
  ln -s ../bin "$root/usr/bin"
  install -m 0755 /bin/busybox "$root/bin/busybox"
  for applet in $(busybox --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  for rel in $(module_closure "$moddir"); do
    install -D -m 0644 "$moddir/$rel" "$root/lib/modules/$kver/$rel"
  done
  busybox depmod -b "$root" "$kver"
  copy_with_libs "$root"
  cp /etc/services /etc/protocols "$root/etc/"
  grep -v '^#' "$here/modules.txt" | awk 'NF' >"$root/etc/csgw-modules"
  install -m 0755 "$here/init" "$root/init"
  install -m 0755 "$here/agent.sh" "$root/agent.sh"
  cp "$extract/boot/vmlinuz-$kver" "$cache/work/vmlinuz"
}

main() {
  local pkg digest deb
  ensure_packages
  pkg="$(resolve_kernel_package)"
  local built=false
  [ -f "$cache/vmlinuz" ] && [ -f "$cache/initramfs.cpio.gz" ] && built=true
  if [ -z "$pkg" ]; then
    $built && log "apt cannot resolve linux-image-amd64; using the cached image" && return 0
    log "cannot resolve linux-image-amd64 with apt-cache, and nothing is cached"
    exit 1
  fi
  digest="$(inputs_digest "$pkg")"
  $built && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$digest" ] && return 0
  if ! deb="$(download_kernel "$pkg")"; then
    # Stale package lists name a kernel the mirror has dropped: refresh them once and ask again.
    apt-get update -qq >/dev/null 2>&1 || true
    pkg="$(kernel_package)"
    digest="$(inputs_digest "$pkg")"
    $built && [ "$(cat "$cache/stamp" 2>/dev/null)" = "$digest" ] && return 0
    if [ -z "$pkg" ] || ! deb="$(download_kernel "$pkg")"; then
      $built && log "cannot download the kernel package; using the cached image" && return 0
      log "cannot download the kernel package (${pkg:-unresolved}), and nothing is cached"
      exit 1
    fi
  fi
  log "building the VM image from $(basename "$deb")"
  rm -rf "$cache/work"
  mkdir -p "$cache/work"
  build_root "$deb" "$cache/work/root" "$cache/work/kernel"
  (cd "$cache/work/root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$cache/work/initramfs.cpio.gz"
  mv "$cache/work/vmlinuz" "$cache/vmlinuz"
  mv "$cache/work/initramfs.cpio.gz" "$cache/initramfs.cpio.gz"
  echo "$digest" >"$cache/stamp"
  rm -rf "$cache/work"
  log "ready: $cache/vmlinuz, $cache/initramfs.cpio.gz"
}

main "$@"
