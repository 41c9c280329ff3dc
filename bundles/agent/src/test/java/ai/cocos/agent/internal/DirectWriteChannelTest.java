package ai.cocos.agent.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DirectWriteChannelTest {
  private static final int BUFFER = 256 * 1024;

  @TempDir Path tmp;

  private static ByteBuffer aligned(byte[] data, int off, int len) {
    int pages = (len + DirectWriteChannel.PAGE - 1) / DirectWriteChannel.PAGE;
    ByteBuffer b =
        ByteBuffer.allocateDirect((pages + 1) * DirectWriteChannel.PAGE)
            .alignedSlice(DirectWriteChannel.PAGE);
    return b.put(0, data, off, len).limit(len);
  }

  private static boolean directIoWorksIn(Path dir) throws IOException {
    Path probe = dir.resolve("probe");
    try (FileChannel c =
        FileChannel.open(
            probe,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE,
            ExtendedOpenOption.DIRECT)) {
      return true;
    } catch (IOException | UnsupportedOperationException e) {
      return false;
    } finally {
      Files.deleteIfExists(probe);
    }
  }

  /** Bytes of the file in the page cache, by util-linux's fincore (mincore(2)). */
  private static long cachedBytes(Path file) throws Exception {
    Process p =
        new ProcessBuilder("fincore", "--bytes", "--noheadings", "--output", "RES", file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0, "fincore: " + out);
    return Long.parseLong(out);
  }

  @Test
  void wholeAlignedBuffersGoAroundThePageCacheAndTheTailThroughIt() throws Exception {
    assumeTrue(
        directIoWorksIn(tmp) || System.getenv("CI") != null,
        "the temporary folder's file system has no direct I/O");
    byte[] data = new byte[8 * BUFFER + 1234];
    new Random(11).nextBytes(data);
    Path file = tmp.resolve("upload.part");
    try (DirectWriteChannel ch = DirectWriteChannel.create(file, true)) {
      assertTrue(ch.direct(), "direct I/O where the file system has it");
      for (int off = 0; off < 8 * BUFFER; off += BUFFER) {
        assertEquals(BUFFER, ch.write(aligned(data, off, BUFFER)));
      }
      assertTrue(ch.direct());
      assertEquals(1234, ch.write(aligned(data, 8 * BUFFER, 1234)));
      assertFalse(ch.direct(), "an unaligned length goes through the page cache, and all after it");
    }
    assertArrayEquals(data, Files.readAllBytes(file));
    // Reading the file back put it in the page cache: look at a second copy before reading it.
    Path fresh = tmp.resolve("fresh.part");
    try (DirectWriteChannel ch = DirectWriteChannel.create(fresh, true)) {
      for (int off = 0; off < 8 * BUFFER; off += BUFFER) {
        ch.write(aligned(data, off, BUFFER));
      }
      ch.write(aligned(data, 8 * BUFFER, 1234));
    }
    long cached = cachedBytes(fresh);
    assertTrue(
        cached <= 2 * DirectWriteChannel.PAGE,
        "only the tail went through the page cache, but " + cached + " bytes are cached");
    assertArrayEquals(data, Files.readAllBytes(fresh));
  }

  @Test
  void anyMixOfWritesGivesTheSameFile() throws Exception {
    Random random = new Random(5);
    byte[] data = new byte[3 * BUFFER + 4096 + 77];
    random.nextBytes(data);
    for (Path dir : new Path[] {tmp, Path.of("/dev/shm")}) {
      if (!Files.isDirectory(dir) || !Files.isWritable(dir)) {
        continue;
      }
      Path file = dir.resolve("mix-" + System.nanoTime() + ".part");
      try {
        try (DirectWriteChannel ch = DirectWriteChannel.create(file, true)) {
          ch.write(aligned(data, 0, BUFFER)); // direct where possible
          ch.write(ByteBuffer.wrap(data, BUFFER, 4096)); // a heap buffer: through the cache
          assertFalse(ch.direct());
          ch.write(aligned(data, BUFFER + 4096, BUFFER)); // aligned again, but cached from now on
          ch.write(ByteBuffer.wrap(data, 2 * BUFFER + 4096, 10).asReadOnlyBuffer());
          ch.write(ByteBuffer.wrap(data).slice(2 * BUFFER + 4106, data.length - 2 * BUFFER - 4106));
        }
        assertArrayEquals(data, Files.readAllBytes(file), "in " + dir);
      } finally {
        Files.deleteIfExists(file);
      }
    }
  }

  @Test
  void turnedOffItIsAnOrdinaryFile() throws Exception {
    Path file = tmp.resolve("cached.part");
    try (DirectWriteChannel ch = DirectWriteChannel.create(file, false)) {
      assertFalse(ch.direct());
      byte[] data = new byte[BUFFER];
      new Random(2).nextBytes(data);
      ch.write(aligned(data, 0, BUFFER));
      ch.close();
      assertArrayEquals(data, Files.readAllBytes(file));
    }
  }

  @Test
  void theFileIsNewAndPrivateAndTheChannelCloses() throws Exception {
    Path file = tmp.resolve("private.part");
    DirectWriteChannel ch =
        DirectWriteChannel.create(
            file,
            true,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
    assertThrows(FileAlreadyExistsException.class, () -> DirectWriteChannel.create(file, true));
    assertTrue(Files.exists(file), "a refused create leaves the existing file alone");
    ch.close();
    assertFalse(ch.isOpen());
    ch.close();
    assertThrows(ClosedChannelException.class, () -> ch.write(ByteBuffer.allocate(1)));
  }
}
