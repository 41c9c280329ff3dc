package ai.cocos.attestation.snp;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.attestation.Certs;
import ai.cocos.attestation.Vectors;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The report parser, VCEK extensions, certificate table and shipped roots, against the vectors. */
class SnpFormatTest {
  static final HexFormat HEX = HexFormat.of();

  static SnpReport report(String dir) throws Exception {
    return SnpReport.parse(Vectors.read("snp/" + dir + "/report.bin"));
  }

  @Test
  void decodesTheFieldsTheVectorsReadmeLists() throws Exception {
    SnpReport m = report("milan-v2-go-sev-guest");
    assertEquals(2, m.version());
    assertEquals(0x00000000000b0000L, m.policy());
    assertTrue(m.debug());
    assertEquals(-1, m.cpuidFamily());
    assertEquals(
        "b07af9620f3b839b47996422ddec6058338951d984e312115131ea82705eaf5b6bdf8a9ece31a5a608eb0cf2e4872b01",
        HEX.formatHex(m.measurement()));
    assertEquals("0102030405" + "00".repeat(59), HEX.formatHex(m.reportData()));
    assertEquals("1.49.3", m.firmware());
    assertEquals(
        "bl=2 tee=0 snp=5 ucode=68",
        TcbVersion.decode(m.reportedTcb(), SnpProduct.MILAN).toString());

    SnpReport t = report("milan-v2-trustee");
    assertEquals(4, t.guestSvn());
    assertEquals(
        "bl=3 tee=0 snp=8 ucode=206",
        TcbVersion.decode(t.currentTcb(), SnpProduct.MILAN).toString());
    assertEquals(
        "bl=3 tee=0 snp=8 ucode=115",
        TcbVersion.decode(t.reportedTcb(), SnpProduct.MILAN).toString());
    assertEquals("01" + "00".repeat(15), HEX.formatHex(t.familyId()));

    SnpReport v = report("milan-v3-vlek-aws");
    assertEquals(SnpReport.KEY_VLEK, v.signingKey());
    assertEquals(1, v.vmpl());
    assertEquals(SnpProduct.MILAN, v.cpuidProduct().orElseThrow());
    assertEquals(
        "bl=4 tee=0 snp=24 ucode=217",
        TcbVersion.decode(v.reportedTcb(), SnpProduct.MILAN).toString());
    assertEquals(0x27, v.platformInfo());

    SnpReport g = report("genoa-v3-msft");
    assertEquals(SnpProduct.GENOA, g.cpuidProduct().orElseThrow());
    assertEquals(
        "4f4448c67f3c8dfc8de8a5e37125d807dadcc41f06cf23f615dbd52eec777d10",
        HEX.formatHex(g.hostData()));
    assertEquals(
        "bl=10 tee=0 snp=23 ucode=84",
        TcbVersion.decode(g.reportedTcb(), SnpProduct.GENOA).toString());

    SnpReport u = report("turin-v5-msft");
    assertEquals(5, u.version());
    assertEquals(SnpProduct.TURIN, u.cpuidProduct().orElseThrow());
    assertEquals(
        "fmc=1 bl=1 tee=1 snp=4 ucode=81",
        TcbVersion.decode(u.reportedTcb(), SnpProduct.TURIN).toString());
    // The Milan layout reads the same bytes as snp=0: the layout must follow the product.
    assertEquals(0, TcbVersion.decode(u.reportedTcb(), SnpProduct.MILAN).snp());
    assertEquals(0x3f, u.launchMitVector());
    assertEquals(0x3f, u.currentMitVector());
    assertEquals("59790fb1c39f35c1" + "00".repeat(56), HEX.formatHex(u.chipId()));
  }

