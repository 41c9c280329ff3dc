package ai.cocos.tee.tdx.internal;

import static ai.cocos.tee.tdx.internal.QuoteFormat.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a TDX DCAP quote (v4 or v5) into a {@link Quote}. The only place that indexes raw quote
 * bytes; every offset comes from {@link QuoteFormat}.
 *
 * <p>Strict about structure: every declared length inside the signature data must add up exactly,
 * the certification data must be type 6 wrapping the PCK data, and key/TEE types must be the ones
 * TDX uses. Bytes after the declared end of the quote are tolerated and counted (quote buffers from
 * configfs-tsm, go-tdx-guest and cloud APIs are padded); they are covered by nothing and never
 * read.
 */
final class QuoteParser {
  private QuoteParser() {}

  /**
   * Parses a quote.
   *
   * @param q the quote bytes (possibly followed by padding)
   * @return the parsed quote
   * @throws QuoteFormatException naming the malformed field
   */
  static Quote parse(byte[] q) throws QuoteFormatException {
    need(q, 0, HEADER_SIZE, "quote header");
    int version = u16(q, HEADER_VERSION);
    if (version != VERSION_4 && version != VERSION_5) {
      throw new QuoteFormatException(
          "unsupported quote version " + version + " (TDX quotes v4 and v5 are supported)");
    }
    int keyType = u16(q, HEADER_ATT_KEY_TYPE);
    if (keyType != ATT_KEY_TYPE_ECDSA_P256) {
      throw new QuoteFormatException(
          "unsupported attestation key type " + keyType + " (2, ECDSA P-256, expected)");
    }
    long teeType = u32(q, HEADER_TEE_TYPE);
    if (teeType != TEE_TYPE_TDX) {
      throw new QuoteFormatException(
          String.format(
              "TEE type 0x%x is not TDX (0x81)%s",
              teeType, teeType == 0 ? ": this is an SGX enclave quote" : ""));
    }
    QuoteHeader header =
        new QuoteHeader(
            version,
            keyType,
            teeType,
            u16(q, HEADER_QE_SVN),
            u16(q, HEADER_PCE_SVN),
            slice(q, HEADER_QE_VENDOR_ID, QE_VENDOR_ID_SIZE),
            slice(q, HEADER_USER_DATA, USER_DATA_SIZE));

    int bodyOffset;
    int bodyType;
    int bodySize;
    if (version == VERSION_4) {
      bodyOffset = HEADER_SIZE;
      bodyType = BODY_TYPE_TD10;
      bodySize = TD10_BODY_SIZE;
    } else {
      need(q, HEADER_SIZE, BODY_DESCRIPTOR_SIZE, "v5 body descriptor");
      bodyType = u16(q, V5_BODY_TYPE);
      long declared = u32(q, V5_BODY_SIZE);
      bodySize =
          switch (bodyType) {
            case BODY_TYPE_TD10 -> TD10_BODY_SIZE;
            case BODY_TYPE_TD15 -> TD15_BODY_SIZE;
            case 1 ->
                throw new QuoteFormatException(
                    "v5 body type 1 is an SGX enclave report, not a TD report");
            default ->
                throw new QuoteFormatException(
                    "unsupported v5 body type " + bodyType + " (2: TDX 1.0, 3: TDX 1.5)");
          };
      if (declared != bodySize) {
        throw new QuoteFormatException(
            "v5 body size is " + declared + ", body type " + bodyType + " has " + bodySize);
      }
      bodyOffset = V5_BODY;
    }
    need(q, bodyOffset, bodySize, "TD report body");
    TdReport body = body(q, bodyOffset, bodyType);
    int signedEnd = bodyOffset + bodySize;

    need(q, signedEnd, SIG_DATA_LENGTH_SIZE, "signature data length");
    long sigLength = u32(q, signedEnd);
    int sigStart = signedEnd + SIG_DATA_LENGTH_SIZE;
    if (sigLength > q.length - sigStart) {
      throw new QuoteFormatException(
          "signature data length is "
              + sigLength
              + " but only "
              + (q.length - sigStart)
              + " bytes follow the body");
    }
    int sigEnd = sigStart + (int) sigLength;
    QuoteSignature signature = signature(q, sigStart, sigEnd);
    return new Quote(
        header, body, Arrays.copyOfRange(q, 0, signedEnd), signature, sigEnd, q.length - sigEnd);
  }

  private static TdReport body(byte[] q, int b, int bodyType) {
    List<byte[]> rtmrs = new ArrayList<>(RTMR_COUNT);
    for (int i = 0; i < RTMR_COUNT; i++) {
      rtmrs.add(slice(q, b + BODY_RTMR0 + i * MEASUREMENT_SIZE, MEASUREMENT_SIZE));
    }
    boolean td15 = bodyType == BODY_TYPE_TD15;
    return new TdReport(
        bodyType,
        slice(q, b + BODY_TEE_TCB_SVN, TCB_SVN_SIZE),
        slice(q, b + BODY_MR_SEAM, MEASUREMENT_SIZE),
        slice(q, b + BODY_MR_SIGNER_SEAM, MEASUREMENT_SIZE),
        slice(q, b + BODY_SEAM_ATTRIBUTES, ATTRIBUTES_SIZE),
        slice(q, b + BODY_TD_ATTRIBUTES, ATTRIBUTES_SIZE),
        slice(q, b + BODY_XFAM, ATTRIBUTES_SIZE),
        slice(q, b + BODY_MR_TD, MEASUREMENT_SIZE),
        slice(q, b + BODY_MR_CONFIG_ID, MEASUREMENT_SIZE),
        slice(q, b + BODY_MR_OWNER, MEASUREMENT_SIZE),
        slice(q, b + BODY_MR_OWNER_CONFIG, MEASUREMENT_SIZE),
        List.copyOf(rtmrs),
        slice(q, b + BODY_REPORT_DATA, REPORT_DATA_SIZE),
        td15 ? slice(q, b + BODY_TEE_TCB_SVN_2, TCB_SVN_SIZE) : null,
        td15 ? slice(q, b + BODY_MR_SERVICE_TD, MEASUREMENT_SIZE) : null);
  }

