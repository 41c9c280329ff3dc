package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.cocos.api.tee.Policy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyDocumentTest {
  static final String M1 =
      "A1F3930413247BB38CFC171579EA3C12D5FE4901F0C792F63FD75D98F1EF827C23500644E0E692E6BE917F9050D3D38C";

  static String snp(String body) {
    return "{\"platform\":\"snp\",\"snp\":{\"measurements\":[\"" + M1 + "\"]" + body + "}}";
  }

  static List<String> problems(String json) {
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyDocument.parse(json));
    return e.problems().stream().map(PolicyProblem::text).toList();
  }

  @Test
  void parsesAndNormalises() throws Exception {
    Policy p =
        PolicyDocument.parse(
            snp(",\"products\":[\"milan\"],\"vmpl\":[0,1],\"minimum_tcb\":{\"snp\":8},"
                    + "\"debug_allowed\":false")
                .replace(
                    "{\"platform\":\"snp\",", "{\"platform\":\"snp\",\"report_data\":\"0x0102\","));
    assertEquals("snp", p.platform());
    assertEquals("0102", p.rules().get("report_data"));
    @SuppressWarnings("unchecked")
    Map<String, Object> s = (Map<String, Object>) p.rules().get("snp");
    assertEquals(List.of(M1.toLowerCase()), s.get("measurements"));
    assertEquals(List.of("Milan"), s.get("products"));
    assertEquals(List.of(0L, 1L), s.get("vmpl"));
    assertEquals(Map.of("snp", 8L), s.get("minimum_tcb"));
    PolicyRules r = PolicyRules.of(p).section("snp").orElseThrow();
    assertEquals("snp.measurements", r.path("measurements"));
    assertEquals(false, r.bool("debug_allowed", true));
  }

  @Test
  void writesWhatItReads() throws Exception {
    Policy p =
        PolicyDocument.parse(
            snp(
                ",\"host_data\":[\""
                    + "ab".repeat(32)
                    + "\"],\"roots\":[\""
                    + "cd".repeat(32)
                    + "\"],\"minimum_tcb\":{\"microcode\":115,\"bootloader\":3}"));
    String text = PolicyDocument.standard().write(p);
    assertTrue(
        text.startsWith("{\n  \"platform\": \"snp\",\n  \"snp\": {\n    \"measurements\""), text);
    assertTrue(text.indexOf("bootloader") < text.indexOf("microcode"), "documented order: " + text);
    assertEquals(p, PolicyDocument.parse(text));
  }

  @Test
  void everyProblemNamesItsPath() {
    List<String> p =
        problems(
            "{\"platform\":\"snp\",\"allow_emulatd\":true,\"snp\":{\"measurements\":[\"abcd\"],"
                + "\"host_data\":[],\"vmpl\":[4],\"debug_allowed\":\"no\",\"products\":[\"Rome\"],"
                + "\"minimum_tcb\":{\"ucode\":1}},\"tdx\":{}}");
    assertTrue(
        p.stream()
            .anyMatch(
                x ->
                    x.startsWith(
                        "allow_emulatd: unknown field \"allow_emulatd\" (did you mean \"allow_emulated\"?)")),
        p.toString());
    assertTrue(
        p.contains(
            "snp.measurements[0]: expected 96 hex digits (48 bytes), found 4 hex digits (2 bytes)"),
        p.toString());
    assertTrue(
        p.stream()
            .anyMatch(x -> x.startsWith("snp.host_data: an empty allow-list accepts nothing")),
        p.toString());
    assertTrue(p.contains("snp.vmpl[0]: expected an integer from 0 to 3, found 4"), p.toString());
    assertTrue(
        p.contains("snp.debug_allowed: expected true or false, found a string"), p.toString());
    assertTrue(
        p.contains(
            "snp.products[0]: \"Rome\" is not accepted: expected one of Milan, Genoa, Turin"),
        p.toString());
    assertTrue(
        p.stream().anyMatch(x -> x.startsWith("snp.minimum_tcb.ucode: unknown field")),
        p.toString());
    assertTrue(
        p.stream()
            .anyMatch(x -> x.startsWith("tdx: section \"tdx\" does not apply to platform snp")),
        p.toString());
  }

  @Test
  void refusesPoliciesThatPinNoMeasurement() {
    for (String json :
        List.of(
            "{\"platform\":\"snp\"}",
            "{\"platform\":\"snp\",\"snp\":{\"vmpl\":[0]}}",
            "{\"platform\":\"tdx\",\"tdx\":{\"debug_allowed\":false}}",
            "{\"platform\":\"vtpm\",\"vtpm\":{\"nonce\":\"00\"}}",
            "{\"platform\":\"azure-snp-vtpm\",\"snp\":{\"vmpl\":[0]}}",
            "{\"platform\":\"emulated\",\"snp\":{\"measurements\":[\"" + M1 + "\"]}}")) {
      List<String> p = problems(json);
      assertTrue(
          p.stream().anyMatch(x -> x.startsWith("the policy pins no measurement")),
          json + " -> " + p);
    }
  }

  @Test
  void refusesSyntaxAndTypeErrors() {
    assertTrue(problems("").get(0).contains("empty"));
    assertTrue(problems("[]").get(0).contains("a policy is a JSON object"));
    assertTrue(
        problems("{\"platform\":\"snp\",\"platform\":\"tdx\"}")
            .get(0)
            .contains("duplicate member \"platform\""));
    assertTrue(
        problems("{\"platform\":\"sgx\"}")
            .get(0)
            .startsWith("platform: expected one of snp, tdx, vtpm"));
    assertTrue(problems("{\"platform\":\"snp\"} x").get(0).contains("content after the end"));
    assertTrue(problems("{\"snp\":{}}").stream().anyMatch(x -> x.startsWith("platform: missing")));
  }

  @Test
  void checksTheOtherSections() throws Exception {
    Policy t =
        PolicyDocument.parse(
            "{\"platform\":\"tdx\",\"tdx\":{\"mrtd\":[\""
                + "00".repeat(48)
                + "\"],\"rtmrs\":[[\""
                + "11".repeat(48)
                + "\",null,null,null]],\"accepted_tcb_status\":[\"uptodate\"],"
                + "\"minimum_tee_tcb_svn\":\""
                + "03".repeat(16)
                + "\"}}");
    assertEquals(
        List.of("UpToDate"),
        PolicyRules.of(t)
            .section("tdx")
            .orElseThrow()
            .strings("accepted_tcb_status")
            .orElseThrow());
    Policy v =
        PolicyDocument.parse(
            "{\"platform\":\"vtpm\",\"vtpm\":{\"pcrs\":{\"sha256\":{\"7\":[\""
                + "aa".repeat(32)
                + "\"],\"0\":[\""
                + "bb".repeat(32)
                + "\"]}},\"nonce\":\"0011\"}}");
    Object pcrs = PolicyRules.of(v).section("vtpm").orElseThrow().raw("pcrs");
    assertEquals(
        "{sha256={0=[" + "bb".repeat(32) + "], 7=[" + "aa".repeat(32) + "]}}", pcrs.toString());
    List<String> p =
        problems(
            "{\"platform\":\"vtpm\",\"vtpm\":{\"pcrs\":{\"sha256\":{\"24\":[\""
                + "aa".repeat(32)
                + "\"],\"1\":[\""
                + "aa".repeat(20)
                + "\"]},\"md5\":{}}}}");
    assertTrue(
        p.contains("vtpm.pcrs.sha256.24: PCR index must be a decimal number from 0 to 23"),
        p.toString());
    assertTrue(
        p.contains(
            "vtpm.pcrs.sha256.1[0]: expected 64 hex digits (32 bytes), found 40 hex digits (20 bytes)"),
        p.toString());
    assertTrue(
        p.stream().anyMatch(x -> x.startsWith("vtpm.pcrs.md5: unknown PCR bank")), p.toString());
    List<String> r =
        problems(
            "{\"platform\":\"tdx\",\"tdx\":{\"mrtd\":[\""
                + "00".repeat(48)
                + "\"],\"rtmrs\":[[null]]}}");
    assertTrue(
        r.contains("tdx.rtmrs[0]: expected an array of exactly 4 RTMR values (hex or null)"),
        r.toString());
  }

  @Test
  void validatesPoliciesBuiltInCode() {
    Policy ok =
        new Policy("snp", Map.of("snp", Map.of("measurements", List.of(M1), "vmpl", List.of(0))));
    assertEquals(List.of(), PolicyDocument.standard().validate(ok));
    Policy bad = new Policy("snp", Map.of("snp", Map.of("measurements", List.of())));
    assertTrue(
        PolicyDocument.standard()
            .validate(bad)
            .get(0)
            .text()
            .startsWith("snp.measurements: an empty allow-list"));
  }

  @Test
  void readsFilesAndRefusesNonUtf8(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("p.json");
    Files.writeString(f, snp(""), StandardCharsets.UTF_8);
    assertEquals("snp", PolicyDocument.read(f).platform());
    Files.write(f, new byte[] {'{', (byte) 0xff, '}'});
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyDocument.read(f));
    assertTrue(e.getMessage().contains("is not UTF-8"), e.getMessage());
  }

  @Test
  void schemaCanBeExtended() throws Exception {
    PolicyDocument d =
        new PolicyDocument(
            PolicySchema.standard()
                .with("tdx", "minimum_seam_svn", PolicySchema.FieldType.uint(255)));
    Policy p =
        d.read(
            "{\"platform\":\"tdx\",\"tdx\":{\"mrtd\":[\""
                + "00".repeat(48)
                + "\"],\"minimum_seam_svn\":3}}");
    assertEquals(
        3L, PolicyRules.of(p).section("tdx").orElseThrow().number("minimum_seam_svn").getAsLong());
    assertThrows(
        PolicyException.class,
        () ->
            PolicyDocument.parse(
                "{\"platform\":\"tdx\",\"tdx\":{\"mrtd\":[\""
                    + "00".repeat(48)
                    + "\"],\"minimum_seam_svn\":3}}"));
  }
}
