package ai.cocos.tee.vtpm.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A TCG PC Client firmware event log, parsed, and its replay into PCR values (TCG PC Client
 * Platform Firmware Profile Specification, "Event Logging": §10.2.1 TCG_PCR_EVENT, §10.2.2
 * TCG_PCR_EVENT2, §10.4.5.1 TCG_EfiSpecIdEvent, §10.4.5.3 the StartupLocality event). All integers
 * in a log are little-endian.
 *
 * <p>Two formats: a SHA-1-only log (every event a TCG_PCR_EVENT), and the crypto-agile log whose
 * first event is a TCG_PCR_EVENT of type EV_NO_ACTION carrying the "Spec ID Event03" structure
 * (naming the banks and their digest sizes), followed by TCG_PCR_EVENT2 events that carry one
 * digest per bank.
 *
 * @param banks the banks the log carries digests for, with their digest sizes, in log order
 * @param events every event after the header, in order
 * @param startupLocality the locality named by a StartupLocality event (PCR0's initial last byte),
 *     or 0
 */
public record TcgEventLog(Map<Integer, Integer> banks, List<Event> events, int startupLocality) {

  /** EV_NO_ACTION: informational, never extended into a PCR. */
  public static final long EV_NO_ACTION = 0x00000003L;

  /** TCG_PCR_EVENT header before the event data: pcrIndex, eventType, SHA-1 digest, eventSize. */
  static final int PCR_EVENT_HEADER = 4 + 4 + 20 + 4;

  /** "Spec ID Event03\0": the signature of the crypto-agile log's first event. */
  static final byte[] SPEC_ID_03 = "Spec ID Event03\0".getBytes(StandardCharsets.US_ASCII);

  /** "StartupLocality\0": an EV_NO_ACTION event setting PCR0's initial value. */
  static final byte[] STARTUP_LOCALITY = "StartupLocality\0".getBytes(StandardCharsets.US_ASCII);

  /** Offset of numberOfAlgorithms in TCG_EfiSpecIdEvent (16 + 4 + 1 + 1 + 1 + 1). */
  static final int SPEC_ID_NUM_ALGS = 24;

  /** PCRs a PC Client TPM has; indexes above are malformed. */
  static final int PCR_COUNT = 24;

  /** Upper bound on events, so a hostile log cannot make replay run long. */
  static final int MAX_EVENTS = 100_000;

  /** Copies. */
  public TcgEventLog {
    banks = Collections.unmodifiableMap(new LinkedHashMap<>(banks));
    events = List.copyOf(events);
  }

  /**
   * One measured event.
   *
   * @param pcr the PCR it was extended into
   * @param type the event type (untrusted: the digest is what counts)
   * @param digests per bank, the digest extended
   * @param data the event data (untrusted unless its hash is the digest)
   */
  public record Event(int pcr, long type, Map<Integer, byte[]> digests, byte[] data) {
    /** Copies. */
    public Event {
      digests = Collections.unmodifiableMap(new LinkedHashMap<>(digests));
      data = data.clone();
    }

    @Override
    public byte[] data() {
      return data.clone();
    }
  }

  /**
   * Parses a log.
   *
   * @param log the binary log, e.g. {@code /sys/kernel/security/tpm0/binary_bios_measurements}
   * @return the parsed log
   * @throws MalformedException naming the event and field that does not fit
   */
  public static TcgEventLog parse(byte[] log) throws MalformedException {
    Cursor in = new Cursor(log, "event log");
    if (in.remaining() < PCR_EVENT_HEADER) {
      throw new MalformedException(
          "event log: " + log.length + " bytes, shorter than one event header");
    }
    // First event: always a TCG_PCR_EVENT (SHA-1 format).
    int pcr0 = (int) in.u32le("event 0 pcrIndex");
    long type0 = in.u32le("event 0 eventType");
    byte[] sha1 = in.bytes(20, "event 0 digest");
    int size0 = in.sizeLe("event 0 eventSize");
    byte[] data0 = in.bytes(size0, "event 0 event");
    Map<Integer, Integer> banks = new LinkedHashMap<>();
    List<Event> events = new ArrayList<>();
    boolean agile =
        type0 == EV_NO_ACTION
            && pcr0 == 0
            && data0.length >= SPEC_ID_03.length
            && Arrays.equals(data0, 0, SPEC_ID_03.length, SPEC_ID_03, 0, SPEC_ID_03.length);
    int locality = 0;
    if (agile) {
      readSpecId(data0, banks);
      while (!in.atEnd()) {
        if (padding(log, in.position())) {
          break;
        }
        if (events.size() >= MAX_EVENTS) {
          throw new MalformedException("event log: more than " + MAX_EVENTS + " events");
        }
        int n = events.size() + 1;
        int pcr = (int) in.u32le("event " + n + " pcrIndex");
        long type = in.u32le("event " + n + " eventType");
        long count = in.u32le("event " + n + " digests.count");
        if (count != banks.size()) {
          throw new MalformedException(
              "event log: event "
                  + n
                  + " carries "
                  + count
                  + " digests, the Spec ID event declares "
                  + banks.size()
                  + " banks");
        }
        Map<Integer, byte[]> digests = new LinkedHashMap<>();
        for (int d = 0; d < count; d++) {
          int alg = in.u16le("event " + n + " digest.hashAlg");
          Integer len = banks.get(alg);
          if (len == null || digests.containsKey(alg)) {
            throw new MalformedException(
                "event log: event "
                    + n
                    + " has a digest for "
                    + TpmAlg.bankName(alg)
                    + " that the Spec ID event does not declare (or twice)");
          }
          digests.put(alg, in.bytes(len, "event " + n + " digest"));
        }
        int size = in.sizeLe("event " + n + " eventSize");
        byte[] data = in.bytes(size, "event " + n + " event");
        checkPcr(pcr, n);
        if (type == EV_NO_ACTION) {
          locality = startupLocality(pcr, data, locality);
        }
        events.add(new Event(pcr, type, digests, data));
      }
    } else {
      banks.put(TpmAlg.SHA1, 20);
      checkPcr(pcr0, 0);
      events.add(new Event(pcr0, type0, Map.of(TpmAlg.SHA1, sha1), data0));
      while (!in.atEnd()) {
        if (padding(log, in.position())) {
          break;
        }
        if (events.size() >= MAX_EVENTS) {
          throw new MalformedException("event log: more than " + MAX_EVENTS + " events");
        }
        int n = events.size();
        int pcr = (int) in.u32le("event " + n + " pcrIndex");
        long type = in.u32le("event " + n + " eventType");
        byte[] digest = in.bytes(20, "event " + n + " digest");
        int size = in.sizeLe("event " + n + " eventSize");
        byte[] data = in.bytes(size, "event " + n + " event");
        checkPcr(pcr, n);
        events.add(new Event(pcr, type, Map.of(TpmAlg.SHA1, digest), data));
      }
    }
    return new TcgEventLog(banks, events, locality);
  }

  /** Trailing zero or 0xff fill (some firmware hands out a fixed-size buffer) ends the log. */
  private static boolean padding(byte[] log, int from) {
    byte first = log[from];
    if (first != 0 && first != (byte) 0xff) {
      return false;
    }
    for (int i = from; i < log.length; i++) {
      if (log[i] != first) {
        return false;
      }
    }
    return true;
  }

  private static void checkPcr(int pcr, int n) throws MalformedException {
    if (pcr < 0 || pcr >= PCR_COUNT) {
      throw new MalformedException("event log: event " + n + " extends PCR " + pcr);
    }
  }

  private static void readSpecId(byte[] data, Map<Integer, Integer> banks)
      throws MalformedException {
    Cursor c = new Cursor(data, "Spec ID event");
    c.skip(SPEC_ID_NUM_ALGS, "header");
    long n = c.u32le("numberOfAlgorithms");
    if (n == 0 || n > 16) {
      throw new MalformedException("Spec ID event: numberOfAlgorithms is " + n);
    }
    for (int i = 0; i < n; i++) {
      int alg = c.u16le("digestSizes.algorithmId");
      int size = c.u16le("digestSizes.digestSize");
      int known = TpmAlg.digestSize(alg);
      if (known >= 0 && known != size) {
        throw new MalformedException(
            "Spec ID event: " + TpmAlg.bankName(alg) + " digest size " + size + ", not " + known);
      }
      if (size == 0 || size > 64) {
        throw new MalformedException("Spec ID event: digest size " + size);
      }
      banks.put(alg, size);
    }
  }

  private static int startupLocality(int pcr, byte[] data, int current) {
    if (pcr == 0
        && data.length == STARTUP_LOCALITY.length + 1
        && Arrays.equals(data, 0, STARTUP_LOCALITY.length, STARTUP_LOCALITY, 0, 16)) {
      return data[STARTUP_LOCALITY.length] & 0xff;
    }
    return current;
  }

  /**
   * Replays the log: every PCR starts at zero (PCR0's last byte set to the startup locality), and
   * each event that is not EV_NO_ACTION extends {@code PCR = H(PCR || digest)}.
   *
   * @param bank the bank to replay
   * @return the replayed value of every PCR the log extends (and PCR0 if a locality was set), by
   *     index; empty if the log has no digests for this bank or the JDK lacks the hash
   */
  public Map<Integer, byte[]> replay(int bank) {
    Integer size = banks.get(bank);
    if (size == null || TpmAlg.digestSize(bank) < 0 || bank == TpmAlg.SM3_256) {
      return Map.of();
    }
    Map<Integer, byte[]> pcrs = new TreeMap<>();
    if (startupLocality != 0) {
      byte[] init = new byte[size];
      init[size - 1] = (byte) startupLocality;
      pcrs.put(0, init);
    }
    MessageDigest md = TpmAlg.digest(bank);
    for (Event e : events) {
      if (e.type() == EV_NO_ACTION) {
        continue;
      }
      byte[] digest = e.digests().get(bank);
      byte[] pcr = pcrs.computeIfAbsent(e.pcr(), k -> new byte[size]);
      md.update(pcr);
      md.update(digest);
      pcrs.put(e.pcr(), md.digest());
    }
    return pcrs;
  }
}
