package ai.cocos.api.computation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecordsTest {
  private static final Sha3Hash HASH = new Sha3Hash(new byte[32]);
  private static final PublicKeyPem KEY = key();

  private static PublicKeyPem key() {
    try {
      return PublicKeyPem.of(
          KeyPairGenerator.getInstance("Ed25519").generateKeyPair().getPublic().getEncoded());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static AlgorithmSpec algorithm() {
    return new AlgorithmSpec(HASH, KEY, "bin", List.of());
  }

  private static List<ResultConsumer> consumers() {
    return List.of(new ResultConsumer(KEY));
  }

  @Test
  void filenameRules() {
    assertEquals(Optional.empty(), DatasetSpec.filenameProblem("data.csv"));
    assertEquals(Optional.empty(), DatasetSpec.filenameProblem(".hidden"));
    assertEquals(Optional.empty(), DatasetSpec.filenameProblem("a".repeat(255)));
    assertEquals(Optional.of("must not be empty"), DatasetSpec.filenameProblem(""));
    for (String bad : List.of("a/b", "a\\b", ".", "..", "../x")) {
      assertEquals(
          Optional.of("must be a plain file name, found '" + bad + "'"),
          DatasetSpec.filenameProblem(bad));
    }
    assertEquals(
        Optional.of("must be a plain file name without control characters, found 'a\\u0085b'"),
        DatasetSpec.filenameProblem("a\u0085b"));
    assertEquals(
        Optional.of("must be at most 255 bytes in UTF-8, found 256 bytes"),
        DatasetSpec.filenameProblem("a".repeat(256)));
    assertEquals(
        Optional.of("must be valid Unicode, found an unpaired surrogate"),
        DatasetSpec.filenameProblem("a\ud800"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new DatasetSpec(HASH, KEY, "..", false));
    assertEquals("filename must be a plain file name, found '..'", e.getMessage());
  }

  @Test
  void algorithmCopiesArgsAndRefusesNul() {
    List<String> args = new ArrayList<>(List.of("a"));
    AlgorithmSpec a = new AlgorithmSpec(HASH, KEY, "bin", args);
    args.add("b");
    assertEquals(List.of("a"), a.args());
    assertThrows(UnsupportedOperationException.class, () -> a.args().add("c"));
    assertThrows(
        IllegalArgumentException.class, () -> new AlgorithmSpec(HASH, KEY, "bin", List.of("\0")));
    assertThrows(
        IllegalArgumentException.class, () -> new AlgorithmSpec(HASH, KEY, " ", List.of()));
  }

  @Test
  void agentConfigNeverPrintsItsKey() {
    String secret = "-----BEGIN PRIVATE KEY-----\nTOPSECRET\n-----END PRIVATE KEY-----\n";
    AgentConfig c =
        new AgentConfig(
            7002,
            Optional.of("cert"),
            Optional.of(secret),
            Optional.empty(),
            Optional.empty(),
            true);
    assertFalse(c.toString().contains("TOPSECRET"));
    assertEquals(
        "AgentConfig[port=7002, cert=present, key=(redacted), serverCa=absent, clientCa=absent,"
            + " attestedTls=true]",
        c.toString());
    Manifest m = new Manifest("c1", "", "", List.of(), algorithm(), consumers(), c);
    assertFalse(m.toString().contains("TOPSECRET"));
  }

  @Test
  void agentConfigChecks() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new AgentConfig(
                65536,
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                false));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new AgentConfig(
                1, Optional.of("c"), Optional.empty(), Optional.empty(), Optional.empty(), false));
    assertEquals(0, AgentConfig.DEFAULTS.port());
  }

  @Test
  void manifestInvariants() {
    DatasetSpec a = new DatasetSpec(HASH, KEY, "a.csv", false);
    IllegalArgumentException dup =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Manifest(
                    "c1", "", "", List.of(a, a), algorithm(), consumers(), AgentConfig.DEFAULTS));
    assertEquals("datasets[1] has the file name 'a.csv' of datasets[0]", dup.getMessage());
    IllegalArgumentException none =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new Manifest(
                    "c1", "", "", List.of(), algorithm(), List.of(), AgentConfig.DEFAULTS));
    assertEquals("resultConsumers is empty: nobody could download the results", none.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Manifest("a b", "", "", List.of(), algorithm(), consumers(), AgentConfig.DEFAULTS));
    Manifest m =
        new Manifest("c1", "", "", List.of(a), algorithm(), consumers(), AgentConfig.DEFAULTS);
    assertTrue(m.dataset("a.csv").isPresent());
    assertTrue(m.dataset("A.csv").isEmpty());
  }

  @Test
  void idRules() {
    assertEquals(Optional.empty(), Manifest.idProblem("3c8f1a52-7d4e-4b9a-9f0e-2b6d1c5e8a71"));
    assertEquals(Optional.empty(), Manifest.idProblem("1"));
    assertEquals(Optional.of("must not be empty"), Manifest.idProblem(""));
    assertEquals(Optional.of("must not be '.' or '..'"), Manifest.idProblem(".."));
    assertEquals(
        Optional.of("must be at most 128 characters, found 129"),
        Manifest.idProblem("a".repeat(129)));
    assertEquals(
        Optional.of(
            "may hold only letters, digits, '.', '_', ':' and '-', found '/' at character 2"),
        Manifest.idProblem("a/b"));
  }
}
