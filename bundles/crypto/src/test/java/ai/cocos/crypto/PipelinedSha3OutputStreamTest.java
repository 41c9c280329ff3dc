package ai.cocos.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelinedSha3OutputStreamTest {
  @TempDir Path tmp;

  @Test
  void buffersOfEveryKindReachTheFileAndTheHashAsTheyWere() throws Exception {
    Random random = new Random(7);
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    random.nextBytes(data);
    Path file = tmp.resolve("upload");
    long written;
    byte[] hash;
    try (FileChannel channel =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      // Buffers smaller than most writes, and a depth of 2: writes span buffers and wait for the
      // hash.
      PipelinedSha3OutputStream out =
          new PipelinedSha3OutputStream(channel, Long.MAX_VALUE, "data", 4096, 2);
      int off = 0;
      int kind = 0;
      while (off < data.length) {
        int n = Math.min(data.length - off, 1 + random.nextInt(20_000));
        ByteBuffer src =
            switch (kind++ % 4) {
              case 0 -> ByteBuffer.wrap(data, off, n); // heap, at an offset
              case 1 -> ByteBuffer.wrap(data, off, n).asReadOnlyBuffer(); // no array access
              case 2 -> ByteBuffer.allocateDirect(n).put(data, off, n).flip(); // off-heap
              default -> ByteBuffer.wrap(data).slice(off, n); // a slice with its own offset
            };
        out.write(src);
        assertEquals(0, src.remaining(), "the source buffer is consumed");
        off += n;
      }
      out.close();
      written = out.count();
      hash = out.digest();
    }
    assertEquals(data.length, written);
    assertArrayEquals(Sha3.digest(data), hash);
    assertArrayEquals(data, Files.readAllBytes(file));
  }

  @Test
  void aBufferOverTheLimitIsRefusedWholeAndLeftUnread() throws Exception {
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    PipelinedSha3OutputStream out = new PipelinedSha3OutputStream(copy, 10, "dataset 'b.csv'");
    out.write(ByteBuffer.wrap(new byte[6]));
    ByteBuffer more = ByteBuffer.allocateDirect(5);
    SizeLimitExceededException e =
        assertThrows(SizeLimitExceededException.class, () -> out.write(more));
    assertTrue(e.getMessage().contains("dataset 'b.csv'"), e.getMessage());
    assertEquals(5, more.remaining());
    out.flush();
    assertEquals(6, copy.size());
    out.close();
    assertArrayEquals(Sha3.digest(new byte[6]), out.digest());
  }

  @Test
  void hashesAndWritesExactlyWhatTheSequentialStreamDoesWhateverTheWriteSizes() throws Exception {
    Random random = new Random(42);
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    random.nextBytes(data);
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    // Small buffers and depth so the writer often waits for the hash.
    PipelinedSha3OutputStream out =
        new PipelinedSha3OutputStream(copy, Long.MAX_VALUE, "data", 1000, 2);
    int off = 0;
    while (off < data.length) {
      int n = Math.min(data.length - off, random.nextInt(70_000));
      if (n % 7 == 0 && n > 0) {
        out.write(data[off]);
        n = 1;
      } else {
        out.write(data, off, n);
      }
      off += n;
    }
    out.close();
    assertEquals(data.length, out.count());
    assertArrayEquals(Sha3.digest(data), out.digest());
    assertArrayEquals(data, copy.toByteArray());
  }

  @Test
  void anEmptyStreamHasTheEmptyHash() throws Exception {
    PipelinedSha3OutputStream out =
        new PipelinedSha3OutputStream(OutputStream.nullOutputStream(), 10, "nothing");
    out.close();
    assertArrayEquals(Sha3.digest(new byte[0]), out.digest());
  }

  @Test
  void theLimitIsEnforcedBeforeAnythingPassesAndNamesWhatWasWritten() throws Exception {
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    PipelinedSha3OutputStream out = new PipelinedSha3OutputStream(copy, 10, "dataset 'a.csv'");
    out.write(new byte[8]);
    SizeLimitExceededException e =
        assertThrows(SizeLimitExceededException.class, () -> out.write(new byte[3]));
    assertTrue(e.getMessage().contains("dataset 'a.csv'"), e.getMessage());
    out.flush();
    assertEquals(8, copy.size());
    out.close();
    assertArrayEquals(Sha3.digest(new byte[8]), out.digest());
    assertThrows(IOException.class, () -> out.write(1));
  }

  @Test
  void aFailingDelegateFailsTheWriteAndTheStreamStillCloses() throws Exception {
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("disk gone");
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            throw new IOException("disk gone");
          }
        };
    PipelinedSha3OutputStream out = new PipelinedSha3OutputStream(broken, 100, "x", 4, 1);
    assertEquals(
        "disk gone", assertThrows(IOException.class, () -> out.write(new byte[9])).getMessage());
    // What comes after a lost write cannot reach the delegate in order: it fails too, naming why.
    IOException later = assertThrows(IOException.class, () -> out.write(new byte[2]));
    assertTrue(
        later.getMessage().contains("an earlier write failed: disk gone"), later.getMessage());
    assertThrows(IOException.class, out::flush);
    assertThrows(IOException.class, out::digest);
    out.close();
  }

  @Test
  void writesOfAnySizeReachTheChannelAsWholeBuffersAndTheRestAtClose() throws Exception {
    List<Integer> sizes = new ArrayList<>();
    List<Boolean> aligned = new ArrayList<>();
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    WritableByteChannel recorder =
        new WritableByteChannel() {
          private boolean open = true;

          @Override
          public int write(ByteBuffer src) {
            int n = src.remaining();
            sizes.add(n);
            aligned.add(!src.isDirect() || src.alignmentOffset(src.position(), 4096) == 0);
            byte[] b = new byte[n];
            src.get(b);
            copy.writeBytes(b);
            return n;
          }

          @Override
          public boolean isOpen() {
            return open;
          }

          @Override
          public void close() {
            open = false;
          }
        };
    Random random = new Random(3);
    byte[] data = new byte[5 * 8192 + 123];
    random.nextBytes(data);
    PipelinedSha3OutputStream out =
        new PipelinedSha3OutputStream(recorder, Long.MAX_VALUE, "data", 8192, 2);
    int off = 0;
    while (off < data.length) {
      int n = Math.min(data.length - off, 1 + random.nextInt(3000));
      out.write(data, off, n);
      off += n;
    }
    assertEquals(List.of(8192, 8192, 8192, 8192, 8192), sizes, "only whole buffers so far");
    out.close();
    assertEquals(List.of(8192, 8192, 8192, 8192, 8192, 123), sizes);
    assertEquals(List.of(true, true, true, true, true, true), aligned, "page-aligned buffers");
    assertArrayEquals(data, copy.toByteArray());
    assertArrayEquals(Sha3.digest(data), out.digest());
  }

  @Test
  void anAbandonedStreamDropsWhatItBufferedAndRefusesMore() throws Exception {
    ByteArrayOutputStream copy = new ByteArrayOutputStream();
    PipelinedSha3OutputStream out =
        new PipelinedSha3OutputStream(copy, Long.MAX_VALUE, "data", 8192, 2);
    out.write(new byte[8192 + 100]);
    out.abandon();
    assertEquals(8192, copy.size(), "the whole buffer went on; the last 100 bytes did not");
    assertThrows(IOException.class, () -> out.write(1));
    assertThrows(IOException.class, out::digest);
    out.close();
    out.abandon();
  }
}
