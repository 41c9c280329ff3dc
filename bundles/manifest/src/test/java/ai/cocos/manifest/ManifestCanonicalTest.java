package ai.cocos.manifest;

import static ai.cocos.manifest.ManifestParserTest.base64Body;
import static ai.cocos.manifest.ManifestParserTest.json;
import static ai.cocos.manifest.TestMaterial.AGENT;
import static ai.cocos.manifest.TestMaterial.AGENT_KEY;
import static ai.cocos.manifest.TestMaterial.CA;
import static ai.cocos.manifest.TestMaterial.HASH_A;
import static ai.cocos.manifest.TestMaterial.HASH_B;
import static ai.cocos.manifest.TestMaterial.HOSPITAL_A;
import static ai.cocos.manifest.TestMaterial.HOSPITAL_B;
import static ai.cocos.manifest.TestMaterial.LAB;
import static ai.cocos.manifest.TestMaterial.obj;
import static ai.cocos.manifest.TestMaterial.pem;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class ManifestCanonicalTest {
  private static final ManifestParser PARSER = new ManifestParser();

  @Test
  void sameManifestWrittenDifferentlyHasTheSameBytes() throws Exception {
    byte[] base = ManifestCanonical.bytes(PARSER.parse(json(TestMaterial.valid())));

    // Reversed member order everywhere, no whitespace at all.
    String compactReversed = compact(reversed(TestMaterial.valid()));
    // PEM re-wrapped at 76 columns with CRLF, a comment before each block, RSA key as PKCS#1.
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]")
        .put(
            "userKey",
            "Subject: hospital A\n"
                + pem("PUBLIC KEY", HOSPITAL_A.getPublic().getEncoded(), 76, "\r\n"));
    byte[] pkcs1 =
        org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(LAB.getPublic().getEncoded())
            .parsePublicKey()
            .getEncoded();
    obj(t, "algorithm").put("userKey", pem("RSA PUBLIC KEY", pkcs1, 64, "\n"));
    obj(t, "agent_config")
        .put(
            "cert_file",
            "# agent\n"
                + pem("CERTIFICATE", AGENT.getEncoded(), 76, "\r\n")
                + "\n# CA\n"
                + pem("CERTIFICATE", CA.getEncoded(), 40, "\n"));
    obj(t, "agent_config")
        .put("key_file", pem("PRIVATE KEY", AGENT_KEY.getPrivate().getEncoded(), 72, "\r\n"));
    String indented = json(t).replace("\n", "\n\t  ");

    assertArrayEquals(base, ManifestCanonical.bytes(PARSER.parse(compactReversed)));
    assertArrayEquals(base, ManifestCanonical.bytes(PARSER.parse(indented)));
  }

  @Test
  void everyFieldChangesTheBytes() throws Exception {
    List<Consumer<Map<String, Object>>> changes =
        List.of(
            t -> t.put("id", "c0ffee-43"),
            t -> t.put("name", "Iris regression 2"),
            t -> t.put("description", "other"),
            t -> obj(t, "datasets[0]").put("hash", TestMaterial.sha3Hex("other rows")),
            t -> obj(t, "datasets[0]").put("userKey", TestMaterial.publicPem(HOSPITAL_B)),
            t -> obj(t, "datasets[0]").put("filename", "hospital-a2.csv"),
            t -> obj(t, "datasets[0]").put("decompress", true),
            t -> Collections.reverse(list(t, "datasets")),
            t -> list(t, "datasets").remove(1),
            t -> obj(t, "algorithm").put("hash", HASH_B),
            t -> obj(t, "algorithm").put("userKey", TestMaterial.publicPem(HOSPITAL_A)),
            t -> obj(t, "algorithm").put("type", "wasm"),
            t -> obj(t, "algorithm").put("args", new ArrayList<Object>(List.of("--target"))),
            t ->
                obj(t, "algorithm")
                    .put("args", new ArrayList<Object>(List.of("sepal_width", "--target"))),
            t -> obj(t, "result_consumers[0]").put("userKey", TestMaterial.publicPem(HOSPITAL_A)),
            t -> {
              Map<String, Object> c = new LinkedHashMap<>();
              c.put("userKey", TestMaterial.publicPem(HOSPITAL_B));
              list(t, "result_consumers").add(c);
            },
            t -> obj(t, "agent_config").put("port", 7003),
            t -> obj(t, "agent_config").put("cert_file", pem(AGENT)),
            t -> {
              var key = PemKeys.generate(KeyType.ECDSA);
              var cert =
                  TestMaterial.certificate(
                      "agent.test", key, "Test CA", TestMaterial.CA_KEY, false);
              obj(t, "agent_config").put("cert_file", pem(cert, CA));
              obj(t, "agent_config").put("key_file", TestMaterial.privatePem(key));
            },
            t -> obj(t, "agent_config").remove("server_ca_file"),
            t -> obj(t, "agent_config").put("client_ca_file", pem(CA)),
            t -> obj(t, "agent_config").put("attested_tls", true));
    List<String> seen = new ArrayList<>();
    seen.add(ManifestCanonical.text(PARSER.parse(json(TestMaterial.valid()))));
    for (int i = 0; i < changes.size(); i++) {
      Map<String, Object> t = TestMaterial.valid();
      changes.get(i).accept(t);
      String text = ManifestCanonical.text(PARSER.parse(json(t)));
      assertFalse(seen.contains(text), "change " + i + " did not change the canonical form");
      seen.add(text);
    }
  }

  @Test
  void exactFormat() throws Exception {
    Map<String, Object> t = TestMaterial.minimal();
    t.put("name", "n");
    t.put("description", "tab\there \"q\" back\\slash é 😀\r\n");
    t.put(
        "datasets",
        new ArrayList<Object>(
            List.of(
                TestMaterial.dataset(HASH_A, TestMaterial.publicPem(HOSPITAL_A), "a.csv", true))));
    obj(t, "algorithm").put("args", new ArrayList<Object>(List.of("x", "y")));
    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("port", 7002);
    t.put("agent_config", agent);
    Manifest m = PARSER.parse(json(t));
    String a = TestMaterial.publicPem(HOSPITAL_A).replace("\n", "\\n");
    String lab = TestMaterial.publicPem(LAB).replace("\n", "\\n");
    String expected =
        "{\"agent_config\":{\"attested_tls\":false,\"cert_file\":null,\"client_ca_file\":null,"
            + "\"key_file_public_key\":null,\"port\":7002,\"server_ca_file\":null},"
            + "\"algorithm\":{\"args\":[\"x\",\"y\"],\"hash\":\""
            + TestMaterial.HASH_ALGO
            + "\",\"type\":\"bin\",\"userKey\":\""
            + lab
            + "\"},"
            + "\"datasets\":[{\"decompress\":true,\"filename\":\"a.csv\",\"hash\":\""
            + HASH_A
            + "\",\"userKey\":\""
            + a
            + "\"}],"
            + "\"description\":\"tab\\there \\\"q\\\" back\\\\slash é 😀\\r\\n\","
            + "\"id\":\"c1\",\"name\":\"n\","
            + "\"result_consumers\":[{\"userKey\":\""
            + lab
            + "\"}]}";
    assertEquals(expected, ManifestCanonical.text(m));
    assertArrayEquals(expected.getBytes(StandardCharsets.UTF_8), ManifestCanonical.bytes(m));
  }

  @Test
  void privateKeyIsBoundByItsPublicHalfAndNeverIncluded() throws Exception {
    Manifest m = PARSER.parse(json(TestMaterial.valid()));
    String text = ManifestCanonical.text(m);
    String body = base64Body(TestMaterial.privatePem(AGENT_KEY));
    assertFalse(text.contains(body.substring(0, 16)));
    assertFalse(text.contains("PRIVATE KEY"));
    String publicHalf = TestMaterial.publicPem(AGENT_KEY).replace("\n", "\\n");
    assertTrue(text.contains("\"key_file_public_key\":\"" + publicHalf + "\""), text);
  }

  @Test
  void digestIsSha3OfTheCanonicalBytes() throws Exception {
    Manifest m = PARSER.parse(json(TestMaterial.valid()));
    byte[] expected = MessageDigest.getInstance("SHA3-256").digest(ManifestCanonical.bytes(m));
    assertTrue(ManifestSignature.digest(m).matches(expected));
  }

  // ---- helpers ----

  @SuppressWarnings("unchecked")
  private static List<Object> list(Map<String, Object> t, String field) {
    return (List<Object>) t.get(field);
  }

  @SuppressWarnings("unchecked")
  private static Object reversed(Object v) {
    if (v instanceof Map<?, ?> m) {
      List<String> keys = new ArrayList<>((java.util.Set<String>) m.keySet());
      Collections.reverse(keys);
      Map<String, Object> out = new LinkedHashMap<>();
      for (String k : keys) {
        out.put(k, reversed(m.get(k)));
      }
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      for (Object o : l) {
        out.add(reversed(o));
      }
      return out;
    }
    return v;
  }

  private static String compact(Object tree) {
    return ai.cocos.manifest.internal.JsonText.canonical(tree);
  }
}
