package ai.cocos.manager.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.cocos.manager.internal.HostPlatform.Tee;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Host detection against folders laid out as the kernel lays out /proc and /sys. */
class HostPlatformTest {
  @TempDir Path root;

  private void cpuinfo(String flags) throws Exception {
    Files.createDirectories(root.resolve("proc"));
    Files.writeString(
        root.resolve("proc/cpuinfo"),
        "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: "
            + flags
            + "\n\nprocessor\t: 1\nflags\t\t: "
            + flags
            + "\n");
  }

  private void param(String module, String name, String value) throws Exception {
    Path dir = Files.createDirectories(root.resolve("sys/module/" + module + "/parameters"));
    Files.writeString(dir.resolve(name), value + "\n");
  }

  @Test
  void sevSnpNeedsTheCpuFlagAndTheKvmParameter() throws Exception {
    cpuinfo("fpu vme sev sev_es sev_snp svm");
    param("kvm_amd", "sev_snp", "N");
    assertEquals(Tee.NONE, new HostPlatform(root).detectTee(), "kvm_amd sev_snp=N");
    param("kvm_amd", "sev_snp", "Y");
    assertEquals(Tee.SNP, new HostPlatform(root).detectTee());
  }

  @Test
  void tdxNeedsTheCpuFlagAndTheKvmParameter() throws Exception {
    cpuinfo("fpu vme vmx tdx_host_platform");
    assertEquals(Tee.NONE, new HostPlatform(root).detectTee(), "no kvm_intel module");
    param("kvm_intel", "tdx", "Y");
    assertEquals(Tee.TDX, new HostPlatform(root).detectTee());
  }

  @Test
  void aFlagThatOnlyStartsLikeTheRightOneDoesNotCount() throws Exception {
    cpuinfo("fpu sev_snp_x tdx_host_platform_y");
    param("kvm_amd", "sev_snp", "Y");
    param("kvm_intel", "tdx", "Y");
    assertEquals(Tee.NONE, new HostPlatform(root).detectTee());
  }

  @Test
  void nothingToReadMeansAPlainHost() {
    HostPlatform h = new HostPlatform(root);
    assertEquals(Tee.NONE, h.detectTee());
    assertEquals(Optional.empty(), h.vfioGpu());
    assertFalse(h.kvmDevice());
  }

  private void pci(String bdf, String vendor, String cls) throws Exception {
    Path dev = Files.createDirectories(root.resolve("sys/bus/pci/drivers/vfio-pci/" + bdf));
    Files.writeString(dev.resolve("vendor"), vendor + "\n");
    Files.writeString(dev.resolve("class"), cls + "\n");
  }

  @Test
  void theGpuIsAnNvidiaDisplayOr3dControllerBoundToVfio() throws Exception {
    Files.createDirectories(root.resolve("sys/bus/pci/drivers/vfio-pci/module"));
    Files.writeString(root.resolve("sys/bus/pci/drivers/vfio-pci/new_id"), "");
    pci("0000:00:1f.2", "0x8086", "0x030000"); // Intel VGA: not NVIDIA
    pci("0000:41:00.0", "0x10de", "0x040300"); // NVIDIA audio function
    assertEquals(Optional.empty(), new HostPlatform(root).vfioGpu());
    pci("0000:c1:00.0", "0x10de", "0x030200"); // NVIDIA 3D controller (H100)
    assertEquals(Optional.of("0000:c1:00.0"), new HostPlatform(root).vfioGpu());
  }
}
