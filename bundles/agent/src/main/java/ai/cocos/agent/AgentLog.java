package ai.cocos.agent;

import java.time.Instant;
import java.util.Objects;

/**
 * A log line about a computation, in the shape of CocosAI's {@code AgentLog}: what the agent did
 * (uploads accepted or refused, the run starting) and each line the algorithm writes (standard
 * output at {@code DEBUG}, standard error at {@code ERROR}).
 *
 * @param message the text
 * @param computationId the computation's id
 * @param level {@code DEBUG}, {@code INFO}, {@code WARN} or {@code ERROR}
 * @param timestamp when
 */
public record AgentLog(String message, String computationId, String level, Instant timestamp) {
  /** Checks that nothing is missing. */
  public AgentLog {
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(computationId, "computationId");
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(timestamp, "timestamp");
  }
}
