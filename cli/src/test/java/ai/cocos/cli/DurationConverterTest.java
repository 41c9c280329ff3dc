package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class DurationConverterTest {
  private final DurationConverter converter = new DurationConverter();

  @Test
  void readsGoStyleAndIsoDurations() {
    assertEquals(Duration.ofSeconds(5), converter.convert("5s"));
    assertEquals(Duration.ofMillis(1500), converter.convert("1.5s"));
    assertEquals(Duration.ofMillis(250), converter.convert("250ms"));
    assertEquals(Duration.ofMinutes(2), converter.convert("2m"));
    assertEquals(Duration.ofHours(1), converter.convert("1h"));
    assertEquals(Duration.ofSeconds(7), converter.convert("PT7S"));
  }

  @Test
  void rejectsNonsenseAndNonPositiveValues() {
    assertThrows(TypeConversionException.class, () -> converter.convert("5"));
    assertThrows(TypeConversionException.class, () -> converter.convert("xs"));
    assertThrows(TypeConversionException.class, () -> converter.convert("0s"));
    assertThrows(TypeConversionException.class, () -> converter.convert("-1s"));
  }

  @Test
  void formatsShortly() {
    assertEquals("5s", DurationConverter.format(Duration.ofSeconds(5)));
    assertEquals("1500ms", DurationConverter.format(Duration.ofMillis(1500)));
  }
}
