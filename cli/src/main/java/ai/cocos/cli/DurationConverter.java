package ai.cocos.cli;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Reads durations the way Go's CLI wrote them ({@code 5s}, {@code 500ms}, {@code 2m}, {@code 1h})
 * or in ISO-8601 ({@code PT5S}).
 */
final class DurationConverter implements ITypeConverter<Duration> {

  @Override
  public Duration convert(String value) {
    String text = value.strip().toLowerCase(Locale.ROOT);
    try {
      Duration d;
      if (text.startsWith("p")) {
        d = Duration.parse(text.toUpperCase(Locale.ROOT));
      } else if (text.endsWith("ms")) {
        d = Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      } else if (text.endsWith("s")) {
        d = Duration.ofMillis(Math.round(Double.parseDouble(chop(text)) * 1000));
      } else if (text.endsWith("m")) {
        d = Duration.ofMillis(Math.round(Double.parseDouble(chop(text)) * 60_000));
      } else if (text.endsWith("h")) {
        d = Duration.ofMillis(Math.round(Double.parseDouble(chop(text)) * 3_600_000));
      } else {
        throw new TypeConversionException(invalid(value));
      }
      if (d.isNegative() || d.isZero()) {
        throw new TypeConversionException("'" + value + "' is not a positive duration");
      }
      return d;
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new TypeConversionException(invalid(value));
    }
  }

  /**
   * Formats a duration the short way this converter reads.
   *
   * @param d the duration
   * @return for example {@code 5s} or {@code 1500ms}
   */
  static String format(Duration d) {
    long millis = d.toMillis();
    return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
  }

  private static String chop(String text) {
    return text.substring(0, text.length() - 1);
  }

  private static String invalid(String value) {
    return "'" + value + "' is not a duration (use for example 5s, 500ms, 2m or PT5S)";
  }
}
