#!/usr/bin/env bash
# Reference boot of an EOS image: boots it under QEMU through OVMF (which measures the kernel, and
# whose EFI stub measures the initrd and command line) with a fresh swtpm, exactly as the manager
# starts a VM, with an environment file that sets COCOS_EOS_REFERENCE=1. The guest's /init then
# prints the PCR banks and the firmware's event log on the console and powers off instead of
# starting the agent. The values land in eos-measurements.json ("pcrs", "reference"), the event
# log in eos-eventlog.bin/.txt. --check boots again and compares with the recorded values.
#
# Usage: eos/reference-boot.sh [--image DIR] [--check] [--smp S] [--memory M] [--cpu C] [--timeout S]
#   --image    folder with bzImage, the initrd, eos-measurements.json (default eos/target/eos)
#   --check    boot once more and fail unless every recorded PCR has the same value
#   --smp, --memory, --cpu   QEMU's -smp, -m and -cpu values, as the manager passes them (default
#              2, 2048, max): PCR 0 depends on -smp, PCR 4 on -m (eos/README.md)
# Environment: QEMU (default qemu-system-x86_64), OVMF_CODE, OVMF_VARS (default /usr/share/OVMF/*).
# Needs qemu-system-x86, ovmf, swtpm (scripts/setup.d/45-eos.sh). Without them it fails when CI is
# set, and otherwise says what is missing and exits 0, leaving the JSON without PCR values.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image="$here/target/eos"
mode=record
memory=""
smp=""
cpu=""
timeout=300
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image="$2"; shift 2 ;;
    --check) mode=check; shift ;;
    --memory) memory="$2"; shift 2 ;;
    --smp) smp="$2"; shift 2 ;;
    --cpu) cpu="$2"; shift 2 ;;
    --timeout) timeout="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "reference-boot: unknown option '$1' (see --help)" >&2; exit 2 ;;
  esac
done
qemu="${QEMU:-qemu-system-x86_64}"
ovmf_code="${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}"
ovmf_vars="${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}"
export EOS_VM_OVMF=1 EOS_VM_TPM=1
. "$here/vm.sh"

missing="$(eos_vm_missing)"
command -v python3 >/dev/null || missing="$missing python3"
if [ -n "$missing" ]; then
  msg="reference-boot: cannot boot, missing: $missing; install with scripts/setup.d/45-eos.sh"
  if [ -n "${CI:-}" ]; then echo "$msg" >&2; exit 1; fi
  echo "$msg; no PCR values recorded (CI is not set, so this is not an error)" >&2
  exit 0
fi
[ -f "$image/eos-measurements.json" ] || { echo "reference-boot: no $image/eos-measurements.json; build first: mvn -B -pl eos package" >&2; exit 1; }
field() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))
for k in sys.argv[2:]: d=d.get(k, {}) if isinstance(d, dict) else {}
print(d if isinstance(d, str) else "")' "$image/eos-measurements.json" "$@"; }
cmdline="$(field cmdline)"
initrd="$image/$(field initrd file)"
for f in "$image/bzImage" "$initrd"; do
  [ -f "$f" ] || { echo "reference-boot: no $f; build first: mvn -B -pl eos package" >&2; exit 1; }
done
# --check boots the VM the reference boot used unless told otherwise.
if [ "$mode" = check ]; then
  smp="${smp:-$(field reference smp)}"; memory="${memory:-$(field reference memory)}"; cpu="${cpu:-$(field reference cpu)}"
fi
smp="${smp:-2}"; memory="${memory:-2048}"; cpu="${cpu:-max}"
export EOS_VM_MEMORY="$memory" EOS_VM_SMP="$smp" EOS_VM_CPU="$cpu"

tmp="$(mktemp -d /tmp/cocos-eos-ref.XXXXXX)" # short: it holds the swtpm socket
trap 'eos_vm_stop; rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{certs,env}
: > "$tmp/certs/cert.pem"; : > "$tmp/certs/key.pem"; : > "$tmp/certs/ca.pem"
echo "COCOS_EOS_REFERENCE=1" > "$tmp/env/environment"

console="$(dirname "$image")/reference-console.log"
boot() { # one boot to power-off; 0 when the VM powered off by itself
  start=$(date +%s%N)
  eos_vm_start "$tmp" "$image/bzImage" "$initrd" "$cmdline" "$console"
  local deadline=$(( $(date +%s) + timeout ))
  while kill -0 "$EOS_VM_PID" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then
      echo "reference-boot: the VM did not power off within ${timeout}s; console ends with:" >&2
      tail -n 15 "$console" >&2 || true
      eos_vm_stop
      return 1
    fi
    sleep 0.5
  done
  wait "$EOS_VM_PID" || { echo "reference-boot: QEMU failed:" >&2; cat "$tmp/qemu.log" >&2; EOS_VM_PID=""; return 1; }
  EOS_VM_PID=""
}
boot || exit 1
# QEMU 7.2's multi-threaded TCG now and then lets a guest CPU run kernel text while another
# patches it (an int3 oops, then a panic, a few seconds into the boot); that is the emulator's,
# not the image's, so one more boot.
if grep -q "Kernel panic" "$console"; then
  echo "reference-boot: the guest kernel panicked under TCG (console: $console); booting once more" >&2
  cp "$console" "$console.panic"
  boot || exit 1
fi
seconds="$(( ($(date +%s%N) - start) / 1000000 ))"
echo "reference-boot: booted and powered off in $((seconds / 1000)).$(printf %03d $((seconds % 1000)))s"

if [ "$mode" = check ]; then
  exec python3 "$here/tools/measurements.py" check "$image" "$console"
fi
sha() { sha256sum < "$1" | cut -d' ' -f1; }
cat > "$tmp/reference.json" <<JSON
{
  "qemu": "$("$qemu" --version | head -1)",
  "accel": "tcg",
  "machine": "q35",
  "cpu": "$cpu",
  "smp": "$smp",
  "memory": "$memory",
  "ovmf_code": "$ovmf_code",
  "ovmf_code_sha256": "$(sha "$ovmf_code")",
  "ovmf_vars_sha256": "$(sha "$ovmf_vars")",
  "ovmf_package": "$(dpkg-query -W -f '${Package} ${Version}' ovmf 2>/dev/null || echo unknown)",
  "tpm": "swtpm $(swtpm --version 2>&1 | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -1), tpm-tis, fresh state",
  "devices": "virtio-net-pci romfile= (no option ROM), 2 x virtio-9p-pci, tpm-tis"
}
JSON
python3 "$here/tools/measurements.py" record "$image" "$console" "$tmp/reference.json"
