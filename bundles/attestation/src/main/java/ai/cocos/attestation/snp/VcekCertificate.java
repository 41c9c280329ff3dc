package ai.cocos.attestation.snp;

import ai.cocos.attestation.internal.Der;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECParameterSpec;
import java.util.Arrays;
import java.util.Optional;

/**
 * A VCEK or VLEK certificate with its AMD extensions decoded (AMD "Versioned Chip Endorsement Key
 * (VCEK) Certificate and KDS Interface Specification" (publication 57230), Table "VCEK Certificate
 * Extensions"; OIDs under 1.3.6.1.4.1.3704.1).
 *
 * <p>The TCB extensions are DER INTEGERs: values of 128 and more appear as {@code 02 02 00 xx}.
 * {@code hwID} is the raw chip id (64 bytes; 8 on Turin) without an inner encoding in every
 * AMD-issued VCEK; a form wrapped in an inner OCTET STRING (seen in test certificates) is also
 * read. VLEKs have no hwID but a {@code csp_id}.
 *
 * @param certificate the certificate
 * @param structVersion structVersion (1.3.6.1.4.1.3704.1.1), or -1 if absent
 * @param productName productName (…1.2), e.g. {@code Milan-B0}, or empty
 * @param bootloader blSPL (…1.3.1)
 * @param tee teeSPL (…1.3.2)
 * @param snp snpSPL (…1.3.3)
 * @param microcode ucodeSPL (…1.3.8)
 * @param fmc fmcSPL (…1.3.9, Turin), or -1 if absent
 * @param hwId hwID (…1.4), if present
 * @param cspId csp_id (…1.5, VLEK), if present
 */
public record VcekCertificate(
    X509Certificate certificate,
    int structVersion,
    Optional<String> productName,
    int bootloader,
    int tee,
    int snp,
    int microcode,
    int fmc,
    Optional<byte[]> hwId,
    Optional<String> cspId) {

  static final String OID = "1.3.6.1.4.1.3704.1.";
  static final String STRUCT_VERSION = OID + "1";
  static final String PRODUCT_NAME = OID + "2";
  static final String BL_SPL = OID + "3.1";
  static final String TEE_SPL = OID + "3.2";
  static final String SNP_SPL = OID + "3.3";
  static final String UCODE_SPL = OID + "3.8";
  static final String FMC_SPL = OID + "3.9";
  static final String HW_ID = OID + "4";
  static final String CSP_ID = OID + "5";

  /**
   * Reads the extensions of a VCEK or VLEK.
   *
   * @param cert the certificate
   * @return the decoded certificate
   * @throws SnpFormatException if a TCB extension is missing or malformed, or the key is not ECDSA
   *     P-384
   */
  public static VcekCertificate of(X509Certificate cert) throws SnpFormatException {
    if (!(cert.getPublicKey() instanceof ECPublicKey ec) || !isP384(ec.getParams())) {
      throw new SnpFormatException(
          "certificate "
              + cert.getSubjectX500Principal().getName()
              + " does not hold an ECDSA P-384 key, so it is not a VCEK or VLEK");
    }
    return new VcekCertificate(
        cert,
        optionalInt(cert, STRUCT_VERSION),
        Optional.ofNullable(Der.string(value(cert, PRODUCT_NAME))),
        spl(cert, BL_SPL, "blSPL"),
        spl(cert, TEE_SPL, "teeSPL"),
        spl(cert, SNP_SPL, "snpSPL"),
        spl(cert, UCODE_SPL, "ucodeSPL"),
        optionalInt(cert, FMC_SPL),
        Optional.ofNullable(hwId(value(cert, HW_ID))),
        Optional.ofNullable(Der.string(value(cert, CSP_ID))));
  }

  /**
   * The certified TCB in a product's layout, for comparison with REPORTED_TCB.
   *
   * @return e.g. {@code bl=3 tee=0 snp=8 ucode=115}
   */
  public String tcbText() {
    return (fmc >= 0 ? "fmc=" + fmc + " " : "")
        + "bl="
        + bootloader
        + " tee="
        + tee
        + " snp="
        + snp
        + " ucode="
        + microcode;
  }

  /**
   * Whether the certified TCB equals a decoded REPORTED_TCB (the FMC SPL too on Turin).
   *
   * @param reported the report's decoded REPORTED_TCB
   * @return {@code true} if every component matches
   */
  public boolean certifies(TcbVersion reported) {
    boolean fmcOk = reported.fmc() < 0 ? fmc <= 0 : fmc == reported.fmc();
    return bootloader == reported.bootloader()
        && tee == reported.tee()
        && snp == reported.snp()
        && microcode == reported.microcode()
        && fmcOk;
  }

  /** The value inside the extension's OCTET STRING, or null. */
  private static byte[] value(X509Certificate cert, String oid) {
    byte[] ext = cert.getExtensionValue(oid);
    return ext == null ? null : Der.contents(ext, Der.OCTET_STRING);
  }

  private static int spl(X509Certificate cert, String oid, String name) throws SnpFormatException {
    byte[] v = value(cert, oid);
    if (v == null) {
      throw new SnpFormatException("VCEK has no " + name + " extension (" + oid + ")");
    }
    int i = Der.smallInteger(v);
    if (i < 0 || i > 255) {
      throw new SnpFormatException("VCEK " + name + " extension is not a DER INTEGER 0-255");
    }
    return i;
  }

  private static int optionalInt(X509Certificate cert, String oid) throws SnpFormatException {
    byte[] v = value(cert, oid);
    if (v == null) {
      return -1;
    }
    int i = Der.smallInteger(v);
    if (i < 0 || i > 255) {
      throw new SnpFormatException("VCEK extension " + oid + " is not a DER INTEGER 0-255");
    }
    return i;
  }

  private static byte[] hwId(byte[] v) {
    if (v == null) {
      return null;
    }
    if (v.length == 2 + 64 || v.length == 2 + 8) {
      byte[] inner = Der.contents(v, Der.OCTET_STRING);
      if (inner != null && (inner.length == 64 || inner.length == 8)) {
        return inner;
      }
    }
    return Arrays.copyOf(v, v.length);
  }

  private static boolean isP384(ECParameterSpec p) {
    return p.getCurve().getField().getFieldSize() == 384;
  }
}