  @Test
  void refusesMalformedReports() throws Exception {
    byte[] r = Vectors.read("snp/genoa-v3-msft/report.bin");
    assertThrows(SnpFormatException.class, () -> SnpReport.parse(Arrays.copyOf(r, 1183)));
    byte[] v = r.clone();
    v[0] = 1;
    assertEquals(
        "unsupported SEV-SNP report version 1 (2, 3, 4 and 5 are supported)",
        assertThrows(SnpFormatException.class, () -> SnpReport.parse(v)).getMessage());
    byte[] pad = r.clone();
    pad[0x2A0 + 0x48 - 1] = 1; // beyond R's 48 significant bytes
    assertTrue(
        assertThrows(SnpFormatException.class, () -> SnpReport.parse(pad))
            .getMessage()
            .contains("beyond its 48 significant bytes"));
    byte[] reserved = r.clone();
    reserved[0x49F] = 1;
    assertTrue(
        assertThrows(SnpFormatException.class, () -> SnpReport.parse(reserved))
            .getMessage()
            .contains("reserved bytes of the signature field"));
  }

  @Test
  void encodesWhatItParses() throws Exception {
    SnpReport g = report("genoa-v3-msft");
    byte[] back =
        SnpReport.withSignature(
            Arrays.copyOf(Vectors.read("snp/genoa-v3-msft/report.bin"), SnpReport.SIZE),
            g.signatureP1363());
    assertArrayEquals(Vectors.read("snp/genoa-v3-msft/report.bin"), back);
  }

  @Test
  void readsVcekExtensionsIncludingTheLongIntegerForm() throws Exception {
    VcekCertificate m =
        VcekCertificate.of(Certs.readOne(Vectors.read("snp/milan-v2-go-sev-guest/vcek.der")));
    assertEquals("Milan-B0", m.productName().orElseThrow());
    assertEquals("bl=2 tee=0 snp=5 ucode=68", m.tcbText());
    assertArrayEquals(report("milan-v2-go-sev-guest").chipId(), m.hwId().orElseThrow());

    VcekCertificate vlek =
        VcekCertificate.of(Certs.readOne(Vectors.read("snp/milan-v3-vlek-aws/vlek.der")));
    assertEquals(217, vlek.microcode()); // 02 02 00 d9
    assertTrue(vlek.hwId().isEmpty());
    assertEquals("CN=cc-us-east-2.amazonaws.com", vlek.cspId().orElseThrow());

    VcekCertificate turin =
        VcekCertificate.of(Certs.readOne(Vectors.read("snp/turin-v5-msft/vcek.pem")));
    assertEquals(1, turin.fmc());
    assertEquals(1, turin.structVersion());
    assertEquals("59790fb1c39f35c1", HEX.formatHex(turin.hwId().orElseThrow()));

    VcekCertificate legacy =
        VcekCertificate.of(
            Certs.readOne(Vectors.read("snp/milan-v2-trustee/vcek-parse-only-legacy-hwid.der")));
    assertEquals("bl=3 tee=0 snp=10 ucode=169", legacy.tcbText());
    byte[] seq = new byte[64];
    for (int i = 0; i < 64; i++) {
      seq[i] = (byte) i;
    }
    assertArrayEquals(seq, legacy.hwId().orElseThrow());
    VcekCertificate wrapped =
        VcekCertificate.of(
            Certs.readOne(Vectors.read("snp/milan-v2-trustee/vcek-parse-only-new-hwid.der")));
    assertEquals("bl=0 tee=0 snp=0 ucode=30", wrapped.tcbText());
    assertArrayEquals(seq, wrapped.hwId().orElseThrow());
  }

