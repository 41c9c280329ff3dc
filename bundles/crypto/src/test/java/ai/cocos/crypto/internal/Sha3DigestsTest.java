package ai.cocos.crypto.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA3Digest;
import org.junit.jupiter.api.Test;

/** The native SHA3 digests against BouncyCastle's, on the same inputs cut in awkward ways. */
class Sha3DigestsTest {
  @Test
  void libcryptoIsUsedOnThisMachine() {
    // Debian 12 always has libcrypto.so.3 (libssl3 is essential for apt): the fast path must load.
    assertEquals("openssl", Sha3Digests.implementation());
  }

  @Test
  void agreesWithBouncyCastleForEverySplitAndSize() {
    Random r = new Random(7);
    for (int size : new int[] {0, 1, 135, 136, 137, 65_535, 65_536, 65_537, 300_001}) {
      byte[] data = new byte[size];
      r.nextBytes(data);
      for (int bits : new int[] {256, 384}) {
        byte[] expected = hash(new SHA3Digest(bits), data, size + 1);
        Digest d = bits == 256 ? Sha3Digests.sha3_256() : Sha3Digests.sha3_384();
        assertArrayEquals(expected, hash(d, data, 1 + r.nextInt(70_000)), size + " bytes");
        // doFinal resets: the same digest hashes the next input from scratch.
        assertArrayEquals(expected, hash(d, data, 7), size + " bytes, reused");
      }
    }
  }

  @Test
  void singleByteUpdatesCrossTheNativeBuffer() {
    byte[] data = new byte[65_536 * 2 + 3];
    new Random(3).nextBytes(data);
    Digest d = Sha3Digests.sha3_256();
    for (byte b : data) {
      d.update(b);
    }
    byte[] out = new byte[32];
    d.doFinal(out, 0);
    assertArrayEquals(hash(new SHA3Digest(256), data, data.length), out);
  }

  @Test
  void buffersMixedWithArraysHashInOrderWhateverKindTheyAre() {
    // Gathered array bytes must reach OpenSSL before a direct buffer read in place.
    byte[] data = new byte[300_001];
    new Random(11).nextBytes(data);
    byte[] expected = hash(new SHA3Digest(256), data, data.length);
    for (Digest d : new Digest[] {Sha3Digests.sha3_256(), new SHA3Digest(256)}) {
      int off = 0;
      int kind = 0;
      while (off < data.length) {
        int n = Math.min(data.length - off, 1 + 977 * (kind % 5) + 40_000 * (kind % 2));
        switch (kind++ % 3) {
          case 0 -> d.update(data, off, n);
          case 1 -> {
            ByteBuffer direct = ByteBuffer.allocateDirect(n + 9).position(4);
            direct.put(data, off, n).flip().position(4);
            Sha3Digests.update(d, direct);
            assertEquals(direct.limit(), direct.position());
          }
          default -> Sha3Digests.update(d, ByteBuffer.wrap(data, off, n).asReadOnlyBuffer());
        }
        off += n;
      }
      byte[] out = new byte[32];
      d.doFinal(out, 0);
      assertArrayEquals(expected, out, d.getClass().getSimpleName());
    }
  }

  @Test
  void onlyOpenSslsDigestReadsBuffersInPlace() {
    assertTrue(Sha3Digests.readsInPlace(Sha3Digests.sha3_256()));
    assertFalse(Sha3Digests.readsInPlace(new SHA3Digest(256)));
  }

  @Test
  void knownAnswer() {
    byte[] out = hash(Sha3Digests.sha3_256(), "abc".getBytes(), 3);
    assertEquals(
        "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532",
        HexFormat.of().formatHex(out));
  }

  private static byte[] hash(Digest d, byte[] data, int piece) {
    for (int off = 0; off < data.length; off += piece) {
      d.update(data, off, Math.min(piece, data.length - off));
    }
    byte[] out = new byte[d.getDigestSize()];
    d.doFinal(out, 0);
    return out;
  }
}
