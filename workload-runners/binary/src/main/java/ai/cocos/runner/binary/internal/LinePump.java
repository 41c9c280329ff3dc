package ai.cocos.runner.binary.internal;

import ai.cocos.api.runner.OutputSink;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * Reads one output stream of a process until its end and hands each line to an {@link OutputSink}
 * as soon as its terminator arrives.
 *
 * <p>Lines end at {@code \n}; a {@code \r} before it is dropped too. Bytes are decoded as UTF-8
 * with malformed input replaced. A line longer than the limit is delivered in pieces of at most
 * that many bytes, cut at a character boundary, so a program writing without newlines cannot
 * exhaust memory. Once {@link #detach()} was called, lines are still read (so the writer never
 * blocks on a full pipe) but no longer delivered.
 */
final class LinePump implements Runnable {
  private static final System.Logger LOG = System.getLogger(LinePump.class.getName());
  private static final int READ_BUFFER = 8192;

  private final InputStream in;
  private final OutputSink.Stream stream;
  private final OutputSink sink;
  private final byte[] line;
  private int length;
  private volatile boolean detached;

  /**
   * Creates the pump; {@link #run()} does the work.
   *
   * @param in the stream to read, closed at its end
   * @param stream which stream this is, as told to the sink
   * @param sink receives the lines
   * @param maxLineBytes the longest line delivered in one piece, at least 4 bytes
   */
  LinePump(InputStream in, OutputSink.Stream stream, OutputSink sink, int maxLineBytes) {
    this.in = Objects.requireNonNull(in, "in");
    this.stream = Objects.requireNonNull(stream, "stream");
    this.sink = Objects.requireNonNull(sink, "sink");
    if (maxLineBytes < 4) {
      throw new IllegalArgumentException("maxLineBytes must be at least 4, was " + maxLineBytes);
    }
    this.line = new byte[maxLineBytes];
  }

  /** Reads until the end of the stream, delivering every line; never throws. */
  @Override
  public void run() {
    byte[] buffer = new byte[READ_BUFFER];
    try (in) {
      int n;
      while ((n = in.read(buffer)) != -1) {
        for (int i = 0; i < n; i++) {
          accept(buffer[i]);
        }
      }
    } catch (IOException e) {
      // The stream ends abnormally only when the process is being torn down; keep what was read.
      LOG.log(Level.DEBUG, () -> stream + " of algorithm ended with " + e);
    } finally {
      if (length > 0) {
        emit(length);
      }
    }
  }

  /**
   * Stops delivering lines to the sink. Used once the workload's result is final, so nothing
   * reaches the sink after it.
   */
  void detach() {
    detached = true;
  }

  private void accept(byte b) {
    if (b == '\n') {
      emit(length);
      return;
    }
    if (length == line.length) {
      split(b);
    }
    line[length++] = b;
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

  private void emit(int end) {
    int stop = end > 0 && line[end - 1] == '\r' ? end - 1 : end;
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
      // A sink must not throw; if one does, keep draining so the algorithm never blocks on a pipe.
      LOG.log(Level.WARNING, () -> "output sink failed on a line of " + stream + ": " + e);
    }
  }

  private static boolean isContinuation(byte b) {
    return (b & 0xC0) == 0x80;
  }
}
