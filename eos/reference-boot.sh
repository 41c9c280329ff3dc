#!/usr/bin/env bash
# Reference boot of an EOS image: boots it under QEMU through OVMF (which measures the kernel, and
# whose EFI stub measures the initrd and command line) with a fresh swtpm, as the manager starts a
# VM, with an environment file that sets COCOS_EOS_REFERENCE=1. The guest's /init then prints the
# PCR banks and the firmware's event log on the console and powers off instead of starting the
# agent. PCR 0 depends on QEMU's -smp and -m options and PCR 4 on -m, so it boots once per VM
# shape the manager uses; eos-measurements.json gets each shape's values ("reference.shapes") and
# their union ("pcrs": a list where shapes differ), the event logs go to eos-eventlog*.
#
# Usage: eos/reference-boot.sh [--image DIR] [--shapes "S1|S2"] [--check [N]] [--timeout S]
#   --image    folder with bzImage, the initrd, eos-measurements.json (default eos/target/eos)
#   --shapes   VM shapes, '|'-separated, each "-smp <value> -m <value> [-cpu <value>]" as the manager
#              passes them (default: the manager's defaults with 4 and with 2 vCPUs)
#   --check    boot shape N of the recorded ones (default 1) again and fail unless every PCR has
#              the value that shape recorded
# Environment: QEMU, OVMF_CODE, OVMF_VARS (eos/vm.sh). Needs qemu-system-x86, ovmf, swtpm
# (scripts/setup.d/45-eos.sh): without them it fails when CI is set, and otherwise says what is
# missing and exits 0, leaving the JSON without PCR values.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image="$here/target/eos"
mode=record
check_shape=1
# The manager's QEMU defaults (MANAGER_QEMU_SMP_COUNT 4, _SMP_MAXCPUS 64, _MEMORY_SIZE 2048M,
# _MEMORY_SLOTS 5, _MAX_MEMORY 30G; CPU max under TCG), and the same with 2 vCPUs (examples, bench).
shapes="-smp 4,maxcpus=64 -m 2048M,slots=5,maxmem=30G -cpu qemu64|-smp 2,maxcpus=64 -m 2048M,slots=5,maxmem=30G -cpu qemu64"
timeout=300
while [ $# -gt 0 ]; do
  case "$1" in
    --image) image="$2"; shift 2 ;;
    --shapes) shapes="$2"; shift 2 ;;
    --check)
      mode=check
      if [[ "${2:-}" =~ ^[0-9]+$ ]]; then check_shape="$2"; shift; fi
      shift ;;
    --timeout) timeout="$2"; shift 2 ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
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
mjson="$image/eos-measurements.json"
[ -f "$mjson" ] || { echo "reference-boot: no $mjson; build first: mvn -B -pl eos package" >&2; exit 1; }
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]]["file"] if sys.argv[2] == "initrd" else json.load(open(sys.argv[1]))[sys.argv[2]])' "$mjson" "$1"; }
cmdline="$(field cmdline)"
initrd="$image/$(field initrd)"
for f in "$image/bzImage" "$initrd"; do
  [ -f "$f" ] || { echo "reference-boot: no $f; build first: mvn -B -pl eos package" >&2; exit 1; }
done
if [ "$mode" = check ]; then
  shapes="$(python3 -c 'import json,sys
s = json.load(open(sys.argv[1])).get("reference", {}).get("shapes", [])
n = int(sys.argv[2])
print(s[n - 1]["qemu_options"] if 0 < n <= len(s) else "")' "$mjson" "$check_shape")"
  [ -n "$shapes" ] || { echo "reference-boot: $mjson records no shape $check_shape to check (run eos/reference-boot.sh)" >&2; exit 1; }
fi

tmp="$(mktemp -d /tmp/cocos-eos-ref.XXXXXX)" # short: it holds the swtpm socket
trap 'eos_vm_stop; rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{certs,env}
: > "$tmp/certs/cert.pem"; : > "$tmp/certs/key.pem"; : > "$tmp/certs/ca.pem"
echo "COCOS_EOS_REFERENCE=1" > "$tmp/env/environment"

