package ai.cocos.tee.vtpm.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * The few protobuf wire-format rules (protobuf.dev "Encoding": varints, tags, length-delimited
 * fields) needed to read go-tpm-tools' {@code attest.Attestation}, without a protobuf runtime.
 * Unknown fields are kept so the caller can decide; groups (wire types 3 and 4) are rejected.
 */
final class Protobuf {
  /** Wire type 0: varint. */
  static final int VARINT = 0;

  /** Wire type 1: 64-bit. */
  static final int I64 = 1;

  /** Wire type 2: length-delimited. */
  static final int LEN = 2;

  /** Wire type 5: 32-bit. */
  static final int I32 = 5;

  private Protobuf() {}

  /**
   * One field as it appears on the wire.
   *
   * @param number the field number
   * @param wireType the wire type
   * @param varint the value of a varint field
   * @param bytes the payload of a length-delimited field (empty otherwise)
   */
  record Field(int number, int wireType, long varint, byte[] bytes) {}

  /** Splits a message into its fields, in wire order. */
  static List<Field> fields(byte[] message, String what) throws MalformedException {
    List<Field> out = new ArrayList<>();
    int[] pos = {0};
    while (pos[0] < message.length) {
      long tag = varint(message, pos, what);
      int number = (int) (tag >>> 3);
      int type = (int) (tag & 7);
      if (number <= 0 || tag >>> 3 > 0x1FFF_FFFF) {
        throw new MalformedException(what + ": invalid field number " + (tag >>> 3));
      }
      switch (type) {
        case VARINT -> out.add(new Field(number, type, varint(message, pos, what), new byte[0]));
        case I64 -> {
          skip(message, pos, 8, what);
          out.add(new Field(number, type, 0, new byte[0]));
        }
        case I32 -> {
          skip(message, pos, 4, what);
          out.add(new Field(number, type, 0, new byte[0]));
        }
        case LEN -> {
          long len = varint(message, pos, what);
          if (len < 0 || len > message.length - pos[0]) {
            throw new MalformedException(
                what
                    + ": field "
                    + number
                    + " claims "
                    + len
                    + " bytes, "
                    + (message.length - pos[0])
                    + " left");
          }
          byte[] b = java.util.Arrays.copyOfRange(message, pos[0], pos[0] + (int) len);
          pos[0] += (int) len;
          out.add(new Field(number, type, 0, b));
        }
        default -> throw new MalformedException(what + ": unsupported wire type " + type);
      }
    }
    return out;
  }

  private static void skip(byte[] m, int[] pos, int n, String what) throws MalformedException {
    if (m.length - pos[0] < n) {
      throw new MalformedException(what + ": truncated fixed-size field");
    }
    pos[0] += n;
  }

  private static long varint(byte[] m, int[] pos, String what) throws MalformedException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos[0] >= m.length) {
        throw new MalformedException(what + ": truncated varint");
      }
      int b = m[pos[0]++] & 0xff;
      v |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new MalformedException(what + ": varint longer than 10 bytes");
  }
}
