package ai.cocos.crypto;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * Builds ZIP archives field by field, including the malformed and hostile ones no archiver writes:
 * names with {@code ..}, symbolic links, lying sizes, overlapping entries.
 */
final class RawZip {
  /** One entry; fields are what gets written, true or not. */
  static final class Entry {
    byte[] name;
    byte[] data = new byte[0];
    int method = 0;
    int flags = 0x0800;
    int host = 3;
    int unixMode = 0100644;
    long declaredSize = -1;
    long crc = -1;

    /** Offset override for the central record (to point at another entry's header). */
    long offset = -1;

    /** Written as the data instead of {@link #data} (raw bytes after the local header). */
    byte[] rawData;

    boolean centralOnly;

    Entry size(long s) {
      declaredSize = s;
      return this;
    }

    Entry crc(long c) {
      crc = c;
      return this;
    }

    Entry mode(int m) {
      unixMode = m;
      return this;
    }

    Entry flags(int f) {
      flags = f;
      return this;
    }

    Entry method(int m) {
      method = m;
      return this;
    }
  }

  private final List<Entry> entries = new ArrayList<>();

  Entry stored(String name, byte[] data) {
    return add(name.getBytes(StandardCharsets.UTF_8), data, 0);
  }

  Entry stored(String name, String data) {
    return stored(name, data.getBytes(StandardCharsets.UTF_8));
  }

  Entry deflated(String name, byte[] data) {
    return add(name.getBytes(StandardCharsets.UTF_8), data, 8);
  }

  Entry add(byte[] name, byte[] data, int method) {
    Entry e = new Entry();
    e.name = name;
    e.data = data;
    e.method = method;
    entries.add(e);
    return e;
  }

  /** A symbolic link entry as Info-ZIP writes it: mode 0120777, the target as data. */
  Entry symlink(String name, String target) {
    return stored(name, target).mode(0120777);
  }

  /**
   * An entry that only appears in the central directory and points into the previous entry's data
   * (which must then hold this entry's local header and data): overlapping entries.
   */
  Entry overlapping(String name, long offset, byte[] data) {
    Entry e = stored(name, data);
    e.centralOnly = true;
    e.offset = offset;
    return e;
  }

  static byte[] localHeader(byte[] name, byte[] data) {
    CRC32 crc = new CRC32();
    crc.update(data);
    ByteBuffer b = le(30 + name.length + data.length);
    b.putInt(0x04034b50).putShort((short) 20).putShort((short) 0x0800).putShort((short) 0);
    b.putShort((short) 0).putShort((short) 0x21).putInt((int) crc.getValue());
    b.putInt(data.length).putInt(data.length).putShort((short) name.length).putShort((short) 0);
    b.put(name).put(data);
    return b.array();
  }

  byte[] bytes() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream cd = new ByteArrayOutputStream();
    for (Entry e : entries) {
      byte[] payload = e.method == 8 ? deflate(e.data) : e.data;
      if (e.rawData != null) {
        payload = e.rawData;
      }
      CRC32 c = new CRC32();
      c.update(e.data);
      long crc = e.crc >= 0 ? e.crc : c.getValue();
      long size = e.declaredSize >= 0 ? e.declaredSize : e.data.length;
      long offset = e.offset >= 0 ? e.offset : out.size();
      if (!e.centralOnly) {
        ByteBuffer h = le(30 + e.name.length);
        h.putInt(0x04034b50)
            .putShort((short) 20)
            .putShort((short) e.flags)
            .putShort((short) e.method);
        h.putShort((short) 0).putShort((short) 0x21).putInt((int) crc);
        h.putInt(payload.length)
            .putInt((int) size)
            .putShort((short) e.name.length)
            .putShort((short) 0);
        h.put(e.name);
        out.writeBytes(h.array());
        out.writeBytes(payload);
      }
      ByteBuffer h = le(46 + e.name.length);
      h.putInt(0x02014b50).putShort((short) ((e.host << 8) | 20)).putShort((short) 20);
      h.putShort((short) e.flags)
          .putShort((short) e.method)
          .putShort((short) 0)
          .putShort((short) 0x21);
      h.putInt((int) crc).putInt(payload.length).putInt((int) size);
      h.putShort((short) e.name.length).putShort((short) 0).putShort((short) 0);
      h.putShort((short) 0).putShort((short) 0).putInt(e.unixMode << 16).putInt((int) offset);
      h.put(e.name);
      cd.writeBytes(h.array());
    }
    ByteBuffer end = le(22);
    end.putInt(0x06054b50).putShort((short) 0).putShort((short) 0);
    end.putShort((short) entries.size()).putShort((short) entries.size());
    end.putInt(cd.size()).putInt(out.size()).putShort((short) 0);
    int cdOffset = out.size();
    out.writeBytes(cd.toByteArray());
    byte[] all = out.toByteArray();
    ByteBuffer.wrap(end.array()).order(ByteOrder.LITTLE_ENDIAN).putInt(16, cdOffset);
    ByteArrayOutputStream z = new ByteArrayOutputStream();
    z.writeBytes(all);
    z.writeBytes(end.array());
    return z.toByteArray();
  }

  static byte[] deflate(byte[] data) {
    Deflater d = new Deflater(9, true);
    d.setInput(data);
    d.finish();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    while (!d.finished()) {
      out.write(buf, 0, d.deflate(buf));
    }
    d.end();
    return out.toByteArray();
  }

  private static ByteBuffer le(int n) {
    return ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
  }
}
