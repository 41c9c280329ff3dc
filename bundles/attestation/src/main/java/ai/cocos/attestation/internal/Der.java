package ai.cocos.attestation.internal;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The few DER reads certificate extensions need (X.690): one TLV with a short tag, definite length
 * and no trailing bytes.
 */
public final class Der {
  /** INTEGER. */
  public static final int INTEGER = 0x02;

  /** OCTET STRING. */
  public static final int OCTET_STRING = 0x04;

  /** UTF8String. */
  public static final int UTF8_STRING = 0x0C;

  /** PrintableString. */
  public static final int PRINTABLE_STRING = 0x13;

  /** IA5String. */
  public static final int IA5_STRING = 0x16;

  private Der() {}

  /**
   * The contents of a single TLV of the given tag that spans all of {@code der}.
   *
   * @param der the encoding
   * @param tag the expected tag
   * @return the contents, or {@code null} if {@code der} is not exactly one such TLV
   */
  public static byte[] contents(byte[] der, int tag) {
    if (der == null || der.length < 2 || (der[0] & 0xff) != tag) {
      return null;
    }
    int len = der[1] & 0xff;
    int off = 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      if (n == 0 || n > 3 || der.length < 2 + n) {
        return null;
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[2 + i] & 0xff);
      }
      off = 2 + n;
      if (len < 0x80) {
        return null; // not the minimal (DER) length form
      }
    }
    if (off + len != der.length) {
      return null;
    }
    return Arrays.copyOfRange(der, off, off + len);
  }

  /**
   * A non-negative INTEGER that fits an {@code int}, in minimal DER form (so {@code 02 02 00 db}
   * for 219, never {@code 02 01 db}, which would be -37).
   *
   * @param der the encoding
   * @return the value, or -1 if it is not such an INTEGER
   */
  public static int smallInteger(byte[] der) {
    byte[] c = contents(der, INTEGER);
    if (c == null || c.length == 0 || c.length > 4) {
      return -1;
    }
    if (c.length > 1 && c[0] == 0 && (c[1] & 0x80) == 0) {
      return -1; // leading zero not needed: not DER
    }
    BigInteger v = new BigInteger(c);
    return v.signum() < 0 || v.bitLength() > 31 ? -1 : v.intValue();
  }

  /**
   * A character string (IA5String, PrintableString or UTF8String).
   *
   * @param der the encoding
   * @return the text, or {@code null} if it is not one of those strings
   */
  public static String string(byte[] der) {
    if (der == null || der.length == 0) {
      return null;
    }
    int tag = der[0] & 0xff;
    if (tag != IA5_STRING && tag != PRINTABLE_STRING && tag != UTF8_STRING) {
      return null;
    }
    byte[] c = contents(der, tag);
    return c == null
        ? null
        : new String(c, tag == UTF8_STRING ? StandardCharsets.UTF_8 : StandardCharsets.US_ASCII);
  }

  /**
   * The signature BIT STRING of a signed X.509 structure (certificate or CRL: {@code SEQUENCE {
   * tbs, algorithm, BIT STRING }}) has zero unused bits. The JDK's parser tolerates other values,
   * which would let a byte outside the signed part change unnoticed.
   *
   * @param der the certificate or CRL
   * @return {@code true} if the third element is a BIT STRING whose unused-bits byte is 0
   */
  public static boolean signatureBitsAligned(byte[] der) {
    int[] outer = header(der, 0);
    if (outer == null || (der[0] & 0xff) != 0x30) {
      return false;
    }
    int at = outer[0];
    for (int i = 0; i < 2; i++) {
      int[] h = header(der, at);
      if (h == null) {
        return false;
      }
      at = h[0] + h[1];
    }
    int[] bits = header(der, at);
    return bits != null && (der[at] & 0xff) == 0x03 && bits[1] > 0 && der[bits[0]] == 0;
  }

  /** The content offset and length of the TLV at {@code at}, or null. */
  private static int[] header(byte[] der, int at) {
    if (at + 2 > der.length) {
      return null;
    }
    int len = der[at + 1] & 0xff;
    int off = at + 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      if (n == 0 || n > 3 || off + n > der.length) {
        return null;
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (der[off + i] & 0xff);
      }
      off += n;
    }
    return off + len > der.length ? null : new int[] {off, len};
  }

  /**
   * Two DER INTEGERs, as the contents of an ECDSA-Sig-Value {@code SEQUENCE { r, s }}: both
   * positive and minimally encoded, nothing after them.
   *
   * @param seq the SEQUENCE's contents
   * @return {r, s}, or {@code null} if malformed
   */
  public static java.math.BigInteger[] twoIntegers(byte[] seq) {
    java.math.BigInteger[] out = new java.math.BigInteger[2];
    int at = 0;
    for (int i = 0; i < 2; i++) {
      if (at + 2 > seq.length || (seq[at] & 0xff) != INTEGER || (seq[at + 1] & 0x80) != 0) {
        return null; // an ECDSA integer is short enough for the short length form
      }
      int[] h = header(seq, at);
      if (h == null || h[1] == 0 || h[1] > 80) {
        return null;
      }
      byte[] c = Arrays.copyOfRange(seq, h[0], h[0] + h[1]);
      if ((c[0] & 0x80) != 0 || (c.length > 1 && c[0] == 0 && (c[1] & 0x80) == 0)) {
        return null; // negative, or a leading zero that is not needed
      }
      out[i] = new java.math.BigInteger(c);
      at = h[0] + h[1];
    }
    return at == seq.length ? out : null;
  }
}
