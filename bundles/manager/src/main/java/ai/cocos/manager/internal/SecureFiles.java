package ai.cocos.manager.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Files only the manager's user may read (folders 0700, files 0600), written so a reader never sees
 * half a file, and wiped (overwritten with zeros) before they are deleted.
 */
final class SecureFiles {
  static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

  private static final int WIPE_BLOCK = 64 * 1024;

  private SecureFiles() {}

  private static boolean posix(Path path) {
    return path.getFileSystem().supportedFileAttributeViews().contains("posix");
  }

  /**
   * Creates a folder (and its parents) and makes it private to this user.
   *
   * @param dir the folder
   * @return the folder
   * @throws IOException if it cannot be created or its mode set
   */
  static Path privateDir(Path dir) throws IOException {
    Files.createDirectories(dir);
    if (posix(dir)) {
      Files.setPosixFilePermissions(dir, DIR_MODE);
    }
    return dir;
  }

  /**
   * Writes a new private file (mode 0600 from the moment it exists), replacing any old one.
   *
   * @param file the file
   * @param data its content, possibly empty
   * @throws IOException if it cannot be written
   */
  static void writePrivate(Path file, byte[] data) throws IOException {
    Files.deleteIfExists(file);
    FileAttribute<?>[] attrs =
        posix(file)
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)}
            : new FileAttribute<?>[0];
    try (FileChannel ch =
        FileChannel.open(
            file, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), attrs)) {
      ByteBuffer buf = ByteBuffer.wrap(data);
      while (buf.hasRemaining()) {
        ch.write(buf);
      }
      ch.force(true);
    }
    if (posix(file)) {
      // The mode given at creation is subject to the umask; this one is not.
      Files.setPosixFilePermissions(file, FILE_MODE);
    }
  }

  /**
   * Replaces a private file atomically: readers see the old or the new content, never a mix.
   *
   * @param file the file
   * @param data the new content
   * @throws IOException if it cannot be written
   */
  static void replacePrivate(Path file, byte[] data) throws IOException {
    Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
    writePrivate(tmp, data);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /**
   * Overwrites every regular file under {@code root} with zeros, then deletes the whole tree.
   * Symbolic links are deleted, never followed. A missing root is fine.
   *
   * @param root the folder (or a single file)
   * @throws IOException if something cannot be overwritten or deleted (the rest is still tried)
   */
  static void wipe(Path root) throws IOException {
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    IOException[] first = new IOException[1];
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            // A folder the agent made unreadable would stop the walk: take it back first.
            if (posix(dir)) {
              try {
                Files.setPosixFilePermissions(dir, DIR_MODE);
              } catch (IOException e) {
                remember(e);
              }
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            try {
              if (attrs.isRegularFile()) {
                zero(file, attrs.size());
              }
              Files.deleteIfExists(file);
            } catch (IOException e) {
              remember(e);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFileFailed(Path file, IOException e) {
            if (!(e instanceof NoSuchFileException)) {
              remember(e);
            }
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path dir, IOException e) {
            try {
              Files.deleteIfExists(dir);
            } catch (IOException ex) {
              remember(ex);
            }
            return FileVisitResult.CONTINUE;
          }

          private void remember(IOException e) {
            if (first[0] == null) {
              first[0] = e;
            } else {
              first[0].addSuppressed(e);
            }
          }
        });
    if (first[0] != null) {
      throw first[0];
    }
  }

  private static void zero(Path file, long size) throws IOException {
    if (posix(file)) {
      Files.setPosixFilePermissions(file, FILE_MODE);
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ByteBuffer zeros = ByteBuffer.allocate((int) Math.min(WIPE_BLOCK, Math.max(size, 1)));
      long written = 0;
      while (written < size) {
        zeros.clear();
        zeros.limit((int) Math.min(zeros.capacity(), size - written));
        written += ch.write(zeros, written);
      }
      ch.force(true);
    }
  }
}
