package ai.cocos.tee.tdx.internal;

import ai.cocos.attestation.Json;
import ai.cocos.attestation.collateral.CollateralItem;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The Intel collateral one verification uses, as unverified material with where each piece came
 * from. Nothing here is trusted: {@link TdxVerifier} checks every signature to the pinned root.
 */
final class TdxCollateral {
  /** Attachment: Intel PCS TCB info response body {@code {"tcbInfo":{...},"signature":"hex"}}. */
  static final String TCB_INFO = "tcb_info";

  /** Attachment: PEM chain that signed the TCB info (PCS header TCB-Info-Issuer-Chain). */
  static final String TCB_INFO_ISSUER_CHAIN = "tcb_info_issuer_chain";

  /** Attachment: Intel PCS QE identity response body {@code {"enclaveIdentity":{...},...}}. */
  static final String QE_IDENTITY = "qe_identity";

  /** Attachment: PEM chain that signed the QE identity (defaults to the TCB info's). */
  static final String QE_IDENTITY_ISSUER_CHAIN = "qe_identity_issuer_chain";

  /** Attachment: the PCK CRL (DER or PEM) of the CA that issued the PCK certificate. */
  static final String PCK_CRL = "pck_crl";

  /** Attachment: the Intel SGX Root CA CRL (DER or PEM). */
  static final String ROOT_CA_CRL = "root_ca_crl";

  /**
   * Attachment: all of the above in one JSON object, as PCCS and Phala's dcap-qvl
   * (QuoteCollateralV3) write it: {@code tcb_info} (signed text), {@code tcb_info_signature} (hex),
   * {@code tcb_info_issuer_chain}, {@code qe_identity}, {@code qe_identity_signature}, {@code
   * qe_identity_issuer_chain}, {@code pck_crl} and {@code root_ca_crl} (hex DER), {@code
   * pck_crl_issuer_chain}. Separate attachments take precedence over its members.
   */
  static final String BUNDLE = "collateral";

  /** Largest collateral item accepted (Intel's are a few KiB; CRLs grow slowly). */
  static final int MAX_ITEM = 4 * 1024 * 1024;

  /**
   * Signed JSON: the exact signed text and Intel's {@code r || s} signature.
   *
   * @param text the signed member's exact text
   * @param signature 64 bytes
   * @param issuerChain the PEM issuer chain that came with it, or {@code null}
   * @param origin where it came from, for findings
   */
  record Signed(String text, byte[] signature, byte[] issuerChain, String origin) {}

  /**
   * A CRL.
   *
   * @param bytes DER or PEM
   * @param origin where it came from
   */
  record Crl(byte[] bytes, String origin) {}

  /** Parsed bundles by content (their pieces are immutable and still verified every time). */
  private static final Memo<TdxCollateral> BUNDLES = new Memo<>(16);

  /** Parsed PCS response bodies by content, member, chain and origin. */
  private static final Memo<Signed> BODIES = new Memo<>(64);

  Signed tcbInfo;
  Signed qeIdentity;
  Crl pckCrl;
  Crl rootCrl;

  /** Attachments that were present but unusable, per collateral name. */
  final Map<String, String> problems = new java.util.LinkedHashMap<>();

