package ai.cocos.tee.vtpm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.attestation.Certs;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPublicKey;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The binary formats, parsed from the vectors: every field the README decodes, and named errors.
 */
class StructuresTest {
  static final HexFormat HEX = HexFormat.of();
  static final String GCE = "tpm/gce-cos85-vtpm/extracted/";

  @Test
  void tpmsAttestOfTheGceQuote() throws Exception {
    TpmsAttest a = TpmsAttest.parse(Vectors.read(GCE + "quote-sha256-bank.tpms_attest.bin"));
    assertEquals(TpmsAttest.TPM_GENERATED_VALUE, a.magic());
    assertEquals(TpmsAttest.TPM_ST_ATTEST_QUOTE, a.type());
    assertEquals(
        "000bde01fe4b4ade2f8b7ae19b8a8897e0cb77ae417731d8ce38697ec4f6c095030a",
        HEX.formatHex(a.qualifiedSigner()));
    assertEquals("9009", HEX.formatHex(a.extraData()));
    assertEquals(8219159552L, a.clock());
    assertEquals(10, a.resetCount());
    assertEquals(0, a.restartCount());
    assertTrue(a.safe());
    assertEquals(0x2016051100162800L, a.firmwareVersion());
    assertEquals(1, a.pcrSelect().size());
    assertEquals(TpmAlg.SHA256, a.pcrSelect().get(0).hash());
    assertEquals(24, a.pcrSelect().get(0).indexes().size());
    assertEquals(
        "048937cbaaf28af85a5b0c0997e725097a0d94e05fcda104a82ee3fb6b2e1808",
        HEX.formatHex(a.pcrDigest()));
  }

  @Test
  void tpmsAttestErrorsNameTheField() {
    byte[] q = Vectors.read(GCE + "quote-sha256-bank.tpms_attest.bin");
    MalformedException cut =
        assertThrows(MalformedException.class, () -> TpmsAttest.parse(Arrays.copyOf(q, 60)));
    assertTrue(cut.getMessage().startsWith("TPMS_ATTEST: "), cut.getMessage());
    byte[] longer = Arrays.copyOf(q, q.length + 1);
    assertTrue(
        assertThrows(MalformedException.class, () -> TpmsAttest.parse(longer))
            .getMessage()
            .contains("unexpected bytes"));
    byte[] certify = q.clone();
    certify[5] = 0x17; // TPM_ST_ATTEST_CERTIFY
    assertTrue(
        assertThrows(MalformedException.class, () -> TpmsAttest.parse(certify))
            .getMessage()
            .contains("0x8017"));
  }

  @Test
  void tpmtSignatureAndPublicOfTheGceAk() throws Exception {
    TpmtSignature s =
        TpmtSignature.parse(Vectors.read(GCE + "quote-sha256-bank.tpmt_signature.bin"));
    assertEquals(TpmAlg.RSASSA, s.sigAlg());
    assertEquals(TpmAlg.SHA256, s.hash());
    assertEquals(256, s.rsa().length);
    assertArrayEquals(Vectors.read(GCE + "quote-sha256-bank.tpmt_signature.bin"), s.marshal());

    TpmtPublic p = TpmtPublic.parse(Vectors.read(GCE + "ak_pub.tpmt_public.bin"));
    assertEquals(TpmAlg.RSA, p.type());
    assertEquals(TpmAlg.SHA256, p.nameAlg());
    assertEquals(0x00050072L, p.attributes());
    assertEquals(TpmAlg.RSASSA, p.scheme());
    assertEquals(TpmAlg.SHA256, p.schemeHash());
    RSAPublicKey k = (RSAPublicKey) p.key();
    assertEquals(2048, k.getModulus().bitLength());
    assertTrue(HEX.formatHex(k.getModulus().toByteArray()).startsWith("00cbad6f089c698224"));
    X509Certificate cert = Certs.readOne(Vectors.read(GCE + "ak_cert.der"));
    assertArrayEquals(cert.getPublicKey().getEncoded(), p.key().getEncoded());
  }

