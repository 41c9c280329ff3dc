package ai.cocos.crypto.internal;

import static ai.cocos.crypto.internal.ZipFormat.CENTRAL_HEADER_SIG;
import static ai.cocos.crypto.internal.ZipFormat.CENTRAL_HEADER_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.EOCD_SIG;
import static ai.cocos.crypto.internal.ZipFormat.EOCD_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.EXTRA_ZIP64;
import static ai.cocos.crypto.internal.ZipFormat.HOST_OSX;
import static ai.cocos.crypto.internal.ZipFormat.HOST_UNIX;
import static ai.cocos.crypto.internal.ZipFormat.LOCAL_HEADER_SIG;
import static ai.cocos.crypto.internal.ZipFormat.LOCAL_HEADER_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.MAX_COMMENT;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_EOCD_SIG;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_EOCD_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_LOCATOR_SIG;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_LOCATOR_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_MAGIC_32;

import ai.cocos.crypto.ZipRejectedException;
import ai.cocos.crypto.ZipRejectedException.Problem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads the structure of a ZIP archive from a file: the end records (plain and zip64), the central
 * directory, and each entry's local header. The central directory is authoritative; local headers
 * are only checked against it. Field offsets are those of APPNOTE.TXT 6.3.10, section 4.3.
 */
public final class ZipReader {
  private ZipReader() {}

  /**
   * One central directory record (4.3.12), with zip64 values already substituted.
   *
   * @param name the raw name bytes
   * @param versionMadeBy host system (upper byte) and version (lower byte)
   * @param flags general purpose bit flags
   * @param method compression method
   * @param crc CRC-32 of the uncompressed data
   * @param compressedSize size of the stored data
   * @param size uncompressed size, as declared
   * @param externalAttributes host-specific attributes (Unix mode in the upper 16 bits)
   * @param localHeaderOffset offset of the local file header
   */
  public record CentralEntry(
      byte[] name,
      int versionMadeBy,
      int flags,
      int method,
      long crc,
      long compressedSize,
      long size,
      long externalAttributes,
      long localHeaderOffset) {

    /**
     * The Unix {@code st_mode} in the external attributes, or 0 if the archiver was not Unix.
     *
     * @return the mode, type bits included
     */
    public int unixMode() {
      int host = versionMadeBy >>> 8;
      return host == HOST_UNIX || host == HOST_OSX ? (int) (externalAttributes >>> 16) & 0xFFFF : 0;
    }
  }

  /**
   * The central directory.
   *
   * @param entries the records in directory order
   * @param centralDirectoryOffset where the directory starts: all entry data lies before it
   */
  public record Directory(List<CentralEntry> entries, long centralDirectoryOffset) {}

