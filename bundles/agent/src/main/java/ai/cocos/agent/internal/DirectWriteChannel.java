package ai.cocos.agent.internal;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * A new file written around the page cache (direct I/O, {@code O_DIRECT}) where its file system
 * allows it: an upload is written once and read once by the run, so copying it into the page cache
 * on the way costs the agent CPU (on the benchmark's machine the kernel's copy took as long as the
 * SHA3 hash, bench/upload.sh) and pushes other files out of the cache, for nothing.
 *
 * <p>A direct write needs its buffer's address, its length and the file position to be multiples of
 * the file system's block size. Writes that are (the whole page-aligned buffers of {@code
 * PipelinedSha3OutputStream}) go to the disk from the caller's buffer; the first that is not (the
 * last, partial buffer of an upload) and every one after it go through the page cache as usual, at
 * the same position, so any sequence of writes gives the same file. Where the file system refuses
 * direct I/O (tmpfs before Linux 6.6, which holds the uploads in EOS) the file is an ordinary one.
 *
 * <p>One thread writes. Not a {@link FileChannel}: it only appends.
 */
final class DirectWriteChannel implements WritableByteChannel {
  /** The smallest alignment used, whatever the file system says: a page. */
  static final int PAGE = 4096;

  /** Above this block size direct writes are not tried (buffers are 256 KiB). */
  private static final int MAX_ALIGNMENT = 64 * 1024;

  private final Path path;
  private final FileChannel direct;
  private final int alignment;
  private FileChannel cached;
  private long position;
  private boolean open = true;

  private DirectWriteChannel(Path path, FileChannel direct, int alignment, FileChannel cached) {
    this.path = path;
    this.direct = direct;
    this.alignment = alignment;
    this.cached = cached;
  }

  /**
   * Creates a new file (it must not exist) and opens it for appending, for direct I/O if its file
   * system allows it.
   *
   * @param path the file
   * @param tryDirect whether direct I/O is tried at all
   * @param attributes its attributes, e.g. permissions
   * @return the open channel
   * @throws FileAlreadyExistsException if the file exists
   * @throws IOException if it cannot be created
   */
  static DirectWriteChannel create(Path path, boolean tryDirect, FileAttribute<?>... attributes)
      throws IOException {
    if (!tryDirect) {
      return cached(path, attributes);
    }
    Set<OpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT);
    FileChannel direct;
    try {
      direct = FileChannel.open(path, options, attributes);
    } catch (FileAlreadyExistsException e) {
      throw e;
    } catch (IOException | UnsupportedOperationException e) {
      // The file system refuses O_DIRECT; open(2) may have made the file before it said so. The
      // name is the caller's fresh one in a private folder, so what is there is that attempt.
      Files.deleteIfExists(path);
      return cached(path, attributes);
    }
    long block;
    try {
      block = Files.getFileStore(path).getBlockSize();
    } catch (IOException | UnsupportedOperationException e) {
      block = -1;
    }
    if (block < 1 || block > MAX_ALIGNMENT || Long.bitCount(block) != 1) {
      direct.close();
      Files.delete(path);
      return cached(path, attributes);
    }
    return new DirectWriteChannel(path, direct, (int) Math.max(PAGE, block), null);
  }

  private static DirectWriteChannel cached(Path path, FileAttribute<?>... attributes)
      throws IOException {
    Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new DirectWriteChannel(path, null, 0, FileChannel.open(path, options, attributes));
  }

  /** Whether the next write may go around the page cache, if it is aligned. */
  boolean direct() {
    return direct != null && cached == null;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    int n = src.remaining();
    if (direct() && aligned(src)) {
      int written = 0;
      while (src.hasRemaining()) {
        written += direct.write(src);
      }
      position += written;
      return written;
    }
    if (cached == null) {
      cached = FileChannel.open(path, StandardOpenOption.WRITE);
    }
    int written = 0;
    while (written < n) {
      written += cached.write(src, position + written);
    }
    position += written;
    return written;
  }

  private boolean aligned(ByteBuffer src) {
    return src.isDirect()
        && src.remaining() % alignment == 0
        && position % alignment == 0
        && src.alignmentOffset(src.position(), alignment) == 0;
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() throws IOException {
    if (!open) {
      return;
    }
    open = false;
    try (FileChannel d = direct;
        FileChannel c = cached) {
      // both closed, the first failure reported
    }
  }
}
