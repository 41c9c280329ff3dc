# Sourced by eos/reference-boot.sh and bench/vm-floor.sh: starts one VM the way the manager does.
#   eos_vm_start DIR KERNEL INITRD CMDLINE CONSOLE [HOSTPORT]
# DIR (short path: it holds the swtpm socket) must contain certs/ and env/ for the two 9P shares;
# it gets a fresh swtpm state and a copy of OVMF's variables. HOSTPORT forwards 127.0.0.1:HOSTPORT
# to the guest's 7002; without it the guest has no way out (restrict=on). Sets EOS_VM_PID (QEMU,
# in the background, console to CONSOLE); QEMU's exit ends swtpm. eos_vm_stop kills both.
# Settings: QEMU (qemu-system-x86_64), OVMF_CODE/OVMF_VARS (/usr/share/OVMF/*), EOS_VM_MEMORY (the
# -m value, 2048), EOS_VM_SMP (the -smp value, 2), EOS_VM_CPU (qemu64, the manager's model under
# TCG), EOS_VM_OVMF (1; 0 boots without firmware, so no PCR 0-9), EOS_VM_TPM (1; 0 leaves out the
# vTPM), EOS_VM_QMP (a socket path: QMP there, e.g. for system_powerdown).
EOS_VM_PID=""
EOS_VM_DIR=""

eos_vm_missing() { # prints what the host lacks to boot a VM, empty if nothing
  local m=()
  command -v "${QEMU:-qemu-system-x86_64}" >/dev/null || m+=("${QEMU:-qemu-system-x86_64} (qemu-system-x86)")
  command -v swtpm >/dev/null || m+=(swtpm)
  [ -r "${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd}" ] && [ -r "${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}" ] ||
    m+=("OVMF firmware (ovmf)")
  echo "${m[*]}"
}

eos_vm_start() {
  local dir="$1" kernel="$2" initrd="$3" cmdline="$4" console="$5" hostport="${6:-}"
  EOS_VM_DIR="$dir"
  rm -rf "$dir/tpm" && mkdir -p "$dir/tpm"
  local tpm=()
  if [ "${EOS_VM_TPM:-1}" = 1 ]; then
    swtpm socket --tpmstate dir="$dir/tpm" --ctrl type=unixio,path="$dir/tpm/swtpm-sock" \
      --tpm2 --daemon --terminate --pid file="$dir/tpm/swtpm.pid" --log file="$dir/tpm/swtpm.log"
    local i
    for i in $(seq 1 50); do [ -S "$dir/tpm/swtpm-sock" ] && break; sleep 0.1; done
    tpm=(-chardev socket,id=chrtpm,path="$dir/tpm/swtpm-sock"
      -tpmdev emulator,id=tpm0,chardev=chrtpm -device tpm-tis,tpmdev=tpm0)
  fi
  local net="user,id=n0,restrict=on"
  [ -n "$hostport" ] && net="user,id=n0,hostfwd=tcp:127.0.0.1:$hostport-:7002"
  local firmware=()
  if [ "${EOS_VM_OVMF:-1}" = 1 ]; then
    cp "${OVMF_VARS:-/usr/share/OVMF/OVMF_VARS.fd}" "$dir/OVMF_VARS.fd"
    firmware=(-drive "if=pflash,format=raw,unit=0,file=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE.fd},readonly=on"
      -drive "if=pflash,format=raw,unit=1,file=$dir/OVMF_VARS.fd")
  fi
  # cocos-reference §5.3 for a VM without SEV-SNP/TDX (OVMF as pflash with a copy of its
  # variables, user networking, virtio-net without option ROM, the two 9P shares), with TCG and a
  # vTPM. The devices and -smp/-m decide the platform PCRs: keep them in step with the manager.
  "${QEMU:-qemu-system-x86_64}" -accel tcg -machine q35 -cpu "${EOS_VM_CPU:-qemu64}" \
    -smp "${EOS_VM_SMP:-2}" -m "${EOS_VM_MEMORY:-2048}" "${firmware[@]}" \
    -netdev "$net" -device "virtio-net-pci,${EOS_VM_NET_OPTIONS:-disable-legacy=on,iommu_platform=true,addr=0x2},netdev=n0,romfile=" \
    -kernel "$kernel" -initrd "$initrd" -append "$cmdline" \
    -display none -serial file:"$console" -monitor none -no-reboot \
    -fsdev local,id=cert_fs,path="$dir/certs",security_model=mapped \
    -device virtio-9p-pci,fsdev=cert_fs,mount_tag=certs_share \
    -fsdev local,id=env_fs,path="$dir/env",security_model=mapped \
    -device virtio-9p-pci,fsdev=env_fs,mount_tag=env_share "${tpm[@]}" \
    ${EOS_VM_QMP:+-qmp "unix:$EOS_VM_QMP,server=on,wait=off"} >"$dir/qemu.log" 2>&1 &
  EOS_VM_PID=$!
}

eos_vm_stop() {
  if [ -n "$EOS_VM_PID" ]; then
    kill "$EOS_VM_PID" 2>/dev/null || true
    wait "$EOS_VM_PID" 2>/dev/null || true
    EOS_VM_PID=""
  fi
  if [ -n "$EOS_VM_DIR" ] && [ -f "$EOS_VM_DIR/tpm/swtpm.pid" ]; then
    kill "$(cat "$EOS_VM_DIR/tpm/swtpm.pid")" 2>/dev/null || true
  fi
}
