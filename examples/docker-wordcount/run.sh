#!/usr/bin/env bash
# examples/docker-wordcount: a docker computation end to end through the CLI, the manager and an
# agent, with a real container engine.
#
# Two newsrooms each own a text (datasets/a.txt, datasets/b.txt); a lab owns the algorithm, a
# container image that counts words (image/wordcount.sh on busybox), and is the only party allowed
# to read the result. The image is built here offline (image/build-image.sh: no registry, no
# engine needed to build it). The agent loads it into the container engine, runs it with the
# datasets mounted read-only and no network, and removes the container and the image afterwards.
# The result is word-counts.csv and summary.txt.
#
# Environment: MANAGER_GRPC_PORT (default: a free port), MANAGER_QEMU_HOST_FWD_RANGE (the manager's
# default 6100-6200), AGENT_RUNNERS (default docker), AGENT_DOCKER_HOST (default: the engine at
# /var/run/docker.sock if one answers there, else a private dockerd this script starts with
# scripts/container-engine.sh and stops at the end; needs root). Exits non-zero, with the
# computation's events, if the expected result is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cli="$root/bin/cocos-cli"
work="$(mktemp -d -t cocos-docker-wordcount.XXXXXX)"
manager=""
engine_dir=""
cleanup() {
  if [ -n "$manager" ]; then kill "$manager" 2>/dev/null || true; wait "$manager" 2>/dev/null || true; fi
  if [ -n "$engine_dir" ]; then "$root/scripts/container-engine.sh" stop "$engine_dir" >/dev/null || true; rm -rf "$engine_dir"; fi
  rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
fail() {
  echo "docker-wordcount: $*" >&2
  [ -z "${MANAGER_GRPC_URL:-}" ] || "$cli" computations show docker-wordcount >&2 || true
  [ ! -f "$work/manager.log" ] || tail -n 40 "$work/manager.log" >&2
  exit 1
}
[ -x "$cli" ] || fail "$cli is missing: build the project first (mvn -B install -DskipTests)"
command -v curl >/dev/null || fail "curl is missing: run scripts/setup.d/42-container-engine.sh"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="${MANAGER_GRPC_PORT:-$(free_port)}"
cd "$work"

say "The container engine"
if [ -z "${AGENT_DOCKER_HOST:-}" ]; then
  if [ "$(curl -sf --max-time 2 --unix-socket /var/run/docker.sock http://engine/_ping 2>/dev/null)" = OK ]; then
    AGENT_DOCKER_HOST=unix:///var/run/docker.sock
  else
    engine_dir="$(mktemp -d /tmp/cocos-engine.XXXXXX)"
    AGENT_DOCKER_HOST="$("$root/scripts/container-engine.sh" start "$engine_dir")" \
      || fail "could not start a container engine (scripts/container-engine.sh; needs root and scripts/setup.d/42-container-engine.sh)"
    echo "  started a private engine for this run"
  fi
fi
export AGENT_DOCKER_HOST AGENT_RUNNERS="${AGENT_RUNNERS:-docker}"
engine_sock="${AGENT_DOCKER_HOST#unix://}"
api() { curl -sf --max-time 10 --unix-socket "$engine_sock" "http://engine$1"; }
echo "  AGENT_DOCKER_HOST=$AGENT_DOCKER_HOST ($(api /version | python3 -c 'import json,sys; v=json.load(sys.stdin); print("engine", v["Version"], "API", v["ApiVersion"])'))"

say "The parties make their key pairs"
for party in lab newsroom-a newsroom-b; do "$cli" keys -k ecdsa -o "$party" >/dev/null; echo "  $party: $(ls "$party" | tr '\n' ' ')"; done
cp "$here/datasets/a.txt" newsroom-a/
cp "$here/datasets/b.txt" newsroom-b/
echo "  newsroom-a: a.txt ($(wc -w < newsroom-a/a.txt) words), newsroom-b: b.txt ($(wc -w < newsroom-b/b.txt) words)"

say "The lab builds its image archive offline (no registry, no engine)"
image_id="$("$here/image/build-image.sh" lab/wordcount.tar)"
echo "  lab/wordcount.tar: $(du -k lab/wordcount.tar | cut -f1) KiB, image $image_id"

say "The agent's TLS certificate and the manifest (type docker, argument: the top 5 words)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout agent.key -out agent.crt \
  -days 1 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
"$cli" manifest create -o manifest.json --id docker-wordcount --name "word counts" \
  --algorithm lab/wordcount.tar --algorithm-key lab/public.pem --algorithm-type docker --arg=5 \
  --dataset newsroom-a/a.txt=newsroom-a/public.pem --dataset newsroom-b/b.txt=newsroom-b/public.pem \
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
agent_port="$("$cli" create-vm --computation docker-wordcount --log-level debug --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["forwarded_port"])')"
state() { "$cli" computations show docker-wordcount | sed -n 's/^ *state: *//p'; }
# Bounded in time, not in tries: each look is a CLI call. A final state ends the wait at once.
deadline=$((SECONDS + 90))
until s="$(state)"; [ "$s" = ReceivingAlgorithm ] || [ "${s%final*}" != "$s" ] || [ $SECONDS -ge $deadline ]; do sleep 0.2; done
[ "$(state)" = ReceivingAlgorithm ] || fail "the agent did not accept the computation (state: $(state))"
echo "  agent on 127.0.0.1:$agent_port, waiting for the algorithm"
export AGENT_GRPC_URL="127.0.0.1:$agent_port" AGENT_GRPC_SERVER_CA_CERTS="$work/agent.crt" COCOS_MANIFEST="$work/manifest.json"

say "The lab uploads the image archive; the newsrooms upload their texts"
"$cli" algo lab/wordcount.tar lab/private.pem -a docker -q | sed 's/^/  lab:        /'
"$cli" data newsroom-a/a.txt newsroom-a/private.pem -q | sed 's/^/  newsroom-a: /'
"$cli" data newsroom-b/b.txt newsroom-b/private.pem -q | sed 's/^/  newsroom-b: /'

say "The agent runs the image in the engine"
deadline=$((SECONDS + 180))
until s="$(state)"; [ "${s#ConsumingResults}" != "$s" ] || [ "${s%final*}" != "$s" ] || [ $SECONDS -ge $deadline ]; do
  sleep 0.2
done
case "$(state)" in ConsumingResults*) ;; *) fail "the computation did not produce results (state: $(state))" ;; esac
echo "  the algorithm's output, as the manager recorded it:"
"$cli" computations show docker-wordcount | sed -nE 's/^ *[^ ]+ +log +agent +[A-Z]+: /    /p' \
  | grep -E "^ +(counting|datasets:|words:|distinct)" || true
leftovers="$(api "/containers/json?all=1&filters=%7B%22label%22%3A%5B%22ai.cocos.computation%3Ddocker-wordcount%22%5D%7D")"
[ "$leftovers" = "[]" ] || fail "the engine still holds the computation's container: $leftovers"
api "/images/$image_id/json" >/dev/null 2>&1 && fail "the engine still holds the image $image_id"
echo "  the engine holds neither the computation's container nor its image any more"

say "The lab fetches the result"
"$cli" result lab/private.pem -o lab/result -q >/dev/null
unzip -q -o lab/result/results.zip -d lab/result
[ -s lab/result/summary.txt ] && [ -s lab/result/word-counts.csv ] || fail "results.zip lacks summary.txt or word-counts.csv: $(ls lab/result)"
grep -qx "words: 53" lab/result/summary.txt || fail "summary.txt does not count 53 words: $(cat lab/result/summary.txt)"
[ "$(head -n 1 lab/result/word-counts.csv)" = "the,14" ] || fail "word-counts.csv does not start with the,14"
sed 's/^/  /' lab/result/summary.txt
echo "  word-counts.csv: $(wc -l < lab/result/word-counts.csv) distinct words"
