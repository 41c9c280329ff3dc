package ai.cocos.runner.support;

import ai.cocos.api.runner.OutputSink;
import java.io.OutputStream;
import java.util.Objects;

/**
 * An {@link OutputStream} whose bytes become {@link OutputSink} lines through a {@link
 * LineSplitter}: the standard output or error of a workload that runs inside the JVM (such as a
 * Wasm module's WASI streams). Never throws; {@link #close()} delivers a last unterminated line.
 */
public final class LineOutputStream extends OutputStream {
  private final LineSplitter splitter;

  /**
   * Wraps a splitter.
   *
   * @param splitter receives the bytes
   */
  public LineOutputStream(LineSplitter splitter) {
    this.splitter = Objects.requireNonNull(splitter, "splitter");
  }

  /**
   * Creates the stream with its own splitter.
   *
   * @param stream which stream this is, as told to the sink
   * @param sink receives the lines
   * @param maxLineBytes the longest line delivered in one piece
   */
  public LineOutputStream(OutputSink.Stream stream, OutputSink sink, int maxLineBytes) {
    this(new LineSplitter(stream, sink, maxLineBytes));
  }

  /**
   * The splitter behind this stream (for example to {@link LineSplitter#detach()} it).
   *
   * @return the splitter
   */
  public LineSplitter splitter() {
    return splitter;
  }

  @Override
  public void write(int b) {
    splitter.write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b) {
    splitter.write(b, 0, b.length);
  }

  @Override
  public void write(byte[] b, int off, int len) {
    splitter.write(b, off, len);
  }

  /** Delivers the last line if it had no terminator. */
  @Override
  public void close() {
    splitter.finish();
  }
}
