package ai.cocos.api.runner;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives a workload's output line by line, as it is produced. Implemented by the agent.
 *
 * <p>Calls may come from several threads (one per stream) and must return quickly; a sink never
 * throws back into the runner.
 */
@ConsumerType
@FunctionalInterface
public interface OutputSink {
  /** Which stream a line came from. */
  enum Stream {
    /** Standard output. */
    STDOUT,
    /** Standard error. */
    STDERR
  }

  /**
   * Accepts one line, without its line terminator.
   *
   * @param stream where the line came from
   * @param line the line's text (decoded as UTF-8, malformed bytes replaced)
   */
  void line(Stream stream, String line);
}