  /**
   * Reads the central directory.
   *
   * @param ch the archive
   * @param maxEntries refuse archives that declare more entries
   * @return the directory
   * @throws ZipRejectedException if the archive is malformed, multi-disk, or has too many entries
   * @throws IOException if reading fails
   */
  public static Directory readDirectory(FileChannel ch, int maxEntries) throws IOException {
    long size = ch.size();
    if (size < EOCD_SIZE) {
      throw malformed("not a zip archive (" + size + " bytes, too short)");
    }
    int tailLen = (int) Math.min(size, EOCD_SIZE + MAX_COMMENT);
    ByteBuffer tail = read(ch, size - tailLen, tailLen);
    int at = -1;
    for (int i = tailLen - EOCD_SIZE; i >= 0; i--) {
      if (tail.getInt(i) == EOCD_SIG && i + EOCD_SIZE + u16(tail, i + 20) == tailLen) {
        at = i;
        break;
      }
    }
    if (at < 0) {
      throw malformed("not a zip archive (no end of central directory record)");
    }
    long eocdPos = size - tailLen + at;
    int disk = u16(tail, at + 4);
    int cdDisk = u16(tail, at + 6);
    long entriesOnDisk = u16(tail, at + 8);
    long total = u16(tail, at + 10);
    long cdSize = u32(tail, at + 12);
    long cdOffset = u32(tail, at + 16);
    long endOfDirectory = eocdPos;

    boolean hasLocator =
        eocdPos >= ZIP64_LOCATOR_SIZE
            && read(ch, eocdPos - ZIP64_LOCATOR_SIZE, 4).getInt(0) == ZIP64_LOCATOR_SIG;
    if (hasLocator) {
      ByteBuffer loc = read(ch, eocdPos - ZIP64_LOCATOR_SIZE, ZIP64_LOCATOR_SIZE);
      long z64Pos = loc.getLong(8);
      if (loc.getInt(4) != 0 || loc.getInt(16) != 1) {
        throw new ZipRejectedException(null, Problem.UNSUPPORTED, "multi-disk archives");
      }
      if (z64Pos < 0 || z64Pos > eocdPos - ZIP64_LOCATOR_SIZE - ZIP64_EOCD_SIZE) {
        throw malformed("zip64 end record offset out of range");
      }
      ByteBuffer z = read(ch, z64Pos, ZIP64_EOCD_SIZE);
      if (z.getInt(0) != ZIP64_EOCD_SIG) {
        throw malformed("no zip64 end of central directory record where the locator points");
      }
      disk = z.getInt(16);
      cdDisk = z.getInt(20);
      entriesOnDisk = z.getLong(24);
      total = z.getLong(32);
      cdSize = z.getLong(40);
      cdOffset = z.getLong(48);
      endOfDirectory = z64Pos;
    } else if (cdSize == ZIP64_MAGIC_32 || cdOffset == ZIP64_MAGIC_32) {
      throw malformed("zip64 values in the end record but no zip64 end record");
    }
    if (disk != 0 || cdDisk != 0 || entriesOnDisk != total) {
      throw new ZipRejectedException(null, Problem.UNSUPPORTED, "multi-disk archives");
    }
    if (total < 0 || total > maxEntries) {
      throw new ZipRejectedException(
          null,
          Problem.TOO_MANY_ENTRIES,
          "archive declares "
              + Long.toUnsignedString(total)
              + " entries, the limit is "
              + maxEntries);
    }
    if (cdOffset < 0 || cdSize < 0 || cdOffset + cdSize > endOfDirectory || cdOffset + cdSize < 0) {
      throw malformed("central directory lies outside the archive");
    }
    long cdEnd = cdOffset + cdSize;
    List<CentralEntry> entries = new ArrayList<>((int) total);
    long pos = cdOffset;
    for (long i = 0; i < total; i++) {
      if (pos + CENTRAL_HEADER_SIZE > cdEnd) {
        throw malformed("central directory ends after " + i + " of " + total + " entries");
      }
      ByteBuffer h = read(ch, pos, CENTRAL_HEADER_SIZE);
      if (h.getInt(0) != CENTRAL_HEADER_SIG) {
        throw malformed("bad central directory record " + i);
      }
      int nameLen = u16(h, 28);
      int extraLen = u16(h, 30);
      int commentLen = u16(h, 32);
      long recordEnd = pos + CENTRAL_HEADER_SIZE + nameLen + extraLen + commentLen;
      if (recordEnd > cdEnd) {
        throw malformed("central directory record " + i + " runs past the directory");
      }
      byte[] name = new byte[nameLen];
      read(ch, pos + CENTRAL_HEADER_SIZE, nameLen).get(name);
      ByteBuffer extra = read(ch, pos + CENTRAL_HEADER_SIZE + nameLen, extraLen);
      long csize = u32(h, 20);
      long usize = u32(h, 24);
      long offset = u32(h, 42);
      if (usize == ZIP64_MAGIC_32 || csize == ZIP64_MAGIC_32 || offset == ZIP64_MAGIC_32) {
        long[] v =
            zip64(
                extra, usize == ZIP64_MAGIC_32, csize == ZIP64_MAGIC_32, offset == ZIP64_MAGIC_32);
        usize = v[0] >= 0 ? v[0] : usize;
        csize = v[1] >= 0 ? v[1] : csize;
        offset = v[2] >= 0 ? v[2] : offset;
      }
      if (usize < 0 || csize < 0 || offset < 0) {
        throw malformed("central directory record " + i + " has a size or offset out of range");
      }
      entries.add(
          new CentralEntry(
              name,
              u16(h, 4),
              u16(h, 8),
              u16(h, 10),
              u32(h, 16),
              csize,
              usize,
              u32(h, 38),
              offset));
      pos = recordEnd;
    }
    if (pos != cdEnd) {
      throw malformed("central directory holds more than the " + total + " entries declared");
    }
    return new Directory(List.copyOf(entries), cdOffset);
  }

