package ai.cocos.tee.emulated;

import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * Settings of the emulated provider.
 *
 * @param dir where the emulated root and signing key are created once and kept (private to the
 *     owner); the root's fingerprint, which policies pin, stays the same as long as this folder
 *     does
 * @param measuredPaths files or folders whose content makes up the emulated launch measurement
 *     (SHA-384 over their sorted relative paths and bytes), e.g. the agent's bundles; empty for the
 *     measurement of nothing
 * @param hostData the HOST_DATA to report (32 bytes, zero if empty)
 * @param vmpl the VMPL to report (0-3)
 */
public record EmulatedSettings(Path dir, List<Path> measuredPaths, byte[] hostData, int vmpl) {
  /** Environment variable naming the default folder. */
  public static final String DIR_ENV = "AGENT_EMULATED_TEE_DIR";

  /** Validates and copies. */
  public EmulatedSettings {
    Objects.requireNonNull(dir, "dir");
    measuredPaths = List.copyOf(measuredPaths);
    hostData = hostData == null ? new byte[0] : hostData.clone();
    if (hostData.length > 32) {
      throw new IllegalArgumentException(
          "emulated provider: hostData has " + hostData.length + " bytes, at most 32");
    }
    if (vmpl < 0 || vmpl > 3) {
      throw new IllegalArgumentException("emulated provider: vmpl must be 0-3, was " + vmpl);
    }
  }

  /**
   * The host data.
   *
   * @return a copy
   */
  @Override
  public byte[] hostData() {
    return hostData.clone();
  }

  /**
   * The default folder: {@code $AGENT_EMULATED_TEE_DIR}, else {@code ~/.cocos/emulated-tee} (not
   * the agent's work folder, which is wiped between computations).
   *
   * @return the folder
   */
  public static Path defaultDir() {
    String env = System.getenv(DIR_ENV);
    return env != null && !env.isBlank()
        ? Path.of(env)
        : Path.of(System.getProperty("user.home"), ".cocos", "emulated-tee");
  }

  /**
   * Settings with a folder and nothing measured.
   *
   * @param dir the folder
   * @return the settings
   */
  public static EmulatedSettings in(Path dir) {
    return new EmulatedSettings(dir, List.of(), new byte[0], 0);
  }

  /**
   * Parses host data given as hex (for configuration).
   *
   * @param hex hex digits, or empty
   * @return the bytes
   */
  public static byte[] hex(String hex) {
    return hex == null || hex.isBlank() ? new byte[0] : HexFormat.of().parseHex(hex.trim());
  }
}
