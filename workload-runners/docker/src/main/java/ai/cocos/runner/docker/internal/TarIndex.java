package ai.cocos.runner.docker.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The regular files of a tar archive and where their data lies, read from the headers alone: file
 * data is skipped, never read, so indexing a multi-gigabyte image archive costs one header read per
 * entry.
 *
 * <p>Format: POSIX.1-2017, pax utility, "ustar Interchange Format" (header block table) and "pax
 * Extended Header" (the {@code path} and {@code size} records); the GNU long-name entry ({@code
 * 'L'}) and base-256 sizes that Go's archive/tar (used by docker save) writes are understood too.
 */
final class TarIndex {
  /** Size of a header block and the unit data is padded to. */
  static final int BLOCK = 512;

  // ustar header block: field offsets and lengths (POSIX.1-2017 pax, "ustar Header Block").
  static final int NAME_OFFSET = 0;
  static final int NAME_LENGTH = 100;
  static final int SIZE_OFFSET = 124;
  static final int SIZE_LENGTH = 12;
  static final int CHKSUM_OFFSET = 148;
  static final int CHKSUM_LENGTH = 8;
  static final int TYPEFLAG_OFFSET = 156;
  static final int MAGIC_OFFSET = 257;
  static final int PREFIX_OFFSET = 345;
  static final int PREFIX_LENGTH = 155;

  // typeflag values: ustar ('0', NUL), pax ('x', 'g'), GNU long name ('L').
  static final byte REGULAR = '0';
  static final byte REGULAR_OLD = 0;
  static final byte CONTIGUOUS = '7';
  static final byte PAX_EXTENDED = 'x';
  static final byte PAX_GLOBAL = 'g';
  static final byte GNU_LONG_NAME = 'L';

  /** More entries than any image archive has; bounds the work a crafted archive can cause. */
  static final int MAX_ENTRIES = 1_000_000;

  /** The longest pax or GNU long-name record read into memory. */
  static final int MAX_META_BYTES = 1024 * 1024;

  /**
   * Where one regular file's data lies.
   *
   * @param offset byte offset of the data in the archive
   * @param size length of the data
   */
  record Entry(long offset, long size) {}

  private TarIndex() {}

