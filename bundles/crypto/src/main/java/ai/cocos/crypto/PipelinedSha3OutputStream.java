package ai.cocos.crypto;

import ai.cocos.crypto.internal.Sha3Digests;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.bouncycastle.crypto.Digest;

/**
 * Like {@link Sha3OutputStream}, writes through to a delegate and hashes with SHA3-256, but hashes
 * on a thread of its own while the caller goes on writing, so that writing to disk and hashing (the
 * slowest step of an upload) overlap instead of adding up.
 *
 * <p>Writes are copied once, into one of a few fixed buffers ({@code depth} of {@code bufferBytes}
 * each, allocated as needed; off-heap and page-aligned with OpenSSL's digest), which are filled
 * whole before they go on (the last one at {@link #flush()} or {@link #close()}), so the delegate
 * sees the same aligned, full-size writes whatever the sizes of the writes here. A full buffer is
 * written to the delegate channel from there on the caller's thread and handed to the hashing
 * thread, which hashes the same buffer in place (OpenSSL reads it where it is). A writer that gets
 * more than {@code depth} buffers ahead of the hash waits. Memory is therefore bounded by {@code
 * depth * bufferBytes} whatever the size of the stream, and a byte is copied once in user space on
 * its way to a file: a file channel writes a direct buffer without the temporary copy it makes of a
 * heap one (and, opened for direct I/O, straight from it to the disk).
 *
 * <p>Once the delegate failed, every later write and flush fails too: what was written after the
 * failure could not reach it in order.
 *
 * <p>One thread writes; {@link #count()}, {@link #digest()} and {@link #close()} may be called from
 * another once writing is over. {@link #close()} must be called: it ends the hashing thread.
 */
public final class PipelinedSha3OutputStream extends OutputStream {
  /** Default size of one buffer. */
  public static final int DEFAULT_BUFFER_BYTES = 256 * 1024;

  /** Default number of buffers. */
  public static final int DEFAULT_DEPTH = 4;

  private static final ByteBuffer END = ByteBuffer.allocate(0);
  private static final int PAGE = 4096;

  private final WritableByteChannel delegate;
  private final OutputStream stream;
  private final long maxBytes;
  private final String what;
  private final int bufferBytes;
  private final int depth;
  private final Digest digest = Sha3Digests.sha3_256();
  private final BlockingQueue<ByteBuffer> free;
  private final BlockingQueue<ByteBuffer> work;
  private final Object progress = new Object();
  private final Thread hasher;
  private int allocated;
  // the buffer being filled, or null
  private ByteBuffer current;
  private IOException failure;
  // guarded by progress
  private long submitted;
  // guarded by progress
  private long hashed;
  private volatile long count;
  private byte[] result;
  private boolean closed;

  /**
   * Wraps a stream with a limit and the default buffers.
   *
   * @param delegate where the bytes go
   * @param maxBytes the most bytes that may be written, at least 0
   * @param what what is written, e.g. {@code "dataset 'b.csv'"}, for the limit's message
   */
  public PipelinedSha3OutputStream(OutputStream delegate, long maxBytes, String what) {
    this(delegate, maxBytes, what, DEFAULT_BUFFER_BYTES, DEFAULT_DEPTH);
  }

  /**
   * Wraps a stream with a limit and buffers of a given size and number.
   *
   * @param delegate where the bytes go
   * @param maxBytes the most bytes that may be written, at least 0
   * @param what what is written, for the limit's message
   * @param bufferBytes the size of one buffer, at least 1
   * @param depth how many buffers the hash may lag behind the writes, at least 1
   */
  public PipelinedSha3OutputStream(
      OutputStream delegate, long maxBytes, String what, int bufferBytes, int depth) {
    this(
        Channels.newChannel(Objects.requireNonNull(delegate, "delegate")),
        delegate,
        maxBytes,
        what,
        bufferBytes,
        depth);
  }

  /**
   * Wraps a channel (a file's: it then writes the buffers without copying them) with a limit and
   * the default buffers.
   *
   * @param delegate where the bytes go; closed by {@link #close()}
   * @param maxBytes the most bytes that may be written, at least 0
   * @param what what is written, for the limit's message
   */
  public PipelinedSha3OutputStream(WritableByteChannel delegate, long maxBytes, String what) {
    this(delegate, maxBytes, what, DEFAULT_BUFFER_BYTES, DEFAULT_DEPTH);
  }

  /**
   * Wraps a channel with a limit and buffers of a given size and number.
   *
   * @param delegate where the bytes go; closed by {@link #close()}
   * @param maxBytes the most bytes that may be written, at least 0
   * @param what what is written, for the limit's message
   * @param bufferBytes the size of one buffer, at least 1
   * @param depth how many buffers the hash may lag behind the writes, at least 1
   */
  public PipelinedSha3OutputStream(
      WritableByteChannel delegate, long maxBytes, String what, int bufferBytes, int depth) {
    this(delegate, null, maxBytes, what, bufferBytes, depth);
  }

  private PipelinedSha3OutputStream(
      WritableByteChannel delegate,
      OutputStream stream,
      long maxBytes,
      String what,
      int bufferBytes,
      int depth) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.stream = stream;
    if (maxBytes < 0) {
      throw new IllegalArgumentException("maxBytes must be >= 0, got " + maxBytes);
    }
    if (bufferBytes < 1 || depth < 1) {
      throw new IllegalArgumentException("bufferBytes and depth must be positive");
    }
    this.maxBytes = maxBytes;
    this.what = Objects.requireNonNull(what, "what");
    this.bufferBytes = bufferBytes;
    this.depth = depth;
    this.free = new ArrayBlockingQueue<>(depth);
    // Room for every buffer and the end marker: handing work over never blocks.
    this.work = new ArrayBlockingQueue<>(depth + 1);
    this.hasher = new Thread(this::hash, "cocos-sha3");
    hasher.setDaemon(true);
    hasher.start();
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public void write(byte[] b, int off, int len) throws IOException {
    Objects.checkFromIndexSize(off, len, b.length);
    write(ByteBuffer.wrap(b, off, len));
  }

