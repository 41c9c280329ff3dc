package ai.cocos.crypto.internal;

import static ai.cocos.crypto.internal.ZipFormat.CENTRAL_HEADER_SIG;
import static ai.cocos.crypto.internal.ZipFormat.CENTRAL_HEADER_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.DOS_DATE_1980_01_01;
import static ai.cocos.crypto.internal.ZipFormat.DOS_TIME_MIDNIGHT;
import static ai.cocos.crypto.internal.ZipFormat.EOCD_SIG;
import static ai.cocos.crypto.internal.ZipFormat.EOCD_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.EXTRA_EXTENDED_TIMESTAMP;
import static ai.cocos.crypto.internal.ZipFormat.EXTRA_ZIP64;
import static ai.cocos.crypto.internal.ZipFormat.FLAG_UTF8;
import static ai.cocos.crypto.internal.ZipFormat.HOST_UNIX;
import static ai.cocos.crypto.internal.ZipFormat.LOCAL_HEADER_SIG;
import static ai.cocos.crypto.internal.ZipFormat.LOCAL_HEADER_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.METHOD_STORED;
import static ai.cocos.crypto.internal.ZipFormat.MSDOS_READONLY;
import static ai.cocos.crypto.internal.ZipFormat.S_IFREG;
import static ai.cocos.crypto.internal.ZipFormat.VERSION_20;
import static ai.cocos.crypto.internal.ZipFormat.VERSION_45;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_EOCD_SIG;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_EOCD_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_LOCATOR_SIG;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_LOCATOR_SIZE;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_MAGIC_16;
import static ai.cocos.crypto.internal.ZipFormat.ZIP64_MAGIC_32;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;

/**
 * Writes a ZIP archive of stored (uncompressed) entries whose sizes and CRC-32 are known before
 * their data, with every field that could vary between runs fixed: see {@code DeterministicZip} for
 * the exact layout. Streams: only the central directory (about 100 bytes per entry) is kept in
 * memory. Not thread-safe.
 */
public final class StoredZipWriter {
  private static final int COPY_BUFFER = 64 * 1024;

  /** Local extra field: extended timestamp, flags=mtime, mtime=0 (4 + 1 + 4 bytes). */
  private static final int UT_LOCAL_SIZE = 9;

  /** Central extra field: extended timestamp, flags=mtime, mtime=0 (central form is the same). */
  private static final int UT_CENTRAL_SIZE = 9;

  private record Central(
      byte[] name, int unixMode, long size, long crc, long offset, boolean zip64Sizes) {}

  private final CountingOutputStream out;
  private final boolean forceZip64;
  private final List<Central> entries = new ArrayList<>();
  private final byte[] copyBuffer = new byte[COPY_BUFFER];
  private boolean finished;

  /**
   * Creates a writer.
   *
   * @param out where the archive goes; not closed by this writer
   * @param forceZip64 write zip64 records for every entry and the end even when the values fit in
   *     32 bits (for tests of zip64 readers); {@code false} uses zip64 only where needed
   */
  public StoredZipWriter(OutputStream out, boolean forceZip64) {
    this.out = new CountingOutputStream(new BufferedOutputStream(out, COPY_BUFFER));
    this.forceZip64 = forceZip64;
  }

  /**
   * Adds a stored entry, copying exactly {@code size} bytes from {@code data} and checking them
   * against {@code crc}.
   *
   * @param name the entry name, UTF-8
   * @param unixMode Unix permission bits (07777 is kept, the type is set to regular file)
   * @param size the data length
   * @param crc the CRC-32 of the data
   * @param data the data; must hold exactly {@code size} bytes with that CRC
   * @throws IOException if writing fails, or the data differs from size and CRC (the file changed
   *     while being zipped)
   */
  public void add(String name, int unixMode, long size, long crc, InputStream data)
      throws IOException {
    if (finished) {
      throw new IllegalStateException("archive already finished");
    }
    byte[] nameBytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    if (nameBytes.length > 0xFFFF) {
      throw new IOException("path too long for a zip entry (" + nameBytes.length + " bytes)");
    }
    long offset = out.count();
    boolean zip64Sizes = forceZip64 || size >= ZIP64_MAGIC_32;
    int extraLen = UT_LOCAL_SIZE + (zip64Sizes ? 4 + 16 : 0);
    ByteBuffer h = le(LOCAL_HEADER_SIZE + nameBytes.length + extraLen);
    h.putInt(LOCAL_HEADER_SIG);
    h.putShort((short) (zip64Sizes ? VERSION_45 : VERSION_20));
    h.putShort((short) FLAG_UTF8);
    h.putShort((short) METHOD_STORED);
    h.putShort((short) DOS_TIME_MIDNIGHT);
    h.putShort((short) DOS_DATE_1980_01_01);
    h.putInt((int) crc);
    h.putInt((int) (zip64Sizes ? ZIP64_MAGIC_32 : size));
    h.putInt((int) (zip64Sizes ? ZIP64_MAGIC_32 : size));
    h.putShort((short) nameBytes.length);
    h.putShort((short) extraLen);
    h.put(nameBytes);
    if (zip64Sizes) {
      // In a local header the zip64 field holds both sizes (4.5.3).
      h.putShort((short) EXTRA_ZIP64).putShort((short) 16).putLong(size).putLong(size);
    }
    putTimestamp(h);
    out.write(h.array());
    copy(name, size, crc, data);
    entries.add(new Central(nameBytes, unixMode, size, crc, offset, zip64Sizes));
  }