boot() { # boot CONSOLE: one boot to power-off; 0 when the VM powered off by itself
  local console="$1" deadline
  eos_vm_start "$tmp" "$image/bzImage" "$initrd" "$cmdline" "$console"
  deadline=$(( $(date +%s) + timeout ))
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
  # QEMU 7.2's multi-threaded TCG now and then lets a guest CPU run kernel text while another
  # patches it (an int3 oops, then a panic, a few seconds into the boot): the emulator's fault,
  # not the image's, so that boot is repeated once.
  if grep -q "Kernel panic" "$console"; then
    echo "reference-boot: the guest kernel panicked under TCG ($console.panic); booting once more" >&2
    cp "$console" "$console.panic"
    return 2
  fi
}

consoles=()
shape_args=()
n=0
IFS='|' read -ra shape_list <<< "$shapes"
for shape in "${shape_list[@]}"; do
  n=$((n + 1))
  read -ra words <<< "$shape"
  smp=""; memory=""; cpu=qemu64
  for ((i = 0; i < ${#words[@]}; i += 2)); do
    case "${words[i]}" in
      -smp) smp="${words[i + 1]:-}" ;;
      -m) memory="${words[i + 1]:-}" ;;
      -cpu) cpu="${words[i + 1]:-}" ;;
      *) echo "reference-boot: shape '$shape': only -smp, -m and -cpu, not '${words[i]}'" >&2; exit 2 ;;
    esac
  done
  [ -n "$smp" ] && [ -n "$memory" ] || { echo "reference-boot: shape '$shape' needs -smp and -m" >&2; exit 2; }
  export EOS_VM_SMP="$smp" EOS_VM_MEMORY="$memory" EOS_VM_CPU="$cpu"
  console="$(dirname "$image")/reference-console-$n.log"
  [ "$mode" = check ] && console="$(dirname "$image")/reference-check-console.log"
  start=$(date +%s%N)
  rc=0; boot "$console" || rc=$?
  if [ "$rc" = 2 ]; then rc=0; boot "$console" || rc=$?; fi
  [ "$rc" = 0 ] || exit 1
  ms="$(( ($(date +%s%N) - start) / 1000000 ))"
  echo "reference-boot: [$shape] booted and powered off in $((ms / 1000)).$(printf %03d $((ms % 1000)))s"
  consoles+=("$console")
  shape_args+=("-smp $smp -m $memory -cpu $cpu")
done

if [ "$mode" = check ]; then
  exec python3 "$here/tools/measurements.py" check "$image" "$check_shape" "${consoles[0]}"
fi
sha() { sha256sum < "$1" | cut -d' ' -f1; }
cat > "$tmp/reference.json" <<JSON
{
  "qemu": "$("$qemu" --version | head -1)",
  "accel": "tcg",
  "machine": "q35",
  "ovmf_code": "$ovmf_code",
  "ovmf_code_sha256": "$(sha "$ovmf_code")",
  "ovmf_vars_sha256": "$(sha "$ovmf_vars")",
  "ovmf_package": "$(dpkg-query -W -f '${Package} ${Version}' ovmf 2>/dev/null || echo unknown)",
  "tpm": "swtpm $(swtpm --version 2>&1 | sed -n 's/.*version \([0-9.]*\).*/\1/p' | head -1), tpm-tis, fresh state",
  "devices": "virtio-net-pci ${EOS_VM_NET_OPTIONS:-disable-legacy=on,iommu_platform=true,addr=0x2},romfile= (no option ROM), 2 x virtio-9p-pci, tpm-tis"
}
JSON
args=()
for i in "${!consoles[@]}"; do args+=("${shape_args[i]}" "${consoles[i]}"); done
python3 "$here/tools/measurements.py" record "$image" "$tmp/reference.json" "${args[@]}"
