package ai.cocos.tee.vtpm.internal;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Raw TPM 2.0 commands against a real swtpm. */
class TpmCommandsTest {
  @TempDir static Path dir;
  static Swtpm swtpm;

  @BeforeAll
  static void start() throws Exception {
    swtpm = Swtpm.start(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (swtpm != null) {
      swtpm.close();
    }
  }

  private static List<PcrSelection> allPcrs(int bank) {
    List<Integer> idx = new ArrayList<>();
    for (int i = 0; i < 24; i++) {
      idx.add(i);
    }
    return List.of(new PcrSelection(bank, idx, 3));
  }

  @Test
  void primaryEccAkQuotesAndTheSignatureAndDigestVerify() throws Exception {
    try (Tpm tpm = Tpm.open(swtpm.address())) {
      Tpm.Loaded ak = tpm.createPrimary(Tpm.RH_OWNER, AkTemplate.ECC.marshal());
      try {
        TpmtPublic pub = TpmtPublic.parse(ak.publicArea());
        assertEquals(TpmAlg.ECC, pub.type());
        assertEquals(AkTemplate.ATTRIBUTES, pub.attributes());
        assertArrayEquals(ak.publicArea(), tpm.readPublic(ak.handle()));
        byte[] nonce = "fresh-nonce".getBytes();
        Tpm.QuoteResult q = tpm.quote(ak.handle(), nonce, allPcrs(TpmAlg.SHA256));
        TpmsAttest attest = TpmsAttest.parse(q.attest());
        assertEquals(TpmsAttest.TPM_GENERATED_VALUE, attest.magic());
        assertArrayEquals(nonce, attest.extraData());
        TpmtSignature sig = TpmtSignature.parse(q.signature());
        assertEquals(TpmAlg.ECDSA, sig.sigAlg());
        Map<Integer, Map<Integer, byte[]>> pcrs = tpm.pcrRead(allPcrs(TpmAlg.SHA256));
        assertEquals(24, pcrs.get(TpmAlg.SHA256).size());
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        pcrs.get(TpmAlg.SHA256).values().forEach(md::update);
        assertArrayEquals(md.digest(), attest.pcrDigest());
        byte[] p1363 = new byte[64];
        byte[] r = sig.r();
        byte[] s = sig.s();
        System.arraycopy(r, 0, p1363, 32 - r.length, r.length);
        System.arraycopy(s, 0, p1363, 64 - s.length, s.length);
        Signature v = Signature.getInstance("SHA256withECDSAinP1363Format");
        v.initVerify(pub.key());
        v.update(q.attest());
        assertTrue(v.verify(p1363));
        // The same template under the same seed gives the same key: pinnable by fingerprint.
        Tpm.Loaded again = tpm.createPrimary(Tpm.RH_OWNER, AkTemplate.ECC.marshal());
        assertArrayEquals(ak.publicArea(), again.publicArea());
        tpm.flush(again.handle());
      } finally {
        tpm.flush(ak.handle());
      }
    }
  }

  @Test
  void nvIndexRoundTripsAndAMissingIndexIsNamed() throws Exception {
    try (Tpm tpm = Tpm.open(swtpm.address())) {
      int index = 0x01500010;
      byte[] data = new byte[1300];
      for (int i = 0; i < data.length; i++) {
        data[i] = (byte) (i * 7);
      }
      assertEquals(-1, tpm.nvSize(index));
      tpm.nvDefine(index, data.length);
      tpm.nvWrite(index, data);
      assertArrayEquals(data, tpm.nvRead(index));
      Exception e = assertThrows(Exception.class, () -> tpm.nvRead(0x01500011));
      assertTrue(e.getMessage().contains("0x01500011 is not defined"), e.getMessage());
    }
  }
}
