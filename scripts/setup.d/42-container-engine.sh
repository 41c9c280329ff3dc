#!/usr/bin/env bash
# workload-runners/docker and examples/docker-*: a container engine with the Docker Engine API
# (Debian's docker.io: dockerd, containerd, runc), busybox-static to build test images from a local
# root file system (no registry is reachable), and curl to ask the engine whether it is up.
# scripts/container-engine.sh starts and stops a private engine; nothing is started here.
set -euo pipefail
need=()
command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] || need+=(docker.io)
command -v runc >/dev/null || [ -x /usr/sbin/runc ] || need+=(runc)
[ -x /bin/busybox ] || [ -x /usr/bin/busybox ] || need+=(busybox-static)
command -v curl >/dev/null || need+=(curl)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.d/42-container-engine: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "setup.d/42-container-engine: installing ${need[*]}"
apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "setup.d/42-container-engine: could not install ${need[*]} from the Debian mirror" >&2
  exit 1
fi
# The package enables docker.service for systemd; without systemd (CI, containers) nothing runs,
# and the tests start their own engine on a private socket anyway.
command -v dockerd >/dev/null || [ -x /usr/sbin/dockerd ] \
  || { echo "setup.d/42-container-engine: dockerd still missing after install" >&2; exit 1; }