  @Test
  void shipsAmdRootsWithTheirPublishedFingerprints() {
    SnpTrust t = SnpTrust.amd();
    assertEquals(
        "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd",
        Certs.sha256(t.ark(SnpProduct.MILAN)));
    assertEquals(
        "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1",
        Certs.sha256(t.ark(SnpProduct.GENOA)));
    assertEquals(
        "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a",
        Certs.sha256(t.ark(SnpProduct.TURIN)));
    Map<String, X509Certificate> inter = new LinkedHashMap<>();
    inter.put(
        "67d303bd3905fd38db8b20e0793699870e7fa612eaad5dec358293fd8c0bac1b",
        t.intermediate(SnpProduct.MILAN, false).orElseThrow());
    inter.put(
        "5464738c1546aed5f2cecf1dc98c5c960a92e8913238a61711bc90ec6e828521",
        t.intermediate(SnpProduct.GENOA, false).orElseThrow());
    inter.put(
        "5b77ef5fe7a7a004fd9032668fba9d0fda22f88c4442069a479636a6ae3b3185",
        t.intermediate(SnpProduct.TURIN, false).orElseThrow());
    inter.put(
        "c5e081f59b7efab1fe2f8b505e159704e72f29cab7ef7cf628a05a42439082f5",
        t.intermediate(SnpProduct.MILAN, true).orElseThrow());
    inter.put(
        "197e610743a917d6b9bb982a5a9226ccc0a15b611be0619e626aca9151457372",
        t.intermediate(SnpProduct.GENOA, true).orElseThrow());
    inter.put(
        "104e10a8bd060a3c20a434261a57d0588fd65a88915b4f65b08bdecaf8df1a3c",
        t.intermediate(SnpProduct.TURIN, true).orElseThrow());
    inter.forEach(
        (sha, c) -> assertEquals(sha, Certs.sha256(c), c.getSubjectX500Principal().getName()));
  }

  @Test
  void certificateTablesRoundTripInBothGuidOrders() throws Exception {
    byte[] vcek = Vectors.read("snp/milan-v2-go-sev-guest/vcek.der");
    Map<String, byte[]> in = new LinkedHashMap<>();
    in.put("vcek", vcek);
    in.put("ark", new byte[] {1, 2, 3});
    byte[] table = CertTable.build(in);
    Map<String, byte[]> out = CertTable.parse(table);
    assertArrayEquals(vcek, out.get("vcek"));
    assertArrayEquals(new byte[] {1, 2, 3}, out.get("ark"));
    byte[] be = table.clone();
    System.arraycopy(CertTable.bigEndian(CertTable.VCEK), 0, be, 0, 16);
    assertArrayEquals(vcek, CertTable.parse(be).get("vcek"));
    byte[] bad = table.clone();
    bad[16] = (byte) 0xff; // offset beyond the table
    assertThrows(SnpFormatException.class, () -> CertTable.parse(bad));
    assertThrows(SnpFormatException.class, () -> CertTable.parse(Arrays.copyOf(table, 30)));
  }

  @Test
  void kdsUrlsAreCanonical() throws Exception {
    SnpReport m = report("milan-v2-trustee");
    AmdKds kds = AmdKds.defaults();
    assertEquals(
        "https://kdsintf.amd.com/vcek/v1/Milan/"
            + HEX.formatHex(m.chipId())
            + "?blSPL=03&teeSPL=00&snpSPL=08&ucodeSPL=115",
        kds.vcek(SnpProduct.MILAN, m.chipId(), TcbVersion.decode(m.reportedTcb(), SnpProduct.MILAN))
            .toString());
    SnpReport t = report("turin-v5-msft");
    assertEquals(
        "https://kdsintf.amd.com/vcek/v1/Turin/59790fb1c39f35c1?fmcSPL=01&blSPL=01&teeSPL=01&snpSPL=04&ucodeSPL=81",
        kds.vcek(SnpProduct.TURIN, t.chipId(), TcbVersion.decode(t.reportedTcb(), SnpProduct.TURIN))
            .toString());
    assertEquals(
        "https://kdsintf.amd.com/vlek/v1/Genoa/cert_chain",
        kds.certChain(SnpProduct.GENOA, true).toString());
    assertEquals(
        "https://kdsintf.amd.com/vcek/v1/Milan/crl", kds.crl(SnpProduct.MILAN, false).toString());
  }

  @Test
  void productsFromCpuidAndNames() {
    assertEquals(SnpProduct.GENOA, SnpProduct.fromCpuid(0x19, 0xA0).orElseThrow());
    assertFalse(SnpProduct.fromCpuid(0x17, 0x31).isPresent());
    assertEquals(SnpProduct.MILAN, SnpProduct.fromName("Milan-B0").orElseThrow());
    assertEquals(List.of(), SnpProduct.fromName("Rome").stream().toList());
  }
}
