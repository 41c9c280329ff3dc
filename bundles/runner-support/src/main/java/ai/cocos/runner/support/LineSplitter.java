package ai.cocos.runner.support;

import ai.cocos.api.runner.OutputSink;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Turns the bytes of one output stream into lines for an {@link OutputSink}, handing each line over
 * as soon as its terminator arrives.
 *
 * <p>Lines end at {@code \n}; a {@code \r} before it is dropped too. Bytes are decoded as UTF-8
 * with malformed input replaced. A line longer than the limit is delivered in pieces of at most
 * that many bytes, cut at a character boundary, so a workload writing without newlines cannot
 * exhaust memory. {@link #finish()} delivers a last line that has no terminator. Once {@link
 * #detach()} was called, bytes are still accepted (so a writer never blocks) but no line is
 * delivered any more. A sink that throws is logged and ignored: output keeps flowing.
 *
 * <p>Writes and {@link #finish()} are serialised; one splitter serves one stream.
 */
public final class LineSplitter {
  /** The smallest line limit: a limit must hold any one UTF-8 character (4 bytes). */
  public static final int MIN_LINE_BYTES = 4;

  private static final System.Logger LOG = System.getLogger(LineSplitter.class.getName());

  private final OutputSink.Stream stream;
  private final OutputSink sink;
  private final byte[] line;
  private int length;
  private volatile boolean detached;

  /**
   * Creates a splitter.
   *
   * @param stream which stream this is, as told to the sink
   * @param sink receives the lines
   * @param maxLineBytes the longest line delivered in one piece, at least {@link #MIN_LINE_BYTES}
   * @throws IllegalArgumentException if the limit is too small
   */
  public LineSplitter(OutputSink.Stream stream, OutputSink sink, int maxLineBytes) {
    this.stream = Objects.requireNonNull(stream, "stream");
    this.sink = Objects.requireNonNull(sink, "sink");
    if (maxLineBytes < MIN_LINE_BYTES) {
      throw new IllegalArgumentException(
          "maxLineBytes must be at least " + MIN_LINE_BYTES + ", was " + maxLineBytes);
    }
    this.line = new byte[maxLineBytes];
  }

  /**
   * The stream this splitter serves.
   *
   * @return the stream told to the sink
   */
  public OutputSink.Stream stream() {
    return stream;
  }

  /**
   * Accepts bytes, delivering every line they complete.
   *
   * @param b the bytes
   * @param off where they start in {@code b}
   * @param len how many there are
   * @throws IndexOutOfBoundsException if the range lies outside {@code b}
   */
  public synchronized void write(byte[] b, int off, int len) {
    Objects.checkFromIndexSize(off, len, b.length);
    int end = off + len;
    int from = off;
    while (from < end) {
      int newline = indexOf(b, from, end);
      append(b, from, (newline < 0 ? end : newline) - from);
      if (newline < 0) {
        return;
      }
      emit();
      from = newline + 1;
    }
  }

  /** Delivers the last line if it had no terminator. Further writes start a new line. */
  public synchronized void finish() {
    if (length > 0) {
      emit();
    }
  }

  /**
   * Stops delivering lines to the sink. Used once a workload's result is final, so that nothing
   * reaches the sink after it. Idempotent.
   */
  public void detach() {
    detached = true;
  }

  /**
   * Whether {@link #detach()} was called.
   *
   * @return {@code true} once lines are no longer delivered
   */
  public boolean isDetached() {
    return detached;
  }

  /** Appends bytes that contain no newline, delivering a piece whenever the buffer is full. */
  private void append(byte[] b, int off, int len) {
    int from = off;
    int left = len;
    while (left > 0) {
      if (length == line.length) {
        split(b[from]);
      }
      int n = Math.min(left, line.length - length);
      System.arraycopy(b, from, line, length, n);
      length += n;
      from += n;
      left -= n;
    }
  }

  /** The line buffer is full and {@code next} does not end it: deliver a piece of it. */
  private void split(byte next) {
    int cut = length;
    if (isContinuation(next)) {
      // next continues a multi-byte character that began in the buffer: cut before its lead byte
      // (at most 3 bytes back), so the character is not torn into two replacement characters.
      for (int i = length - 1; i >= Math.max(0, length - 3); i--) {
        if (!isContinuation(line[i])) {
          if ((line[i] & 0xC0) == 0xC0) {
            cut = i;
          }
          break;
        }
      }
    }
    deliver(new String(line, 0, cut, StandardCharsets.UTF_8));
    System.arraycopy(line, cut, line, 0, length - cut);
    length -= cut;
  }

  private void emit() {
    int stop = length > 0 && line[length - 1] == '\r' ? length - 1 : length;
    deliver(new String(line, 0, stop, StandardCharsets.UTF_8));
    length = 0;
  }

  private void deliver(String text) {
    if (detached) {
      return;
    }
    try {
      sink.line(stream, text);
    } catch (RuntimeException e) {
      // A sink must not throw; if one does, keep going so the workload never blocks on its output.
      LOG.log(Level.WARNING, () -> "output sink failed on a line of " + stream + ": " + e);
    }
  }

  private static int indexOf(byte[] b, int from, int end) {
    for (int i = from; i < end; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static boolean isContinuation(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
