package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Evidence;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvidenceFileTest {
  @Test
  void roundTripsVectorEvidence() throws Exception {
    byte[] report = Vectors.read("snp/genoa-v3-msft/report.bin");
    byte[] vcek = Vectors.read("snp/genoa-v3-msft/vcek.pem");
    String json =
        EvidenceFile.write(
            new Evidence("snp", report, Map.of("vcek", vcek, "crl", new byte[] {1})));
    assertTrue(json.indexOf("\"crl\"") < json.indexOf("\"vcek\""), json);
    Evidence back = EvidenceFile.read(json.getBytes(StandardCharsets.UTF_8), null);
    assertEquals("snp", back.platform());
    assertArrayEquals(report, back.report());
    assertArrayEquals(vcek, back.attachments().get("vcek"));
    // A bare report needs its platform.
    assertEquals("snp", EvidenceFile.read(report, "snp").platform());
    assertThrows(EvidenceFile.EvidenceFormatException.class, () -> EvidenceFile.read(report, null));
  }

  @Test
  void refusesMalformedFiles() {
    for (String bad :
        new String[] {
          "{\"version\":2,\"platform\":\"snp\",\"report\":\"AA==\"}",
          "{\"version\":1,\"platform\":\"snp\",\"report\":\"!!\"}",
          "{\"version\":1,\"platform\":\"\",\"report\":\"AA==\"}",
          "{\"version\":1,\"platform\":\"snp\",\"report\":\"AA==\",\"extra\":1}",
          "{\"version\":1,\"platform\":\"snp\",\"report\":\"AA==\",\"attachments\":{\"../x\":\"AA==\"}}",
          "{\"version\":1,\"platform\":\"snp\",\"report\":\"\"}",
          "{\"version\":1,"
        }) {
      assertThrows(
          EvidenceFile.EvidenceFormatException.class,
          () -> EvidenceFile.read(bad.getBytes(StandardCharsets.UTF_8), "snp"),
          bad);
    }
  }
}
