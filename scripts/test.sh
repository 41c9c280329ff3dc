#!/usr/bin/env bash
# Runs every test: unit tests, in-framework (Pax Exam) and assembly integration tests.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/setup.sh
exec mvn -B verify "$@"
