package ai.cocos.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SHA3-256 against the FIPS 202 vectors, the JDK and openssl, and the limited stream. */
class Sha3Test {
  private static final String EMPTY =
      "a7ffc6f8bf1ed76651c14756a061d662f580ff4de43b49fa82d80a4b80f8434a";
  private static final String ABC =
      "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532";

  @TempDir Path dir;

  @Test
  void knownVectors() throws Exception {
    assertEquals(EMPTY, Sha3.hex(new byte[0]));
    assertEquals(ABC, Sha3.hex("abc".getBytes(StandardCharsets.US_ASCII)));
    assertEquals(
        ABC,
        HexFormat.of()
            .formatHex(
                Sha3.of(new ByteArrayInputStream("abc".getBytes(StandardCharsets.US_ASCII)))));
    assertEquals(EMPTY, HexFormat.of().formatHex(Sha3.of(InputStream.nullInputStream())));
    // FIPS 202 example: 200 bytes of 0xa3 (1600 bits), more than one rate block.
    byte[] a3 = new byte[200];
    java.util.Arrays.fill(a3, (byte) 0xa3);
    assertEquals("79f38adec5c20307a98ef76e8324afbfd46cfd81b22e3973c65fa1bd9de31787", Sha3.hex(a3));
  }

  @Test
  void agreesWithTheJdkAcrossBlockBoundaries() throws Exception {
    MessageDigest jdk = MessageDigest.getInstance("SHA3-256");
    Random r = new Random(1);
    for (int len : new int[] {1, 135, 136, 137, 271, 272, 1000, 65535, 65536, 65537, 200_001}) {
      byte[] data = new byte[len];
      r.nextBytes(data);
      byte[] expected = jdk.digest(data);
      assertArrayEquals(expected, Sha3.digest(data), "length " + len);
      assertArrayEquals(expected, Sha3.of(new ByteArrayInputStream(data)), "stream, length " + len);
      // Odd-sized writes through the stream.
      Sha3OutputStream s = new Sha3OutputStream(java.io.OutputStream.nullOutputStream());
      for (int off = 0; off < len; ) {
        int n = Math.min(len - off, 1 + r.nextInt(7000));
        if (n == 1) {
          s.write(data[off]);
        } else {
          s.write(data, off, n);
        }
        off += n;
      }
      assertArrayEquals(expected, s.digest(), "output stream, length " + len);
      assertEquals(len, s.count());
    }
  }

  @Test
  void fileMatchesOpenssl() throws Exception {
    byte[] data = new byte[3 * 1024 * 1024 + 17];
    new Random(7).nextBytes(data);
    Path file = dir.resolve("random.bin");
    Files.write(file, data);
    String out =
        new String(
            Tools.openssl(dir, "dgst", "-sha3-256", "-r", file.toString()),
            StandardCharsets.US_ASCII);
    String expected = out.substring(0, 64);
    assertEquals(expected, HexFormat.of().formatHex(Sha3.of(file)));
    assertEquals(expected, Sha3.hex(data));
  }

  @Test
  void streamPassesThroughAndHashes() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    try (Sha3OutputStream s = new Sha3OutputStream(sink, 3)) {
      s.write("abc".getBytes(StandardCharsets.US_ASCII));
      assertEquals(3, s.count());
      assertEquals(3, s.maxBytes());
      assertEquals(ABC, s.hex());
      assertArrayEquals(s.digest(), s.digest(), "digest() is repeatable");
      IOException late = assertThrows(IOException.class, () -> s.write(1));
      assertTrue(late.getMessage().contains("after digest()"));
    }
    assertEquals("abc", sink.toString(StandardCharsets.US_ASCII));
  }

  @Test
  void limitIsEnforcedBeforeAnyByteGoesThrough() throws Exception {
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    Sha3OutputStream s = new Sha3OutputStream(sink, 10, "dataset 'b.csv'");
    s.write(new byte[8]);
    SizeLimitExceededException e =
        assertThrows(SizeLimitExceededException.class, () -> s.write(new byte[3]));
    assertEquals(10, e.limit());
    assertEquals("dataset 'b.csv' is larger than the limit of 10 bytes", e.getMessage());
    assertEquals(8, sink.size(), "the refused write passed nothing on");
    s.write(new byte[2]);
    assertThrows(SizeLimitExceededException.class, () -> s.write(0));
    assertEquals(10, sink.size());
    assertEquals(10, s.count());

    Sha3OutputStream zero = new Sha3OutputStream(sink, 0);
    zero.write(new byte[0]);
    assertThrows(SizeLimitExceededException.class, () -> zero.write(1));
    assertEquals(EMPTY, zero.hex());
    assertThrows(IllegalArgumentException.class, () -> new Sha3OutputStream(sink, -1));
  }

  @Test
  void copyWritesAPrivateFileAndHashesIt() throws Exception {
    byte[] data = new byte[200_000];
    new Random(3).nextBytes(data);
    Path target = dir.resolve("dataset.csv");
    byte[] digest = Sha3.copy(new ByteArrayInputStream(data), target, data.length);
    assertArrayEquals(Sha3.digest(data), digest);
    assertArrayEquals(data, Files.readAllBytes(target));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));

    assertThrows(
        FileAlreadyExistsException.class,
        () -> Sha3.copy(InputStream.nullInputStream(), target, 10));
    assertArrayEquals(data, Files.readAllBytes(target), "an existing file is left alone");
  }

  @Test
  void copyOverTheLimitLeavesNothing() throws Exception {
    Path target = dir.resolve("big.bin");
    SizeLimitExceededException e =
        assertThrows(
            SizeLimitExceededException.class,
            () -> Sha3.copy(new ByteArrayInputStream(new byte[100_001]), target, 100_000));
    assertTrue(
        e.getMessage().contains("'big.bin' is larger than the limit of 100000 bytes"),
        e.getMessage());
    assertFalse(Files.exists(target));
  }
}
