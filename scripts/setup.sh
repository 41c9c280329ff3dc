#!/usr/bin/env bash
# Installs what the build and the tests need on a Debian machine, idempotently.
# Today that is only the JDK and Maven, which the machine has; later issues add QEMU, swtpm,
# clang's wasm32 target and a container engine here.
set -euo pipefail
need=()
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || need+=(maven)
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