  /** Values from the zip64 extra field, in APPNOTE order; -1 where absent. */
  private static long[] zip64(ByteBuffer extra, boolean usize, boolean csize, boolean offset)
      throws ZipRejectedException {
    int p = 0;
    while (p + 4 <= extra.limit()) {
      int id = u16(extra, p);
      int len = u16(extra, p + 2);
      if (p + 4 + len > extra.limit()) {
        break;
      }
      if (id == EXTRA_ZIP64) {
        long[] v = {-1, -1, -1};
        int q = p + 4;
        int end = q + len;
        boolean[] want = {usize, csize, offset};
        for (int k = 0; k < 3; k++) {
          if (want[k]) {
            if (q + 8 > end) {
              throw malformed("zip64 extra field too short");
            }
            v[k] = extra.getLong(q);
            q += 8;
          }
        }
        return v;
      }
      p += 4 + len;
    }
    throw malformed("32-bit field set to 0xFFFFFFFF but no zip64 extra field");
  }

  /**
   * Checks an entry's local header against its central record and returns where its data starts.
   *
   * @param ch the archive
   * @param e the entry
   * @param cdOffset start of the central directory: the data must end before it
   * @return the offset of the entry's first data byte
   * @throws ZipRejectedException naming the inconsistency
   * @throws IOException if reading fails
   */
  public static long dataOffset(FileChannel ch, CentralEntry e, long cdOffset) throws IOException {
    long off = e.localHeaderOffset();
    if (off + LOCAL_HEADER_SIZE > cdOffset) {
      throw malformed("local header of an entry lies outside the data area");
    }
    ByteBuffer h = read(ch, off, LOCAL_HEADER_SIZE);
    if (h.getInt(0) != LOCAL_HEADER_SIG) {
      throw malformed("no local file header where the central directory points");
    }
    int nameLen = u16(h, 26);
    int extraLen = u16(h, 28);
    byte[] name = new byte[nameLen];
    read(ch, off + LOCAL_HEADER_SIZE, nameLen).get(name);
    if (!Arrays.equals(name, e.name())) {
      throw malformed("local header name differs from the central directory");
    }
    if (u16(h, 8) != e.method()) {
      throw malformed("local header compression method differs from the central directory");
    }
    long data = off + LOCAL_HEADER_SIZE + nameLen + extraLen;
    if (data + e.compressedSize() > cdOffset || data + e.compressedSize() < 0) {
      throw malformed("entry data runs into the central directory");
    }
    return data;
  }

  private static ZipRejectedException malformed(String detail) {
    return new ZipRejectedException(null, Problem.MALFORMED, detail);
  }

  private static ByteBuffer read(FileChannel ch, long pos, int len) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(len).order(ByteOrder.LITTLE_ENDIAN);
    while (b.hasRemaining()) {
      int n = ch.read(b, pos + b.position());
      if (n < 0) {
        throw malformed("truncated archive");
      }
    }
    return b.flip();
  }

  private static int u16(ByteBuffer b, int i) {
    return b.getShort(i) & 0xFFFF;
  }

  private static long u32(ByteBuffer b, int i) {
    return b.getInt(i) & 0xFFFFFFFFL;
  }
}
