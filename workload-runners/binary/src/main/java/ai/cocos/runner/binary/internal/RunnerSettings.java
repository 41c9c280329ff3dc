package ai.cocos.runner.binary.internal;

import java.time.Duration;
import java.util.Objects;

/**
 * Validated settings of the {@code bin} runner, taken from {@link BinaryRunnerConfig}.
 *
 * @param killGrace time between SIGTERM and SIGKILL when ending a process tree
 * @param maxLineBytes the longest output line delivered in one piece
 * @param path the {@code PATH} the algorithm sees
 */
record RunnerSettings(Duration killGrace, int maxLineBytes, String path) {

  /** The smallest accepted line limit: below it, ordinary log lines would be split. */
  static final int MIN_LINE_BYTES = 1024;

  /** Validates the values, naming the offending one. */
  RunnerSettings {
    Objects.requireNonNull(killGrace, "killGrace");
    Objects.requireNonNull(path, "path");
    if (killGrace.isNegative()) {
      throw new IllegalArgumentException(
          "binary runner: killGraceMillis must not be negative, was " + killGrace.toMillis());
    }
    if (maxLineBytes < MIN_LINE_BYTES) {
      throw new IllegalArgumentException(
          "binary runner: maxLineBytes must be at least "
              + MIN_LINE_BYTES
              + ", was "
              + maxLineBytes);
    }
    if (path.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("binary runner: path contains a NUL character");
    }
  }

  /**
   * Reads the settings from the component configuration.
   *
   * @param config the configuration
   * @return the validated settings
   * @throws IllegalArgumentException naming the invalid value
   */
  static RunnerSettings from(BinaryRunnerConfig config) {
    return new RunnerSettings(
        Duration.ofMillis(config.killGraceMillis()), config.maxLineBytes(), config.path());
  }

  /**
   * The settings a component without configuration uses (the defaults of {@link
   * BinaryRunnerConfig}).
   *
   * @return the default settings
   */
  static RunnerSettings defaults() {
    return new RunnerSettings(Duration.ofMillis(2000), 65536, "/usr/local/bin:/usr/bin:/bin");
  }
}
