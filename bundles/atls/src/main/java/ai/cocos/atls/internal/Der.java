package ai.cocos.atls.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;

/**
 * The little DER (ITU-T X.690 §10) the attested-TLS certificate and its extension need: a writer
 * for the certificate and a strict reader for the extension. Definite, minimal lengths only; a
 * reader refuses anything else, so one value has one encoding.
 */
public final class Der {
  /** X.690 §8.2: BOOLEAN. */
  public static final int BOOLEAN = 0x01;

  /** X.690 §8.3: INTEGER. */
  public static final int INTEGER = 0x02;

  /** X.690 §8.6: BIT STRING. */
  public static final int BIT_STRING = 0x03;

  /** X.690 §8.7: OCTET STRING. */
  public static final int OCTET_STRING = 0x04;

  /** X.690 §8.19: OBJECT IDENTIFIER. */
  public static final int OID = 0x06;

  /** UTF8String. */
  public static final int UTF8_STRING = 0x0c;

  /** UTCTime (RFC 5280 §4.1.2.5.1: dates through 2049). */
  public static final int UTC_TIME = 0x17;

  /** GeneralizedTime (RFC 5280 §4.1.2.5.2: dates from 2050). */
  public static final int GENERALIZED_TIME = 0x18;

  /** X.690 §8.9: SEQUENCE (constructed). */
  public static final int SEQUENCE = 0x30;

