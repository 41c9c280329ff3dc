package ai.cocos.tee.tdx.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Splits the PEM certificate chain of certification data type 5 into DER certificates, strictly:
 * only {@code CERTIFICATE} blocks separated by line breaks, optionally followed by line breaks and
 * NUL bytes (the QE pads the chain), and base64 in canonical form. Anything else is rejected, so a
 * changed byte in the chain text can never be silently ignored.
 */
final class PemChain {
  private static final String BEGIN = "-----BEGIN CERTIFICATE-----";
  private static final String END = "-----END CERTIFICATE-----";

  private PemChain() {}

  /**
   * Decodes a PEM chain.
   *
   * @param pem the chain text (ASCII)
   * @return DER certificates in order
   * @throws QuoteFormatException naming what is malformed
   */
  static List<byte[]> decode(byte[] pem) throws QuoteFormatException {
    int end = pem.length;
    // The QE pads the chain with NUL bytes (and line breaks) at the end only.
    while (end > 0 && (pem[end - 1] == 0 || pem[end - 1] == '\n' || pem[end - 1] == '\r')) {
      end--;
    }
    for (int i = 0; i < end; i++) {
      if (pem[i] < 0x20 && pem[i] != '\n' && pem[i] != '\r' || pem[i] > 0x7e) {
        throw new QuoteFormatException(
            String.format("PCK certificate chain: byte 0x%02x at %d is not PEM text", pem[i], i));
      }
    }
    String text = new String(pem, 0, end, StandardCharsets.US_ASCII);
    List<byte[]> out = new ArrayList<>();
    int p = 0;
    while (p < text.length()) {
      while (p < text.length() && (text.charAt(p) == '\n' || text.charAt(p) == '\r')) {
        p++;
      }
      if (p >= text.length()) {
        break;
      }
      if (!text.startsWith(BEGIN, p)) {
        throw new QuoteFormatException(
            "PCK certificate chain: expected '" + BEGIN + "' at character " + p);
      }
      int bodyStart = p + BEGIN.length();
      int endAt = text.indexOf(END, bodyStart);
      if (endAt < 0) {
        throw new QuoteFormatException(
            "PCK certificate chain: certificate " + (out.size() + 1) + " has no END line");
      }
      String body = text.substring(bodyStart, endAt).replace("\r", "").replace("\n", "");
      byte[] der;
      try {
        der = Base64.getDecoder().decode(body);
      } catch (IllegalArgumentException e) {
        throw new QuoteFormatException(
            "PCK certificate chain: certificate "
                + (out.size() + 1)
                + " is not valid base64: "
                + e.getMessage());
      }
      // Canonical base64 only: unused trailing bits must be zero, so no two texts decode alike.
      if (!Base64.getEncoder().encodeToString(der).equals(body)) {
        throw new QuoteFormatException(
            "PCK certificate chain: certificate " + (out.size() + 1) + " is not canonical base64");
      }
      out.add(der);
      p = endAt + END.length();
      if (p < text.length() && text.charAt(p) != '\n' && text.charAt(p) != '\r') {
        throw new QuoteFormatException(
            "PCK certificate chain: unexpected text after certificate " + out.size());
      }
    }
    if (out.isEmpty()) {
      throw new QuoteFormatException("PCK certificate chain is empty");
    }
    return out;
  }
}
