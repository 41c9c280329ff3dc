package ai.cocos.manager.internal;

import ai.cocos.manager.internal.HostPlatform.Tee;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * The QEMU command line of one VM, as a pure function of the settings, what the host offers and the
 * VM's own values (so it is tested as strings, also for SEV-SNP and TDX hosts that do not exist
 * here).
 *
 * <p>The order is CocosAI's (reference §5.3, steps 1-12), with these deliberate differences:
 *
 * <ol>
 *   <li>{@code -accel kvm} or {@code -accel tcg,thread=single|multi} instead of {@code -enable-kvm}
 *       or nothing: KVM is used only where it works ({@link KvmProbe}); SEV-SNP and TDX always need
 *       it; TCG runs single-threaded unless configured ({@link QemuConfig#tcgThread()}).
 *   <li>(step 3) the per-VM copy of {@code OVMF_VARS} lives in the VM's folder, not in {@code
 *       /tmp}.
 *   <li>(step 10) {@code -qmp unix:<vm>/qmp.sock,server=on,wait=off} instead of {@code -monitor
 *       pty}: the backend watches and stops the VM over QMP; {@code -serial file:<vm>/console.log}:
 *       the guest's console (ttyS0), whose last lines an unexpected end reports; {@code
 *       -no-reboot}: a guest reboot ends the VM instead of starting a second agent; {@code -sandbox
 *       on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny} (unless {@code
 *       MANAGER_QEMU_SANDBOX=false}): a guest that takes over QEMU cannot start programs or gain
 *       privileges.
 *   <li>(steps 11, 12) the two 9P shares are {@code readonly=on}: the guest reads its certificates
 *       and environment and never writes into the manager's folder.
 *   <li>(after step 12, not on SEV-SNP) a vTPM through the VM's swtpm: {@code -chardev
 *       socket,id=chrtpm,path=<vm>/tpm/swtpm-sock -tpmdev emulator,id=tpm0,chardev=chrtpm -device
 *       tpm-tis,tpmdev=tpm0}. SEV-SNP VMs have theirs inside the IGVM (COCONUT-SVSM).
 * </ol>
 *
 * <p>Values inside QEMU's {@code key=value,...} options have their commas doubled (QEMU's escape),
 * so a path with a comma cannot add options.
 */
final class QemuCommand {
  /** Kernel-command-line parameter carrying {@code CreateReq.aa_kbs_params} (CocosAI §5.1). */
  static final String AA_KBC_PARAMS = "agent.aa_kbc_params=";

  /** QEMU's seccomp sandbox: no programs, no privileges, no obsolete or scheduling calls. */
  static final String SANDBOX =
      "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny";

  private QemuCommand() {}

  /**
   * What the host and the settings decided for every VM of this backend.
   *
   * @param tee the technology
   * @param kvm {@code true} for {@code -accel kvm}, {@code false} for TCG
   * @param cpu the CPU model
   * @param smpCount the number of virtual CPUs
   * @param gpuBdf a GPU to pass through, if any
   * @param kernelCmdline the image's kernel command line (without per-VM additions)
   */
  record Host(
      Tee tee,
      boolean kvm,
      String cpu,
      int smpCount,
      Optional<String> gpuBdf,
      String kernelCmdline) {
    Host {
      Objects.requireNonNull(tee, "tee");
      Objects.requireNonNull(cpu, "cpu");
      Objects.requireNonNull(gpuBdf, "gpuBdf");
      Objects.requireNonNull(kernelCmdline, "kernelCmdline");
    }
  }

  /**
   * One VM's own values.
   *
   * @param cvmId the CVM id, suffixed to the netdev, SEV-SNP and TDX ids
   * @param hostPort the host port forwarded to the agent
   * @param files the VM's files
   * @param certsDir the {@code certs_share} folder
   * @param envDir the {@code env_share} folder
   * @param aaKbcParams {@code CreateReq.aa_kbs_params}, empty if none
   */
  record Vm(
      String cvmId, int hostPort, QemuFiles files, Path certsDir, Path envDir, String aaKbcParams) {
    Vm {
      Objects.requireNonNull(cvmId, "cvmId");
      Objects.requireNonNull(files, "files");
      Objects.requireNonNull(certsDir, "certsDir");
      Objects.requireNonNull(envDir, "envDir");
      Objects.requireNonNull(aaKbcParams, "aaKbcParams");
    }
  }

