#!/usr/bin/env bash
# Boot benchmark of the EOS image against its floor, under TCG, one VM at a time:
#   floor: QEMU start -> the floor image (same kernel, busybox only) answers on the forwarded port
#   EOS:   QEMU start -> the agent answers grpc.health.v1.Health/Check with SERVING
# Both with the manager's QEMU options (eos/vm.sh: OVMF, vTPM, 9P shares, user networking).
# Prints each boot, the medians and their ratio. Build first: mvn -B -pl eos -am package
# (or mvn -B -pl eos package with the agent assembly already built).
# Usage: bench/vm-floor.sh [runs (default 3)] [--image DIR] [--no-ovmf] [--no-tpm]
#   --image  an EOS build's output folder (default eos/target/eos)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runs=3
image="$root/eos/target/eos"
while [ $# -gt 0 ]; do
  case "$1" in
    --no-ovmf) export EOS_VM_OVMF=0; shift ;;
    --no-tpm) export EOS_VM_TPM=0; shift ;;
    --image) image="$2"; shift 2 ;;
    [0-9]*) runs="$1"; shift ;;
    *) echo "usage: bench/vm-floor.sh [runs] [--image DIR] [--no-ovmf] [--no-tpm]" >&2; exit 2 ;;
  esac
done
[ -f "$image/eos-measurements.json" ] || { echo "vm-floor: no $image/eos-measurements.json; build first: mvn -B -pl eos package" >&2; exit 1; }
initrd="$image/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["initrd"]["file"])' "$image/eos-measurements.json")"
for f in "$image/bzImage" "$initrd" "$image/floor.cpio.gz"; do
  [ -f "$f" ] || { echo "vm-floor: no $f; build first: mvn -B -pl eos package" >&2; exit 1; }
done
. "$root/eos/vm.sh"
missing="$(eos_vm_missing)"
[ -z "$missing" ] || { echo "vm-floor: missing $missing; run scripts/setup.d/45-eos.sh" >&2; exit 1; }
probe="$root/bench/vm-floor-probe.py"
cmdline="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["cmdline"])' "$image/eos-measurements.json")"

tmp="$(mktemp -d /tmp/cocos-vm-floor.XXXXXX)"
trap 'eos_vm_stop; [ -n "${KEEP:-}" ] && cp "$tmp/console.log" /tmp/vm-floor-console.log; rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{certs,env}
: > "$tmp/certs/cert.pem"; : > "$tmp/certs/key.pem"; : > "$tmp/certs/ca.pem"
# The agent dials a computation service that is not there: it keeps retrying, and still serves.
printf 'AGENT_CVM_GRPC_URL=10.0.2.2:1\nAGENT_CVM_ID=vm-floor\n' > "$tmp/env/environment"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
ms() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }

boot() { # boot INITRD PROBE_ARGS...: prints milliseconds from QEMU start to the probe's success
  local initrd="$1"; shift
  local attempt port t0 t1
  for attempt in 1 2; do
    port="$(free_port)"
    t0="$(now_ms)"
    eos_vm_start "$tmp" "$image/bzImage" "$initrd" "$cmdline" "$tmp/console.log" "$port"
    if python3 "$probe" "$1" "$port" "${@:2}"; then
      t1="$(now_ms)"
      eos_vm_stop
      echo $((t1 - t0))
      return
    fi
    eos_vm_stop
    [ -n "${KEEP:-}" ] && cp "$tmp/console.log" /tmp/vm-floor-failed.log
    # QEMU 7.2's multi-threaded TCG now and then oopses a guest that patches its kernel text
    # (eos/README.md): the emulator's fault, so that boot does not count and runs again.
    if [ "$attempt" = 1 ] && grep -q "Kernel panic" "$tmp/console.log"; then
      echo "vm-floor: the guest kernel panicked under TCG; that boot runs again" >&2
      continue
    fi
    echo "vm-floor: no answer on port $port; console ends with:" >&2
    tail -n 15 "$tmp/console.log" >&2
    exit 1
  done
}

floor=(); eos=()
echo "vm-floor: $runs runs, $( [ "${EOS_VM_OVMF:-1}" = 1 ] && echo "OVMF" || echo "no firmware" ), $( [ "${EOS_VM_TPM:-1}" = 1 ] && echo "vTPM" || echo "no TPM" ), TCG, -smp ${EOS_VM_SMP:-2} -m ${EOS_VM_MEMORY:-2048}"
for i in $(seq 1 "$runs"); do
  f="$(boot "$image/floor.cpio.gz" banner cocos-floor 300)"
  floor+=("$f")
  e="$(boot "$initrd" grpc 300)"
  eos+=("$e")
  userland="$(tr -d '\r' < "$tmp/console.log" | sed -n 's/.*userland up after \([0-9.]*\) s.*/\1/p' | head -1)"
  agent="$(tr -d '\r' < "$tmp/console.log" | sed -n 's/.*started in \([0-9]*\) ms.*/\1/p' | head -1)"
  # The launcher's "started" line can come after SERVING (runners still activating), or not yet.
  echo "run $i: floor answers after $(ms "$f") s; EOS agent SERVING after $(ms "$e") s (guest userland at ${userland:-?} s of uptime${agent:+, launcher reported started after $(ms "$agent") s})"
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2]+a[NR/2+1])/2)}'; }
mf="$(median "${floor[@]}")"; me="$(median "${eos[@]}")"
echo "median: floor $(ms "$mf") s, EOS $(ms "$me") s, ratio $(awk -v a="$me" -v b="$mf" 'BEGIN {printf "%.2f", a/b}')"
