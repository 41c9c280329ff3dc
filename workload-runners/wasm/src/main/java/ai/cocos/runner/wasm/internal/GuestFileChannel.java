package ai.cocos.runner.wasm.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;

/**
 * A host file channel handed to the module, which reports changes through a read-only channel as an
 * I/O error instead of {@link java.nio.channels.NonWritableChannelException}.
 *
 * <p>Chicory's {@code fd_filestat_set_size} ({@code ftruncate}) catches only {@link IOException}:
 * on a file opened for reading, the unchecked exception would end the whole module with a runner
 * error instead of returning an errno to it. Everything else is passed through unchanged.
 */
final class GuestFileChannel extends FileChannel {
  private final FileChannel host;
  private final String guestPath;
  private final boolean writable;

  GuestFileChannel(FileChannel host, String guestPath, boolean writable) {
    this.host = host;
    this.guestPath = guestPath;
    this.writable = writable;
  }

  private void requireWritable() throws AccessDeniedException {
    if (!writable) {
      throw new AccessDeniedException(guestPath, null, "not open for writing");
    }
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return host.read(dst);
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    return host.read(dsts, offset, length);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    requireWritable();
    return host.write(src);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    requireWritable();
    return host.write(srcs, offset, length);
  }

  @Override
  public long position() throws IOException {
    return host.position();
  }

  @Override
  public FileChannel position(long newPosition) throws IOException {
    host.position(newPosition);
    return this;
  }

  @Override
  public long size() throws IOException {
    return host.size();
  }

  @Override
  public FileChannel truncate(long size) throws IOException {
    requireWritable();
    host.truncate(size);
    return this;
  }

  @Override
  public void force(boolean metaData) throws IOException {
    host.force(metaData);
  }

  @Override
  public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
    return host.transferTo(position, count, target);
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
    requireWritable();
    return host.transferFrom(src, position, count);
  }

  @Override
  public int read(ByteBuffer dst, long position) throws IOException {
    return host.read(dst, position);
  }

  @Override
  public int write(ByteBuffer src, long position) throws IOException {
    requireWritable();
    return host.write(src, position);
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
    if (mode != MapMode.READ_ONLY) {
      requireWritable();
    }
    return host.map(mode, position, size);
  }

  @Override
  public FileLock lock(long position, long size, boolean shared) throws IOException {
    return host.lock(position, size, shared);
  }

  @Override
  public FileLock tryLock(long position, long size, boolean shared) throws IOException {
    return host.tryLock(position, size, shared);
  }

  @Override
  protected void implCloseChannel() throws IOException {
    host.close();
  }
}
