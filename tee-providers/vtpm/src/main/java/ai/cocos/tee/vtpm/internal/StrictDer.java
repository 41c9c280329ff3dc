package ai.cocos.tee.vtpm.internal;

/**
 * The one DER rule the JDK's certificate parser does not enforce and a signature does not cover: a
 * certificate's signatureValue BIT STRING (RFC 5280 §4.1.1.3) must declare zero unused bits. The
 * byte sits outside the signed TBSCertificate, so a certificate differing only there would
 * otherwise verify; rejecting it makes every certificate byte count.
 */
final class StrictDer {
  private StrictDer() {}

  /**
   * Checks a certificate's outer structure: SEQUENCE { TBSCertificate SEQUENCE, AlgorithmIdentifier
   * SEQUENCE, BIT STRING with unused-bits byte 0 }, and nothing after it.
   *
   * @param der the certificate
   * @throws MalformedException if the signature's BIT STRING is not canonical
   */
  static void checkCertificate(byte[] der) throws MalformedException {
    int[] pos = {0};
    int end = header(der, pos, 0x30, der.length);
    if (end != der.length) {
      throw new MalformedException("certificate: bytes after its DER encoding");
    }
    pos[0] = header(der, pos, 0x30, end); // skip the TBSCertificate
    pos[0] = header(der, pos, 0x30, end); // skip the signature AlgorithmIdentifier
    int bitsEnd = header(der, pos, 0x03, end);
    if (bitsEnd != end || pos[0] >= bitsEnd || der[pos[0]] != 0) {
      throw new MalformedException(
          "certificate: the signature BIT STRING must declare 0 unused bits (DER)");
    }
  }

  /** Reads a tag and definite length at pos; leaves pos at the content; returns the content end. */
  private static int header(byte[] d, int[] pos, int tag, int limit) throws MalformedException {
    int p = pos[0];
    if (p + 2 > limit || (d[p] & 0xff) != tag) {
      throw new MalformedException("certificate: unexpected DER structure at offset " + p);
    }
    int len = d[p + 1] & 0xff;
    p += 2;
    if (len >= 0x80) {
      int n = len & 0x7f;
      if (n == 0 || n > 3 || p + n > limit) {
        throw new MalformedException("certificate: bad DER length at offset " + (p - 1));
      }
      len = 0;
      for (int i = 0; i < n; i++) {
        len = (len << 8) | (d[p++] & 0xff);
      }
    }
    if (len > limit - p) {
      throw new MalformedException("certificate: DER length beyond the data at offset " + p);
    }
    pos[0] = p;
    return p + len;
  }
}
