package ai.cocos.runner.binary.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the {@code bin} runner. The defaults are safe: a short kill grace, a bounded
 * line length and a {@code PATH} of system folders only.
 */
@ObjectClassDefinition(
    name = "Cocos binary runner",
    description = "Runs algorithms of type 'bin' (an uploaded executable) as child processes.")
public @interface BinaryRunnerConfig {

  /**
   * How long a stopped or timed-out algorithm (and everything it started) gets between SIGTERM and
   * SIGKILL.
   *
   * @return the grace in milliseconds, at least 0
   */
  @AttributeDefinition(
      name = "Kill grace (ms)",
      description =
          "Time between SIGTERM and SIGKILL when an algorithm is stopped or exceeds its time"
              + " limit. Also how long output may keep flowing after the algorithm exited.",
      min = "0",
      max = "60000")
  long killGraceMillis() default 2000;

  /**
   * The longest output line delivered in one piece; longer lines are split so that output without
   * newlines cannot exhaust memory.
   *
   * @return the limit in bytes, at least 1024
   */
  @AttributeDefinition(
      name = "Longest output line (bytes)",
      description = "Output lines longer than this are delivered in pieces of at most this size.",
      min = "1024",
      max = "16777216")
  int maxLineBytes() default 65536;

  /**
   * The {@code PATH} the algorithm sees. The agent's own environment is never passed on.
   *
   * @return a colon-separated list of folders
   */
  @AttributeDefinition(
      name = "PATH",
      description =
          "PATH in the algorithm's otherwise clean environment (the agent's own environment is"
              + " never passed on).")
  String path() default "/usr/local/bin:/usr/bin:/bin";
}
