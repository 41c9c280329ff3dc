package ai.cocos.manager.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.manager.internal.HostPlatform.Tee;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The QEMU command line as strings, token by token against CocosAI's reference (§5.3), for the
 * SEV-SNP and TDX hosts that do not exist here and for the plain VMs that run here.
 */
class QemuCommandTest {
  private static final String ID = "5b0e5d9c-7d4e-4bd8-9a65-2f1c3e0f9a11";
  private static final Path VM = Path.of("/var/lib/cocos/vms/" + ID);
  private static final String B64 = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXoxMjM0NTY=";

  private static QemuCommand.Vm vm(String aa) {
    return new QemuCommand.Vm(
        ID, 6100, new QemuFiles(VM), VM.resolve("certs"), VM.resolve("env"), aa);
  }

  private static QemuCommand.Host host(Tee tee, boolean kvm, String cpu) {
    return new QemuCommand.Host(tee, kvm, cpu, 4, Optional.empty(), QemuVmBackend.DEFAULT_CMDLINE);
  }

  private static QemuConfig eos(Map<String, Object> more) {
    Map<String, Object> m = new HashMap<>();
    m.put("diskImgKernelFile", "/opt/eos/bzImage");
    m.put("diskImgRootfsFile", "/opt/eos/rootfs.cpio.gz");
    m.putAll(more);
    return TestSupport.qemuConfig(m);
  }

  /** Options as lines, one option with its value per line, to read a failing diff easily. */
  private static List<String> lines(List<String> argv) {
    List<String> out = new ArrayList<>();
    out.add(argv.get(0));
    for (int i = 1; i < argv.size(); i++) {
      String a = argv.get(i);
      boolean flagOnly =
          a.equals("-nodefaults") || a.equals("-nographic") || a.equals("-no-reboot");
      if (flagOnly || i + 1 == argv.size()) {
        out.add(a);
      } else {
        out.add(a + " " + argv.get(++i));
      }
    }
    return out;
  }

  /** What §5.3 prescribes for every VM after the technology-specific part (steps 9-12). */
  private static List<String> tail(String cmdline) {
    return List.of(
        // 9. kernel mode
        "-kernel /opt/eos/bzImage",
        "-append " + cmdline,
        "-initrd /opt/eos/rootfs.cpio.gz",
        // 10. -nographic; ours instead of -monitor pty: QMP, the console file, no reboot
        "-nographic",
        "-qmp unix:" + VM + "/qmp.sock,server=on,wait=off",
        "-serial file:" + VM + "/console.log",
        "-no-reboot",
        "-sandbox on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny",
        // 11, 12. 9P shares (ours: read-only)
        "-fsdev local,id=cert_fs,path=" + VM + "/certs,security_model=mapped,readonly=on",
        "-device virtio-9p-pci,fsdev=cert_fs,mount_tag=certs_share",
        "-fsdev local,id=env_fs,path=" + VM + "/env,security_model=mapped,readonly=on",
        "-device virtio-9p-pci,fsdev=env_fs,mount_tag=env_share");
  }

  /** Steps 1, 2 and 4 with CocosAI's defaults. */
  private static List<String> head(String accel, String cpu) {
    return List.of(
        "qemu-system-x86_64",
        // 1. ours: -accel instead of -enable-kvm
        "-accel " + accel,
        // 2.
        "-machine q35",
        "-cpu " + cpu,
        "-smp 4,maxcpus=64",
        "-m 2048M,slots=5,maxmem=30G");
  }

  private static final List<String> NET =
      List.of(
          "-netdev user,id=vmnic-" + ID + ",hostfwd=tcp::6100-:7002",
          "-device virtio-net-pci,disable-legacy=on,iommu_platform=true,netdev=vmnic-"
              + ID
              + ",addr=0x2,romfile=");

  private static final List<String> SWTPM =
      List.of(
          "-chardev socket,id=chrtpm,path=" + VM + "/tpm/swtpm-sock",
          "-tpmdev emulator,id=tpm0,chardev=chrtpm",
          "-device tpm-tis,tpmdev=tpm0");

  private static List<String> concat(List<?>... parts) {
    List<String> out = new ArrayList<>();
    for (List<?> p : parts) {
      for (Object o : p) {
        out.add((String) o);
      }
    }
    return out;
  }

