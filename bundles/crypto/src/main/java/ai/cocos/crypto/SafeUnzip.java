package ai.cocos.crypto;

import ai.cocos.crypto.ZipRejectedException.Problem;
import ai.cocos.crypto.internal.ZipFormat;
import ai.cocos.crypto.internal.ZipReader;
import ai.cocos.crypto.internal.ZipReader.CentralEntry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Extracts an untrusted ZIP archive (a {@code decompress=true} dataset upload) into a directory,
 * refusing anything that could write outside it or exhaust the disk.
 *
 * <p>Refused, with a {@link ZipRejectedException} naming the entry and the {@link Problem}: names
 * with a {@code ..}, {@code .} or empty segment, absolute names, drive letters, backslashes or NUL;
 * names that are not UTF-8; symbolic links and other special files (by the Unix mode in the central
 * directory); the same name twice, or a name used as both file and directory; more entries than
 * {@code maxEntries}; more bytes than {@code maxTotalBytes}, counted as data is inflated (an entry
 * that inflates past its declared size is refused at that point, whatever its header claims);
 * entries whose data overlaps; CRC or size mismatches; encryption; methods other than stored and
 * deflate; a file that already exists in the target; a path through a symbolic link in the target.
 *
 * <p>The central directory is authoritative (it is the only place that holds file types), so the
 * archive must be a file: {@link #extract(InputStream, Path, long, int)} first spools the stream to
 * a temporary file. Archives whose stored entries use data descriptors (as Go's {@code
 * archive/zip}, and so CocosAI's CLI, writes them) are read correctly, unlike with {@link
 * java.util.zip.ZipInputStream}.
 *
 * <p>Files are created with mode 0600 and directories with 0700 (on POSIX file systems), whatever
 * the archive says: nothing extracted is executable. Existing directories in the target are reused
 * and left as they are. If extraction fails, every file and directory this call created is deleted
 * before the exception is thrown.
 */
public final class SafeUnzip {
  private static final Pattern DRIVE_LETTER = Pattern.compile("^[A-Za-z]:.*", Pattern.DOTALL);
  private static final int BUFFER = 64 * 1024;
  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");

  private SafeUnzip() {}

  /**
   * What an extraction produced.
   *
   * @param files regular files written
   * @param directories directories created (not counting ones that already existed)
   * @param bytes bytes written to files
   */
  public record Summary(int files, int directories, long bytes) {}

  private record Planned(
      String name, List<String> segments, boolean directory, CentralEntry entry) {}

