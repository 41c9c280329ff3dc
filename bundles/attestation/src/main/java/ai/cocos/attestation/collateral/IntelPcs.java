package ai.cocos.attestation.collateral;

import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * URLs of Intel's Provisioning Certification Service (PCS) v4 for TDX collateral, in one canonical
 * spelling (the cache is keyed by URL), and the issuer-chain headers its responses carry.
 *
 * @param base the service, normally {@link #DEFAULT}
 * @param certificates the host of Intel's root CA CRL, normally {@link #DEFAULT_CERTIFICATES}
 */
public record IntelPcs(URI base, URI certificates) {
  /** Intel's PCS. */
  public static final URI DEFAULT = URI.create("https://api.trustedservices.intel.com");

  /** Where Intel publishes the SGX root CA CRL. */
  public static final URI DEFAULT_CERTIFICATES =
      URI.create("https://certificates.trustedservices.intel.com");

  /** Header with the TCB info signer's chain (URL-encoded PEM). */
  public static final String TCB_INFO_ISSUER_CHAIN = "tcb-info-issuer-chain";

  /** Header with the QE identity signer's chain (URL-encoded PEM). */
  public static final String ENCLAVE_IDENTITY_ISSUER_CHAIN = "sgx-enclave-identity-issuer-chain";

  /** Header with the PCK CRL issuer's chain (URL-encoded PEM). */
  public static final String PCK_CRL_ISSUER_CHAIN = "sgx-pck-crl-issuer-chain";

  /** Validates. */
  public IntelPcs {
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(certificates, "certificates");
  }

  /**
   * Intel's production services.
   *
   * @return the default endpoints
   */
  public static IntelPcs defaults() {
    return new IntelPcs(DEFAULT, DEFAULT_CERTIFICATES);
  }

  /**
   * TDX TCB info for a platform.
   *
   * @param fmspc the 6-byte FMSPC from the PCK certificate
   * @return {@code /tdx/certification/v4/tcb?fmspc=<hex>}
   */
  public URI tdxTcbInfo(byte[] fmspc) {
    return base.resolve(
        "/tdx/certification/v4/tcb?fmspc="
            + HexFormat.of().formatHex(fmspc).toLowerCase(Locale.ROOT));
  }

  /**
   * The TDX quoting enclave's identity.
   *
   * @return {@code /tdx/certification/v4/qe/identity}
   */
  public URI tdxQeIdentity() {
    return base.resolve("/tdx/certification/v4/qe/identity");
  }

  /**
   * The PCK CRL of a PCK CA, DER-encoded.
   *
   * @param ca {@code platform} or {@code processor}
   * @return {@code /sgx/certification/v4/pckcrl?ca=<ca>&encoding=der}
   */
  public URI pckCrl(String ca) {
    if (!ca.equals("platform") && !ca.equals("processor")) {
      throw new IllegalArgumentException("PCK CA is platform or processor, not " + ca);
    }
    return base.resolve("/sgx/certification/v4/pckcrl?ca=" + ca + "&encoding=der");
  }

  /**
   * The CRL of the Intel SGX Root CA.
   *
   * @return {@code https://certificates.trustedservices.intel.com/IntelSGXRootCA.der}
   */
  public URI rootCaCrl() {
    return certificates.resolve("/IntelSGXRootCA.der");
  }

  /**
   * Decodes an issuer-chain header (URL-encoded PEM) into certificates.
   *
   * @param item the fetched item
   * @param header the header name, e.g. {@link #TCB_INFO_ISSUER_CHAIN}
   * @return the chain in the header's order (signer first)
   * @throws ChainException if the header is missing or not a chain
   */
  public static List<X509Certificate> issuerChain(CollateralItem item, String header)
      throws ChainException {
    String v =
        item.header(header)
            .orElseThrow(
                () -> new ChainException(item.url() + " came without the " + header + " header"));
    return Certs.read(
        URLDecoder.decode(v, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_8));
  }
}
