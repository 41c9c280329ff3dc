#!/usr/bin/env bash
# One dataset upload through the CLI into a running agent over TLS, next to a native pipeline doing
# the same work in the same run: curl fetching the file from `openssl s_server -WWW` over loopback
# TLS, piped through tee to disk and `openssl dgst -sha3-256`.
#
# Prints MB/s of both, their ratio, and the agent's heap growth during the upload (peak used heap,
# sampled every 100 ms by one jstat process, minus the heap before the upload). The sampler is a
# single JVM started before the timed upload: a jstat started per sample would be a JVM start every
# 100 ms, taking about a third of this machine's two cores away from the upload it measures.
#
# Usage: bench/upload.sh [size-in-MiB] [rounds]   (default 1024 and 3; build first: mvn -B -DskipTests package)
#        Each round runs the native pipeline and a fresh computation's upload (its own agent),
#        alternating which goes first;
#        with several rounds the summary gives each round and the medians, since this machine's
#        throughput drifts by 10-20% from minute to minute.
#        UPLOAD_JAVA_OPTS: JVM options for the timed cocos-cli data only (e.g. a flight recording)
# Needs: openssl, curl, python3, jstat (the JDK), /usr/bin/time. Ports: a free one for the manager, 6300-6320.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/bin/cocos-cli"
size_mib="${1:-1024}"
rounds="${2:-3}"
for tool in openssl curl python3 jstat; do
  command -v "$tool" >/dev/null || { echo "bench/upload.sh: $tool is missing" >&2; exit 1; }
done
[ -f "$root/agent-app/target/assembly/assembly.properties" ] || { echo "build first: mvn -B -DskipTests package" >&2; exit 1; }

