package ai.cocos.transport.grpc;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/**
 * Go's duration syntax ({@code time.ParseDuration} and {@code Duration.String}), as CocosAI's
 * protocol and tools use it ({@code CreateReq.ttl}, {@code MANAGER_GRPC_TIMEOUT}): an optional
 * sign, then one or more decimal numbers, each with an optional fraction and a unit ({@code ns},
 * {@code us}/{@code µs}, {@code ms}, {@code s}, {@code m}, {@code h}), for example {@code 1h30m},
 * {@code 90s}, {@code 1.5h}. A lone {@code 0} is zero.
 */
public final class GoDuration {
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
   * Parses a duration, which may be negative or zero.
   *
   * @param text for example {@code 1h30m}, {@code -1s}, {@code 0}
   * @return the duration
   * @throws IllegalArgumentException naming what is wrong, for example {@code '1x' is not a
   *     duration: unknown unit 'x' (use ns, us, ms, s, m or h, for example 1h30m)}
   */
  public static Duration parse(String text) {
    String s = text.strip();
    if (s.isEmpty()) {
      throw invalid(text, "it is empty");
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
      throw invalid(text, "a number is missing");
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
        throw invalid(text, "a number is missing before '" + s.substring(start) + "'");
      }
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(unitStart, i);
      if (unit.isEmpty()) {
        throw invalid(text, "the unit after " + number + " is missing");
      }
      Long nanos = NANOS_PER_UNIT.get(unit);
      if (nanos == null) {
        throw invalid(text, "unknown unit '" + unit + "'");
      }
      total = total.add(new BigDecimal(number).multiply(BigDecimal.valueOf(nanos)));
    }
    if (total.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too long (at most about 2562047h)");
    }
    long nanos = total.longValue();
    return Duration.ofNanos(negative ? -nanos : nanos);
  }

  /**
   * Parses a duration that must be more than zero.
   *
   * @param text for example {@code 1h30m}
   * @return the duration, more than zero
   * @throws IllegalArgumentException naming what is wrong
   */
  public static Duration parsePositive(String text) {
    Duration d = parse(text);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a positive duration (for example 1h30m, 90s)");
    }
    return d;
  }

  /**
   * Formats a duration as Go's {@code Duration.String} does.
   *
   * @param d the duration, not negative, at most {@code Long.MAX_VALUE} nanoseconds
   * @return for example {@code 1h30m0s}, {@code 1m30s}, {@code 1.5s}, {@code 500ms}, {@code 0s}
   */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos < 0) {
      throw new IllegalArgumentException("negative duration " + d);
    }
    if (nanos == 0) {
      return "0s";
    }
    if (nanos < 1_000L) {
      return nanos + "ns";
    }
    if (nanos < 1_000_000L) {
      return fraction(nanos, 1_000L) + "\u00b5s";
    }
    if (nanos < 1_000_000_000L) {
      return fraction(nanos, 1_000_000L) + "ms";
    }
    long hours = nanos / 3_600_000_000_000L;
    long minutes = nanos / 60_000_000_000L % 60;
    long secondNanos = nanos % 60_000_000_000L;
    StringBuilder b = new StringBuilder();
    if (hours > 0) {
      b.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      b.append(minutes).append('m');
    }
    return b.append(fraction(secondNanos, 1_000_000_000L)).append('s').toString();
  }

  /** {@code value / unit} with the fraction's trailing zeros dropped, as Go prints it. */
  private static String fraction(long value, long unit) {
    return new BigDecimal(BigInteger.valueOf(value))
        .divide(BigDecimal.valueOf(unit))
        .stripTrailingZeros()
        .toPlainString();
  }

  private static IllegalArgumentException invalid(String text, String why) {
    return new IllegalArgumentException(
        "'"
            + text
            + "' is not a duration: "
            + why
            + " (use ns, us, ms, s, m or h, for example 1h30m)");
  }
}
