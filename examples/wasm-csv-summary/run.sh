#!/usr/bin/env bash
# examples/wasm-csv-summary: a Wasm computation end to end through the CLI, the manager and an agent.
#
# Two weather agencies each own a station's readings (datasets/north.csv, datasets/south.csv); a
# climate lab owns the algorithm, a C program (algorithm/summary.c) built here into a WASI module,
# and is the only party allowed to read the result. The agent runs the module with its Wasm runner
# (Chicory, compiled to JVM bytecode): the module reads datasets/ (read-only) and writes
# results/summary.csv, count, mean, min and max of every numeric column over both stations.
#
# Environment: MANAGER_GRPC_PORT (default: a free port), MANAGER_QEMU_HOST_FWD_RANGE (the manager's
# default 6100-6200), AGENT_RUNNERS (default wasm: the operator enables only the Wasm runner), and
# any AGENT_WASM_* setting (e.g. AGENT_WASM_MAX_MEMORY_MB), which the manager passes to the agent.
# Exits non-zero, with the computation's events, if the summary is missing or wrong.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cli="$root/bin/cocos-cli"
work="$(mktemp -d -t cocos-wasm-csv-summary.XXXXXX)"
manager=""
cleanup() {
  if [ -n "$manager" ]; then kill "$manager" 2>/dev/null || true; wait "$manager" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
fail() {
  echo "wasm-csv-summary: $*" >&2
  [ -z "${MANAGER_GRPC_URL:-}" ] || "$cli" computations show wasm-csv-summary >&2 || true
  [ ! -f "$work/manager.log" ] || tail -n 40 "$work/manager.log" >&2
  exit 1
}
[ -x "$cli" ] || fail "$cli is missing: build the project first (mvn -B install -DskipTests)"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="${MANAGER_GRPC_PORT:-$(free_port)}"
cd "$work"

say "The parties make their key pairs"
for party in lab north south; do "$cli" keys -k ecdsa -o "$party" >/dev/null; echo "  $party: $(ls "$party" | tr '\n' ' ')"; done
cp "$here/datasets/north.csv" north/
cp "$here/datasets/south.csv" south/
echo "  north: north.csv ($(($(wc -l < north/north.csv) - 1)) readings), south: south.csv ($(($(wc -l < south/south.csv) - 1)) readings)"

say "The lab builds its algorithm: C to a WASI module (clang --target=wasm32-wasi)"
"$here/build.sh" lab/summary.wasm || fail "could not build summary.wasm (scripts/setup.d/41-wasm.sh installs clang and wasi-libc)"
echo "  lab/summary.wasm ($(wc -c < lab/summary.wasm) bytes)"

export AGENT_RUNNERS="${AGENT_RUNNERS:-wasm}"

say "The agent's TLS certificate and the manifest (type wasm, one argument)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout agent.key -out agent.crt \
  -days 1 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
"$cli" manifest create -o manifest.json --id wasm-csv-summary --name "station summary" \
  --algorithm lab/summary.wasm --algorithm-key lab/public.pem --algorithm-type wasm \
  --arg=--precision=4 \
  --dataset north/north.csv=north/public.pem --dataset south/south.csv=south/public.pem \
  --consumer lab/public.pem --agent-cert agent.crt --agent-key agent.key 2>&1 | sed 's/^/  /'

say "The manager starts (AGENT_RUNNERS=$AGENT_RUNNERS)"
MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT="$port" MANAGER_STATE_DIR="$work/manager-state" \
  MANAGER_STOP_AGENTS_ON_SHUTDOWN=true "$root/bin/cocos-manager" >manager.log 2>&1 &
manager=$!
for _ in $(seq 1 300); do grep -q "started in" manager.log && break; kill -0 "$manager" 2>/dev/null || break; sleep 0.1; done
grep -q "started in" manager.log || fail "the manager did not start"
export MANAGER_GRPC_URL="127.0.0.1:$port"
echo "  listening on $MANAGER_GRPC_URL"

say "The computation is registered and the manager starts its agent"
"$cli" computations create manifest.json | sed 's/^/  /'
# Log level debug: the agent logs the algorithm's standard output at debug (as CocosAI does).
agent_port="$("$cli" create-vm --computation wasm-csv-summary --log-level debug --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["forwarded_port"])')"
state() { "$cli" computations show wasm-csv-summary | sed -n 's/^ *state: *//p'; }
# The agent accepts the computation (ReceivingAlgorithm) or refuses it at once, for instance when
# no runner for its algorithm type is installed (Failed, with the agent's reason in the events).
for _ in $(seq 1 120); do case "$(state)" in ReceivingAlgorithm | *final*) break ;; esac; sleep 0.2; done
[ "$(state)" = ReceivingAlgorithm ] || fail "the agent did not accept the computation"
echo "  agent on 127.0.0.1:$agent_port, waiting for the algorithm"
export AGENT_GRPC_URL="127.0.0.1:$agent_port" AGENT_GRPC_SERVER_CA_CERTS="$work/agent.crt" COCOS_MANIFEST="$work/manifest.json"

say "The lab uploads the module; each agency uploads its readings"
"$cli" algo lab/summary.wasm lab/private.pem -a wasm -q | sed 's/^/  lab:   /'
"$cli" data north/north.csv north/private.pem -q | sed 's/^/  north: /'
"$cli" data south/south.csv south/private.pem -q | sed 's/^/  south: /'

say "The agent runs the module"
for _ in $(seq 1 600); do
  s="$(state)"
  case "$s" in ConsumingResults*) break ;; *final*) break ;; esac
  sleep 0.1
done
case "$(state)" in ConsumingResults*) ;; *) fail "the computation did not produce results (state: $(state))" ;; esac
echo "  the module's output in the agent's log, as the manager recorded it:"
"$cli" computations show wasm-csv-summary | sed -nE 's/^ *[^ ]+ +log +agent +[A-Z]+: /    /p' \
  | grep -E "^ +(read datasets|column|summarised)" || true

say "The lab fetches the result"
"$cli" result lab/private.pem -o lab/result -q >/dev/null
unzip -q -o lab/result/results.zip -d lab/result
[ -s lab/result/summary.csv ] || fail "results.zip lacks summary.csv: $(ls lab/result)"
head -n 1 lab/result/summary.csv | grep -qx 'column,count,mean,min,max' || fail "summary.csv has no header"
for column in temperature_c rainfall_mm humidity_pct; do
  grep -q "^$column,11," lab/result/summary.csv || fail "summary.csv lacks $column over 11 readings"
done
echo "  summary.csv:"
sed 's/^/    /' lab/result/summary.csv
