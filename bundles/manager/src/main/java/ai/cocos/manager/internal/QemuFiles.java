package ai.cocos.manager.internal;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a QEMU VM's files live: all of them in the VM's folder, so removing the VM wipes them.
 *
 * <pre>
 * VM/OVMF_VARS.fd        the VM's UEFI variable store (a copy of the template)
 * VM/disk.FORMAT         disk mode: the VM's copy of the disk image
 * VM/tpm/                the vTPM: swtpm's state (tpm2-00.permall), control socket, PID file
 * VM/qmp.sock            QEMU's QMP socket
 * VM/console.log         the guest's serial console (ttyS0)
 * VM/qemu.log            QEMU's own output
 * </pre>
 *
 * @param vmDir the VM's folder
 */
record QemuFiles(Path vmDir) {
  /**
   * Sockets paths longer than this do not fit {@code sockaddr_un.sun_path} (108 bytes with NUL).
   */
  static final int MAX_SOCKET_PATH = 107;

  /** Checks the folder. */
  QemuFiles {
    Objects.requireNonNull(vmDir, "vmDir");
  }

  Path ovmfVars() {
    return vmDir.resolve("OVMF_VARS.fd");
  }

  Path disk(String format) {
    return vmDir.resolve("disk." + format);
  }

  Path tpmDir() {
    return vmDir.resolve("tpm");
  }

  Path swtpmSocket() {
    return tpmDir().resolve("swtpm-sock");
  }

  Path swtpmPid() {
    return tpmDir().resolve("swtpm.pid");
  }

  Path qmpSocket() {
    return vmDir.resolve("qmp.sock");
  }

  Path console() {
    return vmDir.resolve("console.log");
  }

  Path qemuLog() {
    return vmDir.resolve("qemu.log");
  }
}
