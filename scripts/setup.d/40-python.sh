#!/usr/bin/env bash
# workload-runners/python and examples/python-iris: the Python runner creates a virtual environment
# per computation with Debian's interpreter (/usr/bin/python3, which is not necessarily the python3
# first on PATH), which needs the venv and ensurepip modules (package python3-venv). The runner
# installs requirements with the interpreter's own pip when it has one (python3-pip: faster than
# copying pip into every environment); without it, each environment gets pip from ensurepip.
# examples/python-iris/run.sh builds its wheel offline with pip wheel, setuptools and wheel.
# Installs only what is missing.
set -euo pipefail
need=()
[ -x /usr/bin/python3 ] || need+=(python3)
if ! /usr/bin/python3 -c 'import venv, ensurepip' >/dev/null 2>&1; then
  need+=(python3-venv)
fi
/usr/bin/python3 -c 'import pip' >/dev/null 2>&1 || need+=(python3-pip)
/usr/bin/python3 -c 'import setuptools' >/dev/null 2>&1 || need+=(python3-setuptools)
/usr/bin/python3 -c 'import wheel' >/dev/null 2>&1 || need+=(python3-wheel)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "setup.d/40-python: missing ${need[*]}; install them (as root: apt-get install ${need[*]})" >&2
  exit 1
fi
echo "setup.d/40-python: installing ${need[*]}"
apt-get update -qq
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; then
  echo "setup.d/40-python: could not install ${need[*]} from the Debian mirror" >&2
  exit 1
fi
/usr/bin/python3 -c 'import venv, ensurepip' ||
  { echo "setup.d/40-python: /usr/bin/python3 still lacks venv/ensurepip after install" >&2; exit 1; }
