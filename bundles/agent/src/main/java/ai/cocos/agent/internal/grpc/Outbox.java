package ai.cocos.agent.internal.grpc;

import ai.cocos.proto.cvms.ClientStreamMessage;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What the agent still has to send to the computation management service, in order, bounded.
 *
 * <p>When full, the oldest log line goes first, then the oldest event; answers (run, state and stop
 * responses) are never dropped, so the queue may exceed its capacity by the answers it holds (a
 * few: one per request). Drops are counted for a warning once the service is reachable again.
 * Thread-safe.
 */
final class Outbox {
  private record Item(long seq, ClientStreamMessage message) {}

  private final int capacity;
  private final Deque<Item> logs = new ArrayDeque<>();
  private final Deque<Item> events = new ArrayDeque<>();
  private final Deque<Item> answers = new ArrayDeque<>();
  private long seq;
  private long droppedLogs;
  private long droppedEvents;

  /**
   * Creates an empty outbox.
   *
   * @param capacity how many log lines and events it holds at most, at least 1
   */
  Outbox(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be at least 1, is " + capacity);
    }
    this.capacity = capacity;
  }

  /**
   * Queues a message, dropping the oldest log line or event if full.
   *
   * @param m the message
   */
  synchronized void add(ClientStreamMessage m) {
    Deque<Item> queue =
        switch (m.getMessageCase()) {
          case AGENT_LOG -> logs;
          case AGENT_EVENT -> events;
          default -> answers;
        };
    if (queue != answers) {
      while (logs.size() + events.size() >= capacity) {
        if (!logs.isEmpty()) {
          logs.removeFirst();
          droppedLogs++;
        } else {
          events.removeFirst();
          droppedEvents++;
        }
      }
    }
    queue.addLast(new Item(seq++, m));
  }

  /**
   * Takes the oldest message.
   *
   * @return it, or {@code null} if empty
   */
  synchronized ClientStreamMessage poll() {
    Deque<Item> oldest = null;
    for (Deque<Item> q : java.util.List.of(logs, events, answers)) {
      if (!q.isEmpty() && (oldest == null || q.peekFirst().seq() < oldest.peekFirst().seq())) {
        oldest = q;
      }
    }
    return oldest == null ? null : oldest.removeFirst().message();
  }

  /**
   * Puts a message taken by {@link #poll()} back at the front (it could not be sent).
   *
   * @param m the message
   */
  synchronized void requeue(ClientStreamMessage m) {
    Deque<Item> queue =
        switch (m.getMessageCase()) {
          case AGENT_LOG -> logs;
          case AGENT_EVENT -> events;
          default -> answers;
        };
    long first = Long.MAX_VALUE;
    for (Deque<Item> q : java.util.List.of(logs, events, answers)) {
      if (!q.isEmpty()) {
        first = Math.min(first, q.peekFirst().seq());
      }
    }
    queue.addFirst(new Item(first == Long.MAX_VALUE ? seq++ : first - 1, m));
  }

  /**
   * How many messages wait.
   *
   * @return the count
   */
  synchronized int size() {
    return logs.size() + events.size() + answers.size();
  }

  /**
   * Takes the drop counts and resets them.
   *
   * @return {@code {logs, events}} dropped since the last call
   */
  synchronized long[] takeDropped() {
    long[] d = {droppedLogs, droppedEvents};
    droppedLogs = 0;
    droppedEvents = 0;
    return d;
  }
}
