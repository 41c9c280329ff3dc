package ai.cocos.runner.wasm.internal;

import ai.cocos.runner.support.LineSplitter;
import java.time.Duration;
import java.util.Objects;

/**
 * Validated settings of the {@code wasm} runner, taken from {@link WasmRunnerConfig}.
 *
 * @param maxMemoryPages the most 64 KiB pages of linear memory one module may use
 * @param maxLineBytes the longest output line delivered in one piece
 * @param stopGrace how long a stopped module may take to end before its result is reported
 * @param stackBytes the stack size of the thread running a module
 */
record RunnerSettings(int maxMemoryPages, int maxLineBytes, Duration stopGrace, long stackBytes) {

  /** Bytes in one page of Wasm linear memory. */
  static final int PAGE_BYTES = 65536;

  /** The most pages a wasm32 memory can have (4 GiB). */
  static final int MAX_PAGES = 65536;

  /** The smallest accepted line limit: below it, ordinary log lines would be split. */
  static final int MIN_LINE_BYTES = 1024;

  /** Validates the values, naming the offending one. */
  RunnerSettings {
    Objects.requireNonNull(stopGrace, "stopGrace");
    if (maxMemoryPages < 1 || maxMemoryPages > MAX_PAGES) {
      throw new IllegalArgumentException(
          "wasm runner: maxMemoryMb must be between 1 and 4096, was "
              + (long) maxMemoryPages * PAGE_BYTES / (1024 * 1024));
    }
    if (maxLineBytes < Math.max(MIN_LINE_BYTES, LineSplitter.MIN_LINE_BYTES)) {
      throw new IllegalArgumentException(
          "wasm runner: maxLineBytes must be at least " + MIN_LINE_BYTES + ", was " + maxLineBytes);
    }
    if (stopGrace.isNegative()) {
      throw new IllegalArgumentException(
          "wasm runner: stopGraceMillis must not be negative, was " + stopGrace.toMillis());
    }
    if (stackBytes < 1024 * 1024) {
      throw new IllegalArgumentException(
          "wasm runner: stackMb must be at least 1, was " + stackBytes / (1024 * 1024));
    }
  }

  /**
   * Reads the settings from the component configuration.
   *
   * @param config the configuration
   * @return the validated settings
   * @throws IllegalArgumentException naming the invalid value
   */
  static RunnerSettings from(WasmRunnerConfig config) {
    if (config.maxMemoryMb() < 1 || config.maxMemoryMb() > 4096) {
      throw new IllegalArgumentException(
          "wasm runner: maxMemoryMb must be between 1 and 4096, was " + config.maxMemoryMb());
    }
    if (config.stackMb() < 1 || config.stackMb() > 1024) {
      throw new IllegalArgumentException(
          "wasm runner: stackMb must be between 1 and 1024, was " + config.stackMb());
    }
    return new RunnerSettings(
        pages(config.maxMemoryMb()),
        config.maxLineBytes(),
        Duration.ofMillis(config.stopGraceMillis()),
        (long) config.stackMb() * 1024 * 1024);
  }

  /**
   * The settings a component without configuration uses (the defaults of {@link WasmRunnerConfig}).
   *
   * @return the default settings
   */
  static RunnerSettings defaults() {
    return new RunnerSettings(pages(256), 65536, Duration.ofMillis(2000), 16L * 1024 * 1024);
  }

  /** The memory limit in MiB. */
  long maxMemoryMb() {
    return (long) maxMemoryPages * PAGE_BYTES / (1024 * 1024);
  }

  /** Pages in the given number of MiB (16 pages per MiB). */
  static int pages(int mb) {
    return mb * (1024 * 1024 / PAGE_BYTES);
  }
}
