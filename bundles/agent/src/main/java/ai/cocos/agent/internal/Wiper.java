package ai.cocos.agent.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;

/**
 * Deletes files and folders, first overwriting each regular file's contents with zeros.
 *
 * <h2>Limits (best effort)</h2>
 *
 * Overwriting in place removes the data from the file's blocks only where the file system writes in
 * place. It does not reach: copies that a copy-on-write or log-structured file system (btrfs, ZFS,
 * F2FS) or an SSD's wear levelling keeps elsewhere; journal copies (data journalling); snapshots;
 * swapped-out or cached pages; copies the algorithm made outside the computation's folder; or an
 * open descriptor a stray process still holds. The protection that holds is the confidential VM's
 * memory encryption and an encrypted disk (CocosAI's FDE partition), whose key dies with the VM.
 * Wiping shortens the time data is readable inside the VM and leaves nothing for a later
 * computation.
 *
 * <p>Symbolic links are deleted, never followed. Failures do not stop the wipe: every other file is
 * still wiped, and the first failure is thrown at the end.
 */
public final class Wiper {
  private static final int BLOCK = 64 * 1024;

  private Wiper() {}

  /**
   * Wipes a file or a folder tree. Nothing happens if it does not exist.
   *
   * @param path the file or folder
   * @param overwrite whether to zero regular files before deleting them
   * @return how many regular files were deleted
   * @throws IOException the first failure, after everything else was wiped
   */
  public static int wipe(Path path, boolean overwrite) throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return 0;
    }
    Walker w = new Walker(overwrite);
    Files.walkFileTree(
        path, EnumSet.noneOf(java.nio.file.FileVisitOption.class), Integer.MAX_VALUE, w);
    if (w.failure != null) {
      throw w.failure;
    }
    return w.files;
  }

  private static final class Walker extends SimpleFileVisitor<Path> {
    private final boolean overwrite;
    private ByteBuffer zeros;
    private IOException failure;
    private int files;

    Walker(boolean overwrite) {
      this.overwrite = overwrite;
    }

    @Override
    public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
      // A folder the algorithm made unreadable or unwritable to its owner would stop the walk.
      try {
        Set<PosixFilePermission> p = EnumSet.copyOf(Files.getPosixFilePermissions(dir));
        if (p.addAll(
            EnumSet.of(
                PosixFilePermission.OWNER_READ,
                PosixFilePermission.OWNER_WRITE,
                PosixFilePermission.OWNER_EXECUTE))) {
          Files.setPosixFilePermissions(dir, p);
        }
      } catch (IOException | UnsupportedOperationException e) {
        // not POSIX, or not ours: the walk reports what it cannot do
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
      try {
        if (overwrite && attrs.isRegularFile() && attrs.size() > 0) {
          zero(file);
        }
        Files.deleteIfExists(file);
        if (attrs.isRegularFile()) {
          files++;
        }
      } catch (IOException e) {
        note(e);
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult visitFileFailed(Path file, IOException e) {
      if (!(e instanceof NoSuchFileException)) {
        note(e);
      }
      return FileVisitResult.CONTINUE;
    }

    @Override
    public FileVisitResult postVisitDirectory(Path dir, IOException e) {
      if (e != null) {
        note(e);
      }
      try {
        Files.deleteIfExists(dir);
      } catch (IOException x) {
        note(x);
      }
      return FileVisitResult.CONTINUE;
    }

    private void zero(Path file) throws IOException {
      try {
        Set<PosixFilePermission> p = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        if (!p.contains(PosixFilePermission.OWNER_WRITE)) {
          Set<PosixFilePermission> w = EnumSet.copyOf(p);
          w.add(PosixFilePermission.OWNER_WRITE);
          Files.setPosixFilePermissions(file, w);
        }
      } catch (UnsupportedOperationException e) {
        // not POSIX: try as is
      }
      if (zeros == null) {
        zeros = ByteBuffer.allocate(BLOCK);
      }
      try (FileChannel ch =
          FileChannel.open(file, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
        long size = ch.size();
        long pos = 0;
        while (pos < size) {
          zeros.clear();
          zeros.limit((int) Math.min(BLOCK, size - pos));
          pos += ch.write(zeros, pos);
        }
        ch.force(true);
      }
    }

    private void note(IOException e) {
      if (failure == null) {
        failure = e;
      } else {
        failure.addSuppressed(e);
      }
    }
  }
}
