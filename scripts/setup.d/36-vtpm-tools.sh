#!/usr/bin/env bash
# tee-providers/vtpm: the EK-certificate tests manufacture a software TPM the way a host does for a
# VM (swtpm_setup --create-ek-cert, with swtpm_localca and GnuTLS's certtool signing the EK
# certificate under a test CA). Installs swtpm-tools and gnutls-bin only when they are missing.
set -euo pipefail
need=()
command -v swtpm_setup >/dev/null && command -v swtpm_localca >/dev/null || need+=(swtpm-tools)
command -v certtool >/dev/null || need+=(gnutls-bin)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.d/36-vtpm-tools: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "setup.d/36-vtpm-tools: installing ${need[*]}"
apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "setup.d/36-vtpm-tools: could not install ${need[*]} from the Debian mirror" >&2
  exit 1
fi
for tool in swtpm_setup swtpm_localca certtool; do
  command -v "$tool" >/dev/null ||
    { echo "setup.d/36-vtpm-tools: $tool still not on PATH after install" >&2; exit 1; }
done