  /**
   * Reads the collateral attachments of evidence.
   *
   * @param attachments the evidence attachments
   * @return what they hold; malformed ones are recorded in {@link #problems}
   */
  static TdxCollateral fromAttachments(Map<String, byte[]> attachments) {
    TdxCollateral c = new TdxCollateral();
    byte[] bundle = attachments.get(BUNDLE);
    if (bundle != null) {
      // Parsing a bundle (16 KiB of JSON with hex CRLs) costs more than a warm verification:
      // remember what each bundle held, by content.
      TdxCollateral parsed = BUNDLES.get(bundle);
      if (parsed == null) {
        parsed = new TdxCollateral();
        parsed.readBundle(bundle);
        BUNDLES.put(bundle, parsed);
      }
      c.tcbInfo = parsed.tcbInfo;
      c.qeIdentity = parsed.qeIdentity;
      c.pckCrl = parsed.pckCrl;
      c.rootCrl = parsed.rootCrl;
      c.problems.putAll(parsed.problems);
    }
    byte[] tcbChain = attachments.get(TCB_INFO_ISSUER_CHAIN);
    byte[] qeChain = attachments.get(QE_IDENTITY_ISSUER_CHAIN);
    if (attachments.containsKey(TCB_INFO)) {
      c.tcbInfo = null;
      c.problems.remove(TCB_INFO);
      try {
        c.tcbInfo =
            pcsBody(attachments.get(TCB_INFO), "tcbInfo", tcbChain, "attachment " + TCB_INFO);
      } catch (CollateralFormatException e) {
        c.problems.put(TCB_INFO, e.getMessage());
      }
    } else if (c.tcbInfo != null && tcbChain != null) {
      c.tcbInfo = new Signed(c.tcbInfo.text, c.tcbInfo.signature, tcbChain, c.tcbInfo.origin);
    }
    if (attachments.containsKey(QE_IDENTITY)) {
      c.qeIdentity = null;
      c.problems.remove(QE_IDENTITY);
      byte[] chain = qeChain != null ? qeChain : tcbChain;
      try {
        c.qeIdentity =
            pcsBody(
                attachments.get(QE_IDENTITY),
                "enclaveIdentity",
                chain,
                "attachment " + QE_IDENTITY);
      } catch (CollateralFormatException e) {
        c.problems.put(QE_IDENTITY, e.getMessage());
      }
    } else if (c.qeIdentity != null && (qeChain != null || tcbChain != null)) {
      byte[] chain = qeChain != null ? qeChain : tcbChain;
      c.qeIdentity =
          new Signed(c.qeIdentity.text, c.qeIdentity.signature, chain, c.qeIdentity.origin);
    }
    if (attachments.containsKey(PCK_CRL)) {
      c.problems.remove(PCK_CRL);
      c.pckCrl = new Crl(attachments.get(PCK_CRL), "attachment " + PCK_CRL);
    }
    if (attachments.containsKey(ROOT_CA_CRL)) {
      c.problems.remove(ROOT_CA_CRL);
      c.rootCrl = new Crl(attachments.get(ROOT_CA_CRL), "attachment " + ROOT_CA_CRL);
    }
    return c;
  }

