package ai.cocos.agent;

import java.time.Instant;
import java.util.Objects;

/**
 * Something that happened to a computation, in the shape of CocosAI's {@code AgentEvent} (which the
 * computation-management client forwards as is).
 *
 * <p>State transitions have the new state's name as {@code eventType} and its {@link
 * State#entryStatus() entry status}; {@code Running} is also reported with statuses {@code
 * InProgress}, {@code Completed} and {@code Failed} as the run goes on. Other event types: {@code
 * AlgorithmRun} (status {@code Warning}, one per line the algorithm writes to standard error,
 * originator {@code computation-runner}), {@code Stopped} and {@code Wiped}.
 *
 * @param eventType what happened, e.g. {@code ReceivingData}, {@code AlgorithmRun}, {@code Wiped}
 * @param timestamp when
 * @param computationId the computation's id
 * @param details a JSON object with details (e.g. {@code {"reason":"..."}}), {@code {}} if none
 * @param originator {@code agent}, or {@code computation-runner} for the algorithm's output
 * @param status e.g. {@code InProgress}, {@code Ready}, {@code Completed}, {@code Failed}
 */
public record AgentEvent(
    String eventType,
    Instant timestamp,
    String computationId,
    String details,
    String originator,
    String status) {
  /** The originator of events the agent itself emits. */
  public static final String AGENT = "agent";

  /** The originator of events about the algorithm's own output. */
  public static final String RUNNER = "computation-runner";

  /** Checks that nothing is missing. */
  public AgentEvent {
    Objects.requireNonNull(eventType, "eventType");
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(computationId, "computationId");
    Objects.requireNonNull(details, "details");
    Objects.requireNonNull(originator, "originator");
    Objects.requireNonNull(status, "status");
  }
}