  private static QuoteSignature signature(byte[] q, int s, int end) throws QuoteFormatException {
    int fixed = SIG_CERTIFICATION_DATA + CERT_DATA_HEADER_SIZE;
    if (end - s < fixed) {
      throw new QuoteFormatException(
          "signature data is " + (end - s) + " bytes, at least " + fixed + " expected");
    }
    byte[] sig = slice(q, s + SIG_SIGNATURE, ECDSA_P256_SIGNATURE_SIZE);
    byte[] key = slice(q, s + SIG_ATTESTATION_KEY, ECDSA_P256_KEY_SIZE);
    int c = s + SIG_CERTIFICATION_DATA;
    int certType = u16(q, c);
    long certSize = u32(q, c + 2);
    int data = c + CERT_DATA_HEADER_SIZE;
    if (certSize != end - data) {
      throw new QuoteFormatException(
          String.format(
              "size of certification data is 0x%x, the signature data leaves 0x%x",
              certSize, end - data));
    }
    if (certType != CERT_TYPE_QE_REPORT) {
      throw new QuoteFormatException(
          "certification data type "
              + certType
              + " is not supported (type 6, QE report certification data, expected)");
    }
    // A.3.11: QE report, signature, auth data, then the PCK certification data (A.3.9).
    int minimum = QE_REPORT_SIZE + ECDSA_P256_SIGNATURE_SIZE + QE_AUTH_SIZE_SIZE;
    if (end - data < minimum + CERT_DATA_HEADER_SIZE) {
      throw new QuoteFormatException("QE report certification data is truncated");
    }
    EnclaveReport qeReport = enclaveReport(slice(q, data, QE_REPORT_SIZE));
    byte[] qeSig = slice(q, data + QE_REPORT_SIZE, ECDSA_P256_SIGNATURE_SIZE);
    int authAt = data + QE_REPORT_SIZE + ECDSA_P256_SIGNATURE_SIZE;
    int authSize = u16(q, authAt);
    int inner = authAt + QE_AUTH_SIZE_SIZE + authSize;
    if (inner + CERT_DATA_HEADER_SIZE > end) {
      throw new QuoteFormatException(
          "QE authentication data size " + authSize + " runs past the certification data");
    }
    byte[] auth = slice(q, authAt + QE_AUTH_SIZE_SIZE, authSize);
    int innerType = u16(q, inner);
    long innerSize = u32(q, inner + 2);
    int innerData = inner + CERT_DATA_HEADER_SIZE;
    if (innerSize != end - innerData) {
      throw new QuoteFormatException(
          String.format(
              "size of PCK certification data is 0x%x, the QE report certification data leaves"
                  + " 0x%x",
              innerSize, end - innerData));
    }
    return new QuoteSignature(
        sig, key, qeReport, qeSig, auth, innerType, slice(q, innerData, (int) innerSize));
  }

  /**
   * Reads an SGX enclave report body.
   *
   * @param r exactly 384 bytes
   * @return the report
   */
  static EnclaveReport enclaveReport(byte[] r) {
    return new EnclaveReport(
        r,
        slice(r, ER_CPU_SVN, ER_CPU_SVN_SIZE),
        slice(r, ER_MISC_SELECT, ER_MISC_SELECT_SIZE),
        slice(r, ER_ATTRIBUTES, ER_ATTRIBUTES_SIZE),
        slice(r, ER_MR_ENCLAVE, ER_HASH_SIZE),
        slice(r, ER_MR_SIGNER, ER_HASH_SIZE),
        u16(r, ER_ISV_PROD_ID),
        u16(r, ER_ISV_SVN),
        slice(r, ER_REPORT_DATA, ER_REPORT_DATA_SIZE));
  }

  private static void need(byte[] q, int offset, int size, String what)
      throws QuoteFormatException {
    if (q.length < offset + size) {
      throw new QuoteFormatException(
          "quote is "
              + q.length
              + " bytes, too short for the "
              + what
              + " (needs "
              + (offset + size)
              + ")");
    }
  }

  private static byte[] slice(byte[] b, int offset, int size) {
    return Arrays.copyOfRange(b, offset, offset + size);
  }

  private static int u16(byte[] b, int o) {
    return (b[o] & 0xff) | (b[o + 1] & 0xff) << 8;
  }

  private static long u32(byte[] b, int o) {
    return (b[o] & 0xffL)
        | (b[o + 1] & 0xffL) << 8
        | (b[o + 2] & 0xffL) << 16
        | (b[o + 3] & 0xffL) << 24;
  }
}
