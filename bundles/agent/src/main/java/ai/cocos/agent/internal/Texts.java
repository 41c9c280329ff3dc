package ai.cocos.agent.internal;

import java.util.Locale;

/** How user input and sizes appear in messages. */
final class Texts {
  private static final int MAX_QUOTED = 64;

  private Texts() {}

  /**
   * Quotes user input for a message: control characters escaped, long input shortened.
   *
   * @param s the input
   * @return e.g. {@code 'b.csv'}
   */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("'");
    int n = Math.min(s.length(), MAX_QUOTED);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) || Character.isSurrogate(c)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (s.length() > MAX_QUOTED) {
      b.append('…');
    }
    return b.append('\'').toString();
  }

  /**
   * A byte count for people.
   *
   * @param bytes the count
   * @return e.g. {@code 512 B}, {@code 8.0 MiB}, {@code 1.2 GiB}
   */
  static String bytes(long bytes) {
    if (bytes < 1024) {
      return bytes + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = bytes;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
