package ai.cocos.runner.docker.internal;

import ai.cocos.runner.support.LineSplitter;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;

/**
 * Splits a container's multiplexed output stream into its standard output and standard error.
 *
 * <p>Format: Docker Engine API, "Attach to a container", section "Stream format": when the
 * container has no TTY, the stream is a series of frames, each an 8-byte header {@code
 * [STREAM_TYPE, 0, 0, 0, SIZE1, SIZE2, SIZE3, SIZE4]} followed by SIZE bytes of payload; the size
 * is a big-endian uint32 and STREAM_TYPE is 0 (stdin, written on stdout), 1 (stdout) or 2 (stderr).
 */
final class StreamFrames {
  static final int HEADER_BYTES = 8;
  static final int TYPE_OFFSET = 0;
  static final int SIZE_OFFSET = 4;
  static final int STDIN = 0;
  static final int STDOUT = 1;
  static final int STDERR = 2;

  private static final int BUFFER = 32 * 1024;

  private StreamFrames() {}

  /**
   * Copies every frame's payload to the splitter of its stream until the stream ends, then finishes
   * both splitters.
   *
   * @param in the attach stream (after the HTTP head)
   * @param stdout receives standard output (and echoed stdin)
   * @param stderr receives standard error
   * @return the number of payload bytes copied
   * @throws IOException if the stream breaks off inside a frame, a frame has an unknown type, or
   *     the connection fails
   */
  static long copy(InputStream in, LineSplitter stdout, LineSplitter stderr) throws IOException {
    byte[] header = new byte[HEADER_BYTES];
    byte[] buf = new byte[BUFFER];
    long total = 0;
    try {
      while (readHeader(in, header)) {
        int type = header[TYPE_OFFSET] & 0xff;
        long size =
            ((header[SIZE_OFFSET] & 0xffL) << 24)
                | ((header[SIZE_OFFSET + 1] & 0xff) << 16)
                | ((header[SIZE_OFFSET + 2] & 0xff) << 8)
                | (header[SIZE_OFFSET + 3] & 0xff);
        LineSplitter target =
            switch (type) {
              case STDIN, STDOUT -> stdout;
              case STDERR -> stderr;
              default ->
                  throw new ProtocolException(
                      "container output has a frame of unknown stream type " + type);
            };
        long left = size;
        while (left > 0) {
          int n = in.read(buf, 0, (int) Math.min(buf.length, left));
          if (n < 0) {
            throw new EOFException("container output ended inside a frame");
          }
          target.write(buf, 0, n);
          left -= n;
        }
        total += size;
      }
      return total;
    } finally {
      stdout.finish();
      stderr.finish();
    }
  }

  /** Reads a header; false on a clean end of stream before its first byte. */
  private static boolean readHeader(InputStream in, byte[] header) throws IOException {
    int n = 0;
    while (n < HEADER_BYTES) {
      int r = in.read(header, n, HEADER_BYTES - n);
      if (r < 0) {
        if (n == 0) {
          return false;
        }
        throw new EOFException("container output ended inside a frame header");
      }
      n += r;
    }
    return true;
  }
}