  /**
   * Reads a PCS response: signed body plus the issuer-chain header.
   *
   * @param item the fetched or cached item
   * @param member {@code tcbInfo} or {@code enclaveIdentity}
   * @param header the issuer-chain header names to try
   * @return the signed collateral
   * @throws CollateralFormatException if malformed
   */
  static Signed fromPcs(CollateralItem item, String member, String... header)
      throws CollateralFormatException {
    byte[] chain = null;
    for (String h : header) {
      if (item.header(h).isPresent()) {
        try {
          chain = percentDecode(item.header(h).get()).getBytes(StandardCharsets.US_ASCII);
        } catch (IllegalArgumentException e) {
          throw new CollateralFormatException(
              "header " + h + " of " + item.url() + " is not URL-encoded PEM");
        }
        break;
      }
    }
    return pcsBody(item.body(), member, chain, item.url().toString());
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
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(value.length());
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
        out.write(hi << 4 | lo);
        i += 2;
      } else if (c > 0x7e) {
        throw new IllegalArgumentException("non-ASCII character in a header");
      } else {
        out.write(c);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private void readBundle(byte[] bytes) {
    Map<?, ?> m;
    try {
      if (!(Json.parse(utf8(bytes, BUNDLE)) instanceof Map<?, ?> map)) {
        throw new CollateralFormatException("attachment " + BUNDLE + " is not a JSON object");
      }
      m = map;
    } catch (Json.JsonException | CollateralFormatException e) {
      problems.put(BUNDLE, "attachment " + BUNDLE + ": " + e.getMessage());
      return;
    }
    String origin = "attachment " + BUNDLE;
    try {
      if (m.get("tcb_info") instanceof String text) {
        tcbInfo =
            new Signed(
                text,
                hex(m.get("tcb_info_signature"), "tcb_info_signature"),
                ascii(m.get("tcb_info_issuer_chain")),
                origin);
      }
    } catch (CollateralFormatException e) {
      problems.put(TCB_INFO, origin + ": " + e.getMessage());
    }
    try {
      if (m.get("qe_identity") instanceof String text) {
        byte[] chain = ascii(m.get("qe_identity_issuer_chain"));
        qeIdentity =
            new Signed(
                text,
                hex(m.get("qe_identity_signature"), "qe_identity_signature"),
                chain != null ? chain : ascii(m.get("tcb_info_issuer_chain")),
                origin);
      }
    } catch (CollateralFormatException e) {
      problems.put(QE_IDENTITY, origin + ": " + e.getMessage());
    }
    try {
      if (m.containsKey("pck_crl")) {
        pckCrl = new Crl(hex(m.get("pck_crl"), "pck_crl"), origin);
      }
    } catch (CollateralFormatException e) {
      problems.put(PCK_CRL, origin + ": " + e.getMessage());
    }
    try {
      if (m.containsKey("root_ca_crl")) {
        rootCrl = new Crl(hex(m.get("root_ca_crl"), "root_ca_crl"), origin);
      }
    } catch (CollateralFormatException e) {
      problems.put(ROOT_CA_CRL, origin + ": " + e.getMessage());
    }
  }

  private static Signed pcsBody(byte[] body, String member, byte[] chain, String origin)
      throws CollateralFormatException {
    byte[][] key = {
      body,
      member.getBytes(StandardCharsets.US_ASCII),
      chain == null ? new byte[0] : chain,
      origin.getBytes(StandardCharsets.UTF_8)
    };
    Signed cached = BODIES.get(key);
    if (cached != null) {
      return cached;
    }
    String text = utf8(body, origin);
    try {
      String signed = Json.memberText(text, member);
      if (!(Json.parse(text) instanceof Map<?, ?> m)) {
        throw new CollateralFormatException(origin + " is not a JSON object");
      }
      Signed out = new Signed(signed, hex(m.get("signature"), "signature"), chain, origin);
      BODIES.put(key, out);
      return out;
    } catch (Json.JsonException e) {
      throw new CollateralFormatException(origin + ": " + e.getMessage(), e);
    }
  }

  private static String utf8(byte[] b, String what) throws CollateralFormatException {
    if (b.length > MAX_ITEM) {
      throw new CollateralFormatException(what + " is larger than " + MAX_ITEM + " bytes");
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(java.nio.ByteBuffer.wrap(b))
          .toString();
    } catch (CharacterCodingException e) {
      throw new CollateralFormatException(what + " is not UTF-8 text");
    }
  }

  private static byte[] hex(Object v, String name) throws CollateralFormatException {
    if (!(v instanceof String s)) {
      throw new CollateralFormatException(name + " is missing or not a hex string");
    }
    try {
      return HexFormat.of().parseHex(s);
    } catch (IllegalArgumentException e) {
      throw new CollateralFormatException(name + " is not hex");
    }
  }

  private static byte[] ascii(Object v) {
    return v instanceof String s ? s.getBytes(StandardCharsets.US_ASCII) : null;
  }

  /** Names of the collateral pieces that are still missing. */
  List<String> missing() {
    List<String> out = new ArrayList<>();
    if (tcbInfo == null) {
      out.add(TCB_INFO);
    }
    if (qeIdentity == null) {
      out.add(QE_IDENTITY);
    }
    if (pckCrl == null) {
      out.add(PCK_CRL);
    }
    if (rootCrl == null) {
      out.add(ROOT_CA_CRL);
    }
    return out;
  }
}
