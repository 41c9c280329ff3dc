package ai.cocos.agent.internal;

import java.util.HashMap;
import java.util.Map;
import java.util.PriorityQueue;

/**
 * The nonces of accepted v1 signatures, each kept until its signed timestamp leaves the skew window
 * (after that the timestamp alone refuses the signature). So the cache holds at most the accepted
 * requests of twice the skew window, and never more than its capacity: when full it refuses new
 * nonces instead of forgetting old ones, which would open a replay. Thread-safe.
 */
final class NonceCache {
  /** What {@link #record} did. */
  enum Outcome {
    /** The nonce is new and now recorded. */
    RECORDED,
    /** The nonce was seen before within the window. */
    REPLAY,
    /** The cache is full of unexpired nonces. */
    FULL
  }

  private record Expiry(long at, String nonce) {}

  private final int capacity;
  private final long skewSeconds;
  private final Map<String, Long> expiries = new HashMap<>();
  private final PriorityQueue<Expiry> queue =
      new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));

  /**
   * Creates an empty cache.
   *
   * @param capacity the most nonces held
   * @param skewSeconds the skew window, in seconds
   */
  NonceCache(int capacity, long skewSeconds) {
    if (capacity < 1 || skewSeconds < 1) {
      throw new IllegalArgumentException("capacity and skew must be positive");
    }
    this.capacity = capacity;
    this.skewSeconds = skewSeconds;
  }

  /**
   * Whether a nonce was recorded and has not expired.
   *
   * @param nonce the nonce
   * @param now the current Unix time in seconds
   * @return {@code true} if seen
   */
  synchronized boolean seen(String nonce, long now) {
    purge(now);
    return expiries.containsKey(nonce);
  }

  /**
   * Records a nonce of a verified signature, unless it was seen before.
   *
   * @param nonce the nonce
   * @param timestamp the signature's timestamp, Unix seconds
   * @param now the current Unix time in seconds
   * @return what happened
   */
  synchronized Outcome record(String nonce, long timestamp, long now) {
    purge(now);
    if (expiries.containsKey(nonce)) {
      return Outcome.REPLAY;
    }
    if (expiries.size() >= capacity) {
      return Outcome.FULL;
    }
    long at = timestamp + skewSeconds;
    expiries.put(nonce, at);
    queue.add(new Expiry(at, nonce));
    return Outcome.RECORDED;
  }

  /**
   * How many nonces are held.
   *
   * @return the count, expired ones possibly included until the next call
   */
  synchronized int size() {
    return expiries.size();
  }

  private void purge(long now) {
    while (!queue.isEmpty() && queue.peek().at < now) {
      expiries.remove(queue.poll().nonce);
    }
  }
}