  /**
   * Extracts an archive given as a stream. The stream is copied to a temporary file (mode 0600, in
   * {@code java.io.tmpdir}, deleted afterwards) because the central directory at its end is needed
   * first. The copy is refused once it is larger than {@code maxTotalBytes} plus 1/1000 plus 1 KiB
   * per allowed entry plus 64 KiB: more than any archive within the limits needs. The stream is not
   * closed.
   *
   * @param zip the archive
   * @param target the directory to extract into; created (0700) if missing
   * @param maxTotalBytes the most bytes all files together may hold once extracted
   * @param maxEntries the most entries (files and directories) the archive may hold
   * @return what was extracted
   * @throws ZipRejectedException if the archive or an entry is refused; nothing stays on disk
   * @throws IOException if reading or writing fails; nothing stays on disk
   */
  public static Summary extract(InputStream zip, Path target, long maxTotalBytes, int maxEntries)
      throws IOException {
    checkLimits(maxTotalBytes, maxEntries);
    long spoolLimit = spoolLimit(maxTotalBytes, maxEntries);
    Path tmp = Files.createTempFile("cocos-unzip-", ".zip");
    try {
      spool(zip, tmp, spoolLimit, maxTotalBytes, maxEntries);
      return extract(tmp, target, maxTotalBytes, maxEntries);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Extracts an archive file.
   *
   * @param zipFile the archive
   * @param target the directory to extract into; created (0700) if missing
   * @param maxTotalBytes the most bytes all files together may hold once extracted
   * @param maxEntries the most entries (files and directories) the archive may hold
   * @return what was extracted
   * @throws ZipRejectedException if the archive or an entry is refused; nothing stays on disk
   * @throws IOException if reading or writing fails; nothing stays on disk
   */
  public static Summary extract(Path zipFile, Path target, long maxTotalBytes, int maxEntries)
      throws IOException {
    checkLimits(maxTotalBytes, maxEntries);
    try (FileChannel ch = FileChannel.open(zipFile, StandardOpenOption.READ)) {
      ZipReader.Directory dir = ZipReader.readDirectory(ch, maxEntries);
      List<Planned> plan = plan(ch, dir, maxTotalBytes);
      return new Extraction(ch, target.toAbsolutePath().normalize(), maxTotalBytes).run(plan);
    }
  }

  private static void spool(
      InputStream zip, Path tmp, long limit, long maxTotalBytes, int maxEntries)
      throws IOException {
    try (OutputStream out = Files.newOutputStream(tmp, StandardOpenOption.TRUNCATE_EXISTING)) {
      byte[] buf = new byte[BUFFER];
      long total = 0;
      for (int n = zip.read(buf); n >= 0; n = zip.read(buf)) {
        total += n;
        if (total > limit) {
          throw new ZipRejectedException(
              null,
              Problem.TOO_LARGE,
              "archive is larger than "
                  + limit
                  + " bytes, more than "
                  + maxTotalBytes
                  + " bytes of content in "
                  + maxEntries
                  + " entries can need");
        }
        out.write(buf, 0, n);
      }
    }
  }

  private static void checkLimits(long maxTotalBytes, int maxEntries) {
    if (maxTotalBytes < 0 || maxEntries < 0) {
      throw new IllegalArgumentException(
          "limits must be >= 0, got maxTotalBytes=" + maxTotalBytes + ", maxEntries=" + maxEntries);
    }
  }

  static long spoolLimit(long maxTotalBytes, int maxEntries) {
    long slack = maxTotalBytes / 1000 + 1024L * (maxEntries + 1L) + 64 * 1024;
    long sum = maxTotalBytes + slack;
    return sum < 0 ? Long.MAX_VALUE : sum;
  }

  /** Validates every entry before anything is written. */
  private static List<Planned> plan(FileChannel ch, ZipReader.Directory dir, long maxTotalBytes)
      throws IOException {
    List<Planned> plan = new ArrayList<>();
    Set<String> names = new HashSet<>();
    Set<String> files = new HashSet<>();
    Set<String> parents = new HashSet<>();
    long declared = 0;
    for (CentralEntry e : dir.entries()) {
      String name = decodeName(e);
      if ((e.flags() & ZipFormat.FLAG_ENCRYPTED) != 0) {
        throw new ZipRejectedException(
            name, Problem.UNSUPPORTED, "encrypted entry (decrypt the archive first)");
      }
      if (e.method() != ZipFormat.METHOD_STORED && e.method() != ZipFormat.METHOD_DEFLATED) {
        throw new ZipRejectedException(
            name,
            Problem.UNSUPPORTED,
            "compression method " + e.method() + " (only stored and deflate are supported)");
      }
      int type = e.unixMode() & ZipFormat.S_IFMT;
      if (type == ZipFormat.S_IFLNK) {
        throw new ZipRejectedException(name, Problem.SYMLINK, "symbolic links are not extracted");
      }
      if (type != 0 && type != ZipFormat.S_IFREG && type != ZipFormat.S_IFDIR) {
        throw new ZipRejectedException(
            name,
            Problem.SPECIAL_FILE,
            "special file (Unix type 0" + Integer.toOctalString(type) + ") is not extracted");
      }
      boolean directory =
          name.endsWith("/")
              || type == ZipFormat.S_IFDIR
              || (e.unixMode() == 0 && (e.externalAttributes() & ZipFormat.MSDOS_DIR) != 0);
      List<String> segments = segments(name);
      String key = String.join("/", segments);
      if (!names.add(key)) {
        throw new ZipRejectedException(name, Problem.DUPLICATE, "name appears more than once");
      }
      if (directory) {
        if (e.size() != 0) {
          throw new ZipRejectedException(name, Problem.CORRUPT, "directory entry with data");
        }
      } else {
        files.add(key);
        if (e.method() == ZipFormat.METHOD_STORED && e.compressedSize() != e.size()) {
          throw new ZipRejectedException(
              name, Problem.CORRUPT, "stored entry whose sizes differ in the central directory");
        }
        declared += e.size();
        if (declared > maxTotalBytes || declared < 0) {
          throw new ZipRejectedException(
              name,
              Problem.TOO_LARGE,
              "entries up to this one declare "
                  + (declared < 0 ? "more than 2^63" : declared)
                  + " bytes, the limit is "
                  + maxTotalBytes
                  + " bytes");
        }
      }
      for (int i = 1; i < segments.size(); i++) {
        parents.add(String.join("/", segments.subList(0, i)));
      }
      plan.add(new Planned(name, segments, directory, e));
    }
    for (Planned p : plan) {
      String key = String.join("/", p.segments);
      if (!p.directory && parents.contains(key)) {
        throw new ZipRejectedException(
            p.name, Problem.DUPLICATE, "name is used both as a file and as a directory");
      }
    }
    checkLayout(ch, dir, plan);
    return plan;
  }

  /**
   * Local headers must match the directory, and no two entries may share data (overlapping entries
   * are how non-recursive zip bombs multiply a small archive).
   */
  private static void checkLayout(FileChannel ch, ZipReader.Directory dir, List<Planned> plan)
      throws IOException {
    List<long[]> spans = new ArrayList<>();
    for (int i = 0; i < plan.size(); i++) {
      Planned p = plan.get(i);
      long data;
      try {
        data = ZipReader.dataOffset(ch, p.entry, dir.centralDirectoryOffset());
      } catch (ZipRejectedException e) {
        throw new ZipRejectedException(p.name, e.problem(), stripPrefix(e.getMessage()));
      }
      spans.add(new long[] {p.entry.localHeaderOffset(), data + p.entry.compressedSize(), i});
    }
    spans.sort((a, b) -> Long.compare(a[0], b[0]));
    for (int i = 1; i < spans.size(); i++) {
      if (spans.get(i)[0] < spans.get(i - 1)[1]) {
        throw new ZipRejectedException(
            plan.get((int) spans.get(i)[2]).name,
            Problem.CORRUPT,
            "its data overlaps entry '"
                + plan.get((int) spans.get(i - 1)[2]).name
                + "' (an overlapping-entries zip bomb)");
      }
    }
  }

  private static String stripPrefix(String message) {
    String p = "zip archive rejected: ";
    return message.startsWith(p) ? message.substring(p.length()) : message;
  }

  private static String decodeName(CentralEntry e) throws ZipRejectedException {
    try {
      // Names are read as UTF-8 whether or not flag bit 11 says so; ASCII reads the same either
      // way.
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(e.name()))
          .toString();
    } catch (CharacterCodingException x) {
      String lossy = new String(e.name(), StandardCharsets.UTF_8);
      throw new ZipRejectedException(lossy, Problem.UNSAFE_PATH, "name is not valid UTF-8");
    }
  }

  /** Splits a name into path segments, refusing anything that could leave the target. */
  static List<String> segments(String name) throws ZipRejectedException {
    if (name.isEmpty()) {
      throw new ZipRejectedException(name, Problem.UNSAFE_PATH, "empty name");
    }
    if (name.indexOf('\0') >= 0) {
      throw new ZipRejectedException(name, Problem.UNSAFE_PATH, "NUL character in the name");
    }
    if (name.indexOf('\\') >= 0) {
      throw new ZipRejectedException(
          name, Problem.UNSAFE_PATH, "backslash in the name (zip paths use '/')");
    }
    if (name.startsWith("/")) {
      throw new ZipRejectedException(name, Problem.UNSAFE_PATH, "absolute path");
    }
    if (DRIVE_LETTER.matcher(name).matches()) {
      throw new ZipRejectedException(name, Problem.UNSAFE_PATH, "drive letter in the name");
    }
    String body = name.endsWith("/") ? name.substring(0, name.length() - 1) : name;
    List<String> segments = new ArrayList<>();
    for (String s : body.split("/", -1)) {
      switch (s) {
        case "" ->
            throw new ZipRejectedException(name, Problem.UNSAFE_PATH, "empty path segment ('//')");
        case ".." ->
            throw new ZipRejectedException(
                name, Problem.UNSAFE_PATH, "'..' segment would leave the target directory");
        case "." -> throw new ZipRejectedException(name, Problem.UNSAFE_PATH, "'.' path segment");
        default -> segments.add(s);
      }
    }
    return segments;
  }

  /** One extraction: writes the planned entries and undoes them all on failure. */
  private static final class Extraction {
    private final FileChannel ch;
    private final Path target;
    private final long maxTotalBytes;
    private final List<Path> created = new ArrayList<>();
    private final byte[] inBuf = new byte[BUFFER];
    private final byte[] outBuf = new byte[BUFFER];
    private boolean posix;
    private long total;
    private int files;
    private int dirs;

    Extraction(FileChannel ch, Path target, long maxTotalBytes) {
      this.ch = ch;
      this.target = target;
      this.maxTotalBytes = maxTotalBytes;
    }

    Summary run(List<Planned> plan) throws IOException {
      try {
        prepareTarget();
        for (Planned p : plan) {
          Path parent =
              ensureDirectories(p, p.directory ? p.segments.size() : p.segments.size() - 1);
          if (!p.directory) {
            writeFile(p, parent.resolve(p.segments.get(p.segments.size() - 1)));
          }
        }
        return new Summary(files, dirs, total);
      } catch (IOException | RuntimeException | Error e) {
        undo(e);
        throw e;
      }
    }

    private void prepareTarget() throws IOException {
      List<Path> missing = new ArrayList<>();
      for (Path p = target;
          p != null && !Files.exists(p, LinkOption.NOFOLLOW_LINKS);
          p = p.getParent()) {
        missing.add(0, p);
      }
      for (Path p : missing) {
        mkdir(p);
      }
      if (!Files.isDirectory(target)) {
        throw new java.nio.file.NotDirectoryException(target.toString());
      }
      posix = Files.getFileStore(target).supportsFileAttributeView("posix");
    }

    private Path ensureDirectories(Planned p, int count) throws IOException {
      Path dir = target;
      for (int i = 0; i < count; i++) {
        dir = dir.resolve(p.segments.get(i));
        if (Files.isSymbolicLink(dir)) {
          throw new ZipRejectedException(
              p.name, Problem.CONFLICT, "its path goes through a symbolic link in the target");
        }
        if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
          if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new ZipRejectedException(
                p.name, Problem.CONFLICT, "a file in the target is in the way of its directory");
          }
        } else {
          mkdir(dir);
          dirs++;
        }
      }
      return dir;
    }