  @Test
  void unsupportedSignatureSchemesAreNamed() {
    byte[] hmac = {0x00, 0x05, 0x00, 0x0b, 0x00, 0x00};
    assertTrue(
        assertThrows(MalformedException.class, () -> TpmtSignature.parse(hmac))
            .getMessage()
            .contains("0x0005"));
    byte[] sha1 = Vectors.read(GCE + "quote-sha256-bank.tpmt_signature.bin");
    sha1[3] = 0x04;
    TpmtSignature s = assertDoesNotThrow(sha1);
    assertEquals(TpmAlg.SHA1, s.hash());
  }

  private static TpmtSignature assertDoesNotThrow(byte[] b) {
    try {
      return TpmtSignature.parse(b);
    } catch (MalformedException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void goTpmToolsAttestationOfGce() throws Exception {
    GoTpmToolsAttestation a =
        GoTpmToolsAttestation.parse(Vectors.read("tpm/gce-cos85-vtpm/attestation-nonce9009.pb"));
    assertArrayEquals(Vectors.read(GCE + "ak_pub.tpmt_public.bin"), a.akPub());
    assertEquals(3, a.quotes().size());
    assertArrayEquals(
        Vectors.read(GCE + "quote-sha1-bank.tpms_attest.bin"), a.quotes().get(0).attest());
    assertEquals(24, a.quotes().get(2).pcrs().get(TpmAlg.SHA384).size());
    assertEquals(23970, a.eventLog().orElseThrow().length);
    assertArrayEquals(Vectors.read(GCE + "ak_cert.der"), a.akCert().orElseThrow());
    assertFalse(a.teeAttestation());
    assertThrows(
        MalformedException.class, () -> GoTpmToolsAttestation.parse(new byte[] {0x0a, 0x05, 0x01}));
  }

  @Test
  void hclReportsOfBothKinds() throws Exception {
    HclReport snp = HclReport.parse(Vectors.read("tpm/azure-snp-vtpm-milan/hcl-report.bin"));
    assertEquals(1, snp.version());
    assertEquals(2346, snp.reportSize());
    assertEquals(HclReport.TYPE_SNP, snp.reportType());
    assertEquals(1, snp.hashType());
    assertArrayEquals(
        Vectors.read("tpm/azure-snp-vtpm-milan/extracted/runtime_data.json"), snp.runtimeData());
    assertArrayEquals(
        Vectors.read("tpm/azure-snp-vtpm-milan/extracted/snp_report.bin"), snp.hardwareReport());
    assertEquals(
        "9ac48fcac8a2d88aeeff8d427ad4f2be0e3917c748a18bdf52cc317e7fe20308b459d5ef1a12e0c22944eb386d17c315",
        HEX.formatHex(snp.snpMeasurement()));

    HclReport tdx = HclReport.parse(Vectors.read("tpm/azure-tdx-vtpm/hcl-report.bin"));
    assertEquals(2, tdx.version());
    assertEquals(HclReport.TYPE_TDX, tdx.reportType());
    assertEquals(1201, tdx.runtimeData().length);
    assertArrayEquals(
        Vectors.read("tpm/azure-tdx-vtpm/extracted/td_report.bin"),
        Arrays.copyOf(tdx.hardwareReport(), 1024));
    assertEquals(
        "024a32b070383331181619fa387cb4d55d1e38879f989933055ccad5bc2db795d1737b66205949d15469dc8c1ba7ab7b",
        HEX.formatHex(tdx.tdMrtd()));
    assertEquals(
        "9734504f161d104c74e3165c15f779b06a9bb40dfa71937817d7eee68e593839",
        HEX.formatHex(Arrays.copyOf(tdx.hardwareReportData(), 32)));
  }

  @Test
  void malformedHclReportsAreNamed() {
    byte[] r = Vectors.read("tpm/azure-snp-vtpm-milan/hcl-report.bin");
    byte[] magic = r.clone();
    magic[3] = 'B';
    assertTrue(
        assertThrows(MalformedException.class, () -> HclReport.parse(magic))
            .getMessage()
            .contains("HCLA"));
    byte[] size = r.clone();
    size[0x4D0] = (byte) 0xff; // variable_data_size
    assertTrue(
        assertThrows(MalformedException.class, () -> HclReport.parse(size))
            .getMessage()
            .contains("variable_data_size"));
    byte[] type = r.clone();
    type[0x4C8] = 3;
    assertTrue(
        assertThrows(MalformedException.class, () -> HclReport.parse(type))
            .getMessage()
            .contains("report_type 3"));
  }

  @Test
  void runtimeDataNamesTheAk() throws Exception {
    RuntimeData rd =
        RuntimeData.parse(Vectors.read("tpm/azure-snp-vtpm-milan-v3/extracted/runtime_data.json"));
    assertEquals("7DF7B373-B947-4AAA-96E5-C358F2A03D20", rd.vmUniqueId().orElseThrow());
    assertTrue(
        HEX.formatHex(rd.userData().orElseThrow())
            .startsWith("982f5c6e45df0ed3f10b6f60b02f0c8390e281300f3805e2279c16168cd6ae9a"));
    byte[] pem = Vectors.read("tpm/azure-snp-vtpm-milan-v3/extracted/ak_pub.pem");
    assertArrayEquals(QuoteBundle.spki(pem), rd.akPub().getEncoded());
    assertThrows(MalformedException.class, () -> RuntimeData.parse("{\"keys\":[]}".getBytes()));
  }

  @Test
  void shippedGoogleCaCertificatesAreTheVectorsOnes() throws Exception {
    List<X509Certificate> shipped = AkTrust.shipped();
    assertEquals(
        List.of(
            "9bd5285f8fb18502a7947e621ffd470266f49fcd3b73e19a190f690ad32a7caf",
            "5d8dbcf8c8053dd8ffad711b6219355032b7122c34cac0f90ccb49def69ec504",
            "7132b6ea71101f6c51bb58f98c3798c19b65be510eca0344318900510b593178"),
        shipped.stream().map(Certs::sha256).toList());
    assertEquals(
        Certs.sha256(Vectors.read("roots/google/gce_tpm_ek_root_1.der")),
        Certs.sha256(shipped.get(0)));
  }

  @Test
  void intermediate3MustNotIssueTheGceAkCertificate() throws Exception {
    X509Certificate ak = Certs.readOne(Vectors.read(GCE + "ak_cert.der"));
    X509Certificate root = Certs.readOne(Vectors.read("roots/google/gce_tpm_ek_root_1.der"));
    X509Certificate i3 = Certs.readOne(Vectors.read("roots/google/gce_tpm_ek_intermediate_3.der"));
    java.time.Instant at = java.time.Instant.parse("2025-01-01T00:00:00Z");
    // Only intermediate_3 and the root available: no chain.
    assertThrows(
        ai.cocos.attestation.ChainException.class,
        () -> AkTrust.verify(ak, List.of(i3, root), List.of(root), at));
    // Forced as the issuer (its name made to match would not help: its key did not sign it).
    ai.cocos.attestation.ChainException e =
        assertThrows(
            ai.cocos.attestation.ChainException.class,
            () -> ai.cocos.attestation.ChainVerifier.shared().verifySignedBy(ak, i3));
    assertTrue(e.getMessage().contains("tpm_ek_v1_cloud_host-signer-0-2021"), e.getMessage());
    // With intermediate_2 it chains.
    X509Certificate i2 = Certs.readOne(Vectors.read("roots/google/gce_tpm_ek_intermediate_2.der"));
    assertEquals(3, AkTrust.verify(ak, List.of(i3, i2, root), List.of(root), at).size());
  }

  @Test
  void aCertificateWithNonZeroUnusedSignatureBitsIsRefused() {
    byte[] der = Vectors.read(GCE + "ak_cert.der");
    byte[] bad = der.clone();
    bad[der.length - 257] = 1; // the BIT STRING's unused-bits byte before the 256-byte value
    assertThrows(MalformedException.class, () -> StrictDer.checkCertificate(bad));
    assertDoesNotThrowDer(der);
  }

  private static void assertDoesNotThrowDer(byte[] der) {
    try {
      StrictDer.checkCertificate(der);
    } catch (MalformedException e) {
      throw new AssertionError(e);
    }
  }
}
