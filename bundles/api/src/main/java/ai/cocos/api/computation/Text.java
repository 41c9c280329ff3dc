package ai.cocos.api.computation;

/** Message helpers: how user input is quoted in error messages. */
final class Text {
  private static final int MAX_QUOTED = 64;

  private Text() {}

  /**
   * Quotes user input for a message: control characters escaped, long input shortened.
   *
   * @param s the input
   * @return e.g. {@code '../etc/passwd'}
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
   * Whether a character is a control character (C0, DEL or C1).
   *
   * @param c the character
   * @return {@code true} for U+0000-U+001F, U+007F and U+0080-U+009F
   */
  static boolean isControl(char c) {
    return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f);
  }

  /**
   * Whether a string holds a surrogate that is not part of a pair (so is not valid Unicode).
   *
   * @param s the string
   * @return {@code true} if it has an unpaired surrogate
   */
  static boolean hasUnpairedSurrogate(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          i++;
        } else {
          return true;
        }
      } else if (Character.isLowSurrogate(c)) {
        return true;
      }
    }
    return false;
  }
}