  @Test
  void sevSnpIsCocosAisLineWithTheIgvmAndNoSwtpm() {
    List<String> argv = QemuCommand.build(eos(Map.of()), host(Tee.SNP, true, "EPYC"), vm(""));
    List<String> expected =
        concat(
            head("kvm", "EPYC"),
            // 3. no pflash firmware: OVMF is inside the IGVM
            NET,
            // 7. SEV-SNP
            List.of(
                "-machine confidential-guest-support=sev0-"
                    + ID
                    + ",memory-backend=ram1,igvm-cfg=igvm0",
                "-object memory-backend-memfd,id=ram1,size=2048M,share=true,prealloc=false",
                "-object sev-snp-guest,id=sev0-" + ID + ",cbitpos=51,reduced-phys-bits=1",
                "-object igvm-cfg,id=igvm0,file=/root/coconut-qemu.igvm"),
            tail(QemuVmBackend.DEFAULT_CMDLINE));
    assertEquals(expected, lines(argv));
    assertFalse(argv.contains("-tpmdev"), "the vTPM is the SVSM's");
  }

  @Test
  void sevSnpHostDataAndKbsParametersGoWhereCocosAiPutsThem() {
    List<String> argv =
        QemuCommand.build(
            eos(Map.of("enableHostData", true, "hostData", B64)),
            host(Tee.SNP, true, "EPYC-v4"),
            vm("provider:kbs::http://10.0.2.2:8080"));
    List<String> l = lines(argv);
    assertTrue(
        l.contains(
            "-object sev-snp-guest,id=sev0-"
                + ID
                + ",cbitpos=51,reduced-phys-bits=1,host-data="
                + B64),
        l.toString());
    assertTrue(l.contains("-cpu EPYC-v4"));
    assertTrue(
        l.contains(
            "-append console=ttyS0 quiet panic=-1"
                + " agent.aa_kbc_params=provider:kbs::http://10.0.2.2:8080"),
        l.toString());
  }

  @Test
  void tdxIsCocosAisLineWithItsFirmwareAndNoDefaults() {
    List<String> argv = QemuCommand.build(eos(Map.of()), host(Tee.TDX, true, "EPYC"), vm(""));
    List<String> expected =
        concat(
            head("kvm", "EPYC"),
            NET,
            // 8. TDX
            List.of(
                "-object {\"qom-type\":\"tdx-guest\",\"id\":\"tdx0-"
                    + ID
                    + "\",\"quote-generation-socket\":{\"type\":\"vsock\",\"cid\":\"2\",\"port\":\"4050\"}}",
                "-machine confidential-guest-support=tdx0-" + ID + ",memory-backend=ram1,hpet=off",
                "-object memory-backend-memfd,id=ram1,size=2048M,share=true,prealloc=false",
                "-bios /usr/share/ovmf/OVMF.fd",
                "-nodefaults"),
            tail(QemuVmBackend.DEFAULT_CMDLINE),
            // ours: the swtpm vTPM
            SWTPM);
    assertEquals(expected, lines(argv));
  }

  @Test
  void aPlainVmBootsOvmfWithItsOwnVariablesAndTheSwtpm() {
    List<String> argv = QemuCommand.build(eos(Map.of()), host(Tee.NONE, false, "max"), vm(""));
    List<String> expected =
        concat(
            head("tcg,thread=single", "max"),
            // 3. OVMF code and the VM's copy of the variables
            List.of(
                "-drive if=pflash,format=raw,unit=0,file=/usr/share/OVMF/OVMF_CODE.fd,readonly=on",
                "-drive if=pflash,format=raw,unit=1,file=" + VM + "/OVMF_VARS.fd"),
            NET,
            tail(QemuVmBackend.DEFAULT_CMDLINE),
            SWTPM);
    assertEquals(expected, lines(argv));
  }

  @Test
  void settingsReachTheirOptions() {
    Map<String, Object> m = new HashMap<>();
    m.put("binPath", "/opt/qemu/bin/qemu-system-x86_64");
    m.put("machine", "q35,smm=off");
    m.put("smpMaxcpus", 16);
    m.put("memorySize", "25G");
    m.put("memorySlots", 2);
    m.put("maxMemory", "40G");
    m.put("netdevId", "net");
    m.put("guestFwdAgent", 7100);
    m.put("virtioNetPciRomfile", "/usr/share/qemu/efi-virtio.rom");
    m.put("noGraphic", false);
    m.put("vtpm", false);
    m.put("sandbox", false);
    m.put("kernelCmdline", "ignored: the host values carry the command line");
    List<String> l =
        lines(
            QemuCommand.build(
                eos(m),
                new QemuCommand.Host(
                    Tee.NONE, true, "EPYC", 2, Optional.empty(), "console=ttyS0 eos=1"),
                vm("")));
    assertEquals("/opt/qemu/bin/qemu-system-x86_64", l.get(0));
    assertEquals("-accel kvm", l.get(1));
    assertEquals("-machine q35,smm=off", l.get(2));
    assertEquals("-smp 2,maxcpus=16", l.get(4));
    assertEquals("-m 25G,slots=2,maxmem=40G", l.get(5));
    assertTrue(l.contains("-netdev user,id=net-" + ID + ",hostfwd=tcp::6100-:7100"), l.toString());
    assertTrue(
        l.stream()
            .anyMatch(
                x ->
                    x.endsWith(
                        "netdev=net-" + ID + ",addr=0x2,romfile=/usr/share/qemu/efi-virtio.rom")),
        l.toString());
    assertTrue(l.contains("-append console=ttyS0 eos=1"));
    assertFalse(l.contains("-nographic"));
    assertFalse(l.stream().anyMatch(x -> x.startsWith("-tpmdev")), "vTPM switched off");
    assertFalse(l.stream().anyMatch(x -> x.startsWith("-sandbox")), "sandbox switched off");
  }

