package ai.cocos.manager.internal;

import java.io.File;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds out whether guests actually run under KVM: boots the VMs' UEFI firmware under {@code -accel
 * kvm} with their machine and CPU model and waits a few seconds for its first console output.
 *
 * <p>Why not less: where the host is itself a VM, {@code /dev/kvm} may exist and even run a
 * real-mode guest that writes a byte to the serial port, yet abort or hang every real guest (seen
 * here: SeaBIOS runs, OVMF and the Linux kernel stop with "KVM internal error" on instructions the
 * nested KVM does not offer). Booting the firmware the VMs boot is the cheapest probe that fails
 * where they would. Under working KVM OVMF prints within about a second; under TCG it takes about 4
 * s, so a slow KVM is not mistaken for a working one either.
 *
 * <p>Each distinct QEMU, machine, CPU and firmware is probed once per manager process. The probe's
 * QEMU runs under {@code timeout --signal=KILL}, so it ends even if the manager dies meanwhile.
 */
final class KvmProbe {
  /** How long the firmware may take to print. */
  static final Duration LIMIT = Duration.ofSeconds(6);

  private static final Logger LOG = System.getLogger(KvmProbe.class.getName());
  private static final Map<List<String>, Boolean> CACHE = new ConcurrentHashMap<>();

  private KvmProbe() {}

  /**
   * Whether guests run under KVM, probing once per distinct set-up.
   *
   * @param host the host (for the KVM device)
   * @param c the settings: QEMU binary, machine, firmware
   * @param cpu the CPU model VMs would get under KVM
   * @param env the environment QEMU runs with
   * @return {@code true} if the firmware printed under KVM in time
   */
  static boolean works(HostPlatform host, QemuConfig c, String cpu, Map<String, String> env) {
    if (!host.kvmDevice()) {
      LOG.log(
          Level.INFO,
          "{0} is missing or not accessible to this user: VMs run under TCG emulation",
          host.kvmPath());
      return false;
    }
    List<String> key =
        List.of(
            c.binPath(), c.machine(), cpu, c.ovmfCodeFile(), c.ovmfVarsFile(), host.kvmPath() + "");
    return CACHE.computeIfAbsent(key, k -> probe(c, cpu, env));
  }

  private static boolean probe(QemuConfig c, String cpu, Map<String, String> env) {
    Path dir = null;
    Process qemu = null;
    try {
      dir = Files.createTempDirectory("cocos-kvm-probe-");
      Path vars = dir.resolve("OVMF_VARS.fd");
      Files.copy(Path.of(c.ovmfVarsFile()), vars);
      Path console = dir.resolve("console.log");
      Path log = dir.resolve("qemu.log");
      // Under coreutils' timeout, so the probe cannot outlive it even if the manager dies first
      // (a QEMU that KVM hangs would otherwise run forever).
      List<String> cmd =
          List.of(
              "timeout",
              "--signal=KILL",
              (LIMIT.toSeconds() + 5) + "s",
              c.binPath(),
              "-accel",
              "kvm",
              "-machine",
              c.machine(),
              "-cpu",
              cpu,
              "-smp",
              "1",
              "-m",
              "256M",
              "-nodefaults",
              "-display",
              "none",
              "-drive",
              "if=pflash,format=raw,unit=0,file="
                  + QemuCommand.esc(QemuCommand.abs(c.ovmfCodeFile()))
                  + ",readonly=on",
              "-drive",
              "if=pflash,format=raw,unit=1,file=" + QemuCommand.esc(vars.toString()),
              "-serial",
              "file:" + console,
              "-monitor",
              "none",
              "-no-reboot");
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().clear();
      pb.environment().putAll(env);
      pb.directory(dir.toFile());
      pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
      pb.redirectErrorStream(true);
      pb.redirectOutput(log.toFile());
      long t0 = System.nanoTime();
      qemu = pb.start();
      long deadline = t0 + LIMIT.toNanos();
      while (System.nanoTime() < deadline && qemu.isAlive() && size(console) == 0) {
        Thread.sleep(50);
      }
      boolean printed = size(console) > 0;
      long millis = (System.nanoTime() - t0) / 1_000_000;
      if (printed) {
        LOG.log(
            Level.INFO,
            "KVM works: the firmware printed after {0} ms under -accel kvm -cpu {1}; VMs run under"
                + " KVM",
            Long.toString(millis),
            cpu);
      } else {
        // QEMU follows "KVM internal error" with a register dump: the error line says more.
        List<String> all = ProcessVmBackend.tail(log, 40);
        List<String> said =
            all.stream()
                .filter(l -> l.toLowerCase(java.util.Locale.ROOT).contains("error"))
                .limit(2)
                .toList();
        if (said.isEmpty()) {
          said = all.subList(Math.max(0, all.size() - 2), all.size());
        }
        said = QemuVmBackend.sanitize(said);
        LOG.log(
            Level.WARNING,
            "KVM does not run guests here: the firmware printed nothing within {0} ms under -accel"
                + " kvm -cpu {1}{2}; VMs run under TCG emulation (MANAGER_QEMU_ENABLE_KVM=true"
                + " forces KVM)",
            Long.toString(millis),
            cpu,
            said.isEmpty() ? "" : " (QEMU: " + String.join(" / ", said) + ")");
      }
      return printed;
    } catch (IOException e) {
      LOG.log(
          Level.WARNING,
          "cannot probe KVM ({0}): VMs run under TCG emulation (MANAGER_QEMU_ENABLE_KVM=true forces"
              + " KVM)",
          e.getMessage());
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      if (qemu != null) {
        // QEMU is timeout's child: end it first, then timeout.
        qemu.descendants().forEach(ProcessHandle::destroyForcibly);
        qemu.destroyForcibly();
        try {
          qemu.waitFor();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      if (dir != null) {
        try {
          SecureFiles.wipe(dir);
        } catch (IOException e) {
          LOG.log(Level.WARNING, "cannot delete " + dir + ": " + e.getMessage());
        }
      }
    }
  }

  private static long size(Path file) {
    try {
      return Files.size(file);
    } catch (IOException e) {
      return 0;
    }
  }

  /** Forgets the probes (tests). */
  static void forget() {
    CACHE.clear();
  }
}
