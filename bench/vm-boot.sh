#!/usr/bin/env bash
# Boot time of a confidential VM: `cocos-cli create-vm` to the agent inside answering SERVING on
# its forwarded port, next to the floor: the same manager, kernel, firmware and QEMU options with
# a bare busybox initramfs (eos/target/eos/floor.cpio.gz) that answers on the same port. Both
# are timed from the create-vm call, alternately, and the medians and their ratio are printed.
#
# Usage: bench/vm-boot.sh [boots]     (default 3; build first: mvn -B -DskipTests install)
# Env:   MANAGER_QEMU_MEMORY_SIZE (default 1024M), MANAGER_QEMU_SMP_COUNT (default 2),
#        MANAGER_QEMU_ENABLE_KVM (default auto).
# Needs: qemu-system-x86_64, swtpm, OVMF (scripts/setup.d/44-qemu.sh), python3.
#
# The end of each boot is read from the guest console first (EOS: the launcher's "started in"
# line, printed once every endpoint listens; floor: "answering on 7002"), so that no probe
# competes with the emulated guest for the CPU while it boots; then it is confirmed on the
# forwarded port (EOS: the gRPC health check through cocos-cli; floor: its one-line answer), and
# the time of that confirmation is what counts.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cli="$root/bin/cocos-cli"
eos="$root/eos/target/eos"
boots="${1:-3}"
initrd="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["initrd"]["file"])' "$eos/eos-measurements.json" 2>/dev/null || echo rootfs.cpio.zst)"
for f in bzImage "$initrd" floor.cpio.gz; do
  [ -f "$eos/$f" ] || { echo "bench/vm-boot.sh: $eos/$f is missing: build first (mvn -B -DskipTests install)" >&2; exit 1; }
done
work="$(mktemp -d -t cocos-vmboot.XXXX)"
pids=""
cleanup() {
  for p in $pids; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }

# One manager per image: the initramfs is a manager setting.
start_manager() { # name rootfs first-port; sets manager_url
  local port; port=$(free_port)
  MANAGER_BACKEND=qemu MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT="$port" \
    MANAGER_STATE_DIR="$work/$1" MANAGER_STOP_AGENTS_ON_SHUTDOWN=true MANAGER_STOP_GRACE_MILLIS=2000 \
    MANAGER_QEMU_DISK_IMG_ROOTFS_FILE="$2" MANAGER_QEMU_HOST_FWD_RANGE="$3-$(($3 + 5))" \
    MANAGER_QEMU_MEMORY_SIZE="${MANAGER_QEMU_MEMORY_SIZE:-1024M}" \
    MANAGER_QEMU_SMP_COUNT="${MANAGER_QEMU_SMP_COUNT:-2}" \
    "$root/bin/cocos-manager" > "$work/$1.log" 2>&1 &
  pids="$pids $!"
  for _ in $(seq 1 300); do grep -q "started in" "$work/$1.log" && break; sleep 0.1; done
  grep -q "started in" "$work/$1.log" || { echo "the $1 manager did not start" >&2; tail "$work/$1.log" >&2; exit 1; }
  manager_url="127.0.0.1:$port"
}
start_manager eos "$eos/$initrd" 6270
eos_manager=$manager_url
start_manager floor "$eos/floor.cpio.gz" 6280
floor_manager=$manager_url

boot() { # name manager-url console-marker
  local name=$1 url=$2 marker=$3 t0 vm id port console t1
  t0=$(now)
  # No computation: the agent dials the manager's CVMS, which has none for it, and serves anyway.
  vm=$(MANAGER_GRPC_URL="$url" "$cli" create-vm --server-url "10.0.2.2:${url##*:}" --json) || { echo "create-vm failed ($name)" >&2; tail -5 "$work/$name.log" >&2; exit 1; }
  id=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["cvm_id"])' "$vm")
  port=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["forwarded_port"])' "$vm")
  console="$work/$name/vms/$id/console.log"
  for _ in $(seq 1 6000); do grep -qa "$marker" "$console" 2>/dev/null && break; sleep 0.1; done
  grep -qa "$marker" "$console" || { echo "$name VM did not come up: $(tail -5 "$console")" >&2; exit 1; }
  if [ "$name" = eos ]; then
    until "$cli" health -t "127.0.0.1:$port" --timeout 2s >/dev/null 2>&1; do sleep 0.1; done
  else
    until python3 - "$port" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
sys.exit(0 if s.recv(64).startswith(b"cocos-floor") else 1)
PY
    do sleep 0.1; done
  fi
  t1=$(now)
  MANAGER_GRPC_URL="$url" "$cli" remove-vm "$id" >/dev/null
  python3 -c "print(f'{$t1-$t0:.2f}')"
}

eos_times=() floor_times=()
for i in $(seq 1 "$boots"); do
  f=$(boot floor "$floor_manager" "answering on 7002")
  e=$(boot eos "$eos_manager" "Cocos agent started in")
  floor_times+=("$f") eos_times+=("$e")
  echo "boot $i: floor $f s, EOS agent SERVING $e s"
done
python3 - "${floor_times[*]}" "${eos_times[*]}" <<'PY'
import statistics, sys
floor = [float(x) for x in sys.argv[1].split()]
eos = [float(x) for x in sys.argv[2].split()]
f, e = statistics.median(floor), statistics.median(eos)
print(f"create-vm to answering, median of {len(eos)} boots under QEMU (same kernel, firmware, options):")
print(f"  floor (busybox answers on the forwarded port): {f:.2f} s  (min {min(floor):.2f}, max {max(floor):.2f})")
print(f"  EOS (agent SERVING):                           {e:.2f} s  (min {min(eos):.2f}, max {max(eos):.2f})")
print(f"  ratio EOS / floor: {e/f:.2f}x  (target: at most 2x)")
PY
