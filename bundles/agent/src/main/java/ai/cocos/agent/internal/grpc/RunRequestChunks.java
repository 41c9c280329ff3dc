package ai.cocos.agent.internal.grpc;

import ai.cocos.proto.cvms.RunReqChunks;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reassembles chunked run requests ({@code runReqChunks}) by id, as CocosAI's agent does: chunks
 * are appended in order, {@code is_last} completes the request, and a request that receives no
 * chunk for the inactivity timeout is discarded. Unlike CocosAI, the bytes buffered across all
 * requests are capped; a request that would exceed the cap is discarded and its remaining chunks
 * are ignored. Used by one thread.
 */
final class RunRequestChunks {
  /** A request refused for its size. */
  static final class TooLargeException extends Exception {
    private static final long serialVersionUID = 1L;

    TooLargeException(String message) {
      super(message);
    }
  }

  private static final class Partial {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    long lastNanos;
  }

  private final int maxBytes;
  private final long inactivityNanos;
  private final Map<String, Partial> partials = new HashMap<>();

  /** Requests refused for their size, with their last chunk's time: later chunks are ignored. */
  private final Map<String, Long> refused = new HashMap<>();

  private long buffered;

  /**
   * Creates the assembler.
   *
   * @param maxBytes the most bytes buffered across all requests
   * @param inactivity how long a request may go without a chunk
   */
  RunRequestChunks(int maxBytes, Duration inactivity) {
    this.maxBytes = maxBytes;
    this.inactivityNanos = inactivity.toNanos();
  }

  /**
   * Adds a chunk.
   *
   * @param chunk the chunk
   * @param nowNanos the current {@link System#nanoTime()}
   * @return the serialized request if this chunk completed it
   * @throws TooLargeException the first time a request exceeds the cap (its later chunks are then
   *     ignored)
   */
  Optional<byte[]> add(RunReqChunks chunk, long nowNanos) throws TooLargeException {
    String id = chunk.getId();
    if (refused.containsKey(id)) {
      if (chunk.getIsLast()) {
        refused.remove(id);
      } else {
        refused.put(id, nowNanos);
      }
      return Optional.empty();
    }
    Partial p = partials.computeIfAbsent(id, k -> new Partial());
    p.lastNanos = nowNanos;
    int n = chunk.getData().size();
    if (buffered + n > maxBytes) {
      buffered -= p.bytes.size();
      partials.remove(id);
      if (!chunk.getIsLast()) {
        refused.put(id, nowNanos);
      }
      throw new TooLargeException(
          "run request "
              + id
              + " is larger than the agent accepts ("
              + maxBytes / (1024 * 1024)
              + " MiB for the run requests being received)");
    }
    byte[] data = chunk.getData().toByteArray();
    p.bytes.write(data, 0, data.length);
    buffered += n;
    if (!chunk.getIsLast()) {
      return Optional.empty();
    }
    partials.remove(id);
    buffered -= p.bytes.size();
    return Optional.of(p.bytes.toByteArray());
  }

  /**
   * Discards the requests without a chunk for the inactivity timeout.
   *
   * @param nowNanos the current {@link System#nanoTime()}
   * @return the discarded requests' ids
   */
  List<String> expire(long nowNanos) {
    List<String> gone = new ArrayList<>();
    partials
        .entrySet()
        .removeIf(
            e -> {
              if (nowNanos - e.getValue().lastNanos >= inactivityNanos) {
                buffered -= e.getValue().bytes.size();
                gone.add(e.getKey());
                return true;
              }
              return false;
            });
    refused.values().removeIf(last -> nowNanos - last >= inactivityNanos);
    return gone;
  }

  /**
   * How many bytes are buffered.
   *
   * @return the count
   */
  long buffered() {
    return buffered;
  }
}
