package ai.cocos.agent.internal;

import ai.cocos.agent.AgentEvent;
import ai.cocos.agent.AgentListener;
import ai.cocos.agent.AgentLog;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Delivers one computation's events and logs to its listeners and the agent's, in order, one at a
 * time, and never while the publishing thread holds one of the computation's locks.
 *
 * <p>Code that takes a lock calls {@link #hold()} first: items published meanwhile are queued and
 * delivered when the last hold of that thread is released. Whichever thread finds the queue
 * non-empty and nobody delivering delivers everything queued, so the order is the order of
 * publication.
 */
final class EventBus {
  private static final System.Logger LOG = System.getLogger(EventBus.class.getName());

  private final String computationId;
  private final Clock clock;
  private final List<AgentListener> own = new CopyOnWriteArrayList<>();
  private final List<AgentListener> shared;
  private final Queue<Object> queue = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean delivering = new AtomicBoolean();
  private final ThreadLocal<int[]> holds = ThreadLocal.withInitial(() -> new int[1]);

  /**
   * Creates a bus.
   *
   * @param computationId the computation its items are about
   * @param clock stamps the items
   * @param shared listeners of every computation (the agent's), read at each delivery
   */
  EventBus(String computationId, Clock clock, List<AgentListener> shared) {
    this.computationId = Objects.requireNonNull(computationId, "computationId");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.shared = Objects.requireNonNull(shared, "shared");
  }

  AgentListener.Subscription subscribe(AgentListener listener) {
    Objects.requireNonNull(listener, "listener");
    own.add(listener);
    return () -> own.remove(listener);
  }

  /** Publishes an event of the agent. */
  void event(String type, String status, Map<String, ?> details) {
    event(type, status, AgentEvent.AGENT, details);
  }

  /** Publishes an event. */
  void event(String type, String status, String originator, Map<String, ?> details) {
    publish(
        new AgentEvent(
            type, clock.instant(), computationId, Json.object(details), originator, status));
  }

  /** Publishes a log line. */
  void log(String level, String message) {
    publish(new AgentLog(message, computationId, level, clock.instant()));
  }

  private void publish(Object item) {
    queue.add(item);
    if (holds.get()[0] == 0) {
      deliver();
    }
  }

  /**
   * Defers delivery on this thread until the returned hold is closed. Take it before a lock and
   * close it after releasing the lock.
   */
  Hold hold() {
    holds.get()[0]++;
    return this::release;
  }

  private void release() {
    int[] depth = holds.get();
    if (--depth[0] == 0) {
      holds.remove();
      deliver();
    }
  }

  private void deliver() {
    while (!queue.isEmpty()) {
      if (!delivering.compareAndSet(false, true)) {
        return; // another thread (or an outer frame of this one) delivers, in order
      }
      try {
        for (Object item = queue.poll(); item != null; item = queue.poll()) {
          dispatch(item);
        }
      } finally {
        delivering.set(false);
      }
    }
  }

  private void dispatch(Object item) {
    for (List<AgentListener> list : List.of(shared, own)) {
      for (AgentListener l : list) {
        try {
          if (item instanceof AgentEvent e) {
            l.onEvent(e);
          } else {
            l.onLog((AgentLog) item);
          }
        } catch (RuntimeException e) {
          LOG.log(Level.WARNING, "agent listener " + l.getClass().getName() + " failed", e);
        }
      }
    }
  }

  /** A deferral of delivery, closed without exceptions. */
  @FunctionalInterface
  interface Hold extends AutoCloseable {
    @Override
    void close();
  }
}