    private void mkdir(Path dir) throws IOException {
      if (posix || Files.getFileStore(existingAncestor(dir)).supportsFileAttributeView("posix")) {
        Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
        created.add(dir);
        Files.setPosixFilePermissions(dir, DIR_MODE); // exact, whatever the umask
      } else {
        Files.createDirectory(dir);
        created.add(dir);
      }
    }

    private static Path existingAncestor(Path p) {
      Path a = p.getParent();
      while (a != null && !Files.exists(a)) {
        a = a.getParent();
      }
      return a != null ? a : p.getRoot();
    }

    private void writeFile(Planned p, Path file) throws IOException {
      Set<StandardOpenOption> opts =
          Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      FileAttribute<?>[] attrs =
          posix
              ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE_MODE)}
              : new FileAttribute<?>[0];
      FileChannel out;
      try {
        var withNoFollow = new HashSet<java.nio.file.OpenOption>(opts);
        withNoFollow.add(LinkOption.NOFOLLOW_LINKS);
        out = FileChannel.open(file, withNoFollow, attrs);
      } catch (FileAlreadyExistsException e) {
        throw new ZipRejectedException(
            p.name, Problem.CONFLICT, "a file of that name already exists in the target");
      }
      created.add(file);
      files++;
      try (out) {
        long data = ZipReader.dataOffset(ch, p.entry, Long.MAX_VALUE);
        CRC32 crc = new CRC32();
        long written =
            p.entry.method() == ZipFormat.METHOD_STORED
                ? copyStored(p, data, out, crc)
                : inflate(p, data, out, crc);
        if (written != p.entry.size()) {
          throw new ZipRejectedException(
              p.name,
              Problem.CORRUPT,
              "holds " + written + " bytes, its header declares " + p.entry.size());
        }
        if (crc.getValue() != p.entry.crc()) {
          throw new ZipRejectedException(p.name, Problem.CORRUPT, "CRC-32 mismatch");
        }
      }
      if (posix) {
        Files.setPosixFilePermissions(file, FILE_MODE); // exact, whatever the umask
      }
    }

    private long copyStored(Planned p, long pos, FileChannel out, CRC32 crc) throws IOException {
      long left = p.entry.compressedSize();
      long written = 0;
      while (left > 0) {
        int n = readAt(pos, (int) Math.min(inBuf.length, left));
        account(p, written, n);
        emit(out, inBuf, n, crc);
        pos += n;
        left -= n;
        written += n;
      }
      return written;
    }

    private long inflate(Planned p, long pos, FileChannel out, CRC32 crc) throws IOException {
      Inflater inf = new Inflater(true);
      try {
        long left = p.entry.compressedSize();
        long written = 0;
        boolean padded = false;
        while (!inf.finished()) {
          if (inf.needsInput()) {
            if (left > 0) {
              int n = readAt(pos, (int) Math.min(inBuf.length, left));
              inf.setInput(inBuf, 0, n);
              pos += n;
              left -= n;
            } else if (!padded) {
              // zlib in raw mode may want one byte past the end (see Inflater's documentation).
              inf.setInput(new byte[1]);
              padded = true;
            } else {
              throw new ZipRejectedException(p.name, Problem.CORRUPT, "deflate data ends early");
            }
          }
          int n;
          try {
            n = inf.inflate(outBuf);
          } catch (DataFormatException e) {
            throw new ZipRejectedException(p.name, Problem.CORRUPT, "invalid deflate data");
          }
          if (n == 0 && inf.needsDictionary()) {
            throw new ZipRejectedException(
                p.name, Problem.CORRUPT, "deflate data needs a dictionary");
          }
          if (n > 0) {
            account(p, written, n);
            emit(out, outBuf, n, crc);
            written += n;
          }
        }
        if (inf.getBytesRead() < p.entry.compressedSize()) {
          throw new ZipRejectedException(
              p.name,
              Problem.CORRUPT,
              "compressed data continues after the end of the deflate stream");
        }
        return written;
      } finally {
        inf.end();
      }
    }

    /** Counts bytes before they are written: the limits hold for what is produced, not declared. */
    private void account(Planned p, long entrySoFar, int n) throws ZipRejectedException {
      if (total + n > maxTotalBytes) {
        throw new ZipRejectedException(
            p.name,
            Problem.TOO_LARGE,
            "extracting it goes over the limit of " + maxTotalBytes + " bytes in total");
      }
      if (entrySoFar + n > p.entry.size()) {
        throw new ZipRejectedException(
            p.name,
            Problem.TOO_LARGE,
            "inflates to more than the "
                + p.entry.size()
                + " bytes its header declares (a zip bomb or a corrupt archive)");
      }
      total += n;
    }

    private void emit(FileChannel out, byte[] buf, int n, CRC32 crc) throws IOException {
      crc.update(buf, 0, n);
      ByteBuffer b = ByteBuffer.wrap(buf, 0, n);
      while (b.hasRemaining()) {
        out.write(b);
      }
    }

    private int readAt(long pos, int len) throws IOException {
      ByteBuffer b = ByteBuffer.wrap(inBuf, 0, len);
      while (b.hasRemaining()) {
        if (ch.read(b, pos + b.position()) < 0) {
          throw new ZipRejectedException(null, Problem.MALFORMED, "truncated archive");
        }
      }
      return len;
    }

    private void undo(Throwable failure) {
      for (int i = created.size() - 1; i >= 0; i--) {
        try {
          Files.deleteIfExists(created.get(i));
        } catch (IOException | RuntimeException e) {
          failure.addSuppressed(e);
        }
      }
      created.clear();
    }
  }
}
