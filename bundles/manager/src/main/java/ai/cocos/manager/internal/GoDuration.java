package ai.cocos.manager.internal;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;

/**
 * Go's duration syntax ({@code time.ParseDuration}), as CocosAI clients send {@code CreateReq.ttl}:
 * an optional sign, then one or more decimal numbers, each with an optional fraction and a unit
 * ({@code ns}, {@code us}/{@code µs}, {@code ms}, {@code s}, {@code m}, {@code h}), e.g. {@code
 * 1h30m}, {@code 90s}, {@code 1.5h}. A lone {@code 0} is zero.
 */
final class GoDuration {
  private static final Map<String, Long> NANOS_PER_UNIT =
      Map.of(
          "ns", 1L,
          "us", 1_000L,
          "\u00b5s", 1_000L,
          "\u03bcs", 1_000L,
          "ms", 1_000_000L,
          "s", 1_000_000_000L,
          "m", 60_000_000_000L,
          "h", 3_600_000_000_000L);

  private GoDuration() {}

  /**
   * Parses a duration.
   *
   * @param text e.g. {@code 1h30m}
   * @return the duration
   * @throws IllegalArgumentException naming what is wrong, e.g. {@code invalid duration '1x':
   *     unknown unit 'x' (use ns, us, ms, s, m or h)}
   */
  static Duration parse(String text) {
    String s = text;
    if (s.isEmpty()) {
      throw new IllegalArgumentException("invalid duration '': empty");
    }
    boolean negative = false;
    if (s.charAt(0) == '-' || s.charAt(0) == '+') {
      negative = s.charAt(0) == '-';
      s = s.substring(1);
    }
    if (s.equals("0")) {
      return Duration.ZERO;
    }
    if (s.isEmpty()) {
      throw invalid(text, "no number");
    }
    BigDecimal total = BigDecimal.ZERO;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(start, i);
      if (number.isEmpty()
          || number.equals(".")
          || number.indexOf('.') != number.lastIndexOf('.')) {
        throw invalid(
            text, "expected a number at character " + (start + 1 + (text.length() - s.length())));
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw invalid(text, "missing unit after " + number + " (use ns, us, ms, s, m or h)");
      }
      Long nanos = NANOS_PER_UNIT.get(unit);
      if (nanos == null) {
        throw invalid(text, "unknown unit '" + unit + "' (use ns, us, ms, s, m or h)");
      }
      total = total.add(new BigDecimal(number).multiply(BigDecimal.valueOf(nanos)));
    }
    if (total.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw invalid(text, "too long (at most about 2562047h)");
    }
    long nanos = total.longValue();
    return Duration.ofNanos(negative ? -nanos : nanos);
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException("invalid duration '" + text + "': " + why);
  }
}
