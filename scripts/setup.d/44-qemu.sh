#!/usr/bin/env bash
# bundles/manager: the QEMU VM backend's tests boot real VMs (TCG) with a vTPM, OVMF firmware and
# 9P shares, so the host needs qemu-system-x86 (qemu-system-x86_64, SeaBIOS), ovmf
# (/usr/share/OVMF/OVMF_CODE.fd, OVMF_VARS.fd, /usr/share/ovmf/OVMF.fd), swtpm and swtpm-tools,
# and qemu-utils (qemu-img: the per-VM disk copy of disk mode).
# Installs only what is missing.
set -euo pipefail
need=()
command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
[ -e /usr/share/OVMF/OVMF_CODE.fd ] && [ -e /usr/share/OVMF/OVMF_VARS.fd ] || need+=(ovmf)
command -v swtpm >/dev/null || need+=(swtpm)
command -v swtpm_setup >/dev/null || need+=(swtpm-tools)
command -v qemu-img >/dev/null || need+=(qemu-utils)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.d/44-qemu: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "setup.d/44-qemu: installing ${need[*]}"
apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "setup.d/44-qemu: could not install ${need[*]} from the Debian mirror" >&2
  exit 1
fi
for tool in qemu-system-x86_64 qemu-img swtpm swtpm_setup; do
  command -v "$tool" >/dev/null ||
    { echo "setup.d/44-qemu: $tool still not on PATH after install" >&2; exit 1; }
done
[ -e /usr/share/OVMF/OVMF_CODE.fd ] ||
  { echo "setup.d/44-qemu: /usr/share/OVMF/OVMF_CODE.fd still missing after install" >&2; exit 1; }
