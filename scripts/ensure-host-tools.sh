#!/usr/bin/env bash
# Installs the host tools the operator and its kernel tests drive (nft, iptables-nft, ip, curl, unshare) when missing,
# and those the IPVS test VM is built from and run with (qemu, static busybox, ipvsadm, cpio: scripts/ipvs-vm/).
# Idempotent and silent when all are present; Debian's packages only.
set -euo pipefail

declare -A package_of=([nft]=nftables [iptables-nft]=iptables [ip]=iproute2 [curl]=curl [unshare]=util-linux [conntrack]=conntrack [sysctl]=procps
  [qemu-system-x86_64]=qemu-system-x86 [busybox]=busybox-static [ipvsadm]=ipvsadm [cpio]=cpio)
missing=()
for tool in "${!package_of[@]}"; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || missing+=("${package_of[$tool]}")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "ensure-host-tools: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
