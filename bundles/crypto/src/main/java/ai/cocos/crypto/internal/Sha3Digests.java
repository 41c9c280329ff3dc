package ai.cocos.crypto.internal;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA3Digest;

/**
 * Makes SHA3 digests: OpenSSL's {@code libcrypto} through JNA where it loads (its x86-64 Keccak is
 * hand-written assembly, about twice BouncyCastle's speed on the reference machine: 508-594 MB/s
 * against 280-310 MB/s for SHA3-256), BouncyCastle's {@link SHA3Digest} otherwise.
 *
 * <p>Chosen once per JVM by the system property {@value #PROPERTY}: {@code auto} (the default:
 * OpenSSL if {@code libcrypto.so.3} or {@code libcrypto.so.1.1} loads, has SHA3, and hashes a known
 * answer correctly; else Java), {@code openssl} (the same, but a failure to load is an error at
 * first use, for benchmarks that must measure OpenSSL), or {@code java} (BouncyCastle only).
 *
 * <p>JNA is an optional import of this bundle: without it the Java digest is used.
 */
public final class Sha3Digests {
  /** System property choosing the implementation. */
  public static final String PROPERTY = "cocos.crypto.sha3";

  private static final Logger LOG = System.getLogger(Sha3Digests.class.getName());

  /** SHA3-256("abc"), FIPS 202 example: the known answer the native digest must give. */
  private static final String ABC_256 =
      "3a985da74fe225b2045c172d6bd390bd855f086e3e9d525b46bfe24511431532";

  private static final Native256 NATIVE = loadNative();

  private Sha3Digests() {}

  /**
   * A new SHA3-256 digest.
   *
   * @return OpenSSL's where available, else BouncyCastle's; not thread-safe, one per stream
   */
  public static Digest sha3_256() {
    return NATIVE != null ? NATIVE.newDigest(256) : new SHA3Digest(256);
  }

  /**
   * A new SHA3-384 digest.
   *
   * @return OpenSSL's where available, else BouncyCastle's
   */
  public static Digest sha3_384() {
    return NATIVE != null ? NATIVE.newDigest(384) : new SHA3Digest(384);
  }

