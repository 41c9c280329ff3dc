package ai.cocos.tee.vtpm.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a crypto-agile TCG event log (PC Client PFP §10.2: a TCG_PCR_EVENT carrying the Spec ID
 * event, then TCG_PCR_EVENT2 events), byte for byte as firmware does, and remembers the digests so
 * a test can extend the same values into a real TPM.
 */
public final class EventLogBuilder {
  private final List<Integer> banks;
  private final ByteArrayOutputStream events = new ByteArrayOutputStream();
  private final List<Map.Entry<Integer, Map<Integer, byte[]>>> extends_ = new ArrayList<>();

  /**
   * A log for the given banks.
   *
   * @param banks TPM_ALG_IDs, e.g. SHA-1 and SHA-256
   */
  public EventLogBuilder(List<Integer> banks) {
    this.banks = List.copyOf(banks);
  }

  /**
   * Adds an event whose digests are the hashes of its data.
   *
   * @param pcr the PCR
   * @param type the event type
   * @param data the event data
   * @return this builder
   */
  public EventLogBuilder event(int pcr, long type, String data) {
    byte[] d = data.getBytes(StandardCharsets.UTF_8);
    Map<Integer, byte[]> digests = new LinkedHashMap<>();
    for (int b : banks) {
      digests.put(b, TpmAlg.digest(b).digest(d));
    }
    le32(events, pcr);
    le32(events, type);
    le32(events, banks.size());
    for (Map.Entry<Integer, byte[]> e : digests.entrySet()) {
      le16(events, e.getKey());
      events.writeBytes(e.getValue());
    }
    le32(events, d.length);
    events.writeBytes(d);
    if (type != TcgEventLog.EV_NO_ACTION) {
      extends_.add(Map.entry(pcr, digests));
    }
    return this;
  }

  /**
   * The extends firmware made, in order: PCR and digest per bank.
   *
   * @return the extends
   */
  public List<Map.Entry<Integer, Map<Integer, byte[]>>> extendsMade() {
    return List.copyOf(extends_);
  }

  /**
   * The log.
   *
   * @return the bytes
   */
  public byte[] build() {
    ByteArrayOutputStream spec = new ByteArrayOutputStream();
    spec.writeBytes("Spec ID Event03\0".getBytes(StandardCharsets.US_ASCII));
    le32(spec, 0); // platformClass
    spec.write(0); // specVersionMinor
    spec.write(2); // specVersionMajor
    spec.write(0); // specErrata
    spec.write(2); // uintnSize (64-bit)
    le32(spec, banks.size());
    for (int b : banks) {
      le16(spec, b);
      le16(spec, TpmAlg.digestSize(b));
    }
    spec.write(0); // vendorInfoSize
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    le32(out, 0);
    le32(out, TcgEventLog.EV_NO_ACTION);
    out.writeBytes(new byte[20]);
    le32(out, spec.size());
    out.writeBytes(spec.toByteArray());
    out.writeBytes(events.toByteArray());
    return out.toByteArray();
  }

  /**
   * The expected PCR value after the given extends from zero.
   *
   * @param bank the bank
   * @param pcr the PCR
   * @return the value
   */
  public byte[] expected(int bank, int pcr) {
    byte[] v = new byte[TpmAlg.digestSize(bank)];
    for (Map.Entry<Integer, Map<Integer, byte[]>> e : extends_) {
      if (e.getKey() == pcr) {
        MessageDigest md = TpmAlg.digest(bank);
        md.update(v);
        md.update(e.getValue().get(bank));
        v = md.digest();
      }
    }
    return v;
  }

  private static void le32(ByteArrayOutputStream o, long v) {
    o.write((int) v);
    o.write((int) (v >>> 8));
    o.write((int) (v >>> 16));
    o.write((int) (v >>> 24));
  }

  private static void le16(ByteArrayOutputStream o, int v) {
    o.write(v);
    o.write(v >>> 8);
  }
}
