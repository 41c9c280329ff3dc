package ai.cocos.crypto;

import ai.cocos.crypto.internal.StoredZipWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32;

/**
 * The deterministic ZIP CocosAI builds of a directory: for results, for {@code data -d} uploads and
 * for {@code checksum <dir>}. The same tree (names, contents, permission bits) always gives the
 * same bytes, on any machine, in any time zone, whatever order the files were created in.
 *
 * <h2>Contents</h2>
 *
 * Regular files only, found without following symbolic links: symbolic links, directories
 * (including empty ones), devices, FIFOs and sockets are left out. The directory given is resolved
 * first, so it may itself be a link. Entries are sorted by the byte-wise (unsigned) order of their
 * UTF-8 relative path with {@code '/'} separators; the entry name is that path.
 *
 * <h2>Format (APPNOTE.TXT 6.3.10)</h2>
 *
 * For each file, a local file header then the file's bytes:
 *
 * <ul>
 *   <li>version needed 2.0 (4.5 when zip64 is used), flags {@code 0x0800} (UTF-8 name), method 0
 *       (stored, so the data is the file's bytes);
 *   <li>DOS time 00:00:00, DOS date 1980-01-01 (the smallest DOS date: 1970 cannot be expressed,
 *       and no time zone is involved);
 *   <li>CRC-32 and sizes in the header (computed by a first pass over the file; no data descriptor,
 *       so {@link java.util.zip.ZipInputStream} can read stored entries);
 *   <li>extra field: zip64 (0x0001, both sizes) only if the file is 4 GiB - 1 or larger, then the
 *       Info-ZIP extended timestamp (0x5455) with flags 1 and mtime 0 = 1970-01-01T00:00:00Z.
 * </ul>
 *
 * Then the central directory, same order: version made by {@code 0x0314} (Unix, 2.0; {@code 0x032D}
 * with zip64), the same flags, times, CRC and sizes, no comment, internal attributes 0, external
 * attributes {@code (S_IFREG | mode & 07777) << 16}, plus the MS-DOS read-only bit when the owner
 * may not write (as Go's {@code archive/zip} {@code FileInfoHeader} does), and the extra fields:
 * zip64 (only the fields that overflow 32 bits) then the same extended timestamp. Then the end of
 * central directory record (no comment), preceded by the zip64 end record and locator when there
 * are 65535 or more entries or the directory's size or offset needs 64 bits.
 *
 * <p>Not byte-identical to Go's {@code archive/zip} output (which uses data descriptors and writes
 * an out-of-range DOS date for 1970), so hashes of directories made by the two differ; both read
 * back to the same files.
 *
 * <p>Memory use is constant per file (a 64 KiB buffer) plus about 100 bytes per entry for the
 * central directory; files are read twice (CRC, then data), and a file that changes between the two
 * reads fails the write.
 */
public final class DeterministicZip {
  private DeterministicZip() {}

  private record FileEntry(byte[] sortKey, String name, Path path) {}

  /**
   * Writes the deterministic zip of a directory.
   *
   * @param dir the directory
   * @param out where the zip goes; flushed, not closed
   * @return the number of bytes written
   * @throws IOException if the directory cannot be read, a file changes while being zipped, or
   *     writing fails
   */
  public static long write(Path dir, OutputStream out) throws IOException {
    return write(dir, out, false);
  }

  /** As {@link #write(Path, OutputStream)}; {@code forceZip64} is for tests of zip64 readers. */
  static long write(Path dir, OutputStream out, boolean forceZip64) throws IOException {
    List<FileEntry> files = list(dir);
    StoredZipWriter w = new StoredZipWriter(out, forceZip64);
    byte[] buf = new byte[Sha3.BUFFER_SIZE];
    for (FileEntry f : files) {
      long size = 0;
      CRC32 crc = new CRC32();
      try (InputStream in = open(f.path)) {
        for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
          crc.update(buf, 0, n);
          size += n;
        }
      }
      int mode = mode(f.path);
      try (InputStream in = open(f.path)) {
        w.add(f.name, mode, size, crc.getValue(), in);
      }
    }
    return w.finish();
  }

  /**
   * SHA3-256 of the deterministic zip of a directory, what CocosAI's {@code checksum <dir>} prints.
   * The zip is streamed into the hash, never stored.
   *
   * @param dir the directory
   * @return the 32-byte digest
   * @throws IOException if the directory cannot be read
   */
  public static byte[] hashOf(Path dir) throws IOException {
    Sha3OutputStream sink = new Sha3OutputStream(OutputStream.nullOutputStream());
    write(dir, sink);
    return sink.digest();
  }

  private static InputStream open(Path file) throws IOException {
    // Never follow a link, even one that replaced the file after it was listed.
    return Files.newInputStream(file, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  }

  private static List<FileEntry> list(Path dir) throws IOException {
    Path root = dir.toRealPath();
    if (!Files.isDirectory(root)) {
      throw new java.nio.file.NotDirectoryException(dir.toString());
    }
    List<FileEntry> files = new ArrayList<>();
    Files.walkFileTree(
        root,
        EnumSet.noneOf(java.nio.file.FileVisitOption.class),
        Integer.MAX_VALUE,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
            if (attrs.isRegularFile()) {
              String name = relativeName(root, file);
              files.add(new FileEntry(name.getBytes(StandardCharsets.UTF_8), name, file));
            }
            return FileVisitResult.CONTINUE;
          }
        });
    files.sort((a, b) -> Arrays.compareUnsigned(a.sortKey, b.sortKey));
    for (int i = 1; i < files.size(); i++) {
      if (Arrays.equals(files.get(i - 1).sortKey, files.get(i).sortKey)) {
        // Only possible when file names are not valid in the platform's encoding.
        throw new IOException(
            "two files map to the same zip entry name '" + files.get(i).name + "'");
      }
    }
    return files;
  }

  private static String relativeName(Path root, Path file) {
    StringBuilder sb = new StringBuilder();
    for (Path part : root.relativize(file)) {
      if (sb.length() > 0) {
        sb.append('/');
      }
      sb.append(part.toString());
    }
    return sb.toString();
  }

  /** Permission bits (07777) of a file, from {@code unix:mode} where the platform has it. */
  private static int mode(Path file) throws IOException {
    try {
      Object m = Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if (m instanceof Integer i) {
        return i & 07777;
      }
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      // Not a Unix file system: fall through.
    }
    try {
      PosixFileAttributes a =
          Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return toBits(a.permissions());
    } catch (UnsupportedOperationException e) {
      return Files.isExecutable(file) ? 0755 : 0644;
    }
  }

  private static int toBits(Set<PosixFilePermission> perms) {
    int bits = 0;
    for (PosixFilePermission p : perms) {
      bits |= 1 << (8 - p.ordinal());
    }
    return bits;
  }
}
