package ai.cocos.manager.internal;

/** How untrusted text (metadata from agents, request fields) appears in logs and messages. */
final class Text {
  private static final int MAX = 128;

  private Text() {}

  /**
   * Untrusted text made safe for a log line: control characters escaped, long text shortened.
   *
   * @param s the text, possibly {@code null}
   * @return e.g. {@code 3f2a...}
   */
  static String printable(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder();
    int n = Math.min(s.length(), MAX);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f)) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (s.length() > MAX) {
      b.append('…');
    }
    return b.toString();
  }

  /**
   * Whether a value can be written as one {@code KEY=VALUE} line: no line break and no NUL.
   *
   * @param s the value
   * @return {@code true} if it fits on one line
   */
  static boolean oneLine(String s) {
    return s.indexOf('\n') < 0 && s.indexOf('\r') < 0 && s.indexOf('\0') < 0;
  }
}
