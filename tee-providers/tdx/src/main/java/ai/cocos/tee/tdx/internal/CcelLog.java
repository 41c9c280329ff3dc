package ai.cocos.tee.tdx.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Replays a TDX CCEL event log (the ACPI CCEL table's log area: a TCG crypto-agile event log whose
 * MR index 1..4 means RTMR0..3) into RTMR values.
 *
 * <p>Format: TCG PC Client Platform Firmware Profile Specification, section 10.2.1
 * (TCG_PCClientPCREvent, the first event, in SHA-1 log format, carrying the TCG_EfiSpecIDEvent
 * "Spec ID Event03" with the digest sizes) and 10.2.2 (TCG_PCR_EVENT2: MR index, event type,
 * TPML_DIGEST_VALUES, event size, event data). MR index mapping and the RTMR extend rule (RTMR :=
 * SHA-384(RTMR || digest), starting from 48 zero bytes): Intel TDX Guest-Hypervisor Communication
 * Interface (GHCI), "Event Log" and "Measurement Register" sections. EV_NO_ACTION events (type 3)
 * are not measured and are skipped. The log ends at the first event whose MR index is 0xFFFFFFFF
 * (erased flash) or whose index and type are both zero (zero fill).
 */
final class CcelLog {
  /** SHA-384 in TPM_ALG_ID numbering. */
  static final int TPM_ALG_SHA384 = 0x000c;

  static final int EV_NO_ACTION = 0x00000003;
  private static final int SHA1_SIZE = 20;
  private static final int SPEC_ID_SIGNATURE_SIZE = 16;
  private static final byte[] SPEC_ID_SIGNATURE =
      "Spec ID Event03\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  private static final int RTMRS = 4;
  private static final int RTMR_SIZE = 48;

  /** Bounds the work a hostile log can cause. */
  static final int MAX_EVENTS = 100_000;

  private CcelLog() {}

  /**
   * What the log replays to.
   *
   * @param rtmrs RTMR0..3 after replay
   * @param events measured events per RTMR
   */
  record Replay(List<byte[]> rtmrs, int[] events) {}