  @Test
  void diskModeBootsTheVmsCopyInsteadOfAKernel() {
    List<String> l =
        lines(
            QemuCommand.build(
                eos(Map.of("enableDisk", true, "diskFormat", "raw")),
                host(Tee.NONE, false, "max"),
                vm("")));
    int net = l.indexOf(NET.get(1));
    assertEquals(
        List.of(
            "-drive file=" + VM + "/disk.raw,if=none,id=disk0,format=raw",
            "-device virtio-scsi-pci,id=scsi0,disable-legacy=on,iommu_platform=true",
            "-device scsi-hd,drive=disk0,bus=scsi0.0"),
        l.subList(net + 1, net + 4));
    assertFalse(l.stream().anyMatch(x -> x.startsWith("-kernel")), l.toString());
  }

  @Test
  void aGpuIsPassedThroughAfterTheNetwork() {
    List<String> l =
        lines(
            QemuCommand.build(
                eos(Map.of()),
                new QemuCommand.Host(
                    Tee.SNP, true, "EPYC", 4, Optional.of("0000:c1:00.0"), "console=ttyS0"),
                vm("")));
    int net = l.indexOf(NET.get(1));
    assertEquals(
        List.of(
            "-device pcie-root-port,id=pci.1,bus=pcie.0",
            "-device vfio-pci,host=0000:c1:00.0,bus=pci.1",
            "-fw_cfg name=opt/ovmf/X-PciMmio64Mb,string=262144"),
        l.subList(net + 1, net + 4));
    assertTrue(l.get(net + 4).startsWith("-machine confidential-guest-support=sev0-"));
  }

  @Test
  void withoutAKernelTheFirmwareBootsAlone() {
    List<String> argv =
        QemuCommand.build(
            TestSupport.qemuConfig(
                Map.of("diskImgKernelFile", "", "diskImgRootfsFile", "", "tcgThread", "multi")),
            host(Tee.NONE, false, "max"),
            vm(""));
    assertEquals(List.of("-accel", "tcg,thread=multi"), argv.subList(1, 3));
    assertFalse(argv.contains("-kernel"));
    assertFalse(argv.contains("-append"));
    assertFalse(argv.contains("-initrd"));
  }

  @Test
  void commasInPathsCannotAddOptions() {
    Path odd = Path.of("/srv/a,b");
    List<String> l =
        lines(
            QemuCommand.build(
                eos(Map.of("ovmfCodeFile", "/fw/CODE.fd,readonly=off,x=y")),
                host(Tee.NONE, false, "max"),
                new QemuCommand.Vm(
                    ID, 6100, new QemuFiles(odd), odd.resolve("certs"), odd.resolve("env"), "")));
    assertTrue(
        l.contains(
            "-drive if=pflash,format=raw,unit=0,file=/fw/CODE.fd,,readonly=off,,x=y,readonly=on"),
        l.toString());
    assertTrue(
        l.contains(
            "-fsdev local,id=cert_fs,path=/srv/a,,b/certs,security_model=mapped,readonly=on"),
        l.toString());
    assertTrue(l.contains("-qmp unix:/srv/a,,b/qmp.sock,server=on,wait=off"), l.toString());
  }

  @Test
  void relativeImagePathsMeanTheManagersFolderNotTheVms() {
    // The defaults: the EOS image of this checkout, relative to where the manager runs.
    List<String> l =
        lines(
            QemuCommand.build(
                TestSupport.qemuConfig(Map.of()), host(Tee.NONE, false, "max"), vm("")));
    Path here = Path.of("").toAbsolutePath();
    assertTrue(l.contains("-kernel " + here.resolve("eos/target/eos/bzImage")), l.toString());
    assertTrue(
        l.contains("-initrd " + here.resolve("eos/target/eos/rootfs.cpio.gz")), l.toString());
  }

  @Test
  void theKernelCommandLineGetsOnlyTheKbsParameters() {
    assertEquals("console=ttyS0", QemuCommand.kernelCmdline("console=ttyS0", ""));
    assertEquals(
        "console=ttyS0 agent.aa_kbc_params=cc_kbc::http://kbs",
        QemuCommand.kernelCmdline("console=ttyS0", "cc_kbc::http://kbs"));
  }
}
