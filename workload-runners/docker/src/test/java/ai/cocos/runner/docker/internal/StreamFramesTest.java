package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.runner.OutputSink.Stream;
import ai.cocos.runner.support.LineSplitter;
import ai.cocos.runner.support.testing.RecordingSink;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamFramesTest {
  private final RecordingSink sink = new RecordingSink();
  private final LineSplitter out = new LineSplitter(Stream.STDOUT, sink, 1024);
  private final LineSplitter err = new LineSplitter(Stream.STDERR, sink, 1024);

  @Test
  void framesGoToTheirStreamsAndLinesSpanFrames() throws IOException {
    byte[] stream =
        concat(
            frame(1, "hel"),
            frame(2, "warn"),
            frame(1, "lo\nwor"),
            frame(1, ""),
            frame(2, "ing\n"),
            frame(1, "ld\n"),
            frame(0, "echoed"));

    long bytes = StreamFrames.copy(new ByteArrayInputStream(stream), out, err);

    assertEquals(26, bytes);
    // The last line has no terminator: copy() finishes the splitters at the end of the stream.
    assertEquals(List.of("hello", "world", "echoed"), sink.out);
    assertEquals(List.of("warning"), sink.err);
  }

  @Test
  void payloadsArriveInPiecesAsTheyAreRead() throws IOException {
    byte[] big = new byte[100_000];
    Arrays.fill(big, (byte) 'x');
    big[big.length - 1] = '\n';
    // A stream that hands over at most 7 bytes per read, like a slow socket.
    InputStream trickle =
        new FilterInputStream(new ByteArrayInputStream(concat(frame(1, big), frame(2, "e\n")))) {
          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            return super.read(b, off, Math.min(len, 7));
          }
        };

    StreamFrames.copy(trickle, new LineSplitter(Stream.STDOUT, sink, 200_000), err);

    assertEquals(1, sink.out.size());
    assertEquals(99_999, sink.out.get(0).length());
    assertEquals(List.of("e"), sink.err);
  }

  @Test
  void truncatedFrameFailsButDeliversWhatCame() {
    byte[] f = frame(1, "partial line");
    byte[] cut = Arrays.copyOf(f, f.length - 3);

    assertThrows(
        EOFException.class, () -> StreamFrames.copy(new ByteArrayInputStream(cut), out, err));
    assertEquals(List.of("partial l"), sink.out);
  }

  @Test
  void truncatedHeaderFails() {
    byte[] f = Arrays.copyOf(frame(1, "x"), 5);
    assertThrows(
        EOFException.class, () -> StreamFrames.copy(new ByteArrayInputStream(f), out, err));
  }

  @Test
  void unknownStreamTypeIsAProtocolError() {
    ProtocolException e =
        assertThrows(
            ProtocolException.class,
            () -> StreamFrames.copy(new ByteArrayInputStream(frame(7, "x")), out, err));
    assertTrue(e.getMessage().contains("unknown stream type 7"), e.getMessage());
  }

  static byte[] frame(int type, String payload) {
    return frame(type, payload.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] frame(int type, byte[] payload) {
    byte[] f = new byte[8 + payload.length];
    f[0] = (byte) type;
    f[4] = (byte) (payload.length >>> 24);
    f[5] = (byte) (payload.length >>> 16);
    f[6] = (byte) (payload.length >>> 8);
    f[7] = (byte) payload.length;
    System.arraycopy(payload, 0, f, 8, payload.length);
    return f;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
