package ai.cocos.tee.vtpm.internal;

import java.io.ByteArrayOutputStream;

/** Big-endian writers for TPM 2.0 command marshalling (Part 1 §18). */
final class Marshal {
  private Marshal() {}

  static void u16(ByteArrayOutputStream out, int v) {
    out.write(v >>> 8);
    out.write(v);
  }

  static void u32(ByteArrayOutputStream out, long v) {
    out.write((int) (v >>> 24));
    out.write((int) (v >>> 16));
    out.write((int) (v >>> 8));
    out.write((int) v);
  }

  static void tpm2b(ByteArrayOutputStream out, byte[] v) {
    u16(out, v.length);
    out.writeBytes(v);
  }
}
