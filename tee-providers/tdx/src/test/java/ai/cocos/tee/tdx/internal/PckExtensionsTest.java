package ai.cocos.tee.tdx.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The SGX extensions of real PCK certificates, against the vectors README. */
class PckExtensionsTest {
  private static PckExtensions pck(String quote) throws Exception {
    Quote q = QuoteParser.parse(Vectors.read(quote));
    byte[] leaf = PemChain.decode(q.signature().certificationData()).get(0);
    X509Certificate c =
        (X509Certificate)
            CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(leaf));
    return PckExtensions.of(c);
  }

  @Test
  void sapphireRapidsPck() throws Exception {
    PckExtensions e = pck("tdx/v4-spr-go-tdx-guest/quote.dat");
    assertEquals("50806f000000", e.fmspcHex());
    assertEquals(11, e.pceSvn());
    assertEquals("03030202020100020000000000000000", HexFormat.of().formatHex(e.cpuSvn()));
    assertArrayEquals(
        new int[] {3, 3, 2, 2, 2, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0}, e.sgxTcbComponents());
    assertEquals("0000", HexFormat.of().formatHex(e.pceId()));
    assertEquals(1, e.sgxType());
  }

  @Test
  void otherPcks() throws Exception {
    assertEquals("90c06f000000", pck("tdx/v5-go-tdx-guest/quote.dat").fmspcHex());
    assertEquals(13, pck("tdx/v5-go-tdx-guest/quote.dat").pceSvn());
    assertEquals("b0c06f000000", pck("tdx/v4-phala-full-collateral/quote.dat").fmspcHex());
    assertEquals("00806f050000", pck("tdx/v4-gcp-cos113-ccel/quote.dat").fmspcHex());
    assertEquals(
        "07070202030100030000000000000000",
        HexFormat.of().formatHex(pck("tdx/v4-gcp-cos113-ccel/quote.dat").cpuSvn()));
  }
}
