package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class TargetTest {

  @Test
  void parsesHostAndPort() {
    assertEquals(new Target("localhost", 7002), Target.parse("localhost:7002"));
    assertEquals(new Target("::1", 7002), Target.parse("[::1]:7002"));
    assertEquals("[::1]:7002", Target.parse("[::1]:7002").toString());
  }

  @Test
  void rejectsWhatIsNotHostColonPort() {
    for (String bad :
        new String[] {
          "localhost", ":7002", "host:", "host:x", "host:70000", "::1:7002", "unix:///run/a.sock"
        }) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Target.parse(bad), bad);
      assertEquals(true, e.getMessage().startsWith("invalid address '" + bad + "'"), e::getMessage);
    }
  }
}
