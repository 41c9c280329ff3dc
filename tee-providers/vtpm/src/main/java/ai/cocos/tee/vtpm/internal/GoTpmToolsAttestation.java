package ai.cocos.tee.vtpm.internal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * go-tpm-tools' {@code attest.Attestation} protobuf (proto/attest.proto and proto/tpm.proto): the
 * vTPM evidence CocosAI's attestation service produces and its agent returns. Fields read: 1 ak_pub
 * (TPMT_PUBLIC), 2 quotes (tpm.Quote: 1 quote TPMS_ATTEST, 2 raw_sig TPMT_SIGNATURE, 3 pcrs
 * tpm.PCRs {1 hash, 2 map&lt;uint32, bytes&gt;}), 3 event_log, 6 ak_cert (DER), 7
 * intermediate_certs (DER). Field 4 (GCE instance info) and 5 (canonical event log) are ignored:
 * they are unsigned. Fields 8 and 9 (an embedded SEV-SNP or TDX attestation) are reported so the
 * caller can refuse to silently drop them.
 *
 * @param akPub the AK's TPMT_PUBLIC
 * @param quotes the quotes, one per bank
 * @param eventLog the TCG event log, if present
 * @param akCert the AK certificate, if present
 * @param intermediates intermediate certificates for the AK certificate
 * @param teeAttestation whether field 8 or 9 is present
 */
record GoTpmToolsAttestation(
    byte[] akPub,
    List<RawQuote> quotes,
    Optional<byte[]> eventLog,
    Optional<byte[]> akCert,
    List<byte[]> intermediates,
    boolean teeAttestation) {

  /** Upper bound on quotes (one per PCR bank). */
  static final int MAX_QUOTES = 8;

  /**
   * Parses the protobuf.
   *
   * @param pb the serialized message
   * @return the parsed attestation
   * @throws MalformedException if it is not an Attestation with an AK and at least one quote
   */
  static GoTpmToolsAttestation parse(byte[] pb) throws MalformedException {
    byte[] akPub = null;
    List<RawQuote> quotes = new ArrayList<>();
    byte[] log = null;
    byte[] cert = null;
    List<byte[]> inter = new ArrayList<>();
    boolean tee = false;
    for (Protobuf.Field f : Protobuf.fields(pb, "attest.Attestation")) {
      switch (f.number()) {
        case 1 -> akPub = len(f, "ak_pub");
        case 2 -> {
          if (quotes.size() == MAX_QUOTES) {
            throw new MalformedException("attest.Attestation: more than 8 quotes");
          }
          quotes.add(quote(len(f, "quotes"), quotes.size()));
        }
        case 3 -> log = len(f, "event_log");
        case 6 -> cert = len(f, "ak_cert");
        case 7 -> inter.add(len(f, "intermediate_certs"));
        case 8, 9 -> tee = true;
        default -> {
          // Instance info, canonical event log and future fields carry nothing this verifier
          // trusts.
        }
      }
    }
    if (akPub == null || akPub.length == 0) {
      throw new MalformedException("attest.Attestation: no ak_pub (field 1)");
    }
    if (quotes.isEmpty()) {
      throw new MalformedException("attest.Attestation: no quotes (field 2)");
    }
    return new GoTpmToolsAttestation(
        akPub,
        quotes,
        Optional.ofNullable(log).filter(l -> l.length > 0),
        Optional.ofNullable(cert).filter(c -> c.length > 0),
        inter,
        tee);
  }

  private static byte[] len(Protobuf.Field f, String name) throws MalformedException {
    if (f.wireType() != Protobuf.LEN) {
      throw new MalformedException("attest.Attestation: " + name + " is not length-delimited");
    }
    return f.bytes();
  }

  private static RawQuote quote(byte[] q, int n) throws MalformedException {
    String what = "attest.Attestation quotes[" + n + "]";
    byte[] attest = null;
    byte[] sig = null;
    Integer hash = null;
    Map<Integer, byte[]> pcrs = new TreeMap<>();
    for (Protobuf.Field f : Protobuf.fields(q, what)) {
      if (f.wireType() != Protobuf.LEN) {
        continue;
      }
      switch (f.number()) {
        case 1 -> attest = f.bytes();
        case 2 -> sig = f.bytes();
        case 3 -> {
          for (Protobuf.Field p : Protobuf.fields(f.bytes(), what + ".pcrs")) {
            if (p.number() == 1 && p.wireType() == Protobuf.VARINT) {
              hash = (int) p.varint();
            } else if (p.number() == 2 && p.wireType() == Protobuf.LEN) {
              Long index = null;
              byte[] value = new byte[0];
              for (Protobuf.Field e : Protobuf.fields(p.bytes(), what + ".pcrs entry")) {
                if (e.number() == 1 && e.wireType() == Protobuf.VARINT) {
                  index = e.varint();
                } else if (e.number() == 2 && e.wireType() == Protobuf.LEN) {
                  value = e.bytes();
                }
              }
              long i = index == null ? 0 : index; // proto3 omits a zero key
              if (i < 0 || i >= TcgEventLog.PCR_COUNT || pcrs.put((int) i, value) != null) {
                throw new MalformedException(what + ": PCR index " + i + " invalid or repeated");
              }
            }
          }
        }
        default -> {}
      }
    }
    if (attest == null || sig == null) {
      throw new MalformedException(what + ": quote or raw_sig missing");
    }
    Map<Integer, Map<Integer, byte[]>> byBank = new LinkedHashMap<>();
    if (!pcrs.isEmpty()) {
      if (hash == null) {
        throw new MalformedException(what + ": PCR values without their hash algorithm");
      }
      byBank.put(hash, pcrs);
    }
    return new RawQuote(attest, sig, false, byBank);
  }
}
