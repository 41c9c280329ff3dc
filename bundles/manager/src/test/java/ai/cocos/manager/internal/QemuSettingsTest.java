package ai.cocos.manager.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.manager.VmBackendException;
import ai.cocos.manager.VmLaunch;
import ai.cocos.manager.internal.HostPlatform.Tee;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The QEMU backend's settings, decisions and guest-facing values, without starting QEMU. */
class QemuSettingsTest {
  @TempDir Path tmp;

  private QemuVmBackend backend(Map<String, Object> overrides) {
    return backend(overrides, "", new HostPlatform(tmp.resolve("no-host")));
  }

  private QemuVmBackend backend(Map<String, Object> overrides, String cpu, HostPlatform host) {
    Map<String, Object> m = new HashMap<>();
    m.put("enableKvm", "false");
    m.put("tee", "none");
    m.putAll(overrides);
    return new QemuVmBackend(TestSupport.qemuConfig(m), cpu, 4, host, System.getenv());
  }

  private static String refused(Map<String, Object> overrides, int smp) {
    Map<String, Object> m = new HashMap<>(overrides);
    return assertThrows(
            IllegalArgumentException.class,
            () ->
                new QemuVmBackend(
                    TestSupport.qemuConfig(m), "", smp, HostPlatform.real(), Map.of()))
        .getMessage();
  }

