package ai.cocos.runner.docker.internal;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * Validated settings of the {@code docker} runner, taken from {@link DockerRunnerConfig}.
 *
 * @param host the engine socket URL ({@code unix://...})
 * @param network the container's network mode ({@code none} = no network)
 * @param memoryBytes the memory limit, 0 for none
 * @param nanoCpus the CPU limit in billionths of a CPU, 0 for none
 * @param pidsLimit the process limit, 0 for the engine's default
 * @param user empty = the agent's uid:gid, {@code image} = the image's USER, else {@code uid[:gid]}
 * @param readOnlyRootfs whether the image's file system is mounted read-only
 * @param init whether the engine's init process runs as PID 1
 * @param killGraceSeconds seconds between SIGTERM and SIGKILL on stop and timeout
 * @param apiTimeout limit of one ordinary engine call
 * @param maxLineBytes the longest output line delivered in one piece
 */
record DockerSettings(
    String host,
    String network,
    long memoryBytes,
    long nanoCpus,
    long pidsLimit,
    String user,
    boolean readOnlyRootfs,
    boolean init,
    int killGraceSeconds,
    Duration apiTimeout,
    int maxLineBytes) {

  /** The {@link #user()} value that keeps the image's own USER. */
  static final String IMAGE_USER = "image";

  /** The smallest accepted line limit: below it, ordinary log lines would be split. */
  static final int MIN_LINE_BYTES = 1024;

  private static final Pattern NETWORK = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}");
  private static final Pattern USER = Pattern.compile("[0-9]{1,10}(:[0-9]{1,10})?");

  /** Validates the values, naming the offending setting. */
  DockerSettings {
    Objects.requireNonNull(host, "host");
    Objects.requireNonNull(network, "network");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(apiTimeout, "apiTimeout");
    EngineClient.socketPath(host); // throws naming AGENT_DOCKER_HOST
    if (!NETWORK.matcher(network).matches()) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_NETWORK must be a network name such as 'none' or 'bridge',"
              + " was '"
              + network
              + "'");
    }
    if (network.startsWith("container:")) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_NETWORK may not join another container's network");
    }
    requireAtLeast("AGENT_DOCKER_MEMORY_MB", memoryBytes, 0);
    if (memoryBytes > 0 && memoryBytes < 6L * 1024 * 1024) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_MEMORY_MB must be 0 (no limit) or at least 6 (the engine's"
              + " minimum)");
    }
    requireAtLeast("AGENT_DOCKER_CPUS", nanoCpus, 0);
    requireAtLeast("AGENT_DOCKER_PIDS_LIMIT", pidsLimit, 0);
    if (!user.isEmpty() && !user.equals(IMAGE_USER) && !USER.matcher(user).matches()) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_USER must be empty (the agent's user), 'image', or"
              + " uid[:gid] in numbers, was '"
              + user
              + "'");
    }
    if (killGraceSeconds < 0 || killGraceSeconds > 60) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_KILL_GRACE_SECONDS must be 0 to 60, was "
              + killGraceSeconds);
    }
    if (apiTimeout.isNegative() || apiTimeout.isZero()) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_API_TIMEOUT_SECONDS must be positive, was "
              + apiTimeout.toSeconds());
    }
    if (maxLineBytes < MIN_LINE_BYTES) {
      throw new IllegalArgumentException(
          "docker runner: maxLineBytes must be at least "
              + MIN_LINE_BYTES
              + ", was "
              + maxLineBytes);
    }
  }

  private static void requireAtLeast(String name, long value, long min) {
    if (value < min) {
      throw new IllegalArgumentException(
          "docker runner: " + name + " must be at least " + min + ", was " + value);
    }
  }

  /**
   * Reads the settings from the component configuration.
   *
   * @param config the configuration
   * @return the validated settings
   * @throws IllegalArgumentException naming the invalid value
   */
  static DockerSettings from(DockerRunnerConfig config) {
    if (!(config.cpus() >= 0) || config.cpus() > 1_000_000) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_CPUS must be 0 (no limit) or a positive number of CPUs, was "
              + config.cpus());
    }
    if (config.memoryMb() > Long.MAX_VALUE / (1024 * 1024)) {
      throw new IllegalArgumentException(
          "docker runner: AGENT_DOCKER_MEMORY_MB is too large: " + config.memoryMb());
    }
    return new DockerSettings(
        config.host().trim(),
        config.network().trim(),
        config.memoryMb() * 1024 * 1024,
        Math.round(config.cpus() * 1e9),
        config.pidsLimit(),
        config.user().trim(),
        config.readOnlyRootfs(),
        config.init(),
        config.killGraceSeconds(),
        Duration.ofSeconds(config.apiTimeoutSeconds()),
        config.maxLineBytes());
  }

  /**
   * The settings of a component without configuration (the defaults of {@link DockerRunnerConfig}),
   * with another engine socket.
   *
   * @param host the engine socket URL
   * @return the settings
   */
  static DockerSettings defaults(String host) {
    return new DockerSettings(
        host, "none", 0, 0, 4096, "", false, true, 2, Duration.ofSeconds(30), 65536);
  }

  /**
   * The same settings with other limits (for tests and operators composing settings).
   *
   * @param memoryBytes memory limit, 0 for none
   * @param user the user setting
   * @param readOnlyRootfs whether the root file system is read-only
   * @return the changed settings
   */
  DockerSettings with(long memoryBytes, String user, boolean readOnlyRootfs) {
    return new DockerSettings(
        host,
        network,
        memoryBytes,
        nanoCpus,
        pidsLimit,
        user,
        readOnlyRootfs,
        init,
        killGraceSeconds,
        apiTimeout,
        maxLineBytes);
  }
}
