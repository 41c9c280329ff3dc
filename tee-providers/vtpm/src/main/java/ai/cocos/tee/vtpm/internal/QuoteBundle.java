package ai.cocos.tee.vtpm.internal;

import ai.cocos.api.tee.Evidence;
import ai.cocos.attestation.Certs;
import ai.cocos.attestation.ChainException;
import ai.cocos.tee.vtpm.VtpmAttachments;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * vTPM evidence decoded into its parts, before any verification: the quotes with their signatures
 * and PCR values, the attestation key, its certificate and chain, and the event log. Both evidence
 * forms decode here (and nowhere else): a TPMS_ATTEST report with named attachments, and
 * go-tpm-tools' {@code attest.Attestation} protobuf.
 *
 * @param quotes the quotes, the report's first
 * @param akPublic the AK's TPMT_PUBLIC bytes, if given in that form
 * @param akSpki the AK's SubjectPublicKeyInfo DER, if given in that form
 * @param akCert the AK certificate
 * @param chain further certificates for the AK certificate's chain
 * @param eventLog the TCG event log
 * @param teeAttestation whether a go-tpm-tools attestation embeds an SNP/TDX attestation
 */
public record QuoteBundle(
    List<RawQuote> quotes,
    Optional<byte[]> akPublic,
    Optional<byte[]> akSpki,
    Optional<X509Certificate> akCert,
    List<X509Certificate> chain,
    Optional<byte[]> eventLog,
    boolean teeAttestation) {

  /** Most extra quotes read from {@code quote.N} attachments. */
  static final int MAX_EXTRA_QUOTES = 8;

  /** Copies. */
  public QuoteBundle {
    quotes = List.copyOf(quotes);
    chain = List.copyOf(chain);
  }

  /**
   * Decodes platform-{@code vtpm} evidence.
   *
   * @param evidence the evidence
   * @return its parts
   * @throws MalformedException naming the part that is missing or malformed
   */
  public static QuoteBundle decode(Evidence evidence) throws MalformedException {
    byte[] report = evidence.report();
    Map<String, byte[]> att = evidence.attachments();
    if (report.length >= 4
        && (report[0] & 0xff) == 0xff
        && report[1] == 'T'
        && report[2] == 'C'
        && report[3] == 'G') {
      return decodeRaw(report, att);
    }
    if (report.length > 0 && report[0] == 0x0a) {
      return decodeGoTpmTools(report, att);
    }
    throw new MalformedException(
        "the report is neither a TPMS_ATTEST (it starts with TPM_GENERATED 0xff544347) nor a"
            + " go-tpm-tools attest.Attestation protobuf");
  }

  private static QuoteBundle decodeRaw(byte[] report, Map<String, byte[]> att)
      throws MalformedException {
    Map<Integer, Map<Integer, byte[]>> pcrs =
        PcrValues.parseCached(required(att, VtpmAttachments.PCRS));
    List<RawQuote> quotes = new ArrayList<>();
    quotes.add(quote(report, att, VtpmAttachments.SIGNATURE, VtpmAttachments.SIGNATURE_RAW, pcrs));
    for (int n = 1; att.containsKey(VtpmAttachments.QUOTE_PREFIX + n); n++) {
      if (n > MAX_EXTRA_QUOTES) {
        throw new MalformedException("more than " + MAX_EXTRA_QUOTES + " extra quotes");
      }
      byte[] q = att.get(VtpmAttachments.QUOTE_PREFIX + n);
      byte[] p = att.get(VtpmAttachments.PCRS + "." + n);
      quotes.add(
          quote(
              q,
              att,
              VtpmAttachments.SIGNATURE + "." + n,
              VtpmAttachments.SIGNATURE_RAW + "." + n,
              p == null ? pcrs : PcrValues.parseCached(p)));
    }
    byte[] ak = att.get(VtpmAttachments.AK_PUB);
    Optional<byte[]> akPublic = Optional.empty();
    Optional<byte[]> akSpki = Optional.empty();
    if (ak != null) {
      if (ak.length > 0 && ak[0] == 0x00) {
        akPublic = Optional.of(ak);
      } else {
        akSpki = Optional.of(spki(ak));
      }
    }
    return new QuoteBundle(
        quotes,
        akPublic,
        akSpki,
        optionalCert(att.get(VtpmAttachments.AK_CERT)),
        chain(att.get(VtpmAttachments.AK_CHAIN)),
        Optional.ofNullable(att.get(VtpmAttachments.EVENT_LOG)),
        false);
  }

  /** Builds one quote from its signature attachment (TPMT_SIGNATURE, or bare RSASSA). */
  static RawQuote quote(
      byte[] attest,
      Map<String, byte[]> att,
      String sigName,
      String rawName,
      Map<Integer, Map<Integer, byte[]>> pcrs)
      throws MalformedException {
    byte[] sig = att.get(sigName);
    if (sig != null) {
      return new RawQuote(attest, sig, false, pcrs);
    }
    byte[] raw = att.get(rawName);
    if (raw != null) {
      return new RawQuote(attest, raw, true, pcrs);
    }
    throw new MalformedException("attachment '" + sigName + "' (the quote's signature) is missing");
  }

  private static QuoteBundle decodeGoTpmTools(byte[] report, Map<String, byte[]> att)
      throws MalformedException {
    GoTpmToolsAttestation a = GoTpmToolsAttestation.parse(report);
    List<X509Certificate> chain = new ArrayList<>();
    for (byte[] der : a.intermediates()) {
      chain.add(cert(der, "intermediate_certs"));
    }
    chain.addAll(chain(att.get(VtpmAttachments.AK_CHAIN)));
    Optional<byte[]> log = a.eventLog();
    if (log.isEmpty() && att.containsKey(VtpmAttachments.EVENT_LOG)) {
      log = Optional.of(att.get(VtpmAttachments.EVENT_LOG));
    }
    Optional<X509Certificate> akCert = optionalCert(a.akCert().orElse(null));
    if (akCert.isEmpty()) {
      akCert = optionalCert(att.get(VtpmAttachments.AK_CERT));
    }
    return new QuoteBundle(
        a.quotes(),
        Optional.of(a.akPub()),
        Optional.empty(),
        akCert,
        chain,
        log,
        a.teeAttestation());
  }

  static byte[] required(Map<String, byte[]> att, String name) throws MalformedException {
    byte[] v = att.get(name);
    if (v == null) {
      throw new MalformedException("attachment '" + name + "' is missing");
    }
    return v;
  }

  private static Optional<X509Certificate> optionalCert(byte[] bytes) throws MalformedException {
    return bytes == null ? Optional.empty() : Optional.of(cert(bytes, VtpmAttachments.AK_CERT));
  }

  private static X509Certificate cert(byte[] bytes, String what) throws MalformedException {
    return CERTS.get(
        bytes,
        b -> {
          try {
            X509Certificate c = Certs.readOne(b);
            StrictDer.checkCertificate(Certs.der(c));
            return c;
          } catch (ChainException e) {
            throw new MalformedException(what + ": " + e.getMessage());
          }
        });
  }

  /** Parsed certificates by exact bytes (X509Certificate is immutable). */
  private static final ContentCache<X509Certificate> CERTS = new ContentCache<>(256);

  private static List<X509Certificate> chain(byte[] bytes) throws MalformedException {
    if (bytes == null) {
      return List.of();
    }
    try {
      return Certs.read(bytes);
    } catch (ChainException e) {
      throw new MalformedException(VtpmAttachments.AK_CHAIN + ": " + e.getMessage());
    }
  }

  /** An SPKI from DER or a PEM {@code PUBLIC KEY} block. */
  static byte[] spki(byte[] bytes) throws MalformedException {
    byte[] der = bytes;
    if (bytes.length > 0 && bytes[0] != 0x30) {
      String text = new String(bytes, StandardCharsets.US_ASCII);
      int b = text.indexOf("-----BEGIN PUBLIC KEY-----");
      int e = text.indexOf("-----END PUBLIC KEY-----");
      if (b < 0 || e < b) {
        throw new MalformedException(
            "ak_pub: neither a TPMT_PUBLIC, a DER SubjectPublicKeyInfo nor a PEM PUBLIC KEY");
      }
      try {
        der = Base64.getMimeDecoder().decode(text.substring(b + 26, e).replaceAll("\\s", ""));
      } catch (IllegalArgumentException x) {
        throw new MalformedException("ak_pub: broken base64 in the PEM block");
      }
    }
    publicKey(der);
    return der;
  }

  /** Decodes an SPKI DER into an RSA or EC key. */
  static PublicKey publicKey(byte[] spki) throws MalformedException {
    for (String alg : new String[] {"RSA", "EC"}) {
      try {
        return KeyFactory.getInstance(alg).generatePublic(new X509EncodedKeySpec(spki));
      } catch (GeneralSecurityException e) {
        // try the next type
      }
    }
    throw new MalformedException("ak_pub: the SubjectPublicKeyInfo is not an RSA or EC key");
  }
}
