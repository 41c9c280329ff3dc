package ai.cocos.attestation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void parsesValues() throws Exception {
    Object v =
        Json.parse(
            " {\"a\": [1, -2.5e1, 18446744073709551616, true, false, null, \"x\\u00e9\\n\"]} ");
    List<?> a = (List<?>) ((Map<?, ?>) v).get("a");
    assertEquals(1L, a.get(0));
    assertEquals(new BigDecimal("-2.5e1"), a.get(1));
    assertEquals(new BigInteger("18446744073709551616"), a.get(2));
    assertEquals(List.of(true, false), a.subList(3, 5));
    assertEquals(Json.NULL, a.get(5));
    assertEquals("xé\n", a.get(6));
  }

  @Test
  void refusesWhatIsNotStrictJson() {
    for (String bad :
        List.of(
            "",
            "{",
            "{\"a\":1,}",
            "[01]",
            "{\"a\":1,\"a\":2}",
            "\"\\ud800\"",
            "\"a\nb\"",
            "tru",
            "1 2",
            "{'a':1}")) {
      assertThrows(Json.JsonException.class, () -> Json.parse(bad), bad);
    }
    Json.JsonException e =
        assertThrows(Json.JsonException.class, () -> Json.parse("{\"a\":\n {\"b\": [1, x]}}"));
    assertTrue(
        e.getMessage().startsWith("not valid JSON at line 2, column 12 (a.b[1])"), e.getMessage());
    assertEquals("a.b[1]", e.path());
    assertThrows(Json.JsonException.class, () -> Json.parse("[".repeat(100) + "]".repeat(100)));
  }

  @Test
  void givesTheExactTextOfAMember() throws Exception {
    String doc = "{\"tcbInfo\":{\"id\":\"TDX\", \"v\" : [1,2]},\"signature\":\"ab\"}";
    assertEquals("{\"id\":\"TDX\", \"v\" : [1,2]}", Json.memberText(doc, "tcbInfo"));
    assertEquals("\"ab\"", Json.memberText(doc, "signature"));
    assertThrows(Json.JsonException.class, () -> Json.memberText(doc, "nope"));
  }

  @Test
  void writesParseableText() throws Exception {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("s", "q\"\\\u0001");
    m.put("l", List.of(1L, List.of(), Map.of()));
    m.put("n", Json.NULL);
    assertEquals(m.toString(), Json.parse(Json.write(m)).toString());
  }
}
