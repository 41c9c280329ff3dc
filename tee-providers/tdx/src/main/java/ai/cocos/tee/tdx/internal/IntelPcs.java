package ai.cocos.tee.tdx.internal;

import java.net.URI;
import java.util.Locale;

/**
 * Where Intel's Provisioning Certification Service (PCS) publishes TDX collateral (API v4), and the
 * response headers that carry the issuer chains. Source: Intel "Provisioning Certification Service
 * for ECDSA Attestation" API documentation, sections "Get TDX TCB Info", "Get TDX QE Identity",
 * "Get PCK Cert CRL"; the root CA CRL URL is the CRL distribution point of the Intel SGX Root CA.
 */
final class IntelPcs {
  /** Intel's production PCS. */
  static final String DEFAULT_BASE = "https://api.trustedservices.intel.com";

  /** The Intel SGX Root CA's CRL (the root certificate's CRL distribution point). */
  static final URI ROOT_CA_CRL =
      URI.create("https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");

  static final String TCB_INFO_ISSUER_CHAIN = "tcb-info-issuer-chain";

  /** Older PCS versions name the TCB info chain header this way. */
  static final String SGX_TCB_INFO_ISSUER_CHAIN = "sgx-tcb-info-issuer-chain";

  static final String QE_IDENTITY_ISSUER_CHAIN = "sgx-enclave-identity-issuer-chain";
  static final String PCK_CRL_ISSUER_CHAIN = "sgx-pck-crl-issuer-chain";

  private IntelPcs() {}

  static URI tcbInfo(String base, String fmspc) {
    return URI.create(base + "/tdx/certification/v4/tcb?fmspc=" + fmspc.toUpperCase(Locale.ROOT));
  }

  static URI qeIdentity(String base) {
    return URI.create(base + "/tdx/certification/v4/qe/identity");
  }

  /**
   * The PCK CRL URL.
   *
   * @param base the PCS base URL
   * @param ca {@code platform} or {@code processor}
   * @return the URL (DER encoding)
   */
  static URI pckCrl(String base, String ca) {
    return URI.create(base + "/sgx/certification/v4/pckcrl?ca=" + ca + "&encoding=der");
  }

  /**
   * Decodes a percent-encoded header value (PCS URL-encodes its PEM chains). Unlike {@link
   * java.net.URLDecoder}, keeps {@code +}, which is a base64 character here.
   *
   * @param value the header value
   * @return the decoded text
   * @throws IllegalArgumentException if an escape is malformed
   */
  static String percentDecode(String value) {
    StringBuilder out = new StringBuilder(value.length());
    java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '%') {
        if (i + 2 >= value.length()) {
          throw new IllegalArgumentException("truncated percent escape");
        }
        int hi = Character.digit(value.charAt(i + 1), 16);
        int lo = Character.digit(value.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          throw new IllegalArgumentException("bad percent escape");
        }
        pending.write(hi << 4 | lo);
        i += 2;
      } else {
        if (pending.size() > 0) {
          out.append(pending.toString(java.nio.charset.StandardCharsets.UTF_8));
          pending.reset();
        }
        out.append(c);
      }
    }
    if (pending.size() > 0) {
      out.append(pending.toString(java.nio.charset.StandardCharsets.UTF_8));
    }
    return out.toString();
  }
}
