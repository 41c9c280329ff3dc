package ai.cocos.manifest;

import static ai.cocos.manifest.ManifestParserTest.json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.computation.Manifest;
import java.util.List;
import org.junit.jupiter.api.Test;

class ManifestWriterTest {
  private static final ManifestParser PARSER = new ManifestParser();

  @Test
  void writtenManifestParsesBackEqual() throws Exception {
    for (Manifest m :
        List.of(
            PARSER.parse(json(TestMaterial.valid())), PARSER.parse(json(TestMaterial.minimal())))) {
      String written = ManifestWriter.toJson(m);
      Manifest back = PARSER.parse(written);
      assertEquals(m, back);
      assertEquals(written, ManifestWriter.toJson(back), "stable output");
    }
  }

  @Test
  void exampleFileRoundTrips() throws Exception {
    Manifest m;
    try (var in = getClass().getResourceAsStream("/example-manifest.json")) {
      m = PARSER.parse(in);
    }
    assertEquals(m, PARSER.parse(ManifestWriter.toJson(m)));
  }

  @Test
  void layoutIsPrettyInSchemaOrder() throws Exception {
    Manifest m = PARSER.parse(json(TestMaterial.minimal()));
    String expected =
        "{\n"
            + "  \"id\": \"c1\",\n"
            + "  \"name\": \"\",\n"
            + "  \"description\": \"\",\n"
            + "  \"datasets\": [],\n"
            + "  \"algorithm\": {\n"
            + "    \"hash\": \""
            + TestMaterial.HASH_ALGO
            + "\",\n"
            + "    \"userKey\": \""
            + m.algorithm().userKey().pem().replace("\n", "\\n")
            + "\",\n"
            + "    \"type\": \"bin\",\n"
            + "    \"args\": []\n"
            + "  },\n"
            + "  \"result_consumers\": [\n"
            + "    {\n"
            + "      \"userKey\": \""
            + m.algorithm().userKey().pem().replace("\n", "\\n")
            + "\"\n"
            + "    }\n"
            + "  ],\n"
            + "  \"agent_config\": {\n"
            + "    \"port\": 0,\n"
            + "    \"attested_tls\": false\n"
            + "  }\n"
            + "}\n";
    assertEquals(expected, ManifestWriter.toJson(m));
  }

  @Test
  void fullManifestKeepsFieldOrder() throws Exception {
    String written = ManifestWriter.toJson(PARSER.parse(json(TestMaterial.valid())));
    List<String> order =
        List.of(
            "\"id\"",
            "\"name\"",
            "\"description\"",
            "\"datasets\"",
            "\"hash\"",
            "\"userKey\"",
            "\"filename\"",
            "\"decompress\"",
            "\"algorithm\"",
            "\"type\"",
            "\"args\"",
            "\"result_consumers\"",
            "\"agent_config\"",
            "\"port\"",
            "\"cert_file\"",
            "\"key_file\"",
            "\"server_ca_file\"",
            "\"client_ca_file\"",
            "\"attested_tls\"");
    int at = -1;
    for (String name : order) {
      int next = written.indexOf(name, at + 1);
      assertTrue(next > at, name + " out of order in\n" + written);
      at = next;
    }
  }
}
