package ai.cocos.agent.internal;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * The agent's validated settings (see {@link AgentRuntimeConfig} for their meaning).
 *
 * @param workDir the folder holding one folder per computation
 * @param maxUploadBytes the largest upload
 * @param diskReserveBytes free space to leave on the work folder's disk
 * @param runTimeout the wall-clock limit of a run
 * @param resultsTtl how long results wait for their consumers
 * @param authSkew the accepted clock difference of signatures
 * @param legacyAuth whether CocosAI's static role signatures are accepted
 * @param maxUnzipBytes the most bytes a decompressed dataset extracts to
 * @param maxUnzipEntries the most entries a decompressed dataset's zip holds
 * @param maxNonces the replay cache's capacity
 * @param wipeOverwrite whether files are zeroed before deletion
 * @param directIo whether uploads are written around the page cache where the disk allows it
 */
record AgentSettings(
    Path workDir,
    long maxUploadBytes,
    long diskReserveBytes,
    Duration runTimeout,
    Duration resultsTtl,
    Duration authSkew,
    boolean legacyAuth,
    long maxUnzipBytes,
    int maxUnzipEntries,
    int maxNonces,
    boolean wipeOverwrite,
    boolean directIo) {

  /** Bytes written between two checks of the free disk space. */
  static final long DISK_CHECK_INTERVAL = 8L * 1024 * 1024;

  /**
   * Validates.
   *
   * @throws IllegalArgumentException naming the setting and the accepted range
   */
  AgentSettings {
    Objects.requireNonNull(workDir, "workDir");
    positive("maxUploadBytes", maxUploadBytes);
    if (diskReserveBytes < 0) {
      throw new IllegalArgumentException("diskReserveBytes must be >= 0, got " + diskReserveBytes);
    }
    positive("runTimeout", runTimeout);
    positive("resultsTtl", resultsTtl);
    positive("authSkew", authSkew);
    positive("maxUnzipBytes", maxUnzipBytes);
    positive("maxUnzipEntries", maxUnzipEntries);
    if (maxNonces < 16) {
      throw new IllegalArgumentException("maxNonces must be >= 16, got " + maxNonces);
    }
  }

  /**
   * Settings with every default of {@link AgentRuntimeConfig} and the given work folder.
   *
   * @param workDir the work folder
   * @return the settings
   */
  static AgentSettings defaults(Path workDir) {
    return new AgentSettings(
        workDir,
        16L * 1024 * 1024 * 1024,
        512L * 1024 * 1024,
        Duration.ofHours(24),
        Duration.ofHours(24),
        Duration.ofSeconds(300),
        false,
        16L * 1024 * 1024 * 1024,
        100_000,
        100_000,
        true,
        true);
  }

  /**
   * Reads the component configuration.
   *
   * @param c the configuration
   * @return the settings
   * @throws IllegalArgumentException naming an invalid value
   */
  static AgentSettings from(AgentRuntimeConfig c) {
    return new AgentSettings(
        AgentRuntime.workDir(c.workDir()),
        c.maxUploadBytes(),
        c.diskReserveBytes(),
        seconds("runTimeoutSeconds", c.runTimeoutSeconds()),
        seconds("resultsTtlSeconds", c.resultsTtlSeconds()),
        seconds("authSkewSeconds", c.authSkewSeconds()),
        c.legacyAuth(),
        c.maxUnzipBytes(),
        c.maxUnzipEntries(),
        c.maxNonces(),
        c.wipeOverwrite(),
        c.directIo());
  }

  private static Duration seconds(String name, long s) {
    if (s <= 0) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + s);
    }
    return Duration.ofSeconds(s);
  }

  private static void positive(String name, long v) {
    if (v <= 0) {
      throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    }
  }

  private static void positive(String name, Duration d) {
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive, got " + d);
    }
  }
}
