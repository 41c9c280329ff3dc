#!/usr/bin/env bash
# examples/confidential-vm: the wasm-csv-summary computation inside a VM the manager boots from the
# EOS image under QEMU, with a vTPM (swtpm), checked by remote attestation from inside the VM.
#
# The operator runs the manager with MANAGER_BACKEND=qemu; create-vm boots eos/target/eos (bzImage +
# rootfs.cpio.zst) through OVMF, which measures the kernel, the initramfs and the kernel command
# line into the vTPM; the agent inside dials the manager (10.0.2.2 through QEMU's user network),
# receives the manifest and measures it into PCR16. Before anyone uploads, the lab asks the agent
# for a vTPM quote over a fresh nonce and validates it against a policy that pins the PCRs the
# EOS build recorded (eos-measurements.json) and PCR16 of the manifest it signed up for; a policy
# for another manifest fails naming PCR16. Then the usual uploads, the run (Wasm runner), the
# result, and remove-vm, after which no file of the VM is left on the host.
#
# Trust: the vTPM here is swtpm, run by the host: its quote proves what booted only to someone
# who trusts the host. On SEV-SNP the vTPM lives in the guest's SVSM and the SNP report vouches for
# it (see tee-providers/vtpm/README.md). The attestation key is pinned on first use (--from).
#
# Environment: MANAGER_GRPC_PORT (default: a free port), MANAGER_QEMU_HOST_FWD_RANGE (default
# 6240-6260), MANAGER_QEMU_MEMORY_SIZE (default 2048M), MANAGER_QEMU_SMP_COUNT (default 2),
# MANAGER_QEMU_ENABLE_KVM (default auto: a probe), VM_BOOT_TIMEOUT seconds (default 420:
# QEMU's TCG emulates every guest instruction where KVM does not work).
# Exits non-zero, with the computation's events and the VM's console, if any step fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/examples/lib/remove-vm.sh"
cli="$root/bin/cocos-cli"
eos="$root/eos/target/eos"
work="$(mktemp -d -t cocos-confidential-vm.XXXXXX)"
manager=""
cleanup() {
  if [ -n "$manager" ]; then kill "$manager" 2>/dev/null || true; wait "$manager" 2>/dev/null || true; fi
  # The manager removes its VMs as it stops (MANAGER_STOP_AGENTS_ON_SHUTDOWN); should one outlive
  # it, end it here rather than leave an emulated VM running.
  pkill -KILL -f "qemu-system.*$work" 2>/dev/null || true
  pkill -KILL -f "swtpm.*$work" 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
fail() {
  echo "confidential-vm: $*" >&2
  [ -z "${MANAGER_GRPC_URL:-}" ] || "$cli" computations show vm-csv-summary >&2 || true
  for c in "$work"/s/vms/*/console.log; do [ -f "$c" ] && { echo "-- VM console (last lines):" >&2; tail -n 30 "$c" >&2; }; done
  [ ! -f "$work/manager.log" ] || tail -n 40 "$work/manager.log" >&2
  exit 1
}
[ -x "$cli" ] || fail "$cli is missing: build the project first (mvn -B install -DskipTests)"
[ -f "$eos/eos-measurements.json" ] || fail "$eos/eos-measurements.json is missing: build the EOS image (mvn -B -pl eos package)"
initrd="$eos/$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["initrd"]["file"])' "$eos/eos-measurements.json")"
for f in "$eos/bzImage" "$initrd"; do
  [ -f "$f" ] || fail "$f is missing: build the EOS image (mvn -B -pl eos package)"
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="${MANAGER_GRPC_PORT:-$(free_port)}"
boot_timeout="${VM_BOOT_TIMEOUT:-420}"
cd "$work"

say "The parties make their key pairs; the lab builds its Wasm module"
for party in lab north south; do "$cli" keys -k ecdsa -o "$party" >/dev/null; done
cp "$root/examples/wasm-csv-summary/datasets/north.csv" north/
cp "$root/examples/wasm-csv-summary/datasets/south.csv" south/
"$root/examples/wasm-csv-summary/build.sh" lab/summary.wasm || fail "could not build summary.wasm (scripts/setup.d/41-wasm.sh installs clang and wasi-libc)"
echo "  lab/summary.wasm ($(wc -c < lab/summary.wasm) bytes)"

say "The manifest: type wasm; the agent's TLS certificate for the forwarded port on 127.0.0.1"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout agent.key -out agent.crt \
  -days 1 -subj /CN=127.0.0.1 -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null
"$cli" manifest create -o manifest.json --id vm-csv-summary --name "station summary in a VM" \
  --algorithm lab/summary.wasm --algorithm-key lab/public.pem --algorithm-type wasm \
  --dataset north/north.csv=north/public.pem --dataset south/south.csv=south/public.pem \
  --consumer lab/public.pem --agent-cert agent.crt --agent-key agent.key 2>&1 | sed 's/^/  /'

say "The manager starts with the QEMU backend (EOS image $(du -sh "$eos" | cut -f1))"
MANAGER_BACKEND=qemu MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT="$port" \
  MANAGER_STATE_DIR="$work/s" MANAGER_STOP_AGENTS_ON_SHUTDOWN=true \
  MANAGER_QEMU_HOST_FWD_RANGE="${MANAGER_QEMU_HOST_FWD_RANGE:-6240-6260}" \
  MANAGER_QEMU_MEMORY_SIZE="${MANAGER_QEMU_MEMORY_SIZE:-2048M}" \
  MANAGER_QEMU_SMP_COUNT="${MANAGER_QEMU_SMP_COUNT:-2}" MANAGER_STOP_GRACE_MILLIS=20000 \
  MANAGER_QEMU_DISK_IMG_KERNEL_FILE="$eos/bzImage" MANAGER_QEMU_DISK_IMG_ROOTFS_FILE="$initrd" \
  MANAGER_EOS_VERSION="$(sha256sum "$initrd" | cut -c1-12)" \
  "$root/bin/cocos-manager" >manager.log 2>&1 &
manager=$!
for _ in $(seq 1 300); do grep -q "started in" manager.log && break; kill -0 "$manager" 2>/dev/null || break; sleep 0.1; done
grep -q "started in" manager.log || fail "the manager did not start"
export MANAGER_GRPC_URL="127.0.0.1:$port"

say "create-vm boots the EOS image; the agent inside dials the manager for its manifest"
"$cli" computations create manifest.json | sed 's/^/  /'
t0=$(date +%s.%N)
"$cli" create-vm --computation vm-csv-summary --json > vm.json
cvm_id=$(python3 -c 'import json; print(json.load(open("vm.json"))["cvm_id"])')
agent_port=$(python3 -c 'import json; print(json.load(open("vm.json"))["forwarded_port"])')
echo "  CVM $cvm_id, agent forwarded to 127.0.0.1:$agent_port"
"$cli" cvm-info "$cvm_id" | sed 's/^/  /'
pgrep -f "qemu-system.*$cvm_id" >/dev/null || fail "no QEMU process runs for $cvm_id"
state() { "$cli" computations show vm-csv-summary | sed -n 's/^ *state: *//p'; }
deadline=$(( $(date +%s) + boot_timeout ))
while [ "$(date +%s)" -lt "$deadline" ]; do case "$(state)" in ReceivingAlgorithm | *final*) break ;; esac; sleep 1; done
[ "$(state)" = ReceivingAlgorithm ] || fail "the agent in the VM did not accept the computation within ${boot_timeout}s"
# ReceivingAlgorithm comes as the agent accepts the manifest; "accepted the computation" once its
# endpoint serves the manifest's TLS (the switch from plaintext takes seconds under emulation).
while [ "$(date +%s)" -lt "$deadline" ]; do
  "$cli" computations show vm-csv-summary | grep -q "agent accepted the computation" && break
  sleep 1
done
echo "  the agent in the VM holds the manifest after $(python3 -c "import time; print(f'{time.time()-$t0:.1f}')") s"
export AGENT_GRPC_URL="127.0.0.1:$agent_port" AGENT_GRPC_SERVER_CA_CERTS="$work/agent.crt" COCOS_MANIFEST="$work/manifest.json"

say "The lab attests the VM before uploading: a vTPM quote over its own nonce"
nonce=$(openssl rand -hex 32)
"$cli" attestation get vtpm --vtpm "$nonce" -o evidence.json > get.txt 2>&1 || { cat get.txt >&2; fail "no vTPM evidence from the VM"; }
sed 's/^/  /' get.txt
"$cli" attestation policy create vtpm --from evidence.json \
  --eos-measurements "$eos/eos-measurements.json" --manifest manifest.json -o policy.json \
  || fail "cannot write the policy"
"$cli" attestation validate evidence.json --policy policy.json --nonce "$nonce" > verdict.txt \
  || { cat verdict.txt >&2; fail "the VM's quote does not verify"; }
sed 's/^/  /' verdict.txt
echo "  and a policy written for another manifest:"
sed 's/"station summary in a VM"/"another computation"/' manifest.json > other-manifest.json
"$cli" attestation policy create vtpm --from evidence.json \
  --eos-measurements "$eos/eos-measurements.json" --manifest other-manifest.json -o other-policy.json >/dev/null
if "$cli" attestation validate evidence.json --policy other-policy.json --nonce "$nonce" > other-verdict.txt; then
  fail "a policy for another manifest accepted the VM"
fi
grep -i "PCR16" other-verdict.txt | sed 's/^/  refused: /'
grep -qi "PCR16" other-verdict.txt || { cat other-verdict.txt >&2; fail "the refusal does not name PCR16"; }

say "The lab uploads the module; each agency uploads its readings"
"$cli" algo lab/summary.wasm lab/private.pem -a wasm -q || fail "the algorithm upload failed"
"$cli" data north/north.csv north/private.pem -q || fail "north's upload failed"
"$cli" data south/south.csv south/private.pem -q || fail "south's upload failed"
echo "  uploaded: summary.wasm, north.csv, south.csv"

say "The agent runs the module inside the VM"
deadline=$(( $(date +%s) + boot_timeout ))
while [ "$(date +%s)" -lt "$deadline" ]; do case "$(state)" in ConsumingResults* | *final*) break ;; esac; sleep 1; done
case "$(state)" in ConsumingResults*) ;; *) fail "the computation did not produce results (state: $(state))" ;; esac

say "The lab fetches the result"
"$cli" result lab/private.pem -o lab/result -q >/dev/null
unzip -q -o lab/result/results.zip -d lab/result
[ -s lab/result/summary.csv ] || fail "results.zip lacks summary.csv: $(ls lab/result)"
for column in temperature_c rainfall_mm humidity_pct; do
  grep -q "^$column,11," lab/result/summary.csv || fail "summary.csv lacks $column over 11 readings"
done
sed 's/^/    /' lab/result/summary.csv

say "remove-vm: QEMU and swtpm stop, every file of the VM is wiped"
remove_vm_and_check "$cvm_id" "$work/s" manager.log
echo
echo "confidential-vm: done"