  /**
   * Hashes a buffer's remaining bytes and moves its position to its limit. A direct buffer given to
   * an OpenSSL digest is read where it is, without a copy.
   *
   * @param digest a digest from this class (or any other, which gets the bytes copied)
   * @param bytes the bytes
   */
  public static void update(Digest digest, ByteBuffer bytes) {
    if (digest instanceof DirectUpdate d && bytes.isDirect()) {
      d.update(bytes);
      return;
    }
    if (bytes.hasArray()) {
      digest.update(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
      bytes.position(bytes.limit());
      return;
    }
    byte[] chunk = new byte[Math.min(bytes.remaining(), 64 * 1024)];
    while (bytes.hasRemaining()) {
      int n = Math.min(chunk.length, bytes.remaining());
      bytes.get(chunk, 0, n);
      digest.update(chunk, 0, n);
    }
  }

  /**
   * Whether {@link #update(Digest, ByteBuffer)} reads a direct buffer in place for this digest
   * (OpenSSL's); others read arrays, so a heap buffer suits them better.
   *
   * @param digest a digest
   * @return {@code true} for a digest that reads direct buffers without a copy
   */
  public static boolean readsInPlace(Digest digest) {
    return digest instanceof DirectUpdate;
  }

  /** A digest that reads direct buffers in place. */
  interface DirectUpdate {
    /**
     * Hashes a direct buffer's remaining bytes and moves its position to its limit.
     *
     * @param direct the bytes
     */
    void update(ByteBuffer direct);
  }

  /**
   * Which implementation {@link #sha3_256()} returns.
   *
   * @return {@code openssl} or {@code java}
   */
  public static String implementation() {
    return NATIVE != null ? "openssl" : "java";
  }

  private static Native256 loadNative() {
    String choice = System.getProperty(PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
    if (choice.equals("java")) {
      return null;
    }
    if (!choice.equals("auto") && !choice.equals("openssl")) {
      throw new IllegalStateException(
          PROPERTY + "=" + choice + " is not one of auto, openssl, java");
    }
    try {
      Native256 n = Native256.load();
      Digest d = n.newDigest(256);
      byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
      d.update(abc, 0, abc.length);
      byte[] out = new byte[32];
      d.doFinal(out, 0);
      if (!HexFormat.of().formatHex(out).equals(ABC_256)) {
        throw new IllegalStateException("libcrypto's SHA3-256 gave a wrong known answer");
      }
      LOG.log(Level.DEBUG, "SHA3 through OpenSSL libcrypto");
      return n;
    } catch (LinkageError | RuntimeException e) {
      if (choice.equals("openssl")) {
        throw new IllegalStateException(
            PROPERTY + "=openssl but libcrypto's SHA3 is not usable: " + e, e);
      }
      LOG.log(Level.DEBUG, "SHA3 through BouncyCastle (libcrypto not usable: {0})", e.toString());
      return null;
    }
  }

  /** The bound libcrypto functions (JNA direct mapping: no reflection per call). */
  static final class Native256 {
    private static final List<String> NAMES =
        List.of("libcrypto.so.3", "libcrypto.so.1.1", "crypto");
    private static final Cleaner CLEANER = Cleaner.create();

    private static native Pointer EVP_get_digestbyname(String name);

    private static native Pointer EVP_MD_CTX_new();

    private static native void EVP_MD_CTX_free(Pointer ctx);

    private static native int EVP_DigestInit_ex(Pointer ctx, Pointer type, Pointer engine);

    private static native int EVP_DigestUpdate(Pointer ctx, Pointer data, long count);

    private static native int EVP_DigestFinal_ex(Pointer ctx, Pointer md, Pointer size);

    private final Pointer md256;
    private final Pointer md384;

    private Native256(Pointer md256, Pointer md384) {
      this.md256 = md256;
      this.md384 = md384;
    }

    static Native256 load() {
      UnsatisfiedLinkError last = null;
      for (String name : NAMES) {
        try {
          NativeLibrary lib = NativeLibrary.getInstance(name, Native256.class.getClassLoader());
          Native.register(Native256.class, lib);
          Pointer a = EVP_get_digestbyname("SHA3-256");
          Pointer b = EVP_get_digestbyname("SHA3-384");
          if (a == null || b == null) {
            throw new IllegalStateException(name + " has no SHA3 (OpenSSL 1.1.1 or later needed)");
          }
          return new Native256(a, b);
        } catch (UnsatisfiedLinkError e) {
          last = e;
        }
      }
      throw last;
    }

    Digest newDigest(int bits) {
      return new OpenSslSha3(this, bits);
    }
  }

  /**
   * One OpenSSL digest context. Input is gathered in a native buffer and handed to OpenSSL a buffer
   * at a time, so a call crosses into native code once per 64 KiB, not once per write.
   */
  static final class OpenSslSha3 implements Digest, DirectUpdate {
    private static final int BUFFER = 64 * 1024;

    private final int bits;
    private final Pointer md;
    private final Pointer ctx;
    private final Memory buffer = new Memory(BUFFER);
    private final Memory out = new Memory(64);
    private int filled;

    OpenSslSha3(Native256 lib, int bits) {
      this.bits = bits;
      this.md = bits == 256 ? lib.md256 : lib.md384;
      Pointer c = Native256.EVP_MD_CTX_new();
      if (c == null) {
        throw new OutOfMemoryError("EVP_MD_CTX_new failed");
      }
      this.ctx = c;
      Native256.CLEANER.register(this, () -> Native256.EVP_MD_CTX_free(c));
      init();
    }

    private void init() {
      if (Native256.EVP_DigestInit_ex(ctx, md, null) != 1) {
        throw new IllegalStateException("EVP_DigestInit_ex(SHA3-" + bits + ") failed");
      }
      filled = 0;
    }

    private void drain() {
      if (filled > 0) {
        if (Native256.EVP_DigestUpdate(ctx, buffer, filled) != 1) {
          throw new IllegalStateException("EVP_DigestUpdate failed");
        }
        filled = 0;
      }
    }

    @Override
    public String getAlgorithmName() {
      return "SHA3-" + bits;
    }

    @Override
    public int getDigestSize() {
      return bits / 8;
    }

    @Override
    public void update(byte in) {
      if (filled == BUFFER) {
        drain();
      }
      buffer.setByte(filled++, in);
    }

    @Override
    public void update(byte[] in, int off, int len) {
      while (len > 0) {
        if (filled == BUFFER) {
          drain();
        }
        int n = Math.min(len, BUFFER - filled);
        buffer.write(filled, in, off, n);
        filled += n;
        off += n;
        len -= n;
      }
    }

    @Override
    public void update(ByteBuffer direct) {
      int n = direct.remaining();
      if (n == 0) {
        return;
      }
      // What was gathered first, then the buffer where it lies: the order of the bytes holds.
      drain();
      Pointer at = Native.getDirectBufferPointer(direct).share(direct.position());
      if (Native256.EVP_DigestUpdate(ctx, at, n) != 1) {
        throw new IllegalStateException("EVP_DigestUpdate failed");
      }
      direct.position(direct.limit());
    }

    @Override
    public int doFinal(byte[] result, int off) {
      drain();
      if (Native256.EVP_DigestFinal_ex(ctx, out, null) != 1) {
        throw new IllegalStateException("EVP_DigestFinal_ex failed");
      }
      int size = getDigestSize();
      out.read(0, result, off, size);
      init();
      return size;
    }

    @Override
    public void reset() {
      init();
    }
  }
}
