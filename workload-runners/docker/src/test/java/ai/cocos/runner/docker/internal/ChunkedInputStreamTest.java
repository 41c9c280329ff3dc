package ai.cocos.runner.docker.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** RFC 9112 §7.1 chunked decoding, as the engine streams load and wait responses. */
class ChunkedInputStreamTest {
  @Test
  void decodesChunksWithExtensionsAndTrailers() throws IOException {
    InputStream in =
        chunked("5\r\nhello\r\n1;ext=1\r\n \r\nA\r\n0123456789\r\n0\r\nX-Trailer: y\r\n\r\nNEXT");
    assertEquals("hello 0123456789", new String(in.readAllBytes(), StandardCharsets.US_ASCII));
    assertEquals(-1, in.read());
  }

  @Test
  void emptyBody() throws IOException {
    assertArrayEquals(new byte[0], chunked("0\r\n\r\n").readAllBytes());
  }

  @Test
  void truncatedChunkFails() {
    assertThrows(EOFException.class, () -> chunked("5\r\nhel").readAllBytes());
  }

  @Test
  void badSizeLineFails() {
    assertThrows(ProtocolException.class, () -> chunked("zz\r\nhello\r\n").readAllBytes());
  }

  @Test
  void missingCrlfAfterDataFails() {
    assertThrows(ProtocolException.class, () -> chunked("2\r\nhixx\r\n0\r\n\r\n").readAllBytes());
  }

  private static InputStream chunked(String wire) {
    return new UnixHttpConnection.ChunkedInputStream(
        new ByteArrayInputStream(wire.getBytes(StandardCharsets.US_ASCII)));
  }
}
