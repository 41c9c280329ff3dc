package ai.cocos.manager.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * What the host offers VMs, read from {@code /proc} and {@code /sys} as CocosAI reads it (reference
 * §5.2): SEV-SNP, TDX, a GPU bound to {@code vfio-pci}, a KVM device. The root is a parameter so
 * tests lay out the files as the kernel does.
 */
final class HostPlatform {
  /** The confidential-computing technology a VM is started with. */
  enum Tee {
    /** A plain VM (OVMF, swtpm vTPM). */
    NONE,
    /** AMD SEV-SNP (IGVM with OVMF and the COCONUT-SVSM vTPM). */
    SNP,
    /** Intel TDX. */
    TDX;

    /**
     * The setting's spelling.
     *
     * @return {@code none}, {@code snp} or {@code tdx}
     */
    String setting() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** PCI vendor id of NVIDIA. */
  static final String NVIDIA = "0x10de";

  private final Path root;

  /**
   * The host as seen from a root folder.
   *
   * @param root {@code /} on a real host
   */
  HostPlatform(Path root) {
    this.root = root;
  }

  /**
   * The real host.
   *
   * @return the host under {@code /}
   */
  static HostPlatform real() {
    return new HostPlatform(Path.of("/"));
  }

  /**
   * The technology the host offers, as CocosAI detects it: SEV-SNP iff {@code /proc/cpuinfo} has
   * the {@code sev_snp} flag and {@code /sys/module/kvm_amd/parameters/sev_snp} is {@code Y}; TDX
   * iff it has {@code tdx_host_platform} and {@code /sys/module/kvm_intel/parameters/tdx} is {@code
   * Y}.
   *
   * @return {@link Tee#SNP}, {@link Tee#TDX} or {@link Tee#NONE}
   */
  Tee detectTee() {
    String flags = cpuFlags();
    if (hasFlag(flags, "sev_snp") && yes("sys/module/kvm_amd/parameters/sev_snp")) {
      return Tee.SNP;
    }
    if (hasFlag(flags, "tdx_host_platform") && yes("sys/module/kvm_intel/parameters/tdx")) {
      return Tee.TDX;
    }
    return Tee.NONE;
  }

  /**
   * A GPU to pass through, as CocosAI finds one: a device bound to {@code vfio-pci} with vendor
   * {@value #NVIDIA} and a class starting {@code 0x0302} (3D controller) or {@code 0x0300} (VGA).
   *
   * @return its PCI address, e.g. {@code 0000:01:00.0}; empty if there is none
   */
  Optional<String> vfioGpu() {
    Path driver = root.resolve("sys/bus/pci/drivers/vfio-pci");
    if (!Files.isDirectory(driver)) {
      return Optional.empty();
    }
    try (Stream<Path> s = Files.list(driver)) {
      return s.filter(p -> p.getFileName().toString().matches("[0-9a-fA-F]{4}:[0-9a-fA-F:.]+"))
          .sorted()
          .filter(
              p -> {
                String vendor = read(p.resolve("vendor"));
                String cls = read(p.resolve("class"));
                return NVIDIA.equalsIgnoreCase(vendor)
                    && (cls.startsWith("0x0302") || cls.startsWith("0x0300"));
              })
          .map(p -> p.getFileName().toString())
          .findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * Whether this user may open the KVM device ({@code /dev/kvm} read-write). Says nothing about
   * whether guests actually run under it: see {@link KvmProbe}.
   *
   * @return {@code true} if it exists and is accessible
   */
  boolean kvmDevice() {
    Path kvm = root.resolve("dev/kvm");
    return Files.exists(kvm) && Files.isReadable(kvm) && Files.isWritable(kvm);
  }

  /**
   * The KVM device's path.
   *
   * @return {@code /dev/kvm} under the root
   */
  Path kvmPath() {
    return root.resolve("dev/kvm");
  }

  private String cpuFlags() {
    // The first "flags" line: every CPU lists the same.
    try (Stream<String> lines =
        Files.lines(root.resolve("proc/cpuinfo"), StandardCharsets.ISO_8859_1)) {
      return lines
          .filter(l -> l.startsWith("flags"))
          .findFirst()
          .map(l -> l.substring(l.indexOf(':') + 1))
          .orElse("");
    } catch (IOException | java.io.UncheckedIOException e) {
      return "";
    }
  }

  private static boolean hasFlag(String flags, String flag) {
    for (String f : flags.trim().split("\\s+")) {
      if (f.equals(flag)) {
        return true;
      }
    }
    return false;
  }

  private boolean yes(String relative) {
    String v = read(root.resolve(relative));
    return v.equals("Y") || v.equals("y") || v.equals("1");
  }

  private static String read(Path file) {
    try {
      return Files.readString(file, StandardCharsets.ISO_8859_1).trim();
    } catch (IOException e) {
      return "";
    }
  }
}
