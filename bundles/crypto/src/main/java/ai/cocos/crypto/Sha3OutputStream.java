package ai.cocos.crypto;

import ai.cocos.crypto.internal.Sha3Digests;
import java.io.IOException;
import java.io.OutputStream;
import java.util.HexFormat;
import java.util.Objects;
import org.bouncycastle.crypto.Digest;

/**
 * An output stream that hashes everything written through it with SHA3-256, counts the bytes, and
 * refuses to pass on more than a limit. Memory use is constant: nothing is buffered here.
 *
 * <p>A write that would take the total over {@code maxBytes} throws {@link
 * SizeLimitExceededException} and none of its bytes reach the delegate, so at most {@code maxBytes}
 * bytes are ever written. Not thread-safe.
 *
 * <p>SHA3-256 is OpenSSL's where libcrypto loads (508-594 MB/s on the reference machine), else
 * BouncyCastle's {@code SHA3Digest} (280-310 MB/s, against the JDK's 230 MB/s); see {@code
 * Sha3Digests} and {@code Sha3Bench} in the tests.
 */
public final class Sha3OutputStream extends OutputStream {
  private final OutputStream delegate;
  private final long maxBytes;
  private final String what;
  private final Digest digest = Sha3Digests.sha3_256();
  private long count;
  private byte[] result;
  private boolean closed;

  /**
   * Wraps a stream with a limit.
   *
   * @param delegate where the bytes go; use {@link OutputStream#nullOutputStream()} to only hash
   * @param maxBytes the most bytes that may be written, at least 0
   */
  public Sha3OutputStream(OutputStream delegate, long maxBytes) {
    this(delegate, maxBytes, "the stream");
  }

  /**
   * Wraps a stream with a limit, naming what is written for the limit's message.
   *
   * @param delegate where the bytes go
   * @param maxBytes the most bytes that may be written, at least 0
   * @param what what is written, e.g. {@code "dataset 'b.csv'"}, for the error message
   */
  public Sha3OutputStream(OutputStream delegate, long maxBytes, String what) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
    }
    this.maxBytes = maxBytes;
    this.what = Objects.requireNonNull(what, "what");
  }

  /**
   * Wraps a stream without a limit.
   *
   * @param delegate where the bytes go
   */
  public Sha3OutputStream(OutputStream delegate) {
    this(delegate, Long.MAX_VALUE);
  }

  @Override
  public void write(int b) throws IOException {
    admit(1);
    delegate.write(b);
    digest.update((byte) b);
    count++;
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    admit(len);
    delegate.write(b, off, len);
    digest.update(b, off, len);
    count += len;
  }

  private void admit(int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (result != null) {
      throw new IOException("write after digest() was taken");
    }
    if (len > maxBytes - count) {
      throw new SizeLimitExceededException(what, maxBytes);
    }
  }

  @Override
  public void flush() throws IOException {
    delegate.flush();
  }

  /** Closes the delegate. The digest stays available. */
  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      delegate.close();
    }
  }

  /**
   * The number of bytes written so far.
   *
   * @return the count
   */
  public long count() {
    return count;
  }

  /**
   * The limit given at construction.
   *
   * @return the most bytes this stream passes on
   */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Finishes hashing and returns SHA3-256 of everything written. Later calls return the same value;
   * later writes fail.
   *
   * @return a new 32-byte array
   */
  public byte[] digest() {
    if (result == null) {
      result = new byte[Sha3.DIGEST_LENGTH];
      digest.doFinal(result, 0);
    }
    return result.clone();
  }

  /**
   * {@link #digest()} as lower-case hex.
   *
   * @return 64 hex digits
   */
  public String hex() {
    return HexFormat.of().formatHex(digest());
  }
}