  /**
   * Indexes an archive.
   *
   * @param archive the tar file
   * @return regular files by name ({@code ./} prefix removed), the last of duplicates winning as
   *     tar extraction would
   * @throws IOException if the file is not a well-formed tar archive; the message says where
   */
  static Map<String, Entry> read(Path archive) throws IOException {
    Map<String, Entry> files = new LinkedHashMap<>();
    try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
      long size = ch.size();
      long pos = 0;
      ByteBuffer block = ByteBuffer.allocate(BLOCK);
      String longName = null;
      Long paxSize = null;
      int entries = 0;
      while (true) {
        if (pos + BLOCK > size) {
          throw new EOFException("tar archive ends without its end-of-archive blocks");
        }
        readFully(ch, block, pos);
        byte[] h = block.array();
        if (isZero(h)) {
          return files; // end of archive (two zero blocks; the second is not required by readers)
        }
        if (++entries > MAX_ENTRIES) {
          throw new IOException("tar archive has more than " + MAX_ENTRIES + " entries");
        }
        verifyChecksum(h, pos);
        long dataSize = paxSize != null ? paxSize : number(h, SIZE_OFFSET, SIZE_LENGTH, pos);
        long data = pos + BLOCK;
        if (dataSize < 0 || data + dataSize > size) {
          throw new EOFException(
              "tar entry at offset " + pos + " claims " + dataSize + " bytes past the file's end");
        }
        byte type = h[TYPEFLAG_OFFSET];
        if (type == PAX_EXTENDED || type == GNU_LONG_NAME) {
          byte[] meta = readMeta(ch, data, dataSize, pos);
          if (type == GNU_LONG_NAME) {
            longName = cString(meta, 0, meta.length);
          } else {
            Map<String, String> records = paxRecords(meta, pos);
            if (records.containsKey("path")) {
              longName = records.get("path");
            }
            if (records.containsKey("size")) {
              try {
                paxSize = Long.parseLong(records.get("size"));
              } catch (NumberFormatException e) {
                throw new IOException("tar pax header at offset " + pos + " has a bad size");
              }
            }
          }
        } else if (type != PAX_GLOBAL) {
          String name = longName != null ? longName : headerName(h);
          if (type == REGULAR || type == REGULAR_OLD || type == CONTIGUOUS) {
            files.put(normalize(name), new Entry(data, dataSize));
          }
          longName = null;
          paxSize = null;
        }
        pos = data + roundUp(dataSize);
      }
    }
  }

  /**
   * Reads one file's data into memory.
   *
   * @param archive the tar file
   * @param entry where the data lies
   * @param max the largest size accepted
   * @param what names the file in the error
   * @return the data
   * @throws IOException if it is larger than {@code max} or cannot be read
   */
  static byte[] readEntry(Path archive, Entry entry, int max, String what) throws IOException {
    if (entry.size() > max) {
      throw new IOException(
          what + " is " + entry.size() + " bytes, more than the " + max + " read");
    }
    try (FileChannel ch = FileChannel.open(archive, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate((int) entry.size());
      readFully(ch, buf, entry.offset());
      return buf.array();
    }
  }

  private static String headerName(byte[] h) {
    String name = cString(h, NAME_OFFSET, NAME_LENGTH);
    // ustar: a non-empty prefix is joined to the name with a slash.
    if (h[MAGIC_OFFSET] == 'u' && h[MAGIC_OFFSET + 1] == 's') {
      String prefix = cString(h, PREFIX_OFFSET, PREFIX_LENGTH);
      if (!prefix.isEmpty()) {
        return prefix + "/" + name;
      }
    }
    return name;
  }

  private static String normalize(String name) {
    String n = name;
    while (n.startsWith("./")) {
      n = n.substring(2);
    }
    return n;
  }

  /** ustar checksum: the sum of the header's bytes with the checksum field taken as spaces. */
  private static void verifyChecksum(byte[] h, long pos) throws IOException {
    long expected;
    try {
      expected = number(h, CHKSUM_OFFSET, CHKSUM_LENGTH, pos);
    } catch (IOException e) {
      expected = -1;
    }
    long unsigned = 0;
    for (int i = 0; i < BLOCK; i++) {
      boolean inField = i >= CHKSUM_OFFSET && i < CHKSUM_OFFSET + CHKSUM_LENGTH;
      unsigned += inField ? ' ' : h[i] & 0xff;
    }
    if (unsigned != expected) {
      throw new IOException(
          "tar header at offset " + pos + " is corrupt (checksum mismatch): not a tar archive?");
    }
  }

  /** An octal number (NUL or space terminated), or a base-256 one if the high bit is set. */
  private static long number(byte[] h, int off, int len, long pos) throws IOException {
    if ((h[off] & 0x80) != 0) {
      long v = h[off] & 0x7f;
      for (int i = 1; i < len; i++) {
        if (v >>> 55 != 0) {
          throw new IOException("tar header at offset " + pos + " has a number out of range");
        }
        v = (v << 8) | (h[off + i] & 0xff);
      }
      return v;
    }
    long v = 0;
    int i = off;
    int end = off + len;
    while (i < end && h[i] == ' ') {
      i++;
    }
    boolean any = false;
    for (; i < end && h[i] >= '0' && h[i] <= '7'; i++) {
      v = v * 8 + (h[i] - '0');
      any = true;
    }
    if (!any || (i < end && h[i] != 0 && h[i] != ' ')) {
      throw new IOException("tar header at offset " + pos + " has a malformed number field");
    }
    return v;
  }

  private static byte[] readMeta(FileChannel ch, long data, long size, long pos)
      throws IOException {
    if (size > MAX_META_BYTES) {
      throw new IOException("tar extended header at offset " + pos + " is too large");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) size);
    readFully(ch, buf, data);
    return buf.array();
  }

  /** pax records: {@code "%d %s=%s\n"}, the length counting the whole record. */
  private static Map<String, String> paxRecords(byte[] meta, long pos) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    int i = 0;
    while (i < meta.length && meta[i] != 0) {
      int space = i;
      while (space < meta.length && meta[space] != ' ') {
        space++;
      }
      int length;
      try {
        length = Integer.parseInt(new String(meta, i, space - i, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("tar pax header at offset " + pos + " is malformed");
      }
      int end = i + length;
      if (length <= 0 || end > meta.length || meta[end - 1] != '\n') {
        throw new IOException("tar pax header at offset " + pos + " is malformed");
      }
      String record = new String(meta, space + 1, end - 1 - (space + 1), StandardCharsets.UTF_8);
      int eq = record.indexOf('=');
      if (eq > 0) {
        out.put(record.substring(0, eq), record.substring(eq + 1));
      }
      i = end;
    }
    return out;
  }

  private static String cString(byte[] b, int off, int len) {
    int end = off;
    while (end < off + len && b[end] != 0) {
      end++;
    }
    return new String(b, off, end - off, StandardCharsets.UTF_8);
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static long roundUp(long n) {
    return (n + BLOCK - 1) / BLOCK * BLOCK;
  }

  private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
    buf.clear();
    long p = pos;
    while (buf.hasRemaining()) {
      int n = ch.read(buf, p);
      if (n < 0) {
        throw new EOFException("tar archive is truncated at offset " + p);
      }
      p += n;
    }
  }
}
