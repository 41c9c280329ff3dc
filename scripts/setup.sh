#!/usr/bin/env bash
# Installs what the build and the tests need on a Debian machine, idempotently.
# The JDK, Maven and the tools bin/cocos-demo uses here; each component that needs more (clang's
# wasm32 target, a Python venv, a container engine, QEMU, swtpm) has its own script in setup.d/,
# run in name order. Each script installs only what is missing and prints what it did.
set -euo pipefail
need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
# bin/cocos-demo (and its integration test): certificates, JSON, unzip.
command -v openssl >/dev/null || need+=(openssl)
command -v python3 >/dev/null || need+=(python3)
command -v unzip >/dev/null || need+=(unzip)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "setup: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"
fi
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')"
if [ "${java_major%%.*}" -lt 17 ]; then
  echo "setup: Java 17 or newer is required (found $java_major)" >&2
  exit 1
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for script in "$here"/setup.d/*.sh; do
  [ -e "$script" ] || continue
  bash "$script"
done
