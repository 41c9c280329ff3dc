package ai.cocos.manifest;

import static ai.cocos.manifest.TestMaterial.AGENT;
import static ai.cocos.manifest.TestMaterial.AGENT_KEY;
import static ai.cocos.manifest.TestMaterial.CA;
import static ai.cocos.manifest.TestMaterial.CLIENT_CA;
import static ai.cocos.manifest.TestMaterial.HASH_A;
import static ai.cocos.manifest.TestMaterial.HOSPITAL_A;
import static ai.cocos.manifest.TestMaterial.HOSPITAL_B;
import static ai.cocos.manifest.TestMaterial.LAB;
import static ai.cocos.manifest.TestMaterial.obj;
import static ai.cocos.manifest.TestMaterial.pem;
import static ai.cocos.manifest.TestMaterial.privatePem;
import static ai.cocos.manifest.TestMaterial.publicPem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.AgentConfig;
import ai.cocos.api.computation.Manifest;
import ai.cocos.api.computation.PublicKeyPem;
import ai.cocos.crypto.KeyType;
import ai.cocos.crypto.PemKeys;
import ai.cocos.manifest.internal.JsonText;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ManifestParserTest {
  private static final ManifestParser PARSER = new ManifestParser();

  static String json(Object tree) {
    return JsonText.pretty(tree);
  }

  static List<String> problems(ManifestParser parser, String json) {
    ManifestException e = assertThrows(ManifestException.class, () -> parser.parse(json));
    return e.problems().stream().map(ManifestProblem::text).toList();
  }

  static void assertRejected(Map<String, Object> tree, String... expected) {
    assertEquals(List.of(expected), problems(PARSER, json(tree)));
  }

  static void assertRejectedText(String json, String... expected) {
    assertEquals(List.of(expected), problems(PARSER, json));
  }

  @SuppressWarnings("unchecked")
  static List<Object> list(Map<String, Object> tree, String field) {
    return (List<Object>) tree.get(field);
  }

  // ---- valid input ----

  @Test
  void threePartyManifestParses() throws Exception {
    Manifest m = PARSER.parse(json(TestMaterial.valid()));

    assertEquals("c0ffee-42", m.id());
    assertEquals("Iris regression", m.name());
    assertEquals("Two hospitals, one lab.\nThe lab reads the result.", m.description());
    assertEquals(2, m.datasets().size());
    assertEquals(HASH_A, m.datasets().get(0).hash().hex());
    assertEquals(
        PublicKeyPem.of(HOSPITAL_A.getPublic().getEncoded()), m.datasets().get(0).userKey());
    assertEquals("hospital-a.csv", m.datasets().get(0).filename());
    assertFalse(m.datasets().get(0).decompress());
    assertEquals(
        PublicKeyPem.of(HOSPITAL_B.getPublic().getEncoded()), m.datasets().get(1).userKey());
    assertTrue(m.datasets().get(1).decompress());
    assertEquals("python", m.algorithm().type());
    assertEquals(List.of("--target", "sepal_width"), m.algorithm().args());
    assertEquals(PublicKeyPem.of(LAB.getPublic().getEncoded()), m.algorithm().userKey());
    assertEquals(1, m.resultConsumers().size());
    assertEquals(m.algorithm().userKey(), m.resultConsumers().get(0).userKey());
    AgentConfig c = m.agentConfig();
    assertEquals(7002, c.port());
    assertEquals(pem(AGENT, CA), c.certPem().orElseThrow());
    assertEquals(PemKeys.toPem(AGENT_KEY.getPrivate()), c.keyPem().orElseThrow());
    assertEquals(pem(CA), c.serverCaPem().orElseThrow());
    assertEquals(pem(CLIENT_CA), c.clientCaPem().orElseThrow());
    assertFalse(c.attestedTls());
    assertTrue(m.dataset("hospital-b.zip").isPresent());
  }

  @Test
  void toStringNeverShowsThePrivateKey() throws Exception {
    Manifest m = PARSER.parse(json(TestMaterial.valid()));
    String body = base64Body(privatePem(AGENT_KEY));
    assertFalse(m.toString().contains(body.substring(0, 20)));
    assertFalse(m.agentConfig().toString().contains("PRIVATE"));
    assertTrue(m.agentConfig().toString().contains("key=(redacted)"));
  }

  @Test
  void exampleManifestParses() throws Exception {
    try (InputStream in = getClass().getResourceAsStream("/example-manifest.json")) {
      Manifest m = PARSER.parse(in);
      assertEquals("3c8f1a52-7d4e-4b9a-9f0e-2b6d1c5e8a71", m.id());
      assertEquals(2, m.datasets().size());
      assertEquals("python", m.algorithm().type());
      assertEquals(m.algorithm().userKey(), m.resultConsumers().get(0).userKey());
      assertEquals(7002, m.agentConfig().port());
      assertTrue(m.agentConfig().keyPem().isPresent());
    }
  }

  @Test
  void optionalFieldsTakeTheirDefaults() throws Exception {
    Manifest m = PARSER.parse(json(TestMaterial.minimal()));
    assertEquals("", m.name());
    assertEquals("", m.description());
    assertEquals(List.of(), m.datasets());
    assertEquals("bin", m.algorithm().type());
    assertEquals(List.of(), m.algorithm().args());
    assertEquals(AgentConfig.DEFAULTS, m.agentConfig());
  }

  @Test
  void nullAndEmptyStringMeanAbsentForOptionalFields() throws Exception {
    Map<String, Object> t = TestMaterial.minimal();
    t.put("name", null);
    t.put("datasets", null);
    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("port", null);
    agent.put("cert_file", "");
    agent.put("key_file", "");
    agent.put("client_ca_file", null);
    agent.put("attested_tls", null);
    t.put("agent_config", agent);
    Manifest m = PARSER.parse(json(t));
    assertEquals("", m.name());
    assertEquals(AgentConfig.DEFAULTS, m.agentConfig());
  }

  @Test
  void cocosAiSpellingsAreAccepted() throws Exception {
    Map<String, Object> t = TestMaterial.valid();
    rename(obj(t, "datasets[0]"), "userKey", "user_key");
    rename(obj(t, "algorithm"), "userKey", "user_key");
    rename(obj(t, "algorithm"), "type", "algo_type");
    rename(obj(t, "algorithm"), "args", "algo_args");
    rename(obj(t, "result_consumers[0]"), "userKey", "user_key");
    obj(t, "agent_config").put("port", "7002");
    assertEquals(PARSER.parse(json(TestMaterial.valid())), PARSER.parse(json(t)));
  }

  @Test
  void rsaPublicKeyPkcs1AndDifferentWrappingGiveTheSameKey() throws Exception {
    Map<String, Object> t = TestMaterial.valid();
    byte[] spki = HOSPITAL_A.getPublic().getEncoded();
    obj(t, "datasets[0]")
        .put("userKey", "comment before\r\n" + pem("PUBLIC KEY", spki, 76, "\r\n"));
    assertEquals(PARSER.parse(json(TestMaterial.valid())), PARSER.parse(json(t)));
  }

  @Test
  void algorithmTypesAreAParameter() throws Exception {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "algorithm").put("type", "java");
    ManifestParser javaAgent = new ManifestParser(Set.of("bin", "java"), 4096 * 16);
    assertEquals("java", javaAgent.parse(json(t)).algorithm().type());
    assertEquals(
        List.of(
            "algorithm.type: 'java' is not an algorithm type this agent runs:"
                + " use one of bin, docker, python, wasm"),
        problems(PARSER, json(t)));
    obj(t, "algorithm").put("type", "python");
    assertEquals(
        List.of(
            "algorithm.type: 'python' is not an algorithm type this agent runs: use one of bin, java"),
        problems(javaAgent, json(t)));
  }

  @Test
  void portZeroMeansTheAgentsDefaultAndAStringOfDigitsIsAccepted() throws Exception {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").put("port", 0);
    assertEquals(0, PARSER.parse(json(t)).agentConfig().port());
    obj(t, "agent_config").put("port", "65535");
    assertEquals(65535, PARSER.parse(json(t)).agentConfig().port());
  }

  @Test
  void clientCaWithAttestedTlsNeedsNoCertificate() throws Exception {
    Map<String, Object> t = TestMaterial.minimal();
    Map<String, Object> agent = new LinkedHashMap<>();
    agent.put("port", 7002);
    agent.put("client_ca_file", pem(CLIENT_CA));
    agent.put("attested_tls", true);
    t.put("agent_config", agent);
    AgentConfig c = PARSER.parse(json(t)).agentConfig();
    assertTrue(c.attestedTls());
    assertTrue(c.certPem().isEmpty());
  }

  @Test
  void privateKeyInSec1OrRewrappedPkcs8IsNormalisedToOnePkcs8Text() throws Exception {
    AgentConfig expected = PARSER.parse(json(TestMaterial.valid())).agentConfig();
    var info =
        org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(AGENT_KEY.getPrivate().getEncoded());
    var curve = info.getPrivateKeyAlgorithm().getParameters();
    var d = org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getKey();
    byte[] sec1WithCurve = new org.bouncycastle.asn1.sec.ECPrivateKey(256, d, curve).getEncoded();
    byte[] sec1Bare = new org.bouncycastle.asn1.sec.ECPrivateKey(256, d).getEncoded();
    List<String> variants =
        List.of(
            pem("EC PRIVATE KEY", sec1WithCurve, 64, "\n"),
            // as openssl ecparam -genkey writes it: the curve in a block of its own
            pem("EC PARAMETERS", curve.toASN1Primitive().getEncoded(), 64, "\n")
                + pem("EC PRIVATE KEY", sec1Bare, 64, "\n"),
            pem("PRIVATE KEY", AGENT_KEY.getPrivate().getEncoded(), 76, "\r\n"));
    for (String variant : variants) {
      Map<String, Object> t = TestMaterial.valid();
      obj(t, "agent_config").put("key_file", variant);
      AgentConfig c = PARSER.parse(json(t)).agentConfig();
      assertTrue(c.keyPem().orElseThrow().startsWith("-----BEGIN PRIVATE KEY-----\n"));
      assertEquals(
          ManifestCanonical.text(PARSER.parse(json(TestMaterial.valid()))),
          ManifestCanonical.text(PARSER.parse(json(t))),
          "the canonical form does not depend on the key's encoding");
    }
    Map<String, Object> u = TestMaterial.valid();
    obj(u, "agent_config").put("key_file", variants.get(2));
    assertEquals(expected, PARSER.parse(json(u)).agentConfig());
  }

  @Test
  void aByteOrderMarkIsIgnored() throws Exception {
    byte[] body = json(TestMaterial.minimal()).getBytes(StandardCharsets.UTF_8);
    byte[] withBom = new byte[body.length + 3];
    withBom[0] = (byte) 0xef;
    withBom[1] = (byte) 0xbb;
    withBom[2] = (byte) 0xbf;
    System.arraycopy(body, 0, withBom, 3, body.length);
    assertEquals(PARSER.parse(body), PARSER.parse(withBom));
  }

  // ---- hashes ----

  @Test
  void hashOfWrongLength() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[1]").put("hash", HASH_A.substring(1));
    assertRejected(
        t, "datasets[1].hash: expected 64 lower-case hex digits (SHA3-256), found 63 characters");
  }

  @Test
  void hashInUpperCase() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "algorithm").put("hash", "A" + HASH_A.substring(1));
    assertRejected(
        t,
        "algorithm.hash: expected 64 lower-case hex digits (SHA3-256), found upper-case 'A' at"
            + " character 1");
  }

  @Test
  void hashWithANonHexDigit() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]").put("hash", HASH_A.substring(0, 11) + "g" + HASH_A.substring(12));
    assertRejected(
        t,
        "datasets[0].hash: expected 64 lower-case hex digits (SHA3-256), found 'g' at character 12");
  }

  @Test
  void hashWithAPrefix() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]").put("hash", "0x" + HASH_A);
    assertRejected(
        t,
        "datasets[0].hash: expected 64 lower-case hex digits (SHA3-256), found 66 characters"
            + " (drop the '0x' prefix)");
  }

  @Test
  void hashThatIsNotAString() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "algorithm").put("hash", 12);
    assertRejected(t, "algorithm.hash: expected a string, found a number");
  }

  // ---- public keys ----

  @Test
  void rsaKeyTooSmall() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "algorithm").put("userKey", publicPem(TestMaterial.generate("RSA", 1024)));
    assertRejected(t, "algorithm.userKey: RSA-1024 is too small: RSA keys need at least 2048 bits");
  }

  @Test
  void ecKeyOnAnotherCurve() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]").put("userKey", publicPem(TestMaterial.ec("secp521r1")));
    assertRejected(
        t,
        "datasets[0].userKey: ECDSA P-521 is not accepted: ECDSA keys must be on P-256 or P-384");
  }

  @Test
  void privateKeyWhereAPublicKeyBelongsIsRefusedWithoutQuotingIt() {
    Map<String, Object> t = TestMaterial.valid();
    String secret = privatePem(HOSPITAL_B);
    obj(t, "result_consumers[0]").put("userKey", secret);
    ManifestException e = assertThrows(ManifestException.class, () -> PARSER.parse(json(t)));
    assertEquals(
        List.of(
            "result_consumers[0].userKey: expected a PEM public key (PUBLIC KEY), found a"
                + " 'PRIVATE KEY' block: a manifest names public keys only, never put a private"
                + " key in it"),
        e.problems().stream().map(ManifestProblem::text).toList());
    assertFalse(e.getMessage().contains(base64Body(secret).substring(0, 16)));
  }

  @Test
  void keyThatIsNotPem() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]").put("userKey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI");
    assertRejected(
        t,
        "datasets[0].userKey: expected a PEM public key (-----BEGIN PUBLIC KEY-----), found no PEM"
            + " block (no -----BEGIN line)");
  }

  @Test
  void keyWithBrokenBase64() {
    Map<String, Object> t = TestMaterial.valid();
    String good = publicPem(HOSPITAL_A);
    obj(t, "datasets[0]").put("userKey", good.replace("\n-----END", "!!\n-----END"));
    assertRejected(t, "datasets[0].userKey: PEM block 1 ('PUBLIC KEY') holds malformed base64");
  }

  @Test
  void keyWithMismatchedEndLine() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]")
        .put("userKey", publicPem(HOSPITAL_A).replace("END PUBLIC KEY", "END PRIVATE KEY"));
    assertRejected(
        t,
        "datasets[0].userKey: PEM block 1 ('PUBLIC KEY') ends with a -----END line of another"
            + " label");
  }

  @Test
  void keyWhoseDerIsNotAKey() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]").put("userKey", pem("PUBLIC KEY", new byte[] {1, 2, 3, 4}, 64, "\n"));
    List<String> p = problems(PARSER, json(t));
    assertEquals(1, p.size());
    // The wording after the path is the crypto bundle's (PemKeys).
    assertTrue(p.get(0).startsWith("datasets[0].userKey: "), p.get(0));
  }

  @Test
  void twoKeysInOneField() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]").put("userKey", publicPem(HOSPITAL_A) + publicPem(HOSPITAL_B));
    assertRejected(t, "datasets[0].userKey: expected one PEM public key, found 2 PEM blocks");
  }

  // ---- structure ----

  @Test
  void unknownTopLevelField() {
    Map<String, Object> t = TestMaterial.valid();
    rename(t, "datasets", "datasetz");
    assertRejected(t, "unknown field 'datasetz' at top level (did you mean 'datasets'?)");
  }

  @Test
  void unknownFieldWithoutAnyNearName() {
    Map<String, Object> t = TestMaterial.valid();
    t.put("owner", "me");
    assertRejected(t, "unknown field 'owner' at top level");
  }

  @Test
  void unknownNestedFieldAlsoLeavesTheRealOneMissing() {
    Map<String, Object> t = TestMaterial.valid();
    rename(obj(t, "datasets[0]"), "hash", "hsah");
    assertRejected(
        t,
        "datasets[0]: unknown field 'hsah' (did you mean 'hash'?)",
        "datasets[0].hash: required field is missing");
  }

  @Test
  void oddFieldNamesAreQuotedInPaths() {
    String text = "{\"a\\nb\": {\"c\": 1, \"c\": 2}," + json(TestMaterial.minimal()).substring(1);
    assertRejectedText(
        text,
        "['a\\u000ab']: duplicate field 'c': give each field once",
        "unknown field 'a\\u000ab' at top level");
  }

  @Test
  void bothSpellingsOfOneField() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "algorithm").put("algo_type", "python");
    assertRejected(
        t,
        "algorithm: both 'type' and 'algo_type' are given: they name the same field, give it once");
  }

  @Test
  void duplicateNamesInAnObject() {
    String good = json(TestMaterial.minimal());
    assertRejectedText(
        good.replaceFirst("\\{", "{\"id\": \"other\","),
        "duplicate field 'id' at top level: give each field once");
    Map<String, Object> t = TestMaterial.valid();
    String text =
        json(t)
            .replaceFirst(
                "\"filename\": \"hospital-a.csv\"",
                "\"filename\": \"x.csv\", \"filename\": \"y.csv\"");
    assertRejectedText(text, "datasets[0]: duplicate field 'filename': give each field once");
  }

  @Test
  void missingRequiredFields() {
    Map<String, Object> t = TestMaterial.valid();
    t.remove("id");
    t.remove("algorithm");
    obj(t, "datasets[1]").remove("userKey");
    obj(t, "datasets[0]").remove("filename");
    assertRejected(
        t,
        "id: required field is missing",
        "datasets[0].filename: required field is missing",
        "datasets[1].userKey: required field is missing",
        "algorithm: required field is missing");
  }

  @Test
  void missingResultConsumers() {
    Map<String, Object> t = TestMaterial.valid();
    t.remove("result_consumers");
    assertRejected(t, "result_consumers: required field is missing");
  }

  @Test
  void emptyResultConsumers() {
    Map<String, Object> t = TestMaterial.valid();
    t.put("result_consumers", new ArrayList<>());
    assertRejected(
        t, "result_consumers: must name at least one consumer: nobody could download the results");
  }

  @Test
  void consumerNamedTwice() {
    Map<String, Object> t = TestMaterial.valid();
    Map<String, Object> again = new LinkedHashMap<>();
    again.put("user_key", publicPem(LAB));
    list(t, "result_consumers").add(again);
    assertRejected(
        t,
        "result_consumers[1].user_key: is the same key as result_consumers[0]: name each consumer"
            + " once");
  }

  @Test
  void wrongJsonTypes() {
    Map<String, Object> t = TestMaterial.valid();
    t.put("id", null);
    t.put("name", true);
    obj(t, "datasets[0]").put("decompress", "true");
    obj(t, "algorithm").put("args", new ArrayList<Object>(List.of("--x", 1)));
    obj(t, "agent_config").put("attested_tls", 1);
    obj(t, "agent_config").put("port", false);
    assertRejected(
        t,
        "id: expected a string, found null",
        "name: expected a string, found a boolean",
        "datasets[0].decompress: expected true or false, found a string (write true or false"
            + " without quotes)",
        "algorithm.args[1]: expected a string, found a number",
        "agent_config.port: expected an integer, found a boolean",
        "agent_config.attested_tls: expected true or false, found a number");
  }

  @Test
  void containersOfTheWrongType() {
    Map<String, Object> t = TestMaterial.valid();
    t.put("datasets", new LinkedHashMap<>());
    t.put("algorithm", new ArrayList<>());
    t.put("result_consumers", "me");
    t.put("agent_config", 7002);
    assertRejected(
        t,
        "datasets: expected an array, found an object",
        "algorithm: expected an object, found an array",
        "result_consumers: expected an array, found a string",
        "agent_config: expected an object, found a number");
  }

  @Test
  void everyProblemIsReportedAndTheMessageListsThem() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[1]").put("hash", "abc");
    obj(t, "datasets[0]").put("filename", "../etc/passwd");
    obj(t, "agent_config").put("port", 70000);
    ManifestException e = assertThrows(ManifestException.class, () -> PARSER.parse(json(t)));
    assertEquals(
        "3 problems in the manifest:\n"
            + "  datasets[0].filename: must be a plain file name, found '../etc/passwd'\n"
            + "  datasets[1].hash: expected 64 lower-case hex digits (SHA3-256), found 3"
            + " characters\n"
            + "  agent_config.port: must be 1-65535, or 0 for the agent's default port; found"
            + " 70000",
        e.getMessage());
  }

  // ---- ids, names, file names, args ----

  @Test
  void idWithASpace() {
    Map<String, Object> t = TestMaterial.valid();
    t.put("id", "my computation");
    assertRejected(
        t, "id: may hold only letters, digits, '.', '_', ':' and '-', found ' ' at character 3");
  }

  @Test
  void emptyId() {
    Map<String, Object> t = TestMaterial.valid();
    t.put("id", "");
    assertRejected(t, "id: must not be empty");
  }

  @Test
  void nameWithALineBreak() {
    Map<String, Object> t = TestMaterial.valid();
    t.put("name", "a\nb");
    assertRejected(t, "name: must not contain control characters, found \\u000a at character 2");
  }

  @Test
  void descriptionWithAnEscapeCharacter() {
    Map<String, Object> t = TestMaterial.valid();
    t.put("description", "ok\n\u001b[31mred");
    assertRejected(
        t,
        "description: must not contain control characters other than tab and line ends, found"
            + " \\u001b at character 4");
  }

  @Test
  void fileNamesThatAreNotPlain() {
    for (String bad : List.of("../etc/passwd", "a/b", "a\\b", ".", "..", "/abs")) {
      Map<String, Object> t = TestMaterial.valid();
      obj(t, "datasets[0]").put("filename", bad);
      assertRejected(t, "datasets[0].filename: must be a plain file name, found '" + bad + "'");
    }
  }

  @Test
  void fileNameWithAControlCharacter() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]").put("filename", "a\u0000b.csv");
    assertRejected(
        t,
        "datasets[0].filename: must be a plain file name without control characters, found"
            + " 'a\\u0000b.csv'");
  }

  @Test
  void fileNameLengthCountsUtf8Bytes() throws Exception {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[0]").put("filename", "é".repeat(127) + "x"); // 255 bytes
    PARSER.parse(json(t));
    obj(t, "datasets[0]").put("filename", "é".repeat(128)); // 256 bytes
    assertRejected(t, "datasets[0].filename: must be at most 255 bytes in UTF-8, found 256 bytes");
  }

  @Test
  void emptyFileName() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[1]").put("filename", "");
    assertRejected(t, "datasets[1].filename: must not be empty");
  }

  @Test
  void duplicateFileNames() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "datasets[1]").put("filename", "hospital-a.csv");
    assertRejected(
        t,
        "datasets[1].filename: 'hospital-a.csv' is already the file name of datasets[0]: each"
            + " dataset needs its own file name");
  }

  @Test
  void argumentWithNul() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "algorithm").put("args", new ArrayList<Object>(List.of("a\u0000b")));
    assertRejected(
        t, "algorithm.args[0]: must not contain a NUL character: no program can receive it");
  }

  @Test
  void unpairedSurrogateEscape() {
    String text =
        json(TestMaterial.minimal())
            .replace("\"id\": \"c1\"", "\"id\": \"c1\", \"name\": \"x\\ud800\"");
    assertRejectedText(
        text, "name: is not valid Unicode: unpaired surrogate \\ud800 at character 2");
  }

  // ---- agent_config ----

  @Test
  void portOutOfRange() {
    for (int port : new int[] {65536, -1}) {
      Map<String, Object> t = TestMaterial.valid();
      obj(t, "agent_config").put("port", port);
      assertRejected(
          t,
          "agent_config.port: must be 1-65535, or 0 for the agent's default port; found " + port);
    }
  }

  @Test
  void portThatIsNotAnInteger() {
    String text = json(TestMaterial.valid()).replace("\"port\": 7002", "\"port\": 7002.5");
    assertRejectedText(
        text, "agent_config.port: expected an integer, found a number with a fraction or exponent");
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").put("port", "70o2");
    assertRejected(t, "agent_config.port: expected an integer, found the string '70o2'");
  }

  @Test
  void certificateFieldThatIsNotPem() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").put("server_ca_file", "/etc/cocos/ca.pem");
    assertRejected(
        t,
        "agent_config.server_ca_file: expected PEM certificates (-----BEGIN CERTIFICATE-----),"
            + " found no PEM block (no -----BEGIN line)");
  }

  @Test
  void certificateFieldHoldingAKey() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").put("client_ca_file", pem(CA) + publicPem(HOSPITAL_A));
    assertRejected(
        t, "agent_config.client_ca_file: PEM block 2 is a 'PUBLIC KEY', expected a 'CERTIFICATE'");
  }

  @Test
  void certificateThatDoesNotParse() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config")
        .put("cert_file", pem("CERTIFICATE", new byte[] {48, 3, 2, 1, 0}, 64, "\n"));
    assertRejected(t, "agent_config.cert_file: PEM block 1 is not a readable X.509 certificate");
  }

  @Test
  void privateKeyThatDoesNotParseIsNeverQuoted() {
    Map<String, Object> t = TestMaterial.valid();
    byte[] der = AGENT_KEY.getPrivate().getEncoded();
    der[der.length / 2] ^= 0x55;
    der[3] ^= 0x7f;
    String broken = pem("PRIVATE KEY", der, 64, "\n");
    obj(t, "agent_config").put("key_file", broken);
    ManifestException e = assertThrows(ManifestException.class, () -> PARSER.parse(json(t)));
    assertEquals(1, e.problems().size());
    assertTrue(e.getMessage().startsWith("agent_config.key_file: "), e.getMessage());
    for (String line : broken.split("\n")) {
      if (!line.startsWith("-----")) {
        assertFalse(e.getMessage().contains(line.substring(0, 12)), e.getMessage());
      }
    }
    assertEquals(null, e.getCause());
  }

  @Test
  void encryptedPrivateKey() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config")
        .put("key_file", pem("ENCRYPTED PRIVATE KEY", new byte[] {48, 0}, 64, "\n"));
    assertRejected(
        t,
        "agent_config.key_file: is an encrypted private key: the agent needs it unencrypted"
            + " (openssl pkey -in key.pem -out plain.pem)");
  }

  @Test
  void privateKeyOfAnotherCertificate() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").put("key_file", privatePem(PemKeys.generate(KeyType.ECDSA)));
    assertRejected(
        t, "agent_config.key_file: is not the private key of the first certificate in cert_file");
  }

  @Test
  void certificateWithoutKeyAndKeyWithoutCertificate() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").remove("key_file");
    assertRejected(t, "agent_config.cert_file: is given without key_file: TLS needs both");
    Map<String, Object> u = TestMaterial.valid();
    obj(u, "agent_config").remove("cert_file");
    assertRejected(
        u,
        "agent_config.key_file: is given without cert_file: TLS needs both",
        "agent_config.client_ca_file: client certificates need TLS: also set cert_file and"
            + " key_file, or attested_tls");
  }

  @Test
  void clientCaWithoutTls() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").remove("cert_file");
    obj(t, "agent_config").remove("key_file");
    assertRejected(
        t,
        "agent_config.client_ca_file: client certificates need TLS: also set cert_file and"
            + " key_file, or attested_tls");
  }

  @Test
  void attestedTlsAsAString() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").put("attested_tls", "yes");
    assertRejected(t, "agent_config.attested_tls: expected true or false, found a string");
  }

  @Test
  void unknownAgentConfigField() {
    Map<String, Object> t = TestMaterial.valid();
    obj(t, "agent_config").put("attestedTls", true);
    assertRejected(t, "agent_config: unknown field 'attestedTls' (did you mean 'attested_tls'?)");
  }

  // ---- the document ----

  @Test
  void notJson() {
    List<String> p = problems(PARSER, "{\"id\": \"c1\",, }");
    assertEquals(1, p.size());
    assertTrue(p.get(0).startsWith("not valid JSON at line 1, column 13: "), p.get(0));
  }

  @Test
  void pemPastedWithRawLineBreaksGetsAHint() {
    String text =
        "{\"id\": \"c1\", \"algorithm\": {\"userKey\": \"-----BEGIN PUBLIC KEY-----\nMFkw\"}}";
    assertEquals(
        List.of(
            "not valid JSON at line 1, column 66: Illegal unquoted character ((CTRL-CHAR, code"
                + " 10)): has to be escaped using backslash to be included in string value"
                + " (inside a JSON string, write a line break as \\n, as in PEM text)"),
        problems(PARSER, text));
  }

  @Test
  void contentAfterTheObject() {
    List<String> p = problems(PARSER, json(TestMaterial.minimal()) + "{}");
    assertEquals(1, p.size());
    assertTrue(p.get(0).startsWith("not valid JSON at line "), p.get(0));
    assertTrue(p.get(0).endsWith(": content after the end of the top-level value"), p.get(0));
  }

  @Test
  void emptyInputAndNonObjects() {
    assertEquals(List.of("manifest is empty"), problems(PARSER, "  \n"));
    assertEquals(
        List.of("expected a JSON object at top level, found an array"), problems(PARSER, "[]"));
    assertEquals(
        List.of("expected a JSON object at top level, found a string"), problems(PARSER, "\"x\""));
  }

  @Test
  void jsonExtensionsAreRefused() {
    String withComment = json(TestMaterial.minimal()).replaceFirst("\\{", "{ // note\n");
    assertTrue(problems(PARSER, withComment).get(0).startsWith("not valid JSON at line 1"));
    String withTrailingComma = "{\"id\": \"c1\",}";
    assertTrue(problems(PARSER, withTrailingComma).get(0).startsWith("not valid JSON"));
  }

  @Test
  void deepNestingIsRefused() {
    String deep = "[".repeat(40) + "]".repeat(40);
    List<String> p = problems(PARSER, "{\"x\": " + deep + "}");
    assertEquals(List.of("x" + "[0]".repeat(31) + ": JSON nested deeper than 32 levels"), p);
  }

  @Test
  void sizeLimit() throws IOException {
    Map<String, Object> t = TestMaterial.minimal();
    t.put("description", "x".repeat(ManifestParser.DEFAULT_MAX_BYTES));
    String big = json(t);
    String expected = "manifest is larger than the limit of 1 MiB (1048576 bytes)";
    assertEquals(List.of(expected), problems(PARSER, big));
    ManifestException e =
        assertThrows(
            ManifestException.class,
            () -> PARSER.parse(new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8))));
    assertEquals(expected, e.getMessage());
    e =
        assertThrows(
            ManifestException.class, () -> PARSER.parse(big.getBytes(StandardCharsets.UTF_8)));
    assertEquals(expected, e.getMessage());
    ManifestParser small = new ManifestParser(ManifestParser.DEFAULT_ALGORITHM_TYPES, 1000);
    assertEquals(
        List.of("manifest is larger than the limit of 1000 bytes"),
        problems(small, json(TestMaterial.valid())));
  }

  @Test
  void sizeLimitCountsBytesNotCharacters() throws Exception {
    Map<String, Object> t = TestMaterial.minimal();
    t.put("description", "é".repeat(600));
    String text = json(t);
    assertTrue(text.length() < 2000 && text.getBytes(StandardCharsets.UTF_8).length > 2000);
    ManifestParser limit = new ManifestParser(ManifestParser.DEFAULT_ALGORITHM_TYPES, 2000);
    assertEquals(List.of("manifest is larger than the limit of 2000 bytes"), problems(limit, text));
  }

  @Test
  void invalidUtf8() {
    byte[] bytes = "{\"id\": \"c\u00e9\"}".getBytes(StandardCharsets.UTF_8);
    bytes[9] = (byte) 0xff;
    ManifestException e = assertThrows(ManifestException.class, () -> PARSER.parse(bytes));
    assertEquals(
        "manifest is not valid UTF-8: malformed byte sequence at byte offset 9", e.getMessage());
  }

  @Test
  void validateNormalisesAManifestBuiltInCode() throws Exception {
    Manifest parsed = PARSER.parse(json(TestMaterial.valid()));
    AgentConfig c = parsed.agentConfig();
    String crlf = c.certPem().orElseThrow().replace("\n", "\r\n");
    Manifest built =
        new Manifest(
            parsed.id(),
            parsed.name(),
            parsed.description(),
            parsed.datasets(),
            parsed.algorithm(),
            parsed.resultConsumers(),
            new AgentConfig(
                c.port(),
                java.util.Optional.of(crlf),
                c.keyPem(),
                c.serverCaPem(),
                c.clientCaPem(),
                c.attestedTls()));
    assertFalse(parsed.equals(built));
    assertEquals(parsed, PARSER.validate(built));
  }

  // ---- helpers ----

  private static void rename(Map<String, Object> m, String from, String to) {
    Map<String, Object> copy = new LinkedHashMap<>(m);
    m.clear();
    copy.forEach((k, v) -> m.put(k.equals(from) ? to : k, v));
  }

  static String base64Body(String pem) {
    StringBuilder b = new StringBuilder();
    for (String line : pem.split("\r?\n")) {
      if (!line.startsWith("-----")) {
        b.append(line);
      }
    }
    Base64.getDecoder().decode(b.toString());
    return b.toString();
  }
}