  /** X.690 §8.11: SET (constructed). */
  public static final int SET = 0x31;

  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final DateTimeFormatter GENERALIZED =
      DateTimeFormatter.ofPattern("yyyyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);

  private Der() {}

  /**
   * One TLV.
   *
   * @param tag the identifier octet
   * @param parts the contents, concatenated
   * @return the encoding
   */
  public static byte[] tlv(int tag, byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(n + 6);
    out.write(tag);
    if (n < 0x80) {
      out.write(n);
    } else {
      int bytes = (32 - Integer.numberOfLeadingZeros(n) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(n >>> (8 * i));
      }
    }
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  /** A SEQUENCE of already encoded elements. */
  public static byte[] sequence(byte[]... elements) {
    return tlv(SEQUENCE, elements);
  }

  /** A SET of already encoded elements (one element: no sorting needed). */
  public static byte[] set(byte[] element) {
    return tlv(SET, element);
  }

  /** An OCTET STRING. */
  public static byte[] octets(byte[] value) {
    return tlv(OCTET_STRING, value);
  }

  /** A BIT STRING with no unused bits. */
  public static byte[] bits(byte[] value) {
    return tlv(BIT_STRING, new byte[] {0}, value);
  }

  /** An INTEGER. */
  public static byte[] integer(BigInteger value) {
    return tlv(INTEGER, value.toByteArray());
  }

  /** A BOOLEAN. */
  public static byte[] bool(boolean value) {
    return tlv(BOOLEAN, new byte[] {value ? (byte) 0xff : 0});
  }

  /** A UTF8String. */
  public static byte[] utf8(String value) {
    return tlv(UTF8_STRING, value.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A certificate time: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5).
   *
   * @param t the time, whole seconds kept
   * @return the encoding
   */
  public static byte[] time(Instant t) {
    int year = ZonedDateTime.ofInstant(t, ZoneOffset.UTC).getYear();
    if (year < 2050) {
      return tlv(UTC_TIME, UTC.format(t).getBytes(StandardCharsets.US_ASCII));
    }
    return tlv(GENERALIZED_TIME, GENERALIZED.format(t).getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * A context-specific tag.
   *
   * @param number the tag number, 0-30
   * @param constructed whether the contents are TLVs (EXPLICIT tagging)
   * @param contents the contents
   * @return the encoding
   */
  public static byte[] context(int number, boolean constructed, byte[] contents) {
    return tlv(0x80 | (constructed ? 0x20 : 0) | number, contents);
  }

  /**
   * An OBJECT IDENTIFIER from its dotted form.
   *
   * @param dotted for example {@code 1.2.840.10045.4.3.2}
   * @return the encoding
   */
  public static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    if (arcs.length < 2) {
      throw new IllegalArgumentException("OID needs two arcs: " + dotted);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    // X.690 §8.19.4: the first two arcs share one subidentifier, 40 * first + second.
    base128(
        out, new BigInteger(arcs[0]).multiply(BigInteger.valueOf(40)).add(new BigInteger(arcs[1])));
    for (int i = 2; i < arcs.length; i++) {
      base128(out, new BigInteger(arcs[i]));
    }
    return tlv(OID, out.toByteArray());
  }

  private static void base128(ByteArrayOutputStream out, BigInteger v) {
    if (v.signum() < 0) {
      throw new IllegalArgumentException("negative OID arc");
    }
    int groups = Math.max(1, (v.bitLength() + 6) / 7);
    for (int g = groups - 1; g >= 0; g--) {
      int b = v.shiftRight(7 * g).intValue() & 0x7f;
      out.write(g == 0 ? b : b | 0x80);
    }
  }

  /** A malformed encoding; the message says where. */
  public static final class DerException extends Exception {
    private static final long serialVersionUID = 1L;

    DerException(String message) {
      super(message);
    }
  }

  /** Reads TLVs one after the other from a byte range. */
  public static final class Reader {
    private final byte[] bytes;
    private int pos;
    private final int end;

    /**
     * Reads all of {@code bytes}.
     *
     * @param bytes the encoding
     */
    public Reader(byte[] bytes) {
      this(bytes, 0, bytes.length);
    }

    private Reader(byte[] bytes, int from, int to) {
      this.bytes = bytes;
      this.pos = from;
      this.end = to;
    }

    /**
     * Whether all bytes were read.
     *
     * @return true at the end
     */
    public boolean atEnd() {
      return pos == end;
    }

    /**
     * Reads a constructed element and returns a reader over its contents.
     *
     * @param tag the expected tag
     * @param what the element's name, for messages
     * @return a reader of the contents
     * @throws DerException if the tag or length is wrong
     */
    public Reader enter(int tag, String what) throws DerException {
      int[] range = header(tag, what);
      Reader r = new Reader(bytes, range[0], range[1]);
      pos = range[1];
      return r;
    }

    /**
     * Reads a primitive element's contents.
     *
     * @param tag the expected tag
     * @param what the element's name, for messages
     * @return the contents
     * @throws DerException if the tag or length is wrong
     */
    public byte[] read(int tag, String what) throws DerException {
      int[] range = header(tag, what);
      pos = range[1];
      return Arrays.copyOfRange(bytes, range[0], range[1]);
    }

    /**
     * Reads a small non-negative INTEGER.
     *
     * @param what the element's name
     * @return its value
     * @throws DerException if it is not a minimal INTEGER from 0 to 2^31-1
     */
    public int readSmallInt(String what) throws DerException {
      byte[] v = read(INTEGER, what);
      if (v.length == 0 || v.length > 4 || (v.length > 1 && v[0] == 0 && v[1] >= 0) || v[0] < 0) {
        throw new DerException(what + ": not a small non-negative DER INTEGER");
      }
      return new BigInteger(v).intValueExact();
    }

    /**
     * Fails unless every byte was read.
     *
     * @param what the enclosing element's name
     * @throws DerException if bytes are left
     */
    public void expectEnd(String what) throws DerException {
      if (pos != end) {
        throw new DerException(what + ": " + (end - pos) + " unexpected trailing bytes");
      }
    }

    private int[] header(int tag, String what) throws DerException {
      if (pos >= end) {
        throw new DerException(what + ": missing (the encoding ends early)");
      }
      int t = bytes[pos] & 0xff;
      if (t != tag) {
        throw new DerException(
            what + ": expected tag 0x" + Integer.toHexString(tag) + ", found 0x" + hex(t));
      }
      if (pos + 1 >= end) {
        throw new DerException(what + ": no length");
      }
      int first = bytes[pos + 1] & 0xff;
      int p = pos + 2;
      long length;
      if (first < 0x80) {
        length = first;
      } else {
        int n = first & 0x7f;
        if (n == 0 || n > 4) {
          throw new DerException(what + ": indefinite or oversized length");
        }
        if (p + n > end) {
          throw new DerException(what + ": the length runs past the end");
        }
        length = 0;
        for (int i = 0; i < n; i++) {
          length = (length << 8) | (bytes[p + i] & 0xff);
        }
        if (bytes[p] == 0 || length < 0x80) {
          throw new DerException(what + ": length not in its shortest form (not DER)");
        }
        p += n;
      }
      if (length > end - p) {
        throw new DerException(
            what + ": declares " + length + " bytes, only " + (end - p) + " remain");
      }
      return new int[] {p, (int) (p + length)};
    }

    private static String hex(int b) {
      return Integer.toHexString(b);
    }
  }
}
