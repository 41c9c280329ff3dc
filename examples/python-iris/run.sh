#!/usr/bin/env bash
# examples/python-iris: a Python computation end to end through the CLI, the manager and an agent.
#
# A herbarium owns the Iris measurements (datasets/iris.csv); a lab owns the training script
# (algorithm/train.py) and is the only party allowed to read the result. The agent runs the script
# with the Python runner in a fresh virtual environment, installing the script's one requirement
# (irismetrics, the lab's metrics library) from the agent operator's wheelhouse: nothing is
# fetched from the internet. The result is the trained model and a report.
#
# Environment: MANAGER_GRPC_PORT (default: a free port), MANAGER_QEMU_HOST_FWD_RANGE (the manager's
# default 6100-6200), AGENT_RUNNERS (default python: the operator enables only the Python runner),
# AGENT_PYTHON_WHEELHOUSE (default: a wheelhouse this script builds with the irismetrics wheel).
# Exits non-zero, with the computation's events, if the report is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cli="$root/bin/cocos-cli"
python=/usr/bin/python3
work="$(mktemp -d -t cocos-python-iris.XXXXXX)"
manager=""
cleanup() {
  if [ -n "$manager" ]; then kill "$manager" 2>/dev/null || true; wait "$manager" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
fail() {
  echo "python-iris: $*" >&2
  [ -z "${MANAGER_GRPC_URL:-}" ] || "$cli" computations show python-iris >&2 || true
  [ ! -f "$work/manager.log" ] || tail -n 40 "$work/manager.log" >&2
  exit 1
}
[ -x "$cli" ] || fail "$cli is missing: build the project first (mvn -B install -DskipTests)"
[ -x "$python" ] || fail "$python is missing: run scripts/setup.d/40-python.sh"
port="${MANAGER_GRPC_PORT:-$("$python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}"
cd "$work"

say "The parties make their key pairs"
for party in lab herbarium; do "$cli" keys -k ecdsa -o "$party" >/dev/null; echo "  $party: $(ls "$party" | tr '\n' ' ')"; done
cp "$here/algorithm/train.py" "$here/algorithm/requirements.txt" lab/
cp "$here/datasets/iris.csv" herbarium/
echo "  lab: train.py, requirements.txt ($(grep -v '^#' lab/requirements.txt))"
echo "  herbarium: iris.csv ($(($(wc -l < herbarium/iris.csv) - 1)) rows)"

if [ -z "${AGENT_PYTHON_WHEELHOUSE:-}" ]; then
  say "The agent operator's wheelhouse: approved wheels, built offline"
  cp -r "$here/irismetrics" irismetrics-src
  "$python" -m pip wheel --quiet --no-deps --no-build-isolation --no-index --disable-pip-version-check \
    -w wheelhouse ./irismetrics-src >/dev/null 2>pip-wheel.log \
    || { cat pip-wheel.log >&2; fail "could not build the irismetrics wheel (scripts/setup.d/40-python.sh installs python3-setuptools and python3-wheel)"; }
  export AGENT_PYTHON_WHEELHOUSE="$work/wheelhouse"
  echo "  $(ls wheelhouse)"
fi
export AGENT_RUNNERS="${AGENT_RUNNERS:-python}"

say "The agent's TLS certificate and the manifest (type python, two arguments)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout agent.key -out agent.crt \
  -days 1 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
"$cli" manifest create -o manifest.json --id python-iris --name "iris classifier" \
  --algorithm lab/train.py --algorithm-key lab/public.pem --algorithm-type python \
  --arg=--epochs=1000 --arg=--learning-rate=1.0 \
  --dataset herbarium/iris.csv=herbarium/public.pem \
  --consumer lab/public.pem --agent-cert agent.crt --agent-key agent.key 2>&1 | sed 's/^/  /'

say "The manager starts (AGENT_RUNNERS=$AGENT_RUNNERS, AGENT_PYTHON_WHEELHOUSE=$AGENT_PYTHON_WHEELHOUSE)"
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
agent_port="$("$cli" create-vm --computation python-iris --log-level debug --json | "$python" -c 'import json,sys; print(json.load(sys.stdin)["forwarded_port"])')"
state() { "$cli" computations show python-iris | sed -n 's/^ *state: *//p'; }
# The agent accepts the computation (ReceivingAlgorithm) or refuses it at once, for instance when
# no runner for its algorithm type is installed (Failed, with the agent's reason in the events).
for _ in $(seq 1 120); do case "$(state)" in ReceivingAlgorithm | *final*) break ;; esac; sleep 0.2; done
[ "$(state)" = ReceivingAlgorithm ] || fail "the agent did not accept the computation"
echo "  agent on 127.0.0.1:$agent_port, waiting for the algorithm"
export AGENT_GRPC_URL="127.0.0.1:$agent_port" AGENT_GRPC_SERVER_CA_CERTS="$work/agent.crt" COCOS_MANIFEST="$work/manifest.json"

say "The lab uploads the script with its requirements; the herbarium uploads the data"
"$cli" algo lab/train.py lab/private.pem -a python -r lab/requirements.txt -q | sed 's/^/  lab:       /'
"$cli" data herbarium/iris.csv herbarium/private.pem -q | sed 's/^/  herbarium: /'

say "The agent sets up the environment and trains"
for _ in $(seq 1 1200); do
  s="$(state)"
  case "$s" in ConsumingResults*) break ;; *final*) break ;; esac
  sleep 0.1
done
case "$(state)" in ConsumingResults*) ;; *) fail "the computation did not produce results (state: $(state))" ;; esac
echo "  the agent's log, as the manager recorded it (set-up lines are marked [setup]):"
"$cli" computations show python-iris | sed -nE 's/^ *[^ ]+ +log +agent +[A-Z]+: /    /p' \
  | grep -E "^ +(\[setup\] (Looking|Processing|Installing|Successfully)|loaded|epoch|test accuracy)" || true

say "The lab fetches the result: the model and the report"
"$cli" result lab/private.pem -o lab/result -q >/dev/null
unzip -q -o lab/result/results.zip -d lab/result
[ -s lab/result/report.txt ] && [ -s lab/result/model.json ] || fail "results.zip lacks report.txt or model.json: $(ls lab/result)"
grep -q '^accuracy ' lab/result/report.txt || fail "report.txt has no accuracy line"
sed 's/^/  /' lab/result/report.txt
"$python" -c 'import json,sys; m=json.load(open(sys.argv[1])); print("  model.json: %s, %d classes, %d weights, test accuracy %.3f" % (m["model"], len(m["classes"]), sum(len(r) for r in m["weights"]), m["test_accuracy"]))' lab/result/model.json