  /**
   * Replays a log.
   *
   * @param log the CCEL log area (trailing 0xFF or zero fill allowed)
   * @return the replayed RTMRs
   * @throws QuoteFormatException if the log is malformed or lacks SHA-384 digests
   */
  static Replay replay(byte[] log) throws QuoteFormatException {
    Cursor c = new Cursor(log);
    // First event: TCG_PCClientPCREvent with the Spec ID event.
    c.u32("first event MR index");
    long type = c.u32("first event type");
    c.skip(SHA1_SIZE, "first event digest");
    int size = c.size("first event size");
    if (type != EV_NO_ACTION || size < SPEC_ID_SIGNATURE_SIZE + 4 + 4 + 4) {
      throw new QuoteFormatException("CCEL log does not start with a TCG Spec ID event");
    }
    int specEnd = c.pos + size;
    byte[] sig = c.bytes(SPEC_ID_SIGNATURE_SIZE, "Spec ID signature");
    if (!Arrays.equals(sig, SPEC_ID_SIGNATURE)) {
      throw new QuoteFormatException(
          "CCEL log is not crypto-agile (Spec ID Event03 expected); SHA-1-only logs cannot be"
              + " replayed into RTMRs");
    }
    c.skip(
        4 + 4,
        "Spec ID platform class and versions"); // platformClass, minor, major, errata, uintnSize
    long algorithms = c.u32("Spec ID algorithm count");
    if (algorithms == 0 || algorithms > 16) {
      throw new QuoteFormatException("CCEL Spec ID event lists " + algorithms + " algorithms");
    }
    int[] algIds = new int[(int) algorithms];
    int[] algSizes = new int[(int) algorithms];
    boolean sha384 = false;
    for (int i = 0; i < algorithms; i++) {
      algIds[i] = c.u16("algorithm id");
      algSizes[i] = c.u16("digest size");
      sha384 |= algIds[i] == TPM_ALG_SHA384 && algSizes[i] == RTMR_SIZE;
    }
    if (!sha384) {
      throw new QuoteFormatException("CCEL log carries no SHA-384 digests");
    }
    if (c.pos > specEnd) {
      throw new QuoteFormatException("CCEL Spec ID event overruns its size");
    }
    c.pos = specEnd;

    MessageDigest md = sha384();
    List<byte[]> rtmrs = new ArrayList<>();
    for (int i = 0; i < RTMRS; i++) {
      rtmrs.add(new byte[RTMR_SIZE]);
    }
    int[] counts = new int[RTMRS];
    int n = 0;
    while (c.remaining() >= 8) {
      long mr = c.peekU32(0);
      long evType = c.peekU32(4);
      if (mr == 0xffffffffL || (mr == 0 && evType == 0)) {
        break;
      }
      if (++n > MAX_EVENTS) {
        throw new QuoteFormatException("CCEL log has more than " + MAX_EVENTS + " events");
      }
      c.skip(8, "event header");
      long count = c.u32("digest count");
      if (count == 0 || count > algorithms) {
        throw new QuoteFormatException(
            "CCEL event " + n + " has " + count + " digests, the log declares " + algorithms);
      }
      byte[] digest = null;
      for (long d = 0; d < count; d++) {
        int alg = c.u16("digest algorithm");
        int len = -1;
        for (int i = 0; i < algIds.length; i++) {
          if (algIds[i] == alg) {
            len = algSizes[i];
          }
        }
        if (len < 0) {
          throw new QuoteFormatException(
              String.format("CCEL event %d uses algorithm 0x%04x the log did not declare", n, alg));
        }
        byte[] value = c.bytes(len, "event digest");
        if (alg == TPM_ALG_SHA384) {
          digest = value;
        }
      }
      int evSize = c.size("event size");
      c.skip(evSize, "event data");
      if (evType == EV_NO_ACTION) {
        continue;
      }
      if (mr < 1 || mr > RTMRS) {
        // MR index 0 is MRTD, built by the TDX module, never extended by events.
        throw new QuoteFormatException(
            "CCEL event " + n + " extends MR index " + mr + " (1..4, RTMR0..3, expected)");
      }
      if (digest == null) {
        throw new QuoteFormatException("CCEL event " + n + " has no SHA-384 digest");
      }
      int r = (int) mr - 1;
      md.update(rtmrs.get(r));
      md.update(digest);
      rtmrs.set(r, md.digest());
      counts[r]++;
    }
    return new Replay(List.copyOf(rtmrs), counts);
  }

  private static MessageDigest sha384() {
    try {
      return MessageDigest.getInstance("SHA-384");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-384 is missing from this JDK", e);
    }
  }

  private static final class Cursor {
    private final byte[] b;
    private int pos;

    Cursor(byte[] b) {
      this.b = b;
    }

    int remaining() {
      return b.length - pos;
    }

    void need(int n, String what) throws QuoteFormatException {
      if (n < 0 || n > b.length - pos) {
        throw new QuoteFormatException("CCEL log truncated in " + what + " at offset " + pos);
      }
    }

    long peekU32(int ahead) {
      int o = pos + ahead;
      return (b[o] & 0xffL)
          | (b[o + 1] & 0xffL) << 8
          | (b[o + 2] & 0xffL) << 16
          | (b[o + 3] & 0xffL) << 24;
    }

    long u32(String what) throws QuoteFormatException {
      need(4, what);
      long v = peekU32(0);
      pos += 4;
      return v;
    }

    int size(String what) throws QuoteFormatException {
      long v = u32(what);
      if (v > b.length - pos) {
        throw new QuoteFormatException(
            "CCEL log: " + what + " " + v + " at offset " + (pos - 4) + " runs past the log");
      }
      return (int) v;
    }

    int u16(String what) throws QuoteFormatException {
      need(2, what);
      int v = (b[pos] & 0xff) | (b[pos + 1] & 0xff) << 8;
      pos += 2;
      return v;
    }

    byte[] bytes(int n, String what) throws QuoteFormatException {
      need(n, what);
      byte[] v = Arrays.copyOfRange(b, pos, pos + n);
      pos += n;
      return v;
    }

    void skip(int n, String what) throws QuoteFormatException {
      need(n, what);
      pos += n;
    }
  }
}
