#!/usr/bin/env bash
# tee-providers/vtpm: its gather() tests talk raw TPM 2.0 commands to a software TPM (swtpm),
# started by the test itself in socket mode. Installs swtpm only when it is missing.
set -euo pipefail
command -v swtpm >/dev/null && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.d/35-swtpm: swtpm is missing; install it (as root: apt-get install swtpm swtpm-tools)" >&2
  exit 1
fi
echo "setup.d/35-swtpm: installing swtpm swtpm-tools"
apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends swtpm swtpm-tools >/dev/null; then
  echo "setup.d/35-swtpm: could not install swtpm swtpm-tools from the Debian mirror" >&2
  exit 1
fi
command -v swtpm >/dev/null || { echo "setup.d/35-swtpm: swtpm still not on PATH after install" >&2; exit 1; }
