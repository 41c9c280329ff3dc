package ai.cocos.tee.tdx.internal;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A minimal DER reader (ITU-T X.690) for the few structures this provider reads itself: Intel's SGX
 * certificate extensions. Certificates and CRLs are parsed by the JDK. Definite lengths only, as
 * DER requires; anything else is an error.
 */
final class Der {
  static final int INTEGER = 0x02;
  static final int OCTET_STRING = 0x04;
  static final int OID = 0x06;
  static final int ENUMERATED = 0x0a;
  static final int BOOLEAN = 0x01;
  static final int SEQUENCE = 0x30;

  private Der() {}

  /** One tag-length-value. */
  record Tlv(int tag, byte[] value) {
    /** Children of a constructed value. */
    List<Tlv> children() throws DerException {
      return Der.readAll(value);
    }

    /** The value as an OID in dotted form. */
    String oid() throws DerException {
      expect(OID);
      return Der.oid(value);
    }

    /** The value as a non-negative int (INTEGER or ENUMERATED). */
    int intValue() throws DerException {
      if (tag != INTEGER && tag != ENUMERATED) {
        throw new DerException(String.format("expected INTEGER, found tag 0x%02x", tag));
      }
      if (value.length == 0 || value.length > 5) {
        throw new DerException("INTEGER of " + value.length + " bytes");
      }
      BigInteger v = new BigInteger(value);
      if (v.signum() < 0 || v.bitLength() > 31) {
        throw new DerException("INTEGER out of range: " + v);
      }
      return v.intValue();
    }

    /** The value of an OCTET STRING. */
    byte[] octets() throws DerException {
      expect(OCTET_STRING);
      return value;
    }

    /** The value of a BOOLEAN. */
    boolean bool() throws DerException {
      expect(BOOLEAN);
      if (value.length != 1) {
        throw new DerException("BOOLEAN of " + value.length + " bytes");
      }
      return value[0] != 0;
    }

    void expect(int want) throws DerException {
      if (tag != want) {
        throw new DerException(String.format("expected tag 0x%02x, found 0x%02x", want, tag));
      }
    }
  }

  /** Malformed DER. */
  static final class DerException extends Exception {
    private static final long serialVersionUID = 1L;

    DerException(String message) {
      super(message);
    }
  }

  /**
   * Reads exactly one TLV that spans all of {@code der}.
   *
   * @param der the encoding
   * @return the TLV
   * @throws DerException if malformed or followed by other bytes
   */
  static Tlv readOne(byte[] der) throws DerException {
    List<Tlv> all = readAll(der);
    if (all.size() != 1) {
      throw new DerException("expected one DER value, found " + all.size());
    }
    return all.get(0);
  }

  /**
   * Reads consecutive TLVs spanning all of {@code der}.
   *
   * @param der the encoding
   * @return the TLVs
   * @throws DerException if malformed
   */
  static List<Tlv> readAll(byte[] der) throws DerException {
    List<Tlv> out = new ArrayList<>();
    int p = 0;
    while (p < der.length) {
      int tag = der[p++] & 0xff;
      if ((tag & 0x1f) == 0x1f) {
        throw new DerException("multi-byte tags are not used here");
      }
      if (p >= der.length) {
        throw new DerException("truncated length");
      }
      int first = der[p++] & 0xff;
      long len;
      if (first < 0x80) {
        len = first;
      } else {
        int n = first & 0x7f;
        if (n == 0 || n > 4) {
          throw new DerException("unsupported length encoding 0x" + Integer.toHexString(first));
        }
        if (p + n > der.length) {
          throw new DerException("truncated length");
        }
        len = 0;
        for (int i = 0; i < n; i++) {
          len = (len << 8) | (der[p++] & 0xff);
        }
        if (len < 0x80 || (n > 1 && len < (1L << (8 * (n - 1))))) {
          throw new DerException("non-minimal length encoding (not DER)");
        }
      }
      if (len > der.length - p) {
        throw new DerException("value of " + len + " bytes runs past its container");
      }
      out.add(new Tlv(tag, Arrays.copyOfRange(der, p, p + (int) len)));
      p += (int) len;
    }
    return out;
  }

  /**
   * Decodes an OID value.
   *
   * @param v the content octets
   * @return dotted form
   * @throws DerException if malformed
   */
  static String oid(byte[] v) throws DerException {
    if (v.length == 0 || (v[v.length - 1] & 0x80) != 0) {
      throw new DerException("malformed OID");
    }
    StringBuilder sb = new StringBuilder();
    long acc = 0;
    boolean first = true;
    for (byte b : v) {
      acc = (acc << 7) | (b & 0x7f);
      if (acc > Integer.MAX_VALUE) {
        throw new DerException("OID arc too large");
      }
      if ((b & 0x80) == 0) {
        if (first) {
          long a = Math.min(acc / 40, 2);
          sb.append(a).append('.').append(acc - 40 * a);
          first = false;
        } else {
          sb.append('.').append(acc);
        }
        acc = 0;
      }
    }
    return sb.toString();
  }
}
