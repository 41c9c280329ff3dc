package ai.cocos.agent;

import org.osgi.annotation.versioning.ConsumerType;

/**
 * Receives a computation's events and logs.
 *
 * <p>Items arrive in the order they happened, one at a time, on the thread that caused them (an
 * upload's, the runner's, a timer's), never while the agent holds a lock. A listener must return
 * quickly (queue the item if it forwards it over a network) and should not throw; an exception is
 * logged and ignored.
 */
@ConsumerType
public interface AgentListener {
  /**
   * Handles an event.
   *
   * @param event what happened
   */
  void onEvent(AgentEvent event);

  /**
   * Handles a log line. Ignores it by default.
   *
   * @param log the line
   */
  default void onLog(AgentLog log) {}

  /** Ends a subscription. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {
    /** Stops delivery to the listener. Idempotent. */
    @Override
    void close();
  }
}