work="$(mktemp -d -t cocos-upload-bench.XXXXXX)"
manager="" server="" sampler=""
cleanup() {
  for p in $sampler $server $manager; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
mbps() { python3 -c "import sys; print(f'{$1/1048576/($3-$2):.1f}')"; }

echo "== ${size_mib} MiB of random data"
head -c "$((size_mib * 1048576))" /dev/urandom > data.bin
bytes=$(stat -c %s data.bin)
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout tls.key -out tls.crt \
  -days 1 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null

openssl_port=$(free_port)
mkdir www && ln data.bin www/data.bin
(cd www && exec openssl s_server -quiet -WWW -accept "127.0.0.1:$openssl_port" -cert ../tls.crt -key ../tls.key) &
server=$!
for _ in $(seq 1 100); do curl -sk -o /dev/null "https://127.0.0.1:$openssl_port/" 2>/dev/null && break; sleep 0.05; done

for party in owner provider; do "$cli" keys -k ecdsa -o "$party" >/dev/null; done
printf '#!/bin/sh\nls -l datasets > results/listing.txt\n' > algo.sh
port=$(free_port)
MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT="$port" MANAGER_STATE_DIR="$work/state" \
  MANAGER_QEMU_HOST_FWD_RANGE=6300-6320 MANAGER_STOP_AGENTS_ON_SHUTDOWN=true \
  "$root/bin/cocos-manager" > manager.log 2>&1 &
manager=$!
for _ in $(seq 1 300); do grep -q "started in" manager.log && break; sleep 0.1; done
export MANAGER_GRPC_URL="127.0.0.1:$port"
export AGENT_GRPC_SERVER_CA_CERTS="$work/tls.crt"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
thread_ticks() { for t in /proc/"$agent_pid"/task/*; do printf '%s %s\n' "$(tr ' ' '_' < "$t/comm")" "$(awk '{print $14 + $15}' "$t/stat")"; done; }
: > rounds.txt
native_round() {
  echo "== round $r/$rounds, native: openssl s_server -WWW | curl | tee | openssl dgst -sha3-256"
  sync
  t0=$(now)
  curl -sk "https://127.0.0.1:$openssl_port/data.bin" | tee native.out | openssl dgst -sha3-256 > native.sha3
  t1=$(now)
  native=$(mbps "$bytes" "$t0" "$t1")
  [ "$(stat -c %s native.out)" = "$bytes" ] || { echo "native pipeline transferred $(stat -c %s native.out) bytes" >&2; exit 1; }
  rm -f native.out
  echo "  $native MB/s"
}

cocos_round() {
  echo "== round $r/$rounds, cocos: cocos-cli data into an agent started by cocos-manager, over TLS"
  id="upload-bench-$r"
  "$cli" manifest create -o "manifest-$r.json" --id "$id" --name "upload benchmark" \
    --algorithm algo.sh --algorithm-key owner/public.pem --dataset data.bin=provider/public.pem \
    --consumer owner/public.pem --agent-cert tls.crt --agent-key tls.key >/dev/null
  "$cli" computations create "manifest-$r.json" >/dev/null
  vm="$("$cli" create-vm --computation "$id" --json)"
  cvm_id="$(echo "$vm" | python3 -c 'import json,sys; print(json.load(sys.stdin)["cvm_id"])')"
  agent_port="$(echo "$vm" | python3 -c 'import json,sys; print(json.load(sys.stdin)["forwarded_port"])')"
  for _ in $(seq 1 300); do
    "$cli" computations show "$id" | grep -q "state:    ReceivingAlgorithm" && break
    sleep 0.1
  done
  export AGENT_GRPC_URL="127.0.0.1:$agent_port" COCOS_MANIFEST="$work/manifest-$r.json"
  "$cli" algo algo.sh owner/private.pem -q >/dev/null
  agent_pid=$(pgrep -f "$work/state/vms/$cvm_id" | head -1)
  base=$(jstat -gc "$agent_pid" | awk 'NR==2 {printf "%d\n", ($3+$4+$6+$8)*1024}')
  jstat -gc "$agent_pid" 100 > heap.raw 2>/dev/null &
  sampler=$!
  for _ in $(seq 1 100); do [ "$(wc -l < heap.raw)" -ge 3 ] && break; sleep 0.05; done
  agent_cpu0=$(cpu_ticks "$agent_pid")
  [ -z "${UPLOAD_THREADS:-}" ] || thread_ticks > threads.before
  perf_pid=""
  if [ -n "${UPLOAD_PERF:-}" ]; then perf record -F 499 -g -p "$agent_pid" -o "$UPLOAD_PERF.$r" >/dev/null 2>&1 & perf_pid=$!; sleep 0.5; fi
  sync
  t0=$(now)
  JAVA_OPTS="${UPLOAD_JAVA_OPTS:-${JAVA_OPTS:-}}" /usr/bin/time -f "%U %S" -o cli.cpu "$cli" data data.bin provider/private.pem -q > /dev/null
  t1=$(now)
  [ -z "$perf_pid" ] || { kill -INT "$perf_pid"; wait "$perf_pid" || true; }
  [ -z "${UPLOAD_THREADS:-}" ] || { thread_ticks > threads.after; python3 - <<'PY'
import collections
b = collections.Counter(); a = collections.Counter()
for f, c in (("threads.before", b), ("threads.after", a)):
    for line in open(f):
        name, t = line.split(); c[name] += int(t)
d = {k: a[k] - b.get(k, 0) for k in a}
for k, v in sorted(d.items(), key=lambda x: -x[1])[:8]:
    print(f"  agent thread {k}: {v} ticks")
PY
  }
  agent_cpu=$(python3 -c "print(f'{($(cpu_ticks "$agent_pid") - $agent_cpu0) / $(getconf CLK_TCK):.1f}')")
  cli_cpu=$(python3 -c "u, s = open('cli.cpu').read().split()[-2:]; print(f'{float(u) + float(s):.1f}')")
  kill "$sampler" 2>/dev/null; wait "$sampler" 2>/dev/null || true; sampler=""
  cocos=$(mbps "$bytes" "$t0" "$t1")
  cocos_wall=$(python3 -c "print(f'{$t1-$t0:.1f}')")
  peak=$(awk '$1 ~ /^[0-9.]+$/ {printf "%d\n", ($3+$4+$6+$8)*1024}' heap.raw | sort -n | tail -1)
  growth_mib=$(python3 -c "print(f'{max(0, $peak - $base)/1048576:.1f}')")
  echo "  $cocos MB/s"
  "$cli" remove-vm "$cvm_id" >/dev/null
}

# The first write of a GiB to the page cache is slower on this VM (its free memory is backed by
# the host on first touch): write and delete one first, so that neither pipeline pays for it.
head -c "$bytes" /dev/zero > warm.bin && rm -f warm.bin
# The two alternate which goes first, round by round.
for r in $(seq 1 "$rounds"); do
  if [ $((r % 2)) = 1 ]; then native_round; cocos_round; else cocos_round; native_round; fi
  echo "$native $cocos $growth_mib $((base / 1048576)) $cli_cpu $agent_cpu $cocos_wall" >> rounds.txt
done

echo
echo "upload of $size_mib MiB over loopback TLS, $rounds round(s)"
python3 - <<'PY'
import statistics
rows = [line.split() for line in open("rounds.txt")]
for i, (n, c, g, b, cc, ac, w) in enumerate(rows, 1):
    print(f"  round {i}: native {n} MB/s, cocos {c} MB/s, ratio {float(c)/float(n):.2f}x;"
          f" agent heap {b} MiB before, +{g} MiB peak; CPU s: cocos-cli {cc}, agent {ac}; wall {w} s")
med = lambda k: statistics.median(float(r[k]) for r in rows)
ratios = [float(r[1]) / float(r[0]) for r in rows]
print(f"  native pipeline (curl | tee | openssl dgst -sha3-256): {med(0):.1f} MB/s (median)")
print(f"  cocos-cli data -> agent (TLS, SHA3-256, to disk):      {med(1):.1f} MB/s (median)")
print(f"  ratio cocos / native:                                  {statistics.median(ratios):.2f}x"
      f" (median; {min(ratios):.2f}-{max(ratios):.2f}x)")
print(f"  agent heap growth during the upload:                   {max(float(r[2]) for r in rows):.1f} MiB (largest)")
PY
