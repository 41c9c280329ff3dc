#!/usr/bin/env bash
# Cold start of the agent assembly to SERVING (median of N runs; default 7).
# Usage: bench/startup.sh [runs]     (build first: mvn -B -DskipTests install)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
[ -f agent-app/target/assembly/assembly.properties ] || { echo "build first: mvn -B -DskipTests install" >&2; exit 1; }
exec mvn -B -q -pl agent-app org.codehaus.mojo:exec-maven-plugin:3.5.0:java \
  -Dexec.classpathScope=test \
  -Dexec.mainClass=ai.cocos.agentapp.bench.StartupBenchmark \
  -Dexec.args="${1:-7}" \
  -Dcocos.assembly.dir="$root/agent-app/target/assembly"
