#!/usr/bin/env bash
# eos/: the guest image build and its boots. The build downloads the pinned kernel, busybox, C
# libraries and JDK packages itself (apt-get download, eos/eos.lock); from the host it needs
# dpkg-deb and apt-get, depmod (kmod), cpio, xz (modules are .ko.xz), gzip or zstd, readelf and
# strip (binutils), unzip, and a JDK 17 (scripts/setup.sh). The reference boot and the smoke boots need QEMU, OVMF (UEFI firmware that
# measures the kernel into the vTPM) and swtpm. Installs only what is missing.
set -euo pipefail
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -e /usr/share/OVMF/OVMF_CODE.fd ] && [ -e /usr/share/OVMF/OVMF_VARS.fd ] || need+=(ovmf)
command -v swtpm >/dev/null || need+=(swtpm)
command -v swtpm_setup >/dev/null || need+=(swtpm-tools)
command -v depmod >/dev/null || [ -x /sbin/depmod ] || [ -x /usr/sbin/depmod ] || need+=(kmod)
command -v cpio >/dev/null || need+=(cpio)
command -v xz >/dev/null || need+=(xz-utils)
command -v zstd >/dev/null || need+=(zstd)
command -v gzip >/dev/null || need+=(gzip)
command -v readelf >/dev/null && command -v strip >/dev/null || need+=(binutils)
command -v unzip >/dev/null || need+=(unzip)
command -v dpkg-deb >/dev/null || need+=(dpkg)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.d/45-eos: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "setup.d/45-eos: installing ${need[*]}"
apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "setup.d/45-eos: could not install ${need[*]} from the Debian mirror" >&2
  exit 1
fi
for tool in qemu-system-x86_64 swtpm cpio; do
  command -v "$tool" >/dev/null || { echo "setup.d/45-eos: $tool still missing after install" >&2; exit 1; }
done
[ -e /usr/share/OVMF/OVMF_CODE.fd ] || { echo "setup.d/45-eos: /usr/share/OVMF/OVMF_CODE.fd still missing after install" >&2; exit 1; }
