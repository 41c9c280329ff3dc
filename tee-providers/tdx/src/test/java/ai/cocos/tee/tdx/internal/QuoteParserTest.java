package ai.cocos.tee.tdx.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The parser against the decoded fields the vectors README lists. */
class QuoteParserTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void v4SapphireRapidsQuoteMatchesTheReadme() throws Exception {
    Quote q = QuoteParser.parse(Vectors.read("tdx/v4-spr-go-tdx-guest/quote.dat"));
    assertEquals(4, q.header().version());
    assertEquals(0x81, q.header().teeType());
    assertEquals(QuoteFormat.INTEL_QE_VENDOR_ID, HEX.formatHex(q.header().qeVendorId()));
    assertEquals("739c3f292a15bace1f726351a70d4b7900000000", HEX.formatHex(q.header().userData()));
    assertEquals(4935, q.length());
    assertEquals(39, q.trailing());
    assertEquals(632, q.signedBytes().length);
    TdReport b = q.body();
    assertEquals("03000400000000000000000000000000", HEX.formatHex(b.teeTcbSvn()));
    assertEquals(
        "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb",
        HEX.formatHex(b.mrTd()));
    assertEquals(
        "2927da70461cd63266f43230cc1849c03ef25ebe490062a801d8fcc80af42976823adf08f833c1e50b51779c6593f32a",
        HEX.formatHex(b.rtmrs().get(0)));
    assertArrayEquals(new byte[48], b.rtmrs().get(3));
    assertEquals("0000004000000000", HEX.formatHex(b.tdAttributes()));
    assertEquals("e71a060000000000", HEX.formatHex(b.xfam()));
    assertTrue(HEX.formatHex(b.reportData()).startsWith("6c62dec1b8191749"));
    assertNull(b.teeTcbSvn2());
    QuoteSignature s = q.signature();
    assertEquals(
        "36f301ff1db5c282f9338966c5b8f5c7257e75b0210d0c6c8b1d4a7846e4e0e84c2121d448c7154d37ace210247a6e17271cd1468db8ac7fcd2473b34f7a43fc",
        HEX.formatHex(s.attestationKey()));
    assertEquals(
        "853e298f3b7cde28b06493d06fb2ad6f9566a97fea6d3de66236b2af1a35150f",
        HEX.formatHex(s.qeReport().mrEnclave()));
    assertEquals(2, s.qeReport().isvProdId());
    assertEquals(4, s.qeReport().isvSvn());
    assertEquals("1500000000000000e700000000000000", HEX.formatHex(s.qeReport().attributes()));
    assertEquals(32, s.qeAuthData().length);
    assertEquals(5, s.certificationType());
    assertEquals(3, PemChain.decode(s.certificationData()).size());
  }

  @Test
  void v5QuoteHasTheTdx15BodyAndSignsTheDescriptor() throws Exception {
    Quote q = QuoteParser.parse(Vectors.read("tdx/v5-go-tdx-guest/quote.dat"));
    assertEquals(5, q.header().version());
    assertEquals(QuoteFormat.BODY_TYPE_TD15, q.body().bodyType());
    assertEquals(702, q.signedBytes().length);
    assertEquals(0, q.trailing());
    assertEquals("0d010400000000000000000000000000", HEX.formatHex(q.body().teeTcbSvn2()));
    assertEquals(
        "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb001a1ced3ee19747dda8f750c3bc8f876",
        HEX.formatHex(q.body().mrTd()));
    assertEquals(7, q.signature().qeReport().isvSvn());
  }

  @Test
  void paddedBuffersAreToleratedAndCounted() throws Exception {
    assertEquals(
        70, QuoteParser.parse(Vectors.read("tdx/v4-phala-full-collateral/quote.dat")).trailing());
    assertEquals(
        3065, QuoteParser.parse(Vectors.read("tdx/v4-gcp-cos113-ccel/quote.dat")).trailing());
    assertEquals(70, QuoteParser.parse(Vectors.read("tpm/azure-tdx-vtpm/td-quote.bin")).trailing());
  }

  @Test
  void negativeRecipesFromTheReadmeFailToParse() {
    byte[] q = Vectors.read("tdx/v4-spr-go-tdx-guest/quote.dat");
    byte[] v3 = q.clone();
    v3[0] = 3;
    assertTrue(
        assertThrows(QuoteFormatException.class, () -> QuoteParser.parse(v3))
            .getMessage()
            .contains("unsupported quote version 3"));
    byte[] len = q.clone();
    len[0x278] = 0x10;
    assertEquals(
        "size of certification data is 0x1045, the signature data leaves 0xf8a",
        assertThrows(QuoteFormatException.class, () -> QuoteParser.parse(len)).getMessage());
  }

  @Test
  void truncationAnywhereIsAnError() {
    byte[] q = Vectors.read("tdx/v4-spr-go-tdx-guest/quote.dat");
    for (int n : new int[] {0, 10, 48, 631, 635, 700, 4934}) {
      byte[] cut = java.util.Arrays.copyOf(q, n);
      assertThrows(QuoteFormatException.class, () -> QuoteParser.parse(cut), "length " + n);
    }
  }

  @Test
  void sgxQuotesAreNamed() {
    byte[] q = Vectors.read("tdx/v4-spr-go-tdx-guest/quote.dat");
    q[4] = 0;
    assertTrue(
        assertThrows(QuoteFormatException.class, () -> QuoteParser.parse(q))
            .getMessage()
            .contains("SGX enclave quote"));
  }
}