  private void copy(String name, long size, long crc, InputStream data) throws IOException {
    CRC32 check = new CRC32();
    long left = size;
    while (left > 0) {
      int n = data.read(copyBuffer, 0, (int) Math.min(copyBuffer.length, left));
      if (n < 0) {
        throw new IOException("'" + name + "' shrank while it was being zipped: write again");
      }
      check.update(copyBuffer, 0, n);
      out.write(copyBuffer, 0, n);
      left -= n;
    }
    if (data.read() >= 0) {
      throw new IOException("'" + name + "' grew while it was being zipped: write again");
    }
    if (check.getValue() != crc) {
      throw new IOException("'" + name + "' changed while it was being zipped: write again");
    }
  }

  /**
   * Writes the central directory and the end records, and flushes. The underlying stream stays
   * open.
   *
   * @return the total length of the archive in bytes
   * @throws IOException if writing fails
   */
  public long finish() throws IOException {
    if (finished) {
      throw new IllegalStateException("archive already finished");
    }
    finished = true;
    long cdOffset = out.count();
    for (Central e : entries) {
      boolean zip64Offset = forceZip64 || e.offset >= ZIP64_MAGIC_32;
      int zip64Len = (e.zip64Sizes ? 16 : 0) + (zip64Offset ? 8 : 0);
      boolean zip64 = zip64Len > 0;
      int extraLen = UT_CENTRAL_SIZE + (zip64 ? 4 + zip64Len : 0);
      ByteBuffer h = le(CENTRAL_HEADER_SIZE + e.name.length + extraLen);
      int version = zip64 ? VERSION_45 : VERSION_20;
      h.putInt(CENTRAL_HEADER_SIG);
      h.putShort((short) ((HOST_UNIX << 8) | version));
      h.putShort((short) version);
      h.putShort((short) FLAG_UTF8);
      h.putShort((short) METHOD_STORED);
      h.putShort((short) DOS_TIME_MIDNIGHT);
      h.putShort((short) DOS_DATE_1980_01_01);
      h.putInt((int) e.crc);
      h.putInt((int) (e.zip64Sizes ? ZIP64_MAGIC_32 : e.size));
      h.putInt((int) (e.zip64Sizes ? ZIP64_MAGIC_32 : e.size));
      h.putShort((short) e.name.length);
      h.putShort((short) extraLen);
      h.putShort((short) 0); // comment length
      h.putShort((short) 0); // disk number start
      h.putShort((short) 0); // internal attributes
      int mode = S_IFREG | (e.unixMode & 07777);
      int dos = (e.unixMode & 0200) == 0 ? MSDOS_READONLY : 0;
      h.putInt((mode << 16) | dos);
      h.putInt((int) (zip64Offset ? ZIP64_MAGIC_32 : e.offset));
      h.put(e.name);
      if (zip64) {
        // Only the fields set to 0xFFFFFFFF above, in this order (4.5.3).
        h.putShort((short) EXTRA_ZIP64).putShort((short) zip64Len);
        if (e.zip64Sizes) {
          h.putLong(e.size).putLong(e.size);
        }
        if (zip64Offset) {
          h.putLong(e.offset);
        }
      }
      putTimestamp(h);
      out.write(h.array());
    }
    long cdSize = out.count() - cdOffset;
    long count = entries.size();
    boolean zip64End =
        forceZip64
            || count >= ZIP64_MAGIC_16
            || cdSize >= ZIP64_MAGIC_32
            || cdOffset >= ZIP64_MAGIC_32;
    if (zip64End) {
      long zip64EndOffset = out.count();
      ByteBuffer z = le(ZIP64_EOCD_SIZE + ZIP64_LOCATOR_SIZE);
      z.putInt(ZIP64_EOCD_SIG);
      z.putLong(ZIP64_EOCD_SIZE - 12); // size of the rest of the record
      z.putShort((short) ((HOST_UNIX << 8) | VERSION_45));
      z.putShort((short) VERSION_45);
      z.putInt(0); // this disk
      z.putInt(0); // disk with the central directory
      z.putLong(count);
      z.putLong(count);
      z.putLong(cdSize);
      z.putLong(cdOffset);
      z.putInt(ZIP64_LOCATOR_SIG);
      z.putInt(0); // disk with the zip64 end record
      z.putLong(zip64EndOffset);
      z.putInt(1); // total disks
      out.write(z.array());
    }
    ByteBuffer end = le(EOCD_SIZE);
    end.putInt(EOCD_SIG);
    end.putShort((short) 0); // this disk
    end.putShort((short) 0); // disk with the central directory
    short shortCount = (short) (forceZip64 || count >= ZIP64_MAGIC_16 ? ZIP64_MAGIC_16 : count);
    end.putShort(shortCount);
    end.putShort(shortCount);
    end.putInt((int) (forceZip64 || cdSize >= ZIP64_MAGIC_32 ? ZIP64_MAGIC_32 : cdSize));
    end.putInt((int) (forceZip64 || cdOffset >= ZIP64_MAGIC_32 ? ZIP64_MAGIC_32 : cdOffset));
    end.putShort((short) 0); // comment length
    out.write(end.array());
    out.flush();
    return out.count();
  }

  private static void putTimestamp(ByteBuffer h) {
    // Info-ZIP extended timestamp: flags bit 0 (mtime present), mtime = 0 = 1970-01-01T00:00:00Z.
    h.putShort((short) EXTRA_EXTENDED_TIMESTAMP).putShort((short) 5).put((byte) 1).putInt(0);
  }

  private static ByteBuffer le(int size) {
    return ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Counts bytes so entry offsets are known without seeking. */
  private static final class CountingOutputStream extends java.io.FilterOutputStream {
    private long count;

    CountingOutputStream(OutputStream out) {
      super(out);
    }

    @Override
    public void write(int b) throws IOException {
      out.write(b);
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      out.write(b, off, len);
      count += len;
    }

    long count() {
      return count;
    }
  }
}