  /**
   * Writes the remaining bytes of a buffer (heap or direct, read-only or not), as {@link
   * #write(byte[], int, int)} does: the buffer's position moves to its limit.
   *
   * @param src the bytes
   * @throws IOException if the limit is exceeded ({@link SizeLimitExceededException}) or the
   *     delegate fails
   */
  public void write(ByteBuffer src) throws IOException {
    Objects.requireNonNull(src, "src");
    admit(src.remaining());
    while (src.hasRemaining()) {
      if (current == null) {
        current = acquire();
      }
      int n = Math.min(src.remaining(), current.remaining());
      int at = src.position();
      current.put(src.slice(at, n));
      src.position(at + n);
      count += n;
      if (!current.hasRemaining()) {
        passCurrent();
      }
    }
  }

  /** Writes the buffer being filled, if any, to the delegate and hands it to the hashing thread. */
  private void passCurrent() throws IOException {
    ByteBuffer buffer = current;
    if (buffer == null) {
      return;
    }
    current = null;
    buffer.flip();
    try {
      while (buffer.hasRemaining()) {
        delegate.write(buffer);
      }
    } catch (IOException | RuntimeException e) {
      free.offer(buffer.clear());
      failure = e instanceof IOException io ? io : new IOException(e.getMessage(), e);
      throw e;
    }
    synchronized (progress) {
      submitted++;
    }
    work.add(buffer.flip());
  }

  private void admit(int len) throws IOException {
    if (closed) {
      throw new IOException("stream closed");
    }
    if (result != null) {
      throw new IOException("write after digest() was taken");
    }
    ensureNotFailed();
    if (len > maxBytes - count) {
      throw new SizeLimitExceededException(what, maxBytes);
    }
  }

  private ByteBuffer acquire() throws IOException {
    ByteBuffer b = free.poll();
    if (b != null) {
      return b;
    }
    if (allocated < depth) {
      allocated++;
      // Off-heap where the hash reads such a buffer in place (OpenSSL); on the heap where it reads
      // arrays (BouncyCastle), which a direct buffer would have to be copied into first.
      if (!Sha3Digests.readsInPlace(digest)) {
        return ByteBuffer.allocate(bufferBytes);
      }
      // On a page boundary when the size is whole pages, as a file opened for direct I/O needs.
      return bufferBytes % PAGE == 0
          ? ByteBuffer.allocateDirect(bufferBytes + PAGE - 1).alignedSlice(PAGE)
          : ByteBuffer.allocateDirect(bufferBytes);
    }
    try {
      return free.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while the hash caught up");
    }
  }

  private void hash() {
    try {
      while (true) {
        ByteBuffer b = work.take();
        if (b == END) {
          return;
        }
        Sha3Digests.update(digest, b);
        free.add(b.clear());
        synchronized (progress) {
          hashed++;
          progress.notifyAll();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Passes the bytes written so far on to the delegate (and the hash), then flushes it. */
  @Override
  public void flush() throws IOException {
    ensureNotFailed();
    passCurrent();
    if (stream != null) {
      stream.flush();
    }
  }

  /**
   * Passes the last bytes on, closes the delegate and lets the hashing thread end. The digest stays
   * available.
   *
   * @throws IOException if the last bytes cannot be written or the delegate cannot be closed; the
   *     stream is closed all the same
   */
  @Override
  public void close() throws IOException {
    if (!closed) {
      closed = true;
      try {
        if (failure == null) {
          passCurrent();
        }
      } finally {
        end();
      }
    }
  }

  /**
   * Closes without writing what is still buffered, for a stream whose bytes are thrown away (an
   * aborted upload). Unlike {@link #close()} it may be called from any thread, also while another
   * writes: that write then fails or its bytes are dropped. The digest is then unavailable.
   *
   * @throws IOException if the delegate cannot be closed
   */
  public void abandon() throws IOException {
    if (!closed) {
      closed = true;
      failure = new IOException("the stream was abandoned");
      end();
    }
  }

  /** Lets the hashing thread end once it hashed what it has, and closes the delegate. */
  private void end() throws IOException {
    work.add(END);
    delegate.close();
  }

  private void ensureNotFailed() throws IOException {
    if (failure != null) {
      throw new IOException("an earlier write failed: " + failure.getMessage(), failure);
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
   * Passes the last bytes on if the stream is still open, waits for the hash to catch up with every
   * write, finishes it and returns SHA3-256 of everything written. Later calls return the same
   * value; later writes fail.
   *
   * @return a new 32-byte array
   * @throws IOException if the last bytes cannot be written, or an earlier write failed
   * @throws IllegalStateException if interrupted while waiting for the hash, or if the stream was
   *     closed by another thread during a write
   */
  public byte[] digest() throws IOException {
    if (result == null) {
      ensureNotFailed();
      if (!closed) {
        passCurrent();
      }
      synchronized (progress) {
        while (hashed < submitted) {
          if (!hasher.isAlive()) {
            // Closed from another thread while a write was under way: what it wrote is not hashed.
            throw new IllegalStateException("the stream was closed while it was being written");
          }
          try {
            progress.wait(100);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while the hash caught up", e);
          }
        }
      }
      result = new byte[Sha3.DIGEST_LENGTH];
      digest.doFinal(result, 0);
    }
    return result.clone();
  }
}