  /**
   * The kernel command line of one VM: the image's, plus {@code agent.aa_kbc_params=} when the
   * request carries KBS parameters (the only per-VM addition, as in CocosAI).
   *
   * @param base the image's command line
   * @param aaKbcParams the KBS parameters, empty if none
   * @return the command line
   */
  static String kernelCmdline(String base, String aaKbcParams) {
    return aaKbcParams.isEmpty() ? base : base + " " + AA_KBC_PARAMS + aaKbcParams;
  }

  /**
   * The command line.
   *
   * @param c the settings
   * @param h what the host offers
   * @param v the VM
   * @return the program and its arguments
   */
  static List<String> build(QemuConfig c, Host h, Vm v) {
    List<String> a = new ArrayList<>();
    a.add(c.binPath());
    boolean snp = h.tee() == Tee.SNP;
    boolean tdx = h.tee() == Tee.TDX;
    String netdev = c.netdevId() + "-" + v.cvmId();
    String sevId = c.sevSnpId() + "-" + v.cvmId();
    String tdxId = c.tdxId() + "-" + v.cvmId();
    QemuFiles f = v.files();

    // 1. The accelerator.
    add(
        a,
        "-accel",
        h.kvm() ? "kvm" : "tcg,thread=" + c.tcgThread().trim().toLowerCase(Locale.ROOT));
    // 2. Machine, CPU, memory.
    add(a, "-machine", c.machine());
    add(a, "-cpu", h.cpu());
    add(a, "-smp", h.smpCount() + ",maxcpus=" + c.smpMaxcpus());
    add(a, "-m", c.memorySize() + ",slots=" + c.memorySlots() + ",maxmem=" + c.maxMemory());
    // 3. UEFI firmware for VMs without SEV-SNP or TDX, with the VM's own variable store.
    if (!snp && !tdx) {
      add(
          a,
          "-drive",
          "if="
              + c.ovmfCodeIf()
              + ",format="
              + c.ovmfCodeFormat()
              + ",unit="
              + c.ovmfCodeUnit()
              + ",file="
              + esc(abs(c.ovmfCodeFile()))
              + ",readonly="
              + c.ovmfCodeReadonly());
      add(
          a,
          "-drive",
          "if="
              + c.ovmfVarsIf()
              + ",format="
              + c.ovmfVarsFormat()
              + ",unit="
              + c.ovmfVarsUnit()
              + ",file="
              + esc(f.ovmfVars().toString()));
    }
    // 4. User networking: the host port to the agent's.
    add(
        a,
        "-netdev",
        "user,id=" + esc(netdev) + ",hostfwd=tcp::" + v.hostPort() + "-:" + c.guestFwdAgent());
    add(
        a,
        "-device",
        "virtio-net-pci,disable-legacy="
            + c.virtioNetPciDisableLegacy()
            + ",iommu_platform="
            + c.virtioNetPciIommuPlatform()
            + ",netdev="
            + esc(netdev)
            + ",addr="
            + c.virtioNetPciAddr()
            + ",romfile="
            + esc(c.virtioNetPciRomfile()));
    // 5. Disk mode: the VM's copy of the disk image.
    if (c.enableDisk()) {
      add(
          a,
          "-drive",
          "file="
              + esc(f.disk(c.diskFormat()).toString())
              + ",if=none,id="
              + c.diskId()
              + ",format="
              + c.diskFormat());
      add(
          a,
          "-device",
          "virtio-scsi-pci,id=" + c.diskScsiId() + ",disable-legacy=on,iommu_platform=true");
      add(a, "-device", "scsi-hd,drive=" + c.diskId() + ",bus=" + c.diskScsiId() + ".0");
    }
    // 6. GPU pass-through.
    if (h.gpuBdf().isPresent()) {
      add(a, "-device", "pcie-root-port,id=" + c.gpuPcieRootPort() + ",bus=" + c.gpuPcieBus());
      add(a, "-device", "vfio-pci,host=" + esc(h.gpuBdf().get()) + ",bus=" + c.gpuPcieRootPort());
      add(a, "-fw_cfg", "name=opt/ovmf/X-PciMmio64Mb,string=" + c.gpuFwCfgMmioMb());
    }
    // 7. SEV-SNP: encrypted memory, the IGVM with OVMF and the SVSM vTPM.
    if (snp) {
      add(
          a,
          "-machine",
          "confidential-guest-support="
              + esc(sevId)
              + ",memory-backend="
              + c.memId()
              + ",igvm-cfg="
              + c.igvmId());
      add(a, "-object", memfd(c));
      add(
          a,
          "-object",
          "sev-snp-guest,id="
              + esc(sevId)
              + ",cbitpos="
              + c.sevSnpCbitPos()
              + ",reduced-phys-bits="
              + c.sevSnpReducedPhysBits()
              + (c.enableHostData() ? ",host-data=" + c.hostData() : ""));
      add(a, "-object", "igvm-cfg,id=" + c.igvmId() + ",file=" + esc(abs(c.igvmFile())));
    }
    // 8. TDX: the TD object with the quote generation service, encrypted memory, its firmware.
    if (tdx) {
      add(
          a,
          "-object",
          "{\"qom-type\":\"tdx-guest\",\"id\":\""
              + jsonEsc(tdxId)
              + "\",\"quote-generation-socket\":{\"type\":\"vsock\",\"cid\":\"2\",\"port\":\""
              + c.quoteGenerationPort()
              + "\"}}");
      add(
          a,
          "-machine",
          "confidential-guest-support="
              + esc(tdxId)
              + ",memory-backend="
              + c.memId()
              + ",hpet=off");
      add(a, "-object", memfd(c));
      add(a, "-bios", c.ovmfFile());
      a.add("-nodefaults");
    }
    // 9. Kernel mode: the image's kernel, command line and initramfs.
    if (!c.enableDisk() && !c.diskImgKernelFile().isBlank()) {
      add(a, "-kernel", abs(c.diskImgKernelFile()));
      add(a, "-append", kernelCmdline(h.kernelCmdline(), v.aaKbcParams()));
      add(a, "-initrd", abs(c.diskImgRootfsFile()));
    }
    // 10. No display; QMP, the console file and no reboot instead of CocosAI's -monitor pty.
    if (c.noGraphic()) {
      a.add("-nographic");
    }
    add(a, "-qmp", "unix:" + esc(f.qmpSocket().toString()) + ",server=on,wait=off");
    // "file:" takes the rest of the argument verbatim as the path.
    add(a, "-serial", "file:" + f.console());
    a.add("-no-reboot");
    if (c.sandbox()) {
      add(a, "-sandbox", SANDBOX);
    }
    // 11, 12. The certificates and the environment over 9P, read-only.
    add(
        a,
        "-fsdev",
        "local,id=cert_fs,path="
            + esc(v.certsDir().toString())
            + ",security_model=mapped,readonly=on");
    add(a, "-device", "virtio-9p-pci,fsdev=cert_fs,mount_tag=certs_share");
    add(
        a,
        "-fsdev",
        "local,id=env_fs,path="
            + esc(v.envDir().toString())
            + ",security_model=mapped,readonly=on");
    add(a, "-device", "virtio-9p-pci,fsdev=env_fs,mount_tag=env_share");
    // 13. The vTPM (SEV-SNP: inside the IGVM instead).
    if (usesSwtpm(c, h.tee())) {
      add(a, "-chardev", "socket,id=chrtpm,path=" + esc(f.swtpmSocket().toString()));
      add(a, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm");
      add(a, "-device", "tpm-tis,tpmdev=tpm0");
    }
    return List.copyOf(a);
  }

  /**
   * Whether VMs get a vTPM through swtpm.
   *
   * @param c the settings
   * @param tee the technology
   * @return {@code true} unless disabled or SEV-SNP (whose vTPM is in the SVSM)
   */
  static boolean usesSwtpm(QemuConfig c, Tee tee) {
    return c.vtpm() && tee != Tee.SNP;
  }

  private static String memfd(QemuConfig c) {
    return "memory-backend-memfd,id="
        + c.memId()
        + ",size="
        + c.memorySize()
        + ",share=true,prealloc=false";
  }

  private static void add(List<String> a, String option, String value) {
    a.add(option);
    a.add(value);
  }

  /**
   * A file setting as an absolute path: QEMU runs in the VM's folder, while relative settings mean
   * the manager's working folder. ({@code -bios} and {@code romfile} stay as given: QEMU looks
   * relative names up in its firmware folders.)
   */
  static String abs(String file) {
    return Path.of(file).toAbsolutePath().normalize().toString();
  }

  /** QEMU's escape for a value inside a {@code key=value,...} option: a comma is doubled. */
  static String esc(String value) {
    return value.replace(",", ",,");
  }

  private static String jsonEsc(String value) {
    return value.replace("\\", "\\\\").replace("\"", "\\\"");
  }
}
