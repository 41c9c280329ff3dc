#!/usr/bin/env bash
# examples/confidential-vm-atls: the wasm-csv-summary computation with attested_tls: true inside a
# VM the manager boots from the EOS image under QEMU, whose TEE is its vTPM (swtpm). Every upload
# and the result travel over attested TLS: each connection sends a fresh nonce, the agent answers
# with a certificate made for it that carries a vTPM quote binding that nonce, the agent's TLS key
# and the manifest, and the CLI verifies it against its policy in the handshake, before a byte of
# data leaves it (bundles/atls/README.md).
#
# First contact (the AK problem). With attested_tls the agent serves attested TLS only, and the CLI
# refuses to connect without a policy; the policy must pin the attestation key (AK), which swtpm
# makes per VM. So the lab first runs `cocos-cli attestation handshake`: one handshake for a fresh
# nonce, the evidence checked for what it proves by itself (it answers this nonce, binds this
# certificate's key, which the agent proves it holds, and this manifest; the quote's signature
# verifies) and written out, with no request sent and nothing trusted. `attestation policy create
# vtpm --from` then pins that AK, the EOS image's PCRs (eos-measurements.json) and PCR16 of the
# manifest. That pin is trust on first use: a swtpm run by the host is as trustworthy as the host.
# On SEV-SNP the vTPM lives in the guest's SVSM and the SNP report vouches for it
# (tee-providers/vtpm/README.md); there, first contact is not needed.
#
# Then, before anything is uploaded, the CLI must refuse (exit 1, the cause named, "nothing was
# sent", the computation's state and parties unchanged) under: (a) a policy for another manifest
# (PCR16), and a client expecting another manifest (the manifest digest the evidence binds);
# (b) a policy with another EOS measurement (PCR 4, the kernel, changed); (c) a policy pinning
# another AK; (d) an emulated-only policy. Replayed handshakes (old nonce), evidence for another
# TLS key and expired collateral are covered by the loopback tests (bundles/atls,
# cli/.../AttestedTlsCommandsTest, agent-app/.../AttestedTlsIT): a genuine agent cannot be made
# to produce them. Then the uploads (module + 2 datasets), the run and the result complete over
# attested TLS, and remove-vm leaves no process or file.
#
# Environment: EOS_DIR (default eos/target/eos; copied into the work folder at start so a
# concurrent rebuild cannot change the image under the VM), MANAGER_GRPC_PORT (default: a free
# port), MANAGER_QEMU_HOST_FWD_RANGE (default 6261-6280), MANAGER_QEMU_MEMORY_SIZE (default
# 2048M), MANAGER_QEMU_SMP_COUNT (default 2), MANAGER_QEMU_ENABLE_KVM (default auto: a probe),
# VM_BOOT_TIMEOUT seconds (default 420: QEMU's TCG emulates every guest instruction where KVM does
# not work), KEEP_WORK (keep the work folder). Exits non-zero, with the computation's events and
# the VM's console, if any step fails.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
. "$root/examples/lib/remove-vm.sh"
cli="$root/bin/cocos-cli"
eos_src="${EOS_DIR:-$root/eos/target/eos}"
work="$(mktemp -d -t cocos-cvm-atls.XXXXXX)"
manager=""
started=$(date +%s)
cleanup() {
  if [ -n "$manager" ]; then kill "$manager" 2>/dev/null || true; wait "$manager" 2>/dev/null || true; fi
  # The manager removes its VMs as it stops (MANAGER_STOP_AGENTS_ON_SHUTDOWN); should one outlive
  # it, end it here rather than leave an emulated VM running. Only this run's: they name $work.
  pkill -KILL -f "qemu-system.*$work" 2>/dev/null || true
  pkill -KILL -f "swtpm.*$work" 2>/dev/null || true
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
say() { printf '\n== %s\n' "$*"; }
fail() {
  echo "confidential-vm-atls: $*" >&2
  [ -z "${MANAGER_GRPC_URL:-}" ] || "$cli" computations show vm-atls-summary >&2 || true
  for c in "$work"/s/vms/*/console.log; do [ -f "$c" ] && { echo "-- VM console (last lines):" >&2; tail -n 30 "$c" >&2; }; done
  [ ! -f "$work/manager.log" ] || tail -n 40 "$work/manager.log" >&2
  exit 1
}
json() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); [d := d[k] for k in sys.argv[2:]]; print(d)' "$@"; }
[ -x "$cli" ] || fail "$cli is missing: build the project first (mvn -B install -DskipTests)"
[ -f "$eos_src/eos-measurements.json" ] || fail "$eos_src/eos-measurements.json is missing: build the EOS image (mvn -B -pl eos package) or set EOS_DIR"
python3 -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1])).get("pcrs") else 1)' "$eos_src/eos-measurements.json" \
  || fail "$eos_src/eos-measurements.json holds no reference PCRs (its reference boot has not run or is running)"
kernel_file=$(json "$eos_src/eos-measurements.json" kernel file)
initrd_file=$(json "$eos_src/eos-measurements.json" initrd file)
for f in "$kernel_file" "$initrd_file"; do
  [ -f "$eos_src/$f" ] || fail "$eos_src/$f (named in eos-measurements.json) is missing: build the EOS image"
done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
port="${MANAGER_GRPC_PORT:-$(free_port)}"
boot_timeout="${VM_BOOT_TIMEOUT:-420}"
cd "$work"

# The image as the measurements describe it, frozen for this run.
eos="$work/eos"
mkdir -p "$eos"
cp "$eos_src/eos-measurements.json" "$eos_src/$kernel_file" "$eos_src/$initrd_file" "$eos/"
for part in kernel initrd; do
  f=$(json "$eos/eos-measurements.json" "$part" file)
  [ "$(sha256sum "$eos/$f" | cut -d' ' -f1)" = "$(json "$eos/eos-measurements.json" "$part" sha256)" ] \
    || fail "$eos_src/$f does not match eos-measurements.json (is the image being rebuilt? try again)"
done

say "The parties make their key pairs; the lab builds its Wasm module"
for party in lab north south; do "$cli" keys -k ecdsa -o "$party" >/dev/null; done
cp "$root/examples/wasm-csv-summary/datasets/north.csv" north/
cp "$root/examples/wasm-csv-summary/datasets/south.csv" south/
"$root/examples/wasm-csv-summary/build.sh" lab/summary.wasm || fail "could not build summary.wasm (scripts/setup.d/41-wasm.sh installs clang and wasi-libc)"
echo "  lab/summary.wasm ($(wc -c < lab/summary.wasm) bytes)"

say "The manifest: type wasm, attested_tls: true (no agent certificate: the agent makes its key in the VM)"
"$cli" manifest create -o manifest.json --id vm-atls-summary --name "station summary over attested TLS" \
  --algorithm lab/summary.wasm --algorithm-key lab/public.pem --algorithm-type wasm \
  --dataset north/north.csv=north/public.pem --dataset south/south.csv=south/public.pem \
  --consumer lab/public.pem --attested-tls 2>&1 | sed 's/^/  /'
grep -q '"attested_tls": *true' manifest.json || fail "manifest.json does not say attested_tls: true"

say "The manager starts with the QEMU backend (EOS image $(du -sh "$eos" | cut -f1), initrd $initrd_file)"
MANAGER_BACKEND=qemu MANAGER_GRPC_HOST=127.0.0.1 MANAGER_GRPC_PORT="$port" \
  MANAGER_STATE_DIR="$work/s" MANAGER_STOP_AGENTS_ON_SHUTDOWN=true \
  MANAGER_QEMU_DISK_IMG_KERNEL_FILE="$eos/$kernel_file" \
  MANAGER_QEMU_DISK_IMG_ROOTFS_FILE="$eos/$initrd_file" \
  MANAGER_QEMU_HOST_FWD_RANGE="${MANAGER_QEMU_HOST_FWD_RANGE:-6261-6280}" \
  MANAGER_QEMU_MEMORY_SIZE="${MANAGER_QEMU_MEMORY_SIZE:-2048M}" \
  MANAGER_QEMU_SMP_COUNT="${MANAGER_QEMU_SMP_COUNT:-2}" MANAGER_STOP_GRACE_MILLIS=20000 \
  MANAGER_EOS_VERSION="$(sha256sum "$eos/$initrd_file" | cut -c1-12)" \
  "$root/bin/cocos-manager" >manager.log 2>&1 &
manager=$!
for _ in $(seq 1 300); do grep -qs "started in" manager.log && break; kill -0 "$manager" 2>/dev/null || break; sleep 0.1; done
grep -qs "started in" manager.log || fail "the manager did not start"
export MANAGER_GRPC_URL="127.0.0.1:$port"

say "create-vm boots the EOS image; the agent inside dials the manager for its manifest"
"$cli" computations create manifest.json | sed 's/^/  /'
t0=$(date +%s.%N)
"$cli" create-vm --computation vm-atls-summary --json > vm.json
cvm_id=$(json vm.json cvm_id)
agent_port=$(json vm.json forwarded_port)
echo "  CVM $cvm_id, agent forwarded to 127.0.0.1:$agent_port"
pgrep -f "qemu-system.*$cvm_id" >/dev/null || fail "no QEMU process runs for $cvm_id"
show() { "$cli" computations show vm-atls-summary; }
state() { show | sed -n 's/^ *state: *//p'; }
deadline=$(( $(date +%s) + boot_timeout ))
while [ "$(date +%s)" -lt "$deadline" ]; do case "$(state)" in ReceivingAlgorithm | *final*) break ;; esac; sleep 1; done
[ "$(state)" = ReceivingAlgorithm ] || fail "the agent in the VM did not accept the computation within ${boot_timeout}s"
# "accepted the computation" comes once the endpoint serves the manifest's attested TLS.
while [ "$(date +%s)" -lt "$deadline" ]; do show | grep -q "agent accepted the computation" && break; sleep 1; done
show | grep -q "agent accepted the computation" || fail "the agent's endpoint did not switch to attested TLS"
echo "  the agent in the VM serves attested TLS after $(python3 -c "import time; print(f'{time.time()-$t0:.1f}')") s"
export AGENT_GRPC_URL="127.0.0.1:$agent_port" COCOS_MANIFEST="$work/manifest.json"
# The state and the events, as the manager sees them: a refusal must leave them as they were.
parties() { show | sed -n '/^ *state:/p;/^events:/,$p'; }
parties > parties-before.txt

say "Without a policy the CLI does not connect: there is no default"
if "$cli" algo lab/summary.wasm lab/private.pem -a wasm -q > nopolicy.txt 2>&1; then fail "algo ran without a policy"; fi
grep -q "no attestation policy is given" nopolicy.txt || { cat nopolicy.txt >&2; fail "the refusal does not say the policy is missing"; }
sed 's/^/  refused: /' nopolicy.txt | head -1

say "First contact: one attested-TLS handshake for a fresh nonce, nothing sent, nothing trusted"
t1=$(date +%s.%N)
"$cli" attestation handshake --manifest manifest.json -o evidence.json > first.txt 2>&1 \
  || { cat first.txt >&2; fail "no evidence from the first-contact handshake"; }
sed 's/^/  /' first.txt
echo "  (the CLI's whole run, the agent's evidence gathered in the emulated VM included: $(python3 -c "import time; print(f'{time.time()-$t1:.1f}')") s)"
grep -q "nothing is trusted yet" first.txt || fail "the first-contact output does not say nothing is trusted"
grep -q "without sending any request" first.txt || fail "the first-contact output does not say nothing was sent"
"$cli" attestation handshake --manifest manifest.json -o evidence-2.json > second.txt 2>&1 \
  || { cat second.txt >&2; fail "no evidence from the second handshake"; }
ak1=$(sed -n 's/^ *vtpm.ak.sha256: //p' first.txt)
ak2=$(sed -n 's/^ *vtpm.ak.sha256: //p' second.txt)
[ -n "$ak1" ] || fail "the first contact shows no attestation key (vtpm.ak.sha256)"
[ "$ak1" = "$ak2" ] || fail "the VM's attestation key changed between two handshakes: $ak1, then $ak2"
echo "  a second handshake: the same attestation key $ak1"
[ "$(state)" = ReceivingAlgorithm ] || fail "the first contact changed the computation (state: $(state))"
"$cli" attestation policy create vtpm --from evidence.json \
  --eos-measurements "$eos/eos-measurements.json" --manifest manifest.json -o policy.json >/dev/null \
  || fail "cannot write the policy"
echo "  policy.json pins the AK (on first use), the EOS PCRs and PCR16 of manifest.json"

# Each must exit 1 naming its cause, say nothing was sent, and change nothing in the VM.
refused() { # NAME PATTERN CLI-ARGS...: the CLI (with the environment set by the caller) refuses
  local name="$1" pattern="$2"; shift 2
  if "$@" > "refused-$name.txt" 2>&1; then fail "$name: the CLI accepted the agent"; fi
  grep -q "attested TLS refused: the agent at 127.0.0.1:$agent_port is not trusted, nothing was sent to it" "refused-$name.txt" \
    || { cat "refused-$name.txt" >&2; fail "$name: not refused in the handshake"; }
  grep -qE "$pattern" "refused-$name.txt" || { cat "refused-$name.txt" >&2; fail "$name: the refusal does not name the cause ($pattern)"; }
  grep -E "$pattern" "refused-$name.txt" | head -2 | sed "s/^ *- /  $name: /"
  parties > parties-after.txt
  cmp -s parties-before.txt parties-after.txt \
    || { diff parties-before.txt parties-after.txt >&2; fail "$name: the computation changed although the CLI refused"; }
}
algo() { "$cli" algo lab/summary.wasm lab/private.pem -a wasm -q; }

say "Refusals before any upload"
sed 's/"station summary over attested TLS"/"another computation"/' manifest.json > other-manifest.json
"$cli" attestation policy create vtpm --from evidence.json \
  --eos-measurements "$eos/eos-measurements.json" --manifest other-manifest.json -o other-manifest-policy.json >/dev/null
AGENT_GRPC_ATTESTATION_POLICY=other-manifest-policy.json refused "another-manifest-policy" "vtpm.pcrs.sha256.16: .*another manifest" algo
AGENT_GRPC_ATTESTATION_POLICY=other-manifest-policy.json refused "client-expects-another-manifest" "the agent holds manifest [0-9a-f]{64}, expected [0-9a-f]{64}" \
  "$cli" algo lab/summary.wasm lab/private.pem -a wasm -q --manifest other-manifest.json
python3 - "$eos/eos-measurements.json" other-eos.json <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
# Another kernel: PCR 4 measures bzImage.
m["pcrs"]["sha256"]["4"] = "ab" * 32
json.dump(m, open(sys.argv[2], "w"), indent=2)
EOF
"$cli" attestation policy create vtpm --from evidence.json --eos-measurements other-eos.json \
  --manifest manifest.json -o other-eos-policy.json >/dev/null 2>other-eos-policy.txt
AGENT_GRPC_ATTESTATION_POLICY=other-eos-policy.json refused "another-eos-measurement" "vtpm.pcrs.sha256.4: " algo
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out other-ak.pem 2>/dev/null
other_ak=$(openssl pkey -in other-ak.pem -pubout -outform DER | sha256sum | cut -d' ' -f1)
"$cli" attestation policy create vtpm --eos-measurements "$eos/eos-measurements.json" \
  --manifest manifest.json --ak-key "$other_ak" -o other-ak-policy.json >/dev/null
AGENT_GRPC_ATTESTATION_POLICY=other-ak-policy.json refused "another-ak" "vtpm.ak_keys: " algo
python3 - emulated-policy.json <<'EOF'
import json, os, sys
# What a test set-up accepts: the emulated provider's root and an emulated measurement.
json.dump({"platform": "emulated",
           "snp": {"measurements": [os.urandom(48).hex()], "roots": [os.urandom(32).hex()]}},
          open(sys.argv[1], "w"), indent=2)
EOF
AGENT_GRPC_ATTESTATION_POLICY=emulated-policy.json refused "emulated-only-policy" "policy: .*emulated" algo
[ "$(state)" = ReceivingAlgorithm ] || fail "a refused connection changed the computation (state: $(state))"

say "The lab uploads the module; each agency uploads its readings: all over attested TLS"
export AGENT_GRPC_ATTESTATION_POLICY="$work/policy.json"
"$cli" algo lab/summary.wasm lab/private.pem -a wasm -v > algo.txt 2>&1 || { cat algo.txt >&2; fail "the algorithm upload failed"; }
grep -q "with aTLS (attested TLS" algo.txt || { cat algo.txt >&2; fail "the upload did not use attested TLS"; }
grep -q "emulated" algo.txt && { cat algo.txt >&2; fail "the VM's evidence was emulated"; }
"$cli" data north/north.csv north/private.pem -q || fail "north's upload failed"
"$cli" data south/south.csv south/private.pem -q || fail "south's upload failed"
echo "  uploaded over attested TLS: summary.wasm, north.csv, south.csv"

say "The agent runs the module inside the VM"
deadline=$(( $(date +%s) + boot_timeout ))
while [ "$(date +%s)" -lt "$deadline" ]; do case "$(state)" in ConsumingResults* | *final*) break ;; esac; sleep 1; done
case "$(state)" in ConsumingResults*) ;; *) fail "the computation did not produce results (state: $(state))" ;; esac

say "The lab fetches the result over attested TLS"
"$cli" result lab/private.pem -o lab/result -q >/dev/null || fail "the result download failed"
unzip -q -o lab/result/results.zip -d lab/result
[ -s lab/result/summary.csv ] || fail "results.zip lacks summary.csv: $(ls lab/result)"
for column in temperature_c rainfall_mm humidity_pct; do
  grep -q "^$column,11," lab/result/summary.csv || fail "summary.csv lacks $column over 11 readings"
done
sed 's/^/    /' lab/result/summary.csv

say "remove-vm: QEMU and swtpm stop, every file of the VM is wiped"
remove_vm_and_check "$cvm_id" "$work/s" manager.log
echo
echo "confidential-vm-atls: done in $(( $(date +%s) - started )) s"
