package ai.cocos.manifest.internal;

import java.util.Collection;

/** How user input appears in messages, and small string helpers. */
public final class Text {
  private static final int MAX_QUOTED = 64;

  private Text() {}

  /**
   * Quotes user input for a message: control characters and lone surrogates escaped, long input
   * shortened. Never use it on secret input.
   *
   * @param s the input
   * @return e.g. {@code '../etc/passwd'}
   */
  public static String quote(String s) {
    StringBuilder b = new StringBuilder("'");
    int n = Math.min(s.length(), MAX_QUOTED);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (isControl(c) || Character.isSurrogate(c)) {
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
   * Whether a character is a control character (C0, DEL or C1).
   *
   * @param c the character
   * @return {@code true} for U+0000-U+001F, U+007F and U+0080-U+009F
   */
  public static boolean isControl(char c) {
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
  }

  /**
   * The index of the first surrogate that is not part of a pair.
   *
   * @param s the string
   * @return the index, or -1 if the string is valid Unicode
   */
  public static int unpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return i;
        }
      } else if (Character.isLowSurrogate(c)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * The closest candidate to a misspelt name, for a "did you mean" hint.
   *
   * @param name what was written
   * @param candidates the names that would have been accepted
   * @return the candidate at edit distance 1 or 2 (ignoring case), or {@code null}
   */
  public static String closest(String name, Collection<String> candidates) {
    String best = null;
    int bestDistance = 3;
    for (String c : candidates) {
      int d =
          distance(name.toLowerCase(java.util.Locale.ROOT), c.toLowerCase(java.util.Locale.ROOT));
      if (d < bestDistance) {
        bestDistance = d;
        best = c;
      }
    }
    return best;
  }

  private static int distance(String a, String b) {
    if (Math.abs(a.length() - b.length()) > 2) {
      return Integer.MAX_VALUE;
    }
    int[] prev = new int[b.length() + 1];
    int[] cur = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      prev[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      cur[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
      }
      int[] t = prev;
      prev = cur;
      cur = t;
    }
    return prev[b.length()];
  }
}
