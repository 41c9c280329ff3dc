package ai.cocos.tee.vtpm.internal;

import java.util.Arrays;

/**
 * Reads a byte array front to back, big-endian (TPM 2.0 marshalling, Part 1 §18) or little-endian
 * (TCG event logs, HCL reports), never past the end: every read that would overrun throws a {@link
 * MalformedException} naming the structure, the field and the offset.
 */
final class Cursor {
  private final byte[] data;
  private final String structure;
  private final int end;
  private int pos;

  Cursor(byte[] data, String structure) {
    this(data, 0, data.length, structure);
  }

  Cursor(byte[] data, int from, int end, String structure) {
    if (from < 0 || end > data.length || from > end) {
      throw new IllegalArgumentException("range " + from + ".." + end + " of " + data.length);
    }
    this.data = data;
    this.structure = structure;
    this.pos = from;
    this.end = end;
  }

  int position() {
    return pos;
  }

  int remaining() {
    return end - pos;
  }

  boolean atEnd() {
    return pos == end;
  }

  private void need(int n, String field) throws MalformedException {
    if (n < 0 || n > end - pos) {
      throw new MalformedException(
          structure
              + ": "
              + field
              + " at offset "
              + pos
              + " needs "
              + n
              + " bytes, "
              + (end - pos)
              + " left");
    }
  }

  int u8(String field) throws MalformedException {
    need(1, field);
    return data[pos++] & 0xff;
  }

  int u16(String field) throws MalformedException {
    need(2, field);
    int v = ((data[pos] & 0xff) << 8) | (data[pos + 1] & 0xff);
    pos += 2;
    return v;
  }

  long u32(String field) throws MalformedException {
    need(4, field);
    long v =
        ((long) (data[pos] & 0xff) << 24)
            | ((data[pos + 1] & 0xff) << 16)
            | ((data[pos + 2] & 0xff) << 8)
            | (data[pos + 3] & 0xff);
    pos += 4;
    return v;
  }

  long u64(String field) throws MalformedException {
    long hi = u32(field);
    long lo = u32(field);
    return (hi << 32) | lo;
  }

  int u16le(String field) throws MalformedException {
    need(2, field);
    int v = (data[pos] & 0xff) | ((data[pos + 1] & 0xff) << 8);
    pos += 2;
    return v;
  }

  long u32le(String field) throws MalformedException {
    need(4, field);
    long v =
        (data[pos] & 0xff)
            | ((data[pos + 1] & 0xff) << 8)
            | ((data[pos + 2] & 0xff) << 16)
            | ((long) (data[pos + 3] & 0xff) << 24);
    pos += 4;
    return v;
  }

  /** A 32-bit little-endian count or size that must fit in what is left. */
  int sizeLe(String field) throws MalformedException {
    int at = pos;
    long v = u32le(field);
    if (v > end - pos) {
      throw new MalformedException(
          structure
              + ": "
              + field
              + " at offset "
              + at
              + " is "
              + v
              + ", only "
              + (end - pos)
              + " bytes follow");
    }
    return (int) v;
  }

  byte[] bytes(int n, String field) throws MalformedException {
    need(n, field);
    byte[] out = Arrays.copyOfRange(data, pos, pos + n);
    pos += n;
    return out;
  }

  /** A TPM2B: a big-endian 16-bit size, then that many bytes. */
  byte[] tpm2b(String field) throws MalformedException {
    int size = u16(field + ".size");
    return bytes(size, field);
  }

  void skip(int n, String field) throws MalformedException {
    need(n, field);
    pos += n;
  }

  void expectEnd() throws MalformedException {
    if (pos != end) {
      throw new MalformedException(
          structure
              + ": "
              + (end - pos)
              + " unexpected bytes after the structure at offset "
              + pos);
    }
  }
}
