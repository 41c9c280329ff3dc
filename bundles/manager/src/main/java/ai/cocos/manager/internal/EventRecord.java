package ai.cocos.manager.internal;

import java.time.Instant;

/**
 * One entry of a computation's timeline: an event or a log line (immutable).
 *
 * @param seq 1, 2, 3, ... per computation
 * @param time when it happened
 * @param kind event or log line
 * @param originator who reported it ({@code agent}, {@code manager}, ...)
 * @param type an event's type, else empty
 * @param status an event's status, else empty
 * @param details an event's JSON details, else empty (not copied: never modified)
 * @param level a log line's level, else empty
 * @param message a log line, or a manager event's sentence
 * @param state the computation's state after this entry
 */
record EventRecord(
    long seq,
    Instant time,
    Kind kind,
    String originator,
    String type,
    String status,
    byte[] details,
    String level,
    String message,
    String state) {

  /** Events and log lines share one sequence. */
  enum Kind {
    EVENT,
    LOG
  }
}
