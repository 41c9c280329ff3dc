package ai.cocos.runner.support;

import ai.cocos.api.runner.OutputSink;
import java.io.IOException;
import java.io.InputStream;
import java.lang.System.Logger.Level;
import java.util.Objects;

/**
 * Reads an input stream (typically a process's stdout or stderr pipe) until its end into a {@link
 * LineSplitter}, then closes it and delivers the last unterminated line. After {@link #detach()}
 * the stream is still drained (so the writer never blocks on a full pipe) but nothing is delivered.
 */
public final class LinePump implements Runnable {
  private static final System.Logger LOG = System.getLogger(LinePump.class.getName());
  private static final int READ_BUFFER = 8192;

  private final InputStream in;
  private final LineSplitter splitter;

  /**
   * Creates the pump; {@link #run()} does the work.
   *
   * @param in the stream to read, closed at its end
   * @param splitter receives the bytes
   */
  public LinePump(InputStream in, LineSplitter splitter) {
    this.in = Objects.requireNonNull(in, "in");
    this.splitter = Objects.requireNonNull(splitter, "splitter");
  }

  /**
   * Creates the pump with its own splitter.
   *
   * @param in the stream to read, closed at its end
   * @param stream which stream this is, as told to the sink
   * @param sink receives the lines
   * @param maxLineBytes the longest line delivered in one piece
   */
  public LinePump(InputStream in, OutputSink.Stream stream, OutputSink sink, int maxLineBytes) {
    this(in, new LineSplitter(stream, sink, maxLineBytes));
  }

  /** Reads until the end of the stream, delivering every line; never throws. */
  @Override
  public void run() {
    byte[] buffer = new byte[READ_BUFFER];
    try (in) {
      int n;
      while ((n = in.read(buffer)) != -1) {
        splitter.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // The stream ends abnormally only when the process is being torn down; keep what was read.
      LOG.log(Level.DEBUG, () -> splitter.stream() + " of workload ended with " + e);
    } finally {
      splitter.finish();
    }
  }

  /** Stops delivering lines; the stream is still drained. */
  public void detach() {
    splitter.detach();
  }
}