  @Test
  void invalidSettingsAreRefusedNamingTheVariable() {
    assertEquals(
        "MANAGER_QEMU_ENABLE_KVM must be one of auto, true, false; found 'maybe'",
        refused(Map.of("enableKvm", "maybe"), 4));
    assertEquals(
        "MANAGER_QEMU_TEE must be one of auto, none, snp, tdx; found 'sgx'",
        refused(Map.of("tee", "sgx"), 4));
    assertEquals(
        "MANAGER_QEMU_TCG_THREAD must be one of single, multi; found 'many'",
        refused(Map.of("tcgThread", "many"), 4));
    assertEquals(
        "MANAGER_QEMU_MEMORY_SIZE must be a size such as 2048M or 4G; found '2 GB'",
        refused(Map.of("memorySize", "2 GB"), 4));
    assertEquals(
        "MANAGER_QEMU_SMP_COUNT must be 1 to MANAGER_QEMU_SMP_MAXCPUS (64), found 65",
        refused(Map.of(), 65));
    assertTrue(
        refused(Map.of("diskImgRootfsFile", ""), 4)
            .startsWith(
                "MANAGER_QEMU_DISK_IMG_KERNEL_FILE and MANAGER_QEMU_DISK_IMG_ROOTFS_FILE go"
                    + " together"));
    assertEquals(
        "MANAGER_QEMU_ENABLE_HOST_DATA=true needs MANAGER_QEMU_HOST_DATA, base64 of 32 bytes"
            + " (e.g. a SHA-256 digest); found none",
        refused(Map.of("enableHostData", true), 4));
    assertTrue(
        refused(Map.of("enableHostData", true, "hostData", "c2hvcnQ="), 4)
            .endsWith("found 5 bytes"));
    assertEquals(
        "MANAGER_QEMU_DISK_FORMAT must be one of qcow2, raw; found 'vmdk'",
        refused(Map.of("enableDisk", true, "diskFormat", "vmdk"), 4));
    assertEquals(
        "MANAGER_BACKEND must be process or qemu; found 'docker'",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    ManagerRuntime.backend(
                        TestSupport.config(Map.of("backend", "docker")),
                        TestSupport.qemuConfig(Map.of()),
                        Map.of()))
            .getMessage());
  }

  @Test
  void theBackendIsChosenByConfiguration() {
    assertEquals(
        "process",
        ManagerRuntime.backend(
                TestSupport.config(Map.of()), TestSupport.qemuConfig(Map.of()), Map.of())
            .name());
    assertEquals(
        "qemu",
        ManagerRuntime.backend(
                TestSupport.config(Map.of("backend", " QEMU ")),
                TestSupport.qemuConfig(Map.of("enableKvm", "false")),
                Map.of())
            .name());
  }

  @Test
  void theKernelCommandLineIsTheSettingTheImagesOrTheDefault() throws Exception {
    Path eos = Files.createDirectories(tmp.resolve("eos"));
    Map<String, Object> image =
        Map.of(
            "diskImgKernelFile",
            eos.resolve("bzImage").toString(),
            "diskImgRootfsFile",
            eos.resolve("rootfs.cpio.gz").toString());
    assertEquals(QemuVmBackend.DEFAULT_CMDLINE, backend(image).imageCmdline());
    Files.writeString(
        eos.resolve("eos-measurements.json"),
        "{\"kernel_cmdline\": \"console=ttyS0 quiet panic=-1 eos.v=3\", \"pcr9\": \"00\"}");
    assertEquals("console=ttyS0 quiet panic=-1 eos.v=3", backend(image).imageCmdline());
    Map<String, Object> set = new HashMap<>(image);
    set.put("kernelCmdline", "console=ttyS0 mine");
    assertEquals("console=ttyS0 mine", backend(set).imageCmdline());
    Files.writeString(eos.resolve("eos-measurements.json"), "{\"kernel_cmdline\": 3}");
    VmBackendException e =
        assertThrows(VmBackendException.class, () -> backend(image).imageCmdline());
    assertTrue(e.getMessage().contains("set MANAGER_QEMU_KERNEL_CMDLINE"), e.getMessage());
  }

  @Test
  void theGuestReachesTheManagerThroughTheUserNetworkAndFindsItsCertificatesInEtcCerts()
      throws Exception {
    QemuVmBackend b = backend(Map.of());
    assertEquals(
        "10.0.2.2:7001",
        b.cvmsAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 7001)));
    assertEquals("10.0.2.2:7001", b.cvmsAddress(new InetSocketAddress(7001)));
    assertEquals(
        "192.0.2.7:7001",
        b.cvmsAddress(new InetSocketAddress(InetAddress.getByName("192.0.2.7"), 7001)));
    assertEquals("/etc/certs", b.agentCertsDir(tmp));
  }

  @Test
  void theCpuModelFollowsTheAcceleratorUnlessConfigured() throws Exception {
    assertEquals(Optional.of("qemu64"), backend(Map.of("enableKvm", "false")).cpuType());
    assertEquals(Optional.of("EPYC"), backend(Map.of("enableKvm", "true")).cpuType());
    assertEquals(
        Optional.of("Skylake-Server"),
        backend(Map.of("enableKvm", "false"), "Skylake-Server", HostPlatform.real()).cpuType());
    QemuCommand.Host h = backend(Map.of("enableKvm", "false")).hostValues();
    assertEquals(Tee.NONE, h.tee());
    assertFalse(h.kvm());
  }

  @Test
  void aDetectedSevSnpHostGetsKvmAndRefusesTcg() throws Exception {
    Path root = tmp.resolve("snp-host");
    Files.createDirectories(root.resolve("proc"));
    Files.writeString(root.resolve("proc/cpuinfo"), "flags\t: sev sev_snp\n");
    Files.createDirectories(root.resolve("sys/module/kvm_amd/parameters"));
    Files.writeString(root.resolve("sys/module/kvm_amd/parameters/sev_snp"), "Y\n");
    HostPlatform snp = new HostPlatform(root);
    QemuCommand.Host h = backend(Map.of("tee", "auto", "enableKvm", "auto"), "", snp).hostValues();
    assertEquals(Tee.SNP, h.tee());
    assertTrue(h.kvm(), "SEV-SNP runs under KVM without a probe");
    assertEquals("EPYC", h.cpu());
    VmBackendException e =
        assertThrows(
            VmBackendException.class,
            () -> backend(Map.of("tee", "auto", "enableKvm", "false"), "", snp).hostValues());
    assertEquals(
        "SEV-SNP VMs need KVM, but MANAGER_QEMU_ENABLE_KVM=false: set it to auto or true, or"
            + " MANAGER_QEMU_TEE=none for plain VMs",
        e.getMessage());
    assertEquals(
        Tee.NONE, backend(Map.of("tee", "none", "enableKvm", "false"), "", snp).hostValues().tee());
  }

  @Test
  void withoutAKvmDeviceTheProbeSaysNoAtOnce() {
    HostPlatform none = new HostPlatform(tmp.resolve("no-kvm"));
    long t0 = System.nanoTime();
    assertFalse(KvmProbe.works(none, TestSupport.qemuConfig(Map.of()), "EPYC", Map.of()));
    assertTrue(System.nanoTime() - t0 < 1_000_000_000L, "no QEMU was started");
  }

  @Test
  void kbsParametersWithBlanksCannotAddKernelParameters() throws Exception {
    Path vm = Files.createDirectories(tmp.resolve("vm"));
    VmLaunch launch =
        new VmLaunch(
            "id",
            6100,
            vm,
            vm.resolve("certs"),
            vm.resolve("env"),
            Map.of(),
            "cc_kbc::http://kbs init=/bin/sh");
    VmBackendException e =
        assertThrows(VmBackendException.class, () -> backend(Map.of()).start(launch));
    assertTrue(e.getMessage().startsWith("aa_kbs_params must not contain blanks"), e.getMessage());
    try (var s = Files.list(vm)) {
      assertEquals(List.of(), s.toList(), "nothing was started or written");
    }
  }

  @Test
  void consoleOutputIsCleanedOfTerminalControl() throws Exception {
    Path console = tmp.resolve("console.log");
    Files.writeString(
        console,
        "\u001b[2J\u001b[01;01H\u001b[=3h\u001b[2J\u001b[01;01HBdsDxe: loading Boot0001 \"EFI"
            + " Internal Shell\"\r\n"
            + "\u001b[05;01HPress \u001b[1m\u001b[37m\u001b[40mESC\u001b[0m in 5 seconds\r"
            + "bell\u0007 and nul\u0000 gone\n\n\n"
            + "x".repeat(400)
            + "\n");
    List<String> tail = QemuVmBackend.consoleTail(console, 50);
    assertEquals(
        List.of(
            "BdsDxe: loading Boot0001 \"EFI Internal Shell\"",
            "Press ESC in 5 seconds",
            "bell and nul gone",
            "x".repeat(300) + "…"),
        tail);
    assertEquals(
        List.of("bell and nul gone", "x".repeat(300) + "…"), QemuVmBackend.consoleTail(console, 2));
    assertEquals(List.of(), QemuVmBackend.consoleTail(tmp.resolve("missing"), 5));
  }
}
