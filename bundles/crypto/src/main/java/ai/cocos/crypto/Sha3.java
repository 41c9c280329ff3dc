package ai.cocos.crypto;

import ai.cocos.crypto.internal.Sha3Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA3Digest;

/**
 * SHA3-256, the hash CocosAI's manifests name algorithms and datasets by. Streams are hashed with a
 * fixed {@value #BUFFER_SIZE}-byte buffer, so memory use does not grow with the data.
 *
 * <p>Hex output is lower-case. Streams and large arrays are hashed by OpenSSL's libcrypto where it
 * loads (508-594 MB/s on the reference machine), else by BouncyCastle's {@code SHA3Digest(256)}
 * (280-310 MB/s, faster than the JDK 17 one at 230 MB/s); see {@code Sha3Digests} and {@code
 * Sha3Bench} in the tests. Small arrays always go to BouncyCastle: setting up a native context
 * costs more than hashing them.
 */
public final class Sha3 {
  /** Length of a SHA3-256 digest in bytes. */
  public static final int DIGEST_LENGTH = 32;

  /** Size of the buffer used to read streams and files. */
  public static final int BUFFER_SIZE = 64 * 1024;

  private Sha3() {}

  /**
   * Hashes bytes.
   *
   * @param data the bytes
   * @return the 32-byte digest
   */
  public static byte[] digest(byte[] data) {
    Digest d = data.length < BUFFER_SIZE ? new SHA3Digest(256) : Sha3Digests.sha3_256();
    d.update(data, 0, data.length);
    byte[] out = new byte[DIGEST_LENGTH];
    d.doFinal(out, 0);
    return out;
  }

  /**
   * Hashes bytes and returns the digest as lower-case hex.
   *
   * @param data the bytes
   * @return 64 hex digits
   */
  public static String hex(byte[] data) {
    return HexFormat.of().formatHex(digest(data));
  }

  /**
   * Hashes a file's content.
   *
   * @param file the file (a symbolic link is followed)
   * @return the 32-byte digest
   * @throws IOException if the file cannot be read
   */
  public static byte[] of(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      return of(in);
    }
  }

  /**
   * Hashes a stream to its end. The stream is not closed.
   *
   * @param in the stream
   * @return the 32-byte digest
   * @throws IOException if reading fails
   */
  public static byte[] of(InputStream in) throws IOException {
    Digest d = Sha3Digests.sha3_256();
    byte[] buf = new byte[BUFFER_SIZE];
    for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
      d.update(buf, 0, n);
    }
    byte[] out = new byte[DIGEST_LENGTH];
    d.doFinal(out, 0);
    return out;
  }

  /**
   * Copies a stream into a new file while hashing it, with a size limit. The file is created with
   * owner-only read/write permission (0600, where the file system has POSIX permissions); it must
   * not exist yet, and a symbolic link in its place is not followed. On any failure, including the
   * limit, the partly written file is deleted. The stream is not closed.
   *
   * @param in the data
   * @param target the file to create
   * @param maxBytes the most bytes accepted
   * @return the 32-byte SHA3-256 of what was written
   * @throws SizeLimitExceededException if the stream holds more than {@code maxBytes} bytes
   * @throws java.nio.file.FileAlreadyExistsException if {@code target} exists
   * @throws IOException if reading or writing fails
   */
  public static byte[] copy(InputStream in, Path target, long maxBytes) throws IOException {
    OutputStream file = newPrivateFile(target);
    boolean ok = false;
    try (Sha3OutputStream out =
        new Sha3OutputStream(file, maxBytes, "'" + target.getFileName() + "'")) {
      byte[] buf = new byte[BUFFER_SIZE];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        out.write(buf, 0, n);
      }
      ok = true;
      return out.digest();
    } finally {
      if (!ok) {
        Files.deleteIfExists(target);
      }
    }
  }

  private static OutputStream newPrivateFile(Path target) throws IOException {
    var options =
        java.util.Set.of(
            StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    if (Files.getFileStore(target.toAbsolutePath().getParent())
        .supportsFileAttributeView("posix")) {
      return java.nio.channels.Channels.newOutputStream(
          Files.newByteChannel(
              target,
              options,
              PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))));
    }
    return java.nio.channels.Channels.newOutputStream(Files.newByteChannel(target, options));
  }
}
