package ai.cocos.transport.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class GoDurationTest {

  @Test
  void parsesGoDurations() {
    assertEquals(Duration.ofMinutes(90), GoDuration.parsePositive("1h30m"));
    assertEquals(Duration.ofMinutes(90), GoDuration.parsePositive("1.5h"));
    assertEquals(Duration.ofSeconds(90), GoDuration.parsePositive("90s"));
    assertEquals(Duration.ofMillis(1500), GoDuration.parsePositive("1s500ms"));
    assertEquals(Duration.ofNanos(2500), GoDuration.parsePositive("2.5us"));
    assertEquals(Duration.ofNanos(2000), GoDuration.parsePositive("2\u00b5s"));
    assertEquals(Duration.ofSeconds(60), GoDuration.parsePositive("+60s"));
  }

  @Test
  void rejectsWhatGoRejectsAndZero() {
    assertEquals(
        "'5' is not a duration: the unit after 5 is missing (use ns, us, ms, s, m or h, for"
            + " example 1h30m)",
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parsePositive("5"))
            .getMessage());
    assertEquals(
        "'1d' is not a duration: unknown unit 'd' (use ns, us, ms, s, m or h, for example 1h30m)",
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parsePositive("1d"))
            .getMessage());
    for (String bad : new String[] {"", "h", "1..5s", "-1s", "0", "0s", "99999999999h"}) {
      assertThrows(IllegalArgumentException.class, () -> GoDuration.parsePositive(bad), bad);
    }
  }

  @Test
  void parseAcceptsSignsAndZero() {
    assertEquals(Duration.ofMinutes(90), GoDuration.parse("1h30m"));
    assertEquals(Duration.ofNanos(1500), GoDuration.parse("1us500ns"));
    assertEquals(Duration.ofSeconds(-1), GoDuration.parse("-1s"));
    assertEquals(Duration.ZERO, GoDuration.parse("0"));
    assertEquals(
        "'10' is not a duration: the unit after 10 is missing (use ns, us, ms, s, m or h, for"
            + " example 1h30m)",
        assertThrows(IllegalArgumentException.class, () -> GoDuration.parse("10")).getMessage());
    for (String bad : new String[] {"", "h", "-", "1..5s", "1d"}) {
      assertThrows(IllegalArgumentException.class, () -> GoDuration.parse(bad), bad);
    }
  }

  @Test
  void formatsAsGoDoes() {
    assertEquals("0s", GoDuration.format(Duration.ZERO));
    assertEquals("1h30m0s", GoDuration.format(Duration.ofMinutes(90)));
    assertEquals("1m30s", GoDuration.format(Duration.ofSeconds(90)));
    assertEquals("1h0m0s", GoDuration.format(Duration.ofHours(1)));
    assertEquals("1.5s", GoDuration.format(Duration.ofMillis(1500)));
    assertEquals("2m0.001s", GoDuration.format(Duration.ofMillis(120_001)));
    assertEquals("300ms", GoDuration.format(Duration.ofMillis(300)));
    assertEquals("1.5ms", GoDuration.format(Duration.ofNanos(1_500_000)));
    assertEquals("2\u00b5s", GoDuration.format(Duration.ofNanos(2000)));
    assertEquals("7ns", GoDuration.format(Duration.ofNanos(7)));
    assertEquals("50h0m0s", GoDuration.format(Duration.ofHours(50)));
  }
}
