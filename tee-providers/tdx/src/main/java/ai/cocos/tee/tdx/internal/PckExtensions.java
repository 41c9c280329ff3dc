package ai.cocos.tee.tdx.internal;

import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;

/**
 * The Intel SGX extensions of a PCK certificate: what the certificate says about the platform's
 * TCB. Source: "Intel SGX PCK Certificate and Certificate Revocation List Profile Specification",
 * section 1.5 "Intel SGX PCK Certificate" (extension OID 1.2.840.113741.1.13.1 and its sub-OIDs).
 *
 * @param ppid the platform provisioning id (16 bytes)
 * @param sgxTcbComponents the 16 SGX TCB component SVNs (sub-OIDs .2.1 to .2.16)
 * @param pceSvn the PCE SVN (.2.17)
 * @param cpuSvn the raw CPUSVN (.2.18)
 * @param pceId the PCE id (2 bytes)
 * @param fmspc family-model-stepping-platform-custom-SKU (6 bytes), keys the TCB Info
 * @param sgxType 0 Standard, 1 Scalable, 2 Scalable with integrity
 */
record PckExtensions(
    byte[] ppid,
    int[] sgxTcbComponents,
    int pceSvn,
    byte[] cpuSvn,
    byte[] pceId,
    byte[] fmspc,
    int sgxType) {

  /** OID of the SGX extensions. */
  static final String SGX_EXTENSIONS = "1.2.840.113741.1.13.1";

  private static final String PPID = SGX_EXTENSIONS + ".1";
  private static final String TCB = SGX_EXTENSIONS + ".2";
  private static final String PCESVN = TCB + ".17";
  private static final String CPUSVN = TCB + ".18";
  private static final String PCEID = SGX_EXTENSIONS + ".3";
  private static final String FMSPC = SGX_EXTENSIONS + ".4";
  private static final String SGX_TYPE = SGX_EXTENSIONS + ".5";
  private static final int COMPONENTS = 16;

  /**
   * FMSPC as lower-case hex.
   *
   * @return 12 hex digits
   */
  String fmspcHex() {
    return HexFormat.of().formatHex(fmspc);
  }

  /**
   * Reads the extensions of a PCK certificate.
   *
   * @param pck the PCK leaf
   * @return the extensions
   * @throws Der.DerException if the extension is missing or malformed
   */
  static PckExtensions of(X509Certificate pck) throws Der.DerException {
    byte[] wrapped = pck.getExtensionValue(SGX_EXTENSIONS);
    if (wrapped == null) {
      throw new Der.DerException(
          "the PCK certificate has no SGX extensions (" + SGX_EXTENSIONS + ")");
    }
    Der.Tlv seq = Der.readOne(Der.readOne(wrapped).octets());
    seq.expect(Der.SEQUENCE);
    byte[] ppid = null;
    int[] comps = null;
    Integer pceSvn = null;
    byte[] cpuSvn = null;
    byte[] pceId = null;
    byte[] fmspc = null;
    Integer sgxType = null;
    for (Der.Tlv entry : seq.children()) {
      List<Der.Tlv> kv = pair(entry);
      String oid = kv.get(0).oid();
      Der.Tlv value = kv.get(1);
      switch (oid) {
        case PPID -> ppid = sized(value.octets(), 16, "PPID");
        case TCB -> {
          comps = new int[COMPONENTS];
          boolean[] seen = new boolean[COMPONENTS];
          value.expect(Der.SEQUENCE);
          for (Der.Tlv t : value.children()) {
            List<Der.Tlv> tkv = pair(t);
            String toid = tkv.get(0).oid();
            if (toid.equals(PCESVN)) {
              pceSvn = tkv.get(1).intValue();
            } else if (toid.equals(CPUSVN)) {
              cpuSvn = sized(tkv.get(1).octets(), 16, "CPUSVN");
            } else if (toid.startsWith(TCB + ".")) {
              int i = Integer.parseInt(toid.substring(TCB.length() + 1)) - 1;
              if (i < 0 || i >= COMPONENTS) {
                throw new Der.DerException("unknown TCB component " + toid);
              }
              comps[i] = tkv.get(1).intValue();
              seen[i] = true;
            }
          }
          for (int i = 0; i < COMPONENTS; i++) {
            if (!seen[i]) {
              throw new Der.DerException("PCK TCB lacks SGX TCB component " + (i + 1));
            }
          }
        }
        case PCEID -> pceId = sized(value.octets(), 2, "PCE-ID");
        case FMSPC -> fmspc = sized(value.octets(), 6, "FMSPC");
        case SGX_TYPE -> sgxType = value.intValue();
        default -> {
          // Platform instance id, configuration: not needed for verification.
        }
      }
    }
    if (comps == null || pceSvn == null || cpuSvn == null || pceId == null || fmspc == null) {
      throw new Der.DerException("the PCK certificate's SGX extensions lack TCB, PCE-ID or FMSPC");
    }
    return new PckExtensions(
        ppid, comps, pceSvn, cpuSvn, pceId, fmspc, sgxType == null ? -1 : sgxType);
  }

  private static List<Der.Tlv> pair(Der.Tlv t) throws Der.DerException {
    t.expect(Der.SEQUENCE);
    List<Der.Tlv> kv = t.children();
    if (kv.size() != 2) {
      throw new Der.DerException("SGX extension entry with " + kv.size() + " elements");
    }
    return kv;
  }

  private static byte[] sized(byte[] v, int size, String what) throws Der.DerException {
    if (v.length != size) {
      throw new Der.DerException(what + " is " + v.length + " bytes, " + size + " expected");
    }
    return v;
  }
}
