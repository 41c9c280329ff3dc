package ai.cocos.tee.vtpm.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Event-log parsing and replay against the logs in the vectors and their known PCR values. */
class TcgEventLogTest {
  private static final HexFormat HEX = HexFormat.of();

  @Test
  void ubuntu2404LogReplaysToTheUpstreamPcrs() throws Exception {
    TcgEventLog log =
        TcgEventLog.parse(Vectors.read("tpm/eventlog-gce-ubuntu2404-sevsnp/eventlog.bin"));
    assertEquals(Map.of(TpmAlg.SHA1, 20, TpmAlg.SHA256, 32, TpmAlg.SHA384, 48), log.banks());
    assertEquals(116, log.events().size()); // after the Spec ID header, as the README counts
    Map<Integer, byte[]> sha1 = log.replay(TpmAlg.SHA1);
    Map<Integer, byte[]> sha256 = log.replay(TpmAlg.SHA256);
    Map<Integer, byte[]> sha384 = log.replay(TpmAlg.SHA384);
    String[][] expected = {
      {
        "0",
        "8124f09f069c7d2d9acf5ce4eab928a7103a0bb2",
        "50597a27846e91d025eef597abbc89f72bff9af849094db97b0684d8bc4c515e"
      },
      {
        "1",
        "f00d6bbdea9ba55996f237a7f95f2b328a44e3f2",
        "57344e1cc8c6619413df33013a7cd67915459f967395af41db21c1fa7ca9c307"
      },
      {
        "2",
        "b2a83b0ebf2f8374299a5b2bdfc31ea955ad7236",
        "3d458cfe55cc03ea1f443f1562beec8df51c75e14a9fcf9a7234a13f198e7969"
      },
      {
        "3",
        "b2a83b0ebf2f8374299a5b2bdfc31ea955ad7236",
        "3d458cfe55cc03ea1f443f1562beec8df51c75e14a9fcf9a7234a13f198e7969"
      },
      {
        "4",
        "175f4319fd7ac683bf49f2e7b837630e4fa8603f",
        "abe8b3fa6aecb36c2fd93c6f6edde661c21b353d007410a2739d69bfa7e1b9be"
      },
      {
        "5",
        "f65b39c7aec83294f796c1ea4acc987f80914efe",
        "0b0e1903aeb1bff649b82dba2cdcf5c4ffb75027e54f151ab00b3b989f16a300"
      },
      {
        "6",
        "b2a83b0ebf2f8374299a5b2bdfc31ea955ad7236",
        "3d458cfe55cc03ea1f443f1562beec8df51c75e14a9fcf9a7234a13f198e7969"
      },
      {
        "7",
        "7067b17aa6b3de0d22d17a59dce1e17e649cb56a",
        "33ad69850fb2c7f30b4f8b4bc10ed93fc954dc07fa726e84f50f3d192dc1c140"
      },
      {
        "8",
        "5f4a1177c33521b0e48d855cf770520f8ab744de",
        "6932a3f71dc55ad3c1a6ac2196eeac26a1b7164b6bbfa106625d94088ec3ecc3"
      },
      {
        "9",
        "c6ee69063ab752df6c4ab99a80b12f3e5c432535",
        "ce08798b283c7a0ddc5e9ad1d602304b945b741fc60c20e254eafa0f4782512b"
      },
      {
        "14",
        "a482a15e112717d6a915b989a0ea6140a507e3e6",
        "306f9d8b94f17d93dc6e7cf8f5c79d652eb4c6c4d13de2dddc24af416e13ecaf"
      },
    };
    for (String[] row : expected) {
      int pcr = Integer.parseInt(row[0]);
      assertEquals(row[1], HEX.formatHex(sha1.get(pcr)), "sha1 PCR" + pcr);
      assertEquals(row[2], HEX.formatHex(sha256.get(pcr)), "sha256 PCR" + pcr);
    }
    assertEquals(
        "99df1a2dd3bb13aeb3eb4067e3081d58ec884ff31f15cd1e1998ec192abf43acb3406bd0a9a8c26f3e930ed6da80de66",
        HEX.formatHex(sha384.get(0)));
    assertEquals(
        "1ad429a007b9187143e057983ae5ea5b44e534f7147c6b3c1baa06fcc435071db2164f04eea2e83098b7a1faf311209a",
        HEX.formatHex(sha384.get(7)));
  }

  @Test
  void gceLogReplaysToTheQuotedPcrsZeroToNineInEveryBank() throws Exception {
    TcgEventLog log = TcgEventLog.parse(Vectors.read("tpm/gce-cos85-vtpm/extracted/eventlog.bin"));
    assertEquals(44, log.events().size());
    @SuppressWarnings("unchecked")
    Map<String, Map<String, String>> pcrs =
        (Map<String, Map<String, String>>)
            Json.parse(Vectors.read("tpm/gce-cos85-vtpm/extracted/pcrs.json"), "pcrs.json");
    for (String bank : new String[] {"sha1", "sha256", "sha384"}) {
      Map<Integer, byte[]> replayed = log.replay(TpmAlg.hashOf(bank));
      for (int pcr = 0; pcr <= 9; pcr++) {
        assertEquals(
            pcrs.get(bank).get(Integer.toString(pcr)),
            HEX.formatHex(replayed.get(pcr)),
            bank + " PCR" + pcr);
      }
      assertTrue(replayed.keySet().stream().allMatch(i -> i <= 9), "log covers PCR0-9 only");
    }
  }

  @Test
  void truncatedLogNamesTheEventAndField() {
    byte[] log = Vectors.read("tpm/gce-cos85-vtpm/extracted/eventlog.bin");
    MalformedException e =
        assertThrows(
            MalformedException.class, () -> TcgEventLog.parse(Arrays.copyOf(log, log.length - 7)));
    assertTrue(e.getMessage().startsWith("event log: event 44 eventSize"), e.getMessage());
  }
}
