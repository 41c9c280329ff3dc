# Sourced by the VM examples (examples/confidential-vm, examples/confidential-vm-atls).
#   remove_vm_and_check CVM_ID STATE_DIR MANAGER_LOG
# Runs `cocos-cli remove-vm CVM_ID` ($cli) and checks what removal promises: the guest powered off
# on the ACPI power button (EOS hands it to the agent) instead of being ended after the manager's
# stop grace, no process of the VM is left, and no file under STATE_DIR/vms. Calls the sourcing
# script's fail on the first broken promise.
remove_vm_and_check() {
  local cvm_id="$1" state="$2" log="$3" t0 left
  t0=$(date +%s.%N)
  "$cli" remove-vm "$cvm_id" | sed 's/^/  /'
  grep -q "did not power down" "$log" && fail "the guest ignored the power button: $(grep "did not power down" "$log")"
  echo "  the guest powered off on the power button: remove-vm took $(python3 -c "import time; print(f'{time.time() - $t0:.1f}')") s"
  for _ in $(seq 1 100); do pgrep -f "$cvm_id" >/dev/null || break; sleep 0.1; done
  pgrep -fa "$cvm_id" && fail "processes of $cvm_id still run after remove-vm"
  left=$(find "$state/vms" -mindepth 1 | head -5)
  [ -z "$left" ] || fail "files of the VM remain after remove-vm: $left"
  echo "  no process and no file of $cvm_id remain"
}
