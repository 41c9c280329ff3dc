#!/usr/bin/env bash
# The docker runner's own cost per run, against a real engine started for the purpose
# (scripts/container-engine.sh; root): a no-op algorithm from start() to result, and the image-load
# throughput and heap growth for a large archive. See RunOverheadBench.
#
#   workload-runners/docker/bench/run-overhead.sh [runs=20] [large archive MiB=256]
set -euo pipefail
module="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$module/../.."
mvn -B -o -q test-compile -pl workload-runners/docker
mvn -B -o -q org.codehaus.mojo:exec-maven-plugin:3.5.0:java -pl workload-runners/docker \
  -Dexec.classpathScope=test -Dexec.mainClass=ai.cocos.runner.docker.internal.RunOverheadBench \
  -Dexec.args="${1:-20} ${2:-256}" -Dcocos.engine.script="$PWD/scripts/container-engine.sh" \
  -Djava.util.logging.config.file="$module/src/test/resources/logging.properties"
